import { describe, expect, it } from 'vitest';
import { DEFAULT_TIERS, parseTiers, tierFor } from './loyalty-tiers.js';

describe('tiers', () => {
  const tiers = parseTiers(DEFAULT_TIERS);

  it("defaults to SPEC 4.7's four tiers", () => {
    expect(tiers).toEqual([
      { name: 'bronze', minPoints: 0, multiplierBps: 10_000 },
      { name: 'silver', minPoints: 1_000, multiplierBps: 12_500 },
      { name: 'gold', minPoints: 5_000, multiplierBps: 15_000 },
      { name: 'platinum', minPoints: 20_000, multiplierBps: 20_000 },
    ]);
  });

  it('takes the highest threshold reached', () => {
    expect(tierFor(0, tiers).name).toBe('bronze');
    expect(tierFor(999, tiers).name).toBe('bronze');
    expect(tierFor(1_000, tiers).name).toBe('silver');
    expect(tierFor(4_999, tiers).name).toBe('silver');
    expect(tierFor(5_000, tiers).name).toBe('gold');
    expect(tierFor(20_000, tiers).name).toBe('platinum');
    expect(tierFor(10_000_000, tiers).name).toBe('platinum');
  });

  it('refuses a list that cannot be a ladder', () => {
    expect(() => parseTiers('bronze:10:10000')).toThrow(/start at 0/);
    expect(() => parseTiers('bronze:0:10000,silver:0:12500')).toThrow(/ascending/);
    expect(() => parseTiers('bronze:0:10000,gold:500:15000,silver:100:12500')).toThrow(/ascending/);
    expect(() => parseTiers('bronze:0:10000,bronze:5:12500')).toThrow(/unique/);
    expect(() => parseTiers('bronze:0:9000')).toThrow(/at least 10000/);
    expect(() => parseTiers('bronze:0')).toThrow(/name:minPoints:multiplierBps/);
    expect(() => parseTiers('Bronze:0:10000')).toThrow(/name:minPoints:multiplierBps/);
    expect(() => parseTiers('bronze:0:1.5')).toThrow(/name:minPoints:multiplierBps/);
  });
});
