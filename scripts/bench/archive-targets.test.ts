import { describe, expect, it } from 'vitest';
import { MAX_P99_RATIO, judgeArchive, perSecond } from './archive-targets.js';
import type { LatencySummary } from './histogram.js';
import type { E2eResult } from './result-types.js';

const lat = (p99: number | null, errors = 0): { latencyMs: LatencySummary; errors: E2eResult['errors'] } => ({
  latencyMs: { count: p99 === null ? 0 : 100, p50: p99, p95: p99, p99, max: p99, mean: p99 },
  errors: { http5xx: errors, timeouts: 0, network: 0, noOutcome: 0, total: errors },
});
const clean = { seededBetsLeft: 0, walletsChecked: 10, drift: 0, filesOnDisk: 1, bytesOnDisk: 1 };

describe('perSecond', () => {
  it('divides rows by the run seconds', () => {
    expect(perSecond(1_000_000, 10_000, 60_000)).toBe(20_000);
  });
  it('is null without a positive duration', () => {
    expect(perSecond(5, null, 1)).toBeNull();
    expect(perSecond(5, 1, null)).toBeNull();
    expect(perSecond(5, 2, 2)).toBeNull();
  });
});

describe('judgeArchive', () => {
  it('meets the p99 target at exactly 1.20 and misses just above', () => {
    expect(judgeArchive(lat(50), lat(50 * MAX_P99_RATIO), clean, true).p99RatioMet).toBe(true);
    const missed = judgeArchive(lat(50), lat(61), clean, true);
    expect(missed.p99RatioMet).toBe(false);
    expect(missed.p99Ratio).toBeCloseTo(1.22, 5);
  });
  it('does not judge the ratio without both p99s', () => {
    expect(judgeArchive(lat(null), lat(40), clean, true)).toMatchObject({ p99Ratio: null, p99RatioMet: null });
    expect(judgeArchive(lat(40), lat(null), clean, true).p99RatioMet).toBeNull();
  });
  it('counts any error during the run (a 503 shed bet) against it, whatever the p99', () => {
    expect(judgeArchive(lat(10), lat(10, 2), clean, true)).toMatchObject({ p99RatioMet: true, noErrorsDuring: false });
    expect(judgeArchive(lat(10, 5), lat(10), clean, true).noErrorsDuring).toBe(true);
  });
  it('flags seeded bets left and drift', () => {
    const t = judgeArchive(lat(10), lat(10), { ...clean, seededBetsLeft: 3, drift: 1 }, false);
    expect(t).toMatchObject({ allArchived: false, noDrift: false, runSucceeded: false });
  });
});
