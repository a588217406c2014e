import { describe, expect, it } from 'vitest';
import { betKey, droppedIntents, freshIntents, isSuspended, needsStoredLookup, type KeyOwner, type KeyedBet } from './batch-intake.js';

const bet = (betId: string, clientBetId = `c-${betId}`, playerId = 'p1'): KeyedBet => ({ betId, playerId, clientBetId });
const owners = (...entries: [string, KeyOwner | null][]) => new Map(entries);

describe('isSuspended', () => {
  it('CRITICAL and no status at all suspend; HEALTHY and DEGRADED do not', () => {
    expect(isSuspended('CRITICAL')).toBe(true);
    expect(isSuspended(null)).toBe(true);
    expect(isSuspended(undefined)).toBe(true);
    expect(isSuspended('HEALTHY')).toBe(false);
    expect(isSuspended('DEGRADED')).toBe(false);
  });
});

describe('betKey', () => {
  it('separates player and clientBetId so that no two keys collide', () => {
    expect(betKey({ playerId: 'a', clientBetId: 'b|c' })).not.toBe(betKey({ playerId: 'a|b', clientBetId: 'c' }));
    expect(betKey({ playerId: 'p', clientBetId: 'c' })).toBe('p\u0000c');
  });
});

describe('needsStoredLookup', () => {
  it('looks up keys with no record or the stored marker, not those whose pending record names a bet', () => {
    const [none, marker, own, other] = [bet('none'), bet('marker'), bet('own'), bet('other')];
    const held = owners(
      ['none', null],
      ['marker', { owner: 'marker', stored: true }],
      ['own', { owner: 'own', stored: false }],
      ['other', { owner: 'winner', stored: false }],
    );
    expect(needsStoredLookup([none, marker, own, other], held)).toEqual([none, marker]);
  });
});

describe('droppedIntents', () => {
  it('drops an intent whose key names another bet (pending or stored), and one with no record that is not stored', () => {
    const bets = [bet('loser', 'k'), bet('winner', 'k'), bet('refused'), bet('redelivered'), bet('marked'), bet('other-marked')];
    const held = owners(
      ['loser', { owner: 'winner', stored: false }],
      ['winner', { owner: 'winner', stored: false }],
      ['refused', null],
      ['redelivered', null],
      ['marked', { owner: 'marked', stored: true }],
      ['other-marked', { owner: 'someone-else', stored: true }],
    );
    const stored = new Set([betKey(bet('redelivered'))]);
    expect([...droppedIntents(bets, held, stored)].sort()).toEqual(['loser', 'other-marked', 'refused']);
  });

  it('drops an intent whose key belongs to an archived bet, even under its own stored marker (never placed twice)', () => {
    const bets = [bet('archived'), bet('fresh')];
    const held = owners(['archived', { owner: 'archived', stored: true }], ['fresh', { owner: 'fresh', stored: false }]);
    expect([...droppedIntents(bets, held, new Set(), new Set([betKey(bet('archived'))]))]).toEqual(['archived']);
  });

  it('keeps a stored key with no record: a redelivery after its marker expired is re-published, not dropped', () => {
    const b = bet('b');
    expect(droppedIntents([b], owners(['b', null]), new Set([betKey(b)])).size).toBe(0);
  });
});

describe('freshIntents', () => {
  it('keeps the first intent of each key that is neither stored nor dropped, in order', () => {
    const first = bet('first', 'k');
    const duplicate = bet('duplicate', 'k');
    const stored = bet('stored');
    const dropped = bet('dropped');
    const other = bet('other', 'k', 'p2');
    const fresh = freshIntents([first, duplicate, stored, dropped, other], new Set([betKey(stored)]), new Set(['dropped']));
    expect(fresh).toEqual([first, other]);
  });

  it('a dropped first intent does not shadow a later one of the same key', () => {
    const loser = bet('loser', 'k');
    const winner = bet('winner', 'k');
    expect(freshIntents([loser, winner], new Set(), new Set(['loser']))).toEqual([winner]);
  });
});
