import { describe, expect, it } from 'vitest';
import { creditResults, settleResults, type OpenBet } from './settlement.js';

const bet = (betId: string, playerId: string, bandIndex: number, stake = 100, multiplierBps = 25_000): OpenBet => ({
  betId,
  playerId,
  bandIndex,
  stake,
  multiplierBps,
});
const wallets = new Map([
  ['alice', { walletId: 1, balance: 1_000, seq: 4 }],
  ['bob', { walletId: 2, balance: 50, seq: 9 }],
]);

describe('settlement', () => {
  it('decides each bet without wallets, in bet-id order: won pays floor(stake × bps / 10 000), lost 0', () => {
    const results = settleResults([bet('c', 'bob', 3, 7, 15_001), bet('a', 'alice', 3), bet('b', 'alice', 4)], {
      touchedBands: new Set([3]),
      voidReason: null,
    });
    expect(results.map((r) => [r.betId, r.result, r.payout])).toEqual([
      ['a', 'won', 250],
      ['b', 'lost', 0],
      ['c', 'won', 10],
    ]);
  });

  it('a void window refunds every stake, whatever the bands touched', () => {
    const results = settleResults([bet('a', 'alice', 3, 40), bet('b', 'bob', 5, 60)], {
      touchedBands: new Set([3]),
      voidReason: 'no_ticks',
    });
    expect(results.map((r) => [r.result, r.payout])).toEqual([
      ['void', 40],
      ['void', 60],
    ]);
  });

  it('chains one entry per paid bet on its locked wallet, sums each wallet once, and credits nothing for a loss', () => {
    const results = settleResults([bet('a', 'alice', 3), bet('b', 'alice', 3, 10), bet('c', 'bob', 4)], {
      touchedBands: new Set([3]),
      voidReason: null,
    });
    const { settled, credits } = creditResults(results, wallets);
    expect(settled.map((s) => s.entry)).toEqual([
      { walletId: 1, seq: 5, balanceBefore: 1_000, balanceAfter: 1_250 },
      { walletId: 1, seq: 6, balanceBefore: 1_250, balanceAfter: 1_275 },
      null,
    ]);
    expect(credits).toEqual([
      { walletId: 1, playerId: 'alice', credit: 275, entries: 2, balance: 1_275, seq: 6 },
      { walletId: 2, playerId: 'bob', credit: 0, entries: 0, balance: 50, seq: 9 },
    ]);
  });

  it('refuses a bet whose wallet was not locked', () => {
    const results = settleResults([bet('a', 'carol', 3)], { touchedBands: new Set([3]), voidReason: null });
    expect(() => creditResults(results, wallets)).toThrow(/confirmed bet a has no wallet/);
  });
});
