import { describe, it, expect } from 'vitest';
import { BPS, betLiability, bpsToMultiplier, multiplierToBps, winPayout } from './money.js';

/** Every 2-decimal multiplier from 1.01 to 100.00 as the JSON number a client sends, with its bps. */
function everyMultiplier(): { text: string; value: number; bps: number }[] {
  const out: { text: string; value: number; bps: number }[] = [];
  for (let hundredths = 101; hundredths <= 10_000; hundredths++) {
    const text = `${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}`;
    out.push({ text, value: JSON.parse(text) as number, bps: hundredths * 100 });
  }
  return out;
}

describe('BPS', () => {
  it('is 10 000 basis points per unit', () => {
    expect(BPS).toBe(10_000);
  });
});

describe('winPayout', () => {
  it('is exact where floating point is not (100 × 1.15)', () => {
    expect(100 * 1.15).toBe(114.99999999999999); // the trap this function exists to avoid
    expect(winPayout(100, 11_500)).toBe(115);
  });

  it('pays the maximum stake at the maximum multiplier exactly', () => {
    expect(winPayout(100_000, 1_000_000)).toBe(10_000_000);
  });

  it('rounds down to the cent', () => {
    expect(winPayout(10, 10_100)).toBe(10); // 10.1 → 10
    expect(winPayout(99, 10_100)).toBe(99); // 99.99 → 99
    expect(winPayout(199, 10_050)).toBe(199); // 199.995 → 199
    expect(winPayout(3, 33_300)).toBe(9); // 9.99 → 9
    expect(winPayout(101, 19_900)).toBe(200); // 200.99 → 200
  });

  it('is the total return, stake included', () => {
    expect(winPayout(1_000, 20_000)).toBe(2_000);
    expect(winPayout(10, 10_000)).toBe(10);
    expect(winPayout(1, 1_000_000)).toBe(100);
  });

  it('stays exact beyond 2^53 intermediate products', () => {
    // 9e15 × 1e6 overflows double precision; the BigInt path does not.
    expect(winPayout(9_000_000_000_000_001, 10_000)).toBe(Number(9_000_000_000_000_001n));
    expect(winPayout(1_000_000_000_000, 12_345)).toBe(1_234_500_000_000);
    expect(winPayout(999_999_999_999, 19_999)).toBe(Number((999_999_999_999n * 19_999n) / 10_000n));
  });

  it('matches floor(stake × bps / 10 000) computed in BigInt for every multiplier at several stakes', () => {
    const wrong: string[] = [];
    for (const { bps } of everyMultiplier()) {
      for (const stake of [10, 99, 100, 101, 12_345, 100_000]) {
        const want = Number((BigInt(stake) * BigInt(bps)) / 10_000n);
        if (winPayout(stake, bps) !== want) wrong.push(`${stake}×${bps}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('is zero for a zero stake', () => {
    expect(winPayout(0, 19_000)).toBe(0);
  });
});

describe('multiplierToBps / bpsToMultiplier', () => {
  it('converts known values', () => {
    expect(multiplierToBps(1.15)).toBe(11_500);
    expect(multiplierToBps(1.01)).toBe(10_100);
    expect(multiplierToBps(100)).toBe(1_000_000);
    expect(multiplierToBps(0.29)).toBe(2_900); // 0.29 × 100 = 28.999999999999996
    expect(bpsToMultiplier(11_500)).toBe(1.15);
    expect(bpsToMultiplier(1_000_000)).toBe(100);
    expect(bpsToMultiplier(10_100)).toBe(1.01);
  });

  it('floors sub-hundredth basis points when showing a multiplier', () => {
    expect(bpsToMultiplier(18_999)).toBe(1.89);
    expect(bpsToMultiplier(10_001)).toBe(1);
  });

  it('round-trips every 2-decimal multiplier from 1.01 to 100.00 exactly', () => {
    const all = everyMultiplier();
    expect(all).toHaveLength(9_900);
    expect(all[0]).toEqual({ text: '1.01', value: 1.01, bps: 10_100 });
    expect(all.at(-1)).toEqual({ text: '100.00', value: 100, bps: 1_000_000 });
    const wrong: string[] = [];
    for (const { text, value, bps } of all) {
      if (multiplierToBps(value) !== bps) wrong.push(`toBps(${text}) = ${multiplierToBps(value)}`);
      if (bpsToMultiplier(bps) !== value) wrong.push(`toMultiplier(${bps}) = ${bpsToMultiplier(bps)}`);
      if (JSON.stringify(bpsToMultiplier(bps)) !== JSON.stringify(value)) wrong.push(`JSON ${text}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('betLiability', () => {
  it('is the payout beyond the stake', () => {
    expect(betLiability(100, 11_500)).toBe(15);
    expect(betLiability(100_000, 1_000_000)).toBe(9_900_000);
    expect(betLiability(10, 10_100)).toBe(0); // 10.1 floors to 10
    expect(betLiability(99, 10_100)).toBe(0); // 99.99 floors to 99
    expect(betLiability(100, 10_100)).toBe(1);
    expect(betLiability(1_000, 19_000)).toBe(900);
  });

  it('is never negative for multipliers ≥ 1', () => {
    expect(everyMultiplier().filter(({ bps }) => betLiability(37, bps) < 0)).toEqual([]);
  });
});
