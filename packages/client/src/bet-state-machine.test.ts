import { describe, expect, it } from 'vitest';
import { startBet, transition, type BetEvent } from './bet-state-machine.js';
import { accepted, after, body, cfg, clearTimers, confirmedEvent, startLookup, stateAfter, view } from './testing/bet-fixtures.js';

describe('bet state machine: a new bet', () => {
  it('starts PENDING with its first POST', () => {
    const t = startBet(body);
    expect(t.state).toMatchObject({ phase: 'PENDING', submits: 1, inFlight: 'post', betId: null, body });
    expect(t.commands).toEqual([{ type: 'post' }]);
  });
});

describe('PENDING, POST in flight', () => {
  it('202 → PENDING with the bet id and the pending timer', () => {
    const t = after(accepted);
    expect(t.state).toMatchObject({ phase: 'PENDING', inFlight: null, betId: 'b1', multiplier: 2.5 });
    expect(t.commands).toEqual([{ type: 'setTimer', timer: 'pending', ms: 1_000 }]);
  });
  it('200 replay of a confirmed bet → CONFIRMED; of a rejected bet → REJECTED with its reason', () => {
    expect(after({ type: 'post:accepted', bet: view('confirmed', { result: 'open' }) })).toEqual({
      state: expect.objectContaining({ phase: 'CONFIRMED', result: 'open', inFlight: null }),
      commands: clearTimers,
    });
    expect(stateAfter({ type: 'post:accepted', bet: view('rejected', { reason: 'insufficient_funds' }) })).toMatchObject({
      phase: 'REJECTED',
      reason: 'insufficient_funds',
      betId: 'b1',
    });
  });
  it('a definitive 4xx → REJECTED with its code', () => {
    const t = after({ type: 'post:rejected', code: 'cell_closed' });
    expect(t.state).toMatchObject({ phase: 'REJECTED', reason: 'cell_closed', inFlight: null });
    expect(t.commands).toEqual(clearTimers);
  });
  it.each(['timeout', 'network_error', 'service_unavailable', 'http_500'])('POST failure (%s) → UNKNOWN and a lookup', (cause) => {
    const t = after({ type: 'post:failed', cause });
    expect(t.state).toMatchObject({ phase: 'UNKNOWN', inFlight: 'lookup', lookups: 1, lastFailure: cause });
    expect(t.commands).toEqual(startLookup);
  });
  it('the outcome event can beat the 202: CONFIRMED, and the late answer changes nothing but inFlight', () => {
    const early = after(confirmedEvent);
    expect(early.state).toMatchObject({ phase: 'CONFIRMED', result: 'open', inFlight: 'post' });
    const late = transition(early.state, accepted, cfg);
    expect(late).toEqual({ state: { ...early.state, inFlight: null }, commands: [] });
  });
  it('a bet:rejected before the 202 → REJECTED', () => {
    expect(stateAfter({ type: 'stream:rejected', betId: 'b1', reason: 'limit_exceeded' })).toMatchObject({
      phase: 'REJECTED',
      reason: 'limit_exceeded',
    });
  });
  it('timers are ignored while the POST is in flight', () => {
    const s = stateAfter();
    expect(transition(s, { type: 'timer:pending' }, cfg)).toEqual({ state: s, commands: [] });
    expect(transition(s, { type: 'timer:retry' }, cfg)).toEqual({ state: s, commands: [] });
  });
});

describe('socket loss before the POST is answered', () => {
  const lost: BetEvent = { type: 'socket:lost' };
  it('→ UNKNOWN, waiting for the POST (no second request in parallel)', () => {
    const t = after(lost);
    expect(t.state).toMatchObject({ phase: 'UNKNOWN', inFlight: 'post', lastFailure: 'socket_lost' });
    expect(t.commands).toEqual([]);
  });
  it('then the 202 → a lookup (its outcome event may be lost)', () => {
    const t = after(lost, accepted);
    expect(t.state).toMatchObject({ phase: 'UNKNOWN', inFlight: 'lookup', betId: 'b1' });
    expect(t.commands).toEqual(startLookup);
  });
  it('then a 4xx → REJECTED; then a failure → a lookup', () => {
    expect(stateAfter(lost, { type: 'post:rejected', code: 'stake_out_of_range' })).toMatchObject({ phase: 'REJECTED' });
    expect(after(lost, { type: 'post:failed', cause: 'timeout' }).commands).toEqual(startLookup);
  });
});

