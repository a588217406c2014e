import { describe, expect, it } from 'vitest';
import { CommitWatch, buildPlays, chunks, playsByEffect, playsDigest, staffNeeded } from './loyalty-plays.js';

describe('buildPlays', () => {
  it('spreads bets round-robin over the players, each bet once, times in order', () => {
    const plays = buildPlays(['a', 'b', 'c'], 25, 10, 1_000);
    expect(plays).toHaveLength(25);
    expect(plays.map((p) => p.playerId).slice(0, 5)).toEqual(['a', 'b', 'c', 'a', 'b']);
    expect(new Set(plays.map((p) => p.betId)).size).toBe(25);
    expect(plays.every((p) => p.kind === 'bet' && p.stake === 10)).toBe(true);
    expect(plays[0]!.at).toBe(1_000);
    expect(plays[24]!.at).toBe(1_002);
    expect(plays.every((p, i) => i === 0 || p.at >= plays[i - 1]!.at)).toBe(true);
  });

  it('needs players', () => {
    expect(() => buildPlays([], 1, 10)).toThrow(/no players/);
  });
});

describe('playsDigest', () => {
  it('names a set of bets whatever their order, and tells kinds and sets apart', () => {
    expect(playsDigest('bet', ['b', 'a'])).toBe(playsDigest('bet', ['a', 'b']));
    expect(playsDigest('bet', ['a', 'b'])).not.toBe(playsDigest('void', ['a', 'b']));
    expect(playsDigest('bet', ['a', 'b'])).not.toBe(playsDigest('bet', ['a']));
    // JSON keeps ids apart: ["ab"] is not ["a", "b"].
    expect(playsDigest('bet', ['ab'])).not.toBe(playsDigest('bet', ['a', 'b']));
    expect(playsDigest('bet', ['a'])).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('chunks', () => {
  it('slices in order, the last one shorter', () => {
    expect(chunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunks([], 3)).toEqual([]);
    expect(() => chunks([1], 0)).toThrow();
  });
});

describe('playsByEffect', () => {
  it('reads the counter by effect, with or without other labels', () => {
    const text = [
      '# HELP wagerflow_loyalty_plays_total Plays taken from the queue, by what they did',
      '# TYPE wagerflow_loyalty_plays_total counter',
      'wagerflow_loyalty_plays_total{effect="counted"} 900',
      'wagerflow_loyalty_plays_total{service="loyalty",effect="ignored"} 90',
      'wagerflow_loyalty_plays_total{effect="voided"} 10',
      'wagerflow_loyalty_plays_total_other{effect="counted"} 5',
      'wagerflow_loyalty_play_batch_seconds_count 3',
    ].join('\n');
    expect(playsByEffect(text)).toEqual({ counted: 900, voided: 10, ignored: 90, total: 1_000 });
  });

  it('is zero before the first batch (no samples yet)', () => {
    expect(playsByEffect('# TYPE wagerflow_loyalty_plays_total counter\n')).toEqual({ counted: 0, voided: 0, ignored: 0, total: 0 });
  });
});

describe('CommitWatch', () => {
  it('times the first and the last commit at the midpoint of the polls around them', () => {
    const w = new CommitWatch(100);
    expect(w.observe(0, 0)).toBe(false);
    expect(w.observe(0, 50)).toBe(false);
    expect(w.observe(40, 100)).toBe(false);
    expect(w.firstAt).toBe(75);
    expect(w.observe(99, 150)).toBe(false);
    expect(w.observe(100, 200)).toBe(true);
    expect(w.lastAt).toBe(175);
    // Later polls change nothing.
    w.observe(100, 250);
    expect([w.firstAt, w.lastAt]).toEqual([75, 175]);
    // The 60 plays after the first commit, over the 100 ms from it to the last.
    expect(w.firstValue).toBe(40);
    expect(w.perSecond()).toBe(600);
  });

  it('has no rate before the end', () => {
    const w = new CommitWatch(100);
    w.observe(50, 10);
    expect(w.perSecond()).toBeNull();
  });

  it('takes the poll itself when it is the first one (nothing before it to bracket)', () => {
    const w = new CommitWatch(10);
    expect(w.observe(10, 30)).toBe(true);
    expect([w.firstAt, w.lastAt]).toEqual([30, 30]);
    // Every play in one poll: no window to divide by.
    expect(w.perSecond()).toBeNull();
  });

  it('refuses a counter that goes down (a restarted consumer)', () => {
    const w = new CommitWatch(10);
    w.observe(5, 1);
    expect(() => w.observe(2, 2)).toThrow(/went down/);
    expect(() => new CommitWatch(0)).toThrow();
  });
});

describe('staffNeeded', () => {
  it('keeps each staff member under 10 awards in any rolling minute, with a margin', () => {
    // 200/s for 60 s: 12,000 awards; 1,200 staff would hit the limit exactly.
    expect(staffNeeded(200, 60)).toBe(1_500);
    // Beyond a minute, the same staff members award again once their window has passed.
    expect(staffNeeded(200, 600)).toBe(1_500);
    expect(staffNeeded(50, 8)).toBe(50);
    expect(staffNeeded(1, 1)).toBe(1);
    expect(staffNeeded(200, 60, 1_000_000)).toBe(1);
  });

  it('gives each member at most the limit over the load', () => {
    for (const [rate, duration] of [
      [200, 60],
      [37, 13],
      [500, 90],
    ] as const) {
      const staff = staffNeeded(rate, duration);
      expect((rate * Math.min(duration, 60)) / staff).toBeLessThanOrEqual(10);
    }
  });
});
