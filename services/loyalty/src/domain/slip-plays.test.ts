import { describe, expect, it } from 'vitest';
import type { Play } from '@wagerflow/contracts';
import { slipDeltas, slipsToOpen, splitPlays } from './slip-plays.js';

const play = (o: Partial<Play> & Pick<Play, 'betId'>): Play => ({
  kind: 'bet',
  playerId: 'p1',
  stake: 100,
  at: 1_000,
  correlationId: 'c',
  ...o,
});

describe('splitPlays', () => {
  it('keeps each bet once per kind and separates voids', () => {
    const { bets, voids } = splitPlays([
      play({ betId: 'a' }),
      play({ betId: 'a' }),
      play({ betId: 'b' }),
      play({ betId: 'a', kind: 'void' }),
    ]);
    expect(bets.map((b) => b.betId)).toEqual(['a', 'b']);
    expect(voids.map((v) => v.betId)).toEqual(['a']);
  });
});

describe('slipsToOpen', () => {
  it('opens one slip per player without one, with the earliest play (ties by bet id)', () => {
    const opened = slipsToOpen(
      [
        play({ betId: 'c', playerId: 'p1', at: 5 }),
        play({ betId: 'b', playerId: 'p1', at: 3 }),
        play({ betId: 'a', playerId: 'p1', at: 3 }),
        play({ betId: 'd', playerId: 'p2', at: 9 }),
      ],
      new Set(['p2']),
    );
    expect(opened.map((p) => p.betId)).toEqual(['a']);
  });
  it('opens nothing when every player has an open slip', () => {
    expect(slipsToOpen([play({ betId: 'a' })], new Set(['p1']))).toEqual([]);
  });
});

describe('slipDeltas', () => {
  it('sums stakes per slip, takes voids back out, and keeps voids-only changes from moving the last play', () => {
    const d = slipDeltas(
      [
        { slipId: 's2', stake: 100, at: 10 },
        { slipId: 's2', stake: 50, at: 30 },
        { slipId: 's1', stake: 7, at: 20 },
      ],
      [
        { slipId: 's2', stake: 100 },
        { slipId: 's3', stake: 40 },
      ],
    );
    expect(d).toEqual([
      { slipId: 's1', wagered: 7, betCount: 1, lastPlayAt: 20 },
      { slipId: 's2', wagered: 50, betCount: 1, lastPlayAt: 30 },
      { slipId: 's3', wagered: -40, betCount: -1, lastPlayAt: null },
    ]);
  });
});
