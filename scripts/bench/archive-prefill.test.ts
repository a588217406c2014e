import { describe, expect, it } from 'vitest';
import { expectedSeedCounts } from './archive-prefill.js';

describe('expectedSeedCounts', () => {
  it('a full pattern a wallet: 3 won, 5 lost, 1 void, 1 rejected of ten, entries 2 · won + lost + 2 · void', () => {
    expect(expectedSeedCounts(1_000, 100)).toEqual({ bets: 1_000, won: 300, lost: 500, void: 100, rejected: 100, betEntries: 1_300 });
  });
  it('few bets a wallet still give every kind (the pattern is shifted per wallet)', () => {
    const c = expectedSeedCounts(50_000, 10_000);
    expect(c).toEqual({ bets: 50_000, won: 15_000, lost: 25_000, void: 5_000, rejected: 5_000, betEntries: 65_000 });
  });
  it('a remainder goes to the first wallets; kinds add up to the bets', () => {
    const c = expectedSeedCounts(23, 10);
    expect(c.won + c.lost + c.void + c.rejected).toBe(23);
    expect(expectedSeedCounts(3, 10)).toMatchObject({ won: 1, lost: 2, void: 0, rejected: 0, betEntries: 4 });
  });
});