describe('PENDING after the 202', () => {
  it('bet:confirmed → CONFIRMED (result open), timers cleared', () => {
    const t = after(accepted, confirmedEvent);
    expect(t.state).toMatchObject({ phase: 'CONFIRMED', result: 'open', payout: null, reason: null });
    expect(t.commands).toEqual(clearTimers);
  });
  it('bet:rejected → REJECTED with the ledger reason', () => {
    expect(stateAfter(accepted, { type: 'stream:rejected', betId: 'b1', reason: 'insufficient_funds' })).toMatchObject({
      phase: 'REJECTED',
      reason: 'insufficient_funds',
    });
  });
  it('bet:settled (its confirmation missed) → CONFIRMED with the result', () => {
    expect(stateAfter(accepted, { type: 'stream:settled', betId: 'b1', result: 'won', payout: 250 })).toMatchObject({
      phase: 'CONFIRMED',
      result: 'won',
      payout: 250,
      multiplier: 2.5,
    });
  });
  it('socket loss → UNKNOWN and a lookup', () => {
    const t = after(accepted, { type: 'socket:lost' });
    expect(t.state).toMatchObject({ phase: 'UNKNOWN', inFlight: 'lookup', lastFailure: 'socket_lost' });
    expect(t.commands).toEqual(startLookup);
  });
  it('pending past the timeout → UNKNOWN and a lookup', () => {
    const t = after(accepted, { type: 'timer:pending' });
    expect(t.state).toMatchObject({ phase: 'UNKNOWN', inFlight: 'lookup', lastFailure: 'pending_timeout' });
    expect(t.commands).toEqual(startLookup);
  });
  it('a resync saying pending changes nothing; one saying confirmed decides it', () => {
    const s = stateAfter(accepted);
    expect(transition(s, { type: 'sync:view', bet: view('pending') }, cfg)).toEqual({ state: s, commands: [] });
    expect(stateAfter(accepted, { type: 'sync:view', bet: view('confirmed', { result: 'open' }) }).phase).toBe('CONFIRMED');
  });
  it('a stray retry timer is ignored', () => {
    const s = stateAfter(accepted);
    expect(transition(s, { type: 'timer:retry' }, cfg).state).toBe(s);
  });
});

describe('a shed POST (503 overloaded): not placed, resent after a jittered backoff', () => {
  const shed = (retryAfterMs = 1_000, jitter = 0): BetEvent => ({ type: 'post:shed', retryAfterMs, jitter });

  it('stays PENDING with nothing in flight, the POST uncounted, and waits max(Retry-After, backoff) × (1 + jitter)', () => {
    const t = after(shed(1_000, 0.5));
    expect(t.state).toMatchObject({ phase: 'PENDING', inFlight: null, submits: 0, sheds: 1, lastFailure: 'overloaded' });
    expect(t.commands).toEqual([{ type: 'setTimer', timer: 'shed', ms: 1_500 }]);
    // The backoff grows with each shed (base 500 × 2^(n−1), capped at 2 000) and never waits less than Retry-After.
    expect(after(shed(), { type: 'timer:shed' }, shed(0, 0)).commands).toEqual([{ type: 'setTimer', timer: 'shed', ms: 1_000 }]);
    expect(after(shed(), { type: 'timer:shed' }, shed(), { type: 'timer:shed' }, shed(0, 0.999)).commands).toEqual([
      { type: 'setTimer', timer: 'shed', ms: 3_998 },
    ]);
  });

  it('the timer resends the same POST (a new submit), unless the bet is known or a POST is in flight by then', () => {
    const t = after(shed(), { type: 'timer:shed' });
    expect(t.state).toMatchObject({ phase: 'PENDING', inFlight: 'post', submits: 1, sheds: 1 });
    expect(t.commands).toEqual([{ type: 'post' }]);
    expect(after(shed(), { type: 'timer:shed' }, accepted, { type: 'timer:shed' }).commands).toEqual([]);
  });

  it('out of sheds → REJECTED overloaded; provisional when an earlier POST of the bet may still land', () => {
    const sheds = [shed(), { type: 'timer:shed' }, shed(), { type: 'timer:shed' }, shed(), { type: 'timer:shed' }] as BetEvent[];
    const t = after(...sheds, shed());
    expect(t.state).toMatchObject({ phase: 'REJECTED', reason: 'overloaded', provisional: false, sheds: 4, submits: 0 });
    expect(t.commands).toEqual(clearTimers);
    // The first POST timed out (it may land), the lookup found nothing, and every resubmit was shed.
    const afterTimeout = [{ type: 'post:failed', cause: 'timeout' }, { type: 'lookup:notFound' }] as BetEvent[];
    expect(stateAfter(...afterTimeout, ...sheds, shed())).toMatchObject({
      phase: 'REJECTED',
      reason: 'overloaded',
      provisional: true,
      submits: 1,
    });
  });
});
