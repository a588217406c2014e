import { describe, expect, it } from 'vitest';
import { NegativeBalanceError, postCredits, type AccountState, type Credit } from './loyalty-ledger.js';

const credit = (points: number, playerId = 'p1'): Credit => ({
  playerId,
  kind: 'manual',
  points,
  staffId: 's',
  ratingSlipId: null,
  reason: 'r',
  correlationId: 'c',
  idempotencyKey: `k${points}${playerId}`,
  fingerprint: null,
  requestId: null,
});
const accounts = new Map<string, AccountState>([
  ['p1', { playerId: 'p1', points: 10, lifetimePoints: 30, seq: 4 }],
  ['p2', { playerId: 'p2', points: 0, lifetimePoints: 0, seq: 0 }],
]);
let n = 0;
const id = () => `e${++n}`;

describe('postCredits', () => {
  it('chains balances and sequence numbers per account, in order', () => {
    const { entries, changed } = postCredits(accounts, [credit(5), credit(7, 'p2'), credit(-3)], id, 99);
    expect(entries.map((e) => [e.playerId, e.seq, e.balanceBefore, e.balanceAfter])).toEqual([
      ['p1', 5, 10, 15],
      ['p2', 1, 0, 7],
      ['p1', 6, 15, 12],
    ]);
    expect(changed).toEqual([
      { playerId: 'p1', points: 12, lifetimePoints: 32, seq: 6 },
      { playerId: 'p2', points: 7, lifetimePoints: 7, seq: 1 },
    ]);
    expect(entries.every((e) => e.createdAt === 99)).toBe(true);
  });
  it('refuses a balance below zero, an unlocked account and a fractional amount', () => {
    expect(() => postCredits(accounts, [credit(-11)], id, 1)).toThrow(NegativeBalanceError);
    expect(() => postCredits(accounts, [credit(1, 'nobody')], id, 1)).toThrow(/not locked/);
    expect(() => postCredits(accounts, [credit(1.5)], id, 1)).toThrow(RangeError);
  });
  it('leaves the input accounts untouched', () => {
    postCredits(accounts, [credit(1)], id, 1);
    expect(accounts.get('p1')).toEqual({ playerId: 'p1', points: 10, lifetimePoints: 30, seq: 4 });
  });
});
