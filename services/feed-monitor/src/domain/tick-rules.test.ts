import { describe, it, expect } from 'vitest';
import { seededRandom } from '@wagerflow/testing';
import { TICK_FUTURE_TOLERANCE_MS as CONTRACT_TOLERANCE_MS } from '@wagerflow/contracts';
import { TICK_FUTURE_TOLERANCE_MS, nextSimulatedPrice } from './tick-rules.js';

/** A Box–Muller gaussian from a seeded PRNG. */
const gaussians = (seed: number) => {
  const r = seededRandom(seed);
  return () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
};
const isCents = (x: number) => Math.abs(x * 100 - Math.round(x * 100)) < 1e-6;

describe('tick time tolerance', () => {
  it("is SPEC 3's 1 s into the future, the same constant the gateway checks with", () => {
    // SPEC 3: ts ∈ [previous ts, now + 1 s]; a different value here would let feed-monitor and the gateway disagree.
    expect(TICK_FUTURE_TOLERANCE_MS).toBe(1_000);
    expect(TICK_FUTURE_TOLERANCE_MS).toBe(CONTRACT_TOLERANCE_MS);
  });
});

describe('nextSimulatedPrice', () => {
  it('returns the price unchanged for a zero shock', () => {
    expect(nextSimulatedPrice(100_000, 5, 250, 0)).toBe(100_000);
    expect(nextSimulatedPrice(12.34, 5, 250, 0)).toBe(12.34);
  });

  it('moves by price × σ√Δt × gaussian, rounded to cents', () => {
    // σ√Δt = 5 bps × √1 = 0.0005 → 100 000 × 0.0005 = 50 per unit shock
    expect(nextSimulatedPrice(100_000, 5, 1_000, 1)).toBe(100_050);
    expect(nextSimulatedPrice(100_000, 5, 1_000, -2)).toBe(99_900);
    // Δt = 250 ms → √0.25 = 0.5 → 25 per unit shock
    expect(nextSimulatedPrice(100_000, 5, 250, 1)).toBe(100_025);
    // 101.23 × (1 + 0.0005 × 0.3) = 101.2451845 → 101.25
    expect(nextSimulatedPrice(101.23, 5, 1_000, 0.3)).toBe(101.25);
    expect(nextSimulatedPrice(101.23, 5, 1_000, -0.3)).toBe(101.21);
  });

  it('rounds to cents', () => {
    expect(nextSimulatedPrice(100_000.005, 0, 1_000, 0)).toBe(100_000.01);
    expect(nextSimulatedPrice(3.14159, 0, 1_000, 0)).toBe(3.14);
  });

  it('never goes to zero or below', () => {
    expect(nextSimulatedPrice(0.01, 10_000, 1_000, -5)).toBe(0.01);
    expect(nextSimulatedPrice(100, 10_000, 1_000, -3)).toBe(0.01);
    expect(nextSimulatedPrice(0.004, 0, 1_000, 0)).toBe(0.01);
  });

  it('stays positive and on cents over a long random walk', () => {
    const g = gaussians(42);
    let price = 100_000;
    for (let i = 0; i < 20_000; i++) {
      price = nextSimulatedPrice(price, 50, 250, g());
      if (!(price > 0) || !isCents(price)) throw new Error(`step ${i}: ${price}`);
    }
    expect(price).toBeGreaterThanOrEqual(0.01);
    // and a hugely volatile walk pinned at the floor stays valid too
    let wild = 1;
    for (let i = 0; i < 1_000; i++) wild = nextSimulatedPrice(wild, 5_000, 1_000, g() * 3);
    expect(wild).toBeGreaterThanOrEqual(0.01);
    expect(isCents(wild)).toBe(true);
  });
});
