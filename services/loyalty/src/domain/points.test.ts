import { describe, expect, it } from 'vitest';
import { seededRandom } from '@wagerflow/testing';
import { accrualPoints } from './points.js';

const rates = { houseEdgeBps: 500, pointsPerUnitBps: 100 };

describe('accrualPoints (SPEC 4.7)', () => {
  it('is floor(wagered × edge / 10⁴ × rate × multiplier / 10⁸)', () => {
    // 1,000.00 wagered (100,000 cents) at 5 %: theo 5,000; × 100 bps = 50 points at ×1.00, 62.5 → 62 at ×1.25.
    expect(accrualPoints(100_000, rates, 10_000)).toBe(50);
    expect(accrualPoints(100_000, rates, 12_500)).toBe(62);
    expect(accrualPoints(100_000, rates, 15_000)).toBe(75);
    expect(accrualPoints(100_000, rates, 20_000)).toBe(100);
  });

  it('floors once, on the exact fraction (theo is not rounded on its own)', () => {
    // theo = 199 × 500 / 10⁴ = 9.95; at 10,000 bps a unit and ×1.25: 12.4375 → 12 (rounding theo first would give 11).
    expect(accrualPoints(199, { houseEdgeBps: 500, pointsPerUnitBps: 10_000 }, 12_500)).toBe(12);
    expect(accrualPoints(0, rates, 20_000)).toBe(0);
    expect(accrualPoints(1_999, rates, 10_000)).toBe(0);
    expect(accrualPoints(2_000, rates, 10_000)).toBe(1);
  });

  it('matches exact rational arithmetic where floats would drift, up to large slips', () => {
    const rand = seededRandom(47);
    for (let i = 0; i < 2_000; i++) {
      const wagered = Math.floor(rand() * 10 ** (1 + Math.floor(rand() * 12)));
      const edge = Math.floor(rand() * 10_000);
      const rate = Math.floor(rand() * 20_000);
      const mult = 10_000 + Math.floor(rand() * 20_000);
      const exact = (BigInt(wagered) * BigInt(edge) * BigInt(rate) * BigInt(mult)) / 10n ** 12n;
      expect(accrualPoints(wagered, { houseEdgeBps: edge, pointsPerUnitBps: rate }, mult)).toBe(Number(exact));
    }
  });

  it('refuses negative or fractional inputs', () => {
    expect(() => accrualPoints(-1, rates, 10_000)).toThrow(/wagered/);
    expect(() => accrualPoints(1.5, rates, 10_000)).toThrow(/wagered/);
    expect(() => accrualPoints(10, { houseEdgeBps: -5, pointsPerUnitBps: 100 }, 10_000)).toThrow(/houseEdgeBps/);
    expect(() => accrualPoints(10, rates, Number.NaN)).toThrow(/tierMultiplierBps/);
  });
});
