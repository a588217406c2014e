import { describe, expect, it } from 'vitest';
import { Histogram, bucketIndex, bucketUpperBound } from './histogram.js';

/** The textbook nearest-rank percentile on a sorted array: the oracle the histogram approximates. */
function nearestRank(sorted: number[], p: number): number {
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
}

describe('bucketIndex / bucketUpperBound', () => {
  it('is exact below 128 and contiguous above', () => {
    for (let v = 0; v < 128; v++) expect(bucketIndex(v)).toBe(v);
    let previous = bucketIndex(127);
    for (let v = 128; v < 20_000; v++) {
      const i = bucketIndex(v);
      expect(i === previous || i === previous + 1).toBe(true);
      previous = i;
    }
  });

  it('puts every value in a bucket whose upper bound is within 1/64 above it', () => {
    for (const v of [128, 129, 255, 256, 1_000, 12_345, 999_999, 2 ** 31 + 7, 5e10]) {
      const upper = bucketUpperBound(bucketIndex(v));
      expect(upper).toBeGreaterThanOrEqual(v);
      expect((upper - v) / v).toBeLessThan(1 / 64);
    }
  });
});

describe('Histogram', () => {
  it('reports nothing when empty', () => {
    expect(new Histogram().summary()).toEqual({ count: 0, p50: null, p95: null, p99: null, max: null, mean: null });
  });

  it('gives exact percentiles for sub-128 µs values and the exact max', () => {
    const h = new Histogram();
    for (let us = 1; us <= 100; us++) h.recordMs(us / 1000);
    expect(h.percentileMs(50)).toBe(0.05);
    expect(h.percentileMs(99)).toBe(0.099);
    expect(h.maxMs).toBe(0.1);
  });

  it('matches nearest-rank percentiles of a sorted array within 1.6 %', () => {
    const values: number[] = [];
    let seed = 42;
    const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const h = new Histogram();
    for (let i = 0; i < 20_000; i++) {
      // Heavy tail: mostly a few ms, sometimes hundreds.
      const v = Math.round((rand() < 0.97 ? 1 + rand() * 9 : 50 + rand() * 900) * 1000) / 1000;
      values.push(v);
      h.recordMs(v);
    }
    values.sort((a, b) => a - b);
    for (const p of [50, 90, 95, 99, 99.9]) {
      const exact = nearestRank(values, p);
      const approx = h.percentileMs(p)!;
      expect(approx).toBeGreaterThanOrEqual(exact);
      expect((approx - exact) / exact).toBeLessThan(1 / 64);
    }
    expect(h.maxMs).toBe(values[values.length - 1]);
    expect(h.summary().mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 2);
  });

  it('never reports a percentile above the recorded maximum', () => {
    const h = new Histogram();
    h.recordMs(1000.001);
    expect(h.percentileMs(100)).toBe(1000.001);
  });

  it('merges samples', () => {
    const a = new Histogram();
    const b = new Histogram();
    for (let i = 0; i < 99; i++) a.recordMs(1);
    b.recordMs(500);
    a.merge(b);
    expect(a.count).toBe(100);
    // 1 ms = 1000 µs sits in the bucket [992, 1007] µs: reported as its upper bound.
    expect(a.percentileMs(99)).toBe(1.007);
    expect(a.percentileMs(100)).toBe(500);
  });

  it('clamps negative durations to zero', () => {
    const h = new Histogram();
    h.recordMs(-3);
    expect(h.percentileMs(50)).toBe(0);
  });
});
