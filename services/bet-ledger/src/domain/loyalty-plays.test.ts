import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { JOB_OPTIONS, playsJob, type Play } from '@wagerflow/contracts';
import type { StoredOutcome } from '../repositories/bets.repository.js';
import { MAX_PLAYS_PER_JOB, betPlay, playsDigest, playsJobs, voidPlay } from './loyalty-plays.js';

const play = (betId: string, kind: Play['kind'] = 'bet'): Play => ({
  kind,
  betId,
  playerId: `p-${betId}`,
  stake: 10,
  at: 1_000,
  correlationId: `c-${betId}`,
});

describe('playsDigest', () => {
  it('is the hex sha256 of the kind and the sorted bet ids', () => {
    const expected = createHash('sha256').update('["bet","a","b","c"]').digest('hex');
    expect(playsDigest('bet', ['c', 'a', 'b'])).toBe(expected);
    expect(playsDigest('bet', ['b', 'c', 'a'])).toMatch(/^[0-9a-f]{64}$/);
  });

  it('the same set in any order is one id; another kind, a subset, a superset or one other id is another', () => {
    const base = playsDigest('bet', ['x', 'y', 'z']);
    expect(playsDigest('bet', ['z', 'y', 'x'])).toBe(base);
    const others = [
      playsDigest('void', ['x', 'y', 'z']),
      playsDigest('bet', ['x', 'y']),
      playsDigest('bet', ['x', 'y', 'z', 'w']),
      playsDigest('bet', ['x', 'y', 'q']),
      playsDigest('bet', []),
    ];
    expect(new Set([base, ...others]).size).toBe(others.length + 1);
  });

  it('ids are kept apart whatever they contain: no separator makes two sets collide', () => {
    expect(playsDigest('bet', ['a,b'])).not.toBe(playsDigest('bet', ['a', 'b']));
    expect(playsDigest('bet', ['a"', 'b'])).not.toBe(playsDigest('bet', ['a', '"b']));
    expect(playsDigest('bet', ['a\nb'])).not.toBe(playsDigest('bet', ['a', 'b']));
  });

  it('does not reorder its argument', () => {
    const ids = ['b', 'a'];
    playsDigest('bet', ids);
    expect(ids).toEqual(['b', 'a']);
  });
});

describe('playsJobs', () => {
  it('one job per kind, plays sorted by bet id, each bet once, named by the digest of its bets', () => {
    const jobs = playsJobs([play('c'), play('a', 'void'), play('b'), play('c'), play('a')]);
    expect(jobs.map((j) => j.plays.map((p) => `${p.kind}:${p.betId}`))).toEqual([['bet:a', 'bet:b', 'bet:c'], ['void:a']]);
    expect(jobs[0]!.digest).toBe(playsDigest('bet', ['a', 'b', 'c']));
    expect(jobs[1]!.digest).toBe(playsDigest('void', ['a']));
    expect(JOB_OPTIONS.loyalty.plays(jobs[0]!.digest)).toEqual({ jobId: `plays-${jobs[0]!.digest}`, removeOnComplete: true });
  });

  it('splits into jobs of at most `max` bets, the same way whatever the input order', () => {
    const ids = Array.from({ length: 7 }, (_, i) => `bet-${i}`);
    const jobs = playsJobs(
      ids.map((id) => play(id)),
      3,
    );
    expect(jobs.map((j) => j.plays.length)).toEqual([3, 3, 1]);
    expect(
      playsJobs(
        [...ids].reverse().map((id) => play(id)),
        3,
      ),
    ).toEqual(jobs);
    expect(new Set(jobs.map((j) => j.digest)).size).toBe(3);
  });

  it('no plays, no jobs', () => {
    expect(playsJobs([])).toEqual([]);
  });

  it("MAX_PLAYS_PER_JOB is the contract's limit: a full job parses, one more play does not", () => {
    const plays = Array.from({ length: MAX_PLAYS_PER_JOB + 1 }, (_, i) => play(`bet-${String(i).padStart(5, '0')}`));
    const jobs = playsJobs(plays);
    expect(jobs.map((j) => j.plays.length)).toEqual([MAX_PLAYS_PER_JOB, 1]);
    for (const j of jobs) expect(playsJob.safeParse({ plays: j.plays }).success).toBe(true);
    expect(playsJob.safeParse({ plays }).success).toBe(false);
  });
});

describe('betPlay and voidPlay', () => {
  const outcome = (over: Partial<StoredOutcome> = {}): StoredOutcome => ({
    betId: 'b1',
    playerId: 'p1',
    clientBetId: 'c1',
    status: 'confirmed',
    reason: null,
    multiplierBps: 20_000,
    balanceAfter: 90,
    walletSeq: 2,
    stake: 10,
    confirmedAt: 5_000,
    correlationId: 'corr-1',
    ...over,
  });

  it('a confirmed bet plays at its confirm time with its stake, correlation id and trace', () => {
    const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(betPlay(outcome(), tp)).toEqual({
      kind: 'bet',
      betId: 'b1',
      playerId: 'p1',
      stake: 10,
      at: 5_000,
      correlationId: 'corr-1',
      traceparent: tp,
    });
    expect(betPlay(outcome(), undefined)).not.toHaveProperty('traceparent');
    expect(playsJob.safeParse({ plays: [betPlay(outcome(), tp)] }).success).toBe(true);
  });

  it('a rejected bet is no play', () => {
    expect(betPlay(outcome({ status: 'rejected', reason: 'insufficient_funds', confirmedAt: null }), undefined)).toBeNull();
  });

  it('a confirmed bet without a confirm time is refused, not sent with a made-up time', () => {
    expect(() => betPlay(outcome({ confirmedAt: null }), undefined)).toThrow(/confirmed_at/);
  });

  it('a void plays at its settle time', () => {
    expect(voidPlay({ betId: 'b2', playerId: 'p2', stake: 30, settledAt: 9_000, correlationId: 'corr-2' })).toEqual({
      kind: 'void',
      betId: 'b2',
      playerId: 'p2',
      stake: 30,
      at: 9_000,
      correlationId: 'corr-2',
    });
  });
});
