import { describe, expect, it } from 'vitest';
import { NONCE_BUCKET_MS, nonceBuckets, nonceMember } from './nonce-buckets.js';

const B = NONCE_BUCKET_MS;

/** Would a check at `checkAt` (checker's clock) see a nonce spent at `spentAt` (spender's clock)? */
function seen(spentAt: number, checkAt: number): boolean {
  const spent = nonceBuckets(spentAt);
  const check = nonceBuckets(checkAt);
  // The spent bucket must still exist when checked (Redis expires it at spent.expireAtMs, on the checker's clock ± skew).
  return check.check.includes(spent.current) && checkAt < spent.expireAtMs;
}

describe('nonce buckets', () => {
  it('a nonce is refused for the whole 90 s after it was spent, wherever in its bucket it fell', () => {
    for (const offset of [0, 1, B / 2, B - 1]) {
      const t = 1_700_000_000_000 - (1_700_000_000_000 % B) + offset;
      for (let d = 0; d <= 90_000; d += 250) expect(seen(t, t + d), `offset ${offset}, +${d} ms`).toBe(true);
    }
  });

  it('still refused with gateway clocks up to one bucket apart', () => {
    const t = 1_700_000_003_210;
    for (const skew of [-B, -B / 2, 0, B / 2, B]) {
      for (let d = 0; d <= 90_000; d += 500) expect(seen(t, t + d + skew), `skew ${skew}, +${d} ms`).toBe(true);
    }
  });

  it('checks a bounded number of buckets, the current one included, and lets a bucket go about two minutes on', () => {
    const b = nonceBuckets(1_700_000_003_210);
    expect(b.check).toHaveLength(12);
    expect(b.check).toContain(b.current);
    expect(b.check[b.check.length - 1]).toBe(b.current + 1);
    expect(b.expireAtMs - 1_700_000_003_210).toBeGreaterThan(90_000 + B);
    expect(b.expireAtMs - 1_700_000_003_210).toBeLessThanOrEqual(90_000 + 3 * B);
  });

  it('stores a UUID as its 16 bytes, whatever its case', () => {
    const lower = nonceMember('0f8fad5b-d9cb-469f-a165-70867728950e');
    expect(lower).toHaveLength(16);
    expect(nonceMember('0F8FAD5B-D9CB-469F-A165-70867728950E').equals(lower)).toBe(true);
  });
});
