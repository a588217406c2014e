import { describe, expect, it } from 'vitest';
import { retryDelay, startBet, transition, type BetEvent, type BetSnapshot, type BetState } from './bet-state-machine.js';
import { accepted, after, body, cfg, clearTimers, confirmedEvent, startLookup, stateAfter, view } from './testing/bet-fixtures.js';

describe('UNKNOWN, resolving with GET /v1/bets?clientBetId=', () => {
  const unknown: BetEvent[] = [accepted, { type: 'timer:pending' }];
  it('found confirmed → CONFIRMED; found settled → CONFIRMED with the result', () => {
    expect(after(...unknown, { type: 'lookup:found', bet: view('confirmed', { result: 'open' }) })).toEqual({
      state: expect.objectContaining({ phase: 'CONFIRMED', result: 'open', inFlight: null }),
      commands: clearTimers,
    });
    expect(stateAfter(...unknown, { type: 'lookup:found', bet: view('confirmed', { result: 'lost', payout: 0 }) })).toMatchObject({
      result: 'lost',
      payout: 0,
    });
  });
  it('found rejected → REJECTED with the reason (a missing reason still rejects)', () => {
    expect(stateAfter(...unknown, { type: 'lookup:found', bet: view('rejected', { reason: 'cell_closed' }) }).reason).toBe('cell_closed');
    expect(stateAfter(...unknown, { type: 'lookup:found', bet: view('rejected') }).reason).toBe('rejected');
  });
  it('found pending → stays UNKNOWN and asks again after a growing, capped delay', () => {
    const found: BetEvent = { type: 'lookup:found', bet: view('pending') };
    const again: BetEvent = { type: 'timer:retry' };
    expect(after(...unknown, found).commands).toEqual([{ type: 'setTimer', timer: 'retry', ms: 100 }]);
    expect(after(...unknown, found, again)).toEqual({
      state: expect.objectContaining({ phase: 'UNKNOWN', inFlight: 'lookup', lookups: 2 }),
      commands: startLookup,
    });
    expect(after(...unknown, found, again, found).commands).toEqual([{ type: 'setTimer', timer: 'retry', ms: 200 }]);
    expect(after(...unknown, found, again, found, again, found, again, found).commands).toEqual([
      { type: 'setTimer', timer: 'retry', ms: 400 },
    ]);
  });
  it('not found (404) → resubmitted with the same clientBetId, PENDING again', () => {
    const t = after({ type: 'post:failed', cause: 'timeout' }, { type: 'lookup:notFound' });
    expect(t.state).toMatchObject({ phase: 'PENDING', inFlight: 'post', submits: 2, body });
    expect(t.commands).toEqual([{ type: 'post' }]);
    expect(stateAfter({ type: 'post:failed', cause: 'timeout' }, { type: 'lookup:notFound' }, accepted, confirmedEvent).phase).toBe(
      'CONFIRMED',
    );
  });
  describe('not found once every submit is spent (a timed-out POST may still land)', () => {
    const failed: BetEvent = { type: 'post:failed', cause: 'timeout' };
    const notFound: BetEvent = { type: 'lookup:notFound' };
    const retry: BetEvent = { type: 'timer:retry' };
    const exhausted: BetEvent[] = [failed, notFound, failed, notFound];
    it('→ stays UNKNOWN, gives up resubmitting, looks up again later and starts the claim deadline: no REJECTED yet', () => {
      const t = after(...exhausted);
      expect(t.state).toMatchObject({
        phase: 'UNKNOWN',
        gaveUpResubmitting: true,
        reason: null,
        lastFailure: 'timeout',
        submits: 2,
        lookups: 2,
        inFlight: null,
      });
      expect(t.commands).toEqual([
        { type: 'setTimer', timer: 'retry', ms: 200 },
        { type: 'setTimer', timer: 'claim', ms: cfg.claimDeadlineMs },
      ]);
      expect(after(...exhausted, retry)).toEqual({
        state: expect.objectContaining({ phase: 'UNKNOWN', inFlight: 'lookup', lookups: 3, submits: 2 }),
        commands: startLookup,
      });
    });
    it('keeps looking up with a capped backoff and never posts again', () => {
      let t = after(...exhausted);
      const delays: number[] = [];
      for (let i = 0; i < 5; i++) {
        t = transition(t.state, retry, cfg);
        expect(t.commands).not.toContainEqual({ type: 'post' });
        t = transition(t.state, notFound, cfg);
        delays.push(...t.commands.flatMap((c) => (c.type === 'setTimer' && c.timer === 'retry' ? [c.ms] : [])));
      }
      expect(delays).toEqual([400, 400, 400, 400, 400]);
      expect(t.state).toMatchObject({ phase: 'UNKNOWN', submits: 2, gaveUpResubmitting: true });
    });
    it('past the claim deadline, a 404 to a lookup sent after it is final: REJECTED not_placed, every timer cleared', () => {
      const claim: BetEvent = { type: 'timer:claim' };
      expect(after(...exhausted, claim)).toEqual({
        state: expect.objectContaining({ phase: 'UNKNOWN', inFlight: 'lookup', claimDeadlinePassed: true, finalLookup: true }),
        commands: startLookup,
      });
      expect(after(...exhausted, claim, notFound)).toEqual({
        state: expect.objectContaining({ phase: 'REJECTED', reason: 'not_placed', provisional: false, inFlight: null }),
        commands: clearTimers,
      });
      // Final: a stream event cannot exist for it, and nothing else reopens it.
      expect(stateAfter(...exhausted, claim, notFound, confirmedEvent)).toMatchObject({ phase: 'REJECTED', reason: 'not_placed' });
    });
    it("a lookup in flight when the deadline passes was sent before it: its 404 is not final, the next lookup's is", () => {
      const claim: BetEvent = { type: 'timer:claim' };
      const t = after(...exhausted, retry, claim);
      expect(t.state).toMatchObject({ inFlight: 'lookup', claimDeadlinePassed: true, finalLookup: false });
      expect(t.commands).toEqual([]);
      const notFinal = after(...exhausted, retry, claim, notFound);
      expect(notFinal.state).toMatchObject({ phase: 'UNKNOWN', inFlight: null });
      expect(notFinal.commands).toEqual([{ type: 'setTimer', timer: 'retry', ms: 400 }]);
      expect(stateAfter(...exhausted, retry, claim, notFound, retry, notFound)).toMatchObject({ phase: 'REJECTED', reason: 'not_placed' });
      // …and a lookup that finds it decides it as usual.
      expect(stateAfter(...exhausted, claim, { type: 'lookup:found', bet: view('confirmed', { result: 'open' }) })).toMatchObject({
        phase: 'CONFIRMED',
      });
    });
    it('the claim deadline while the bet is not UNKNOWN only marks it; submits left mean a 404 still resubmits', () => {
      const claim: BetEvent = { type: 'timer:claim' };
      expect(after(accepted, claim)).toEqual({
        state: expect.objectContaining({ phase: 'PENDING', claimDeadlinePassed: true }),
        commands: [],
      });
      const resubmit = after(accepted, claim, { type: 'timer:pending' }, notFound);
      expect(resubmit.state).toMatchObject({ phase: 'PENDING', submits: 2 });
      expect(resubmit.commands).toEqual([{ type: 'post' }]);
    });
    it('a later lookup answer decides it: confirmed → CONFIRMED, rejected → REJECTED (final)', () => {
      const found = (bet: BetSnapshot): BetEvent => ({ type: 'lookup:found', bet });
      expect(after(...exhausted, retry, notFound, retry, found(view('confirmed', { result: 'open' })))).toEqual({
        state: expect.objectContaining({ phase: 'CONFIRMED', betId: 'b1', provisional: false, inFlight: null }),
        commands: clearTimers,
      });
      expect(stateAfter(...exhausted, retry, found(view('rejected', { reason: 'cell_closed' })))).toMatchObject({
        phase: 'REJECTED',
        reason: 'cell_closed',
        provisional: false,
      });
      const pending = stateAfter(...exhausted, retry, found(view('pending')));
      expect(pending).toMatchObject({ phase: 'UNKNOWN', betId: 'b1', gaveUpResubmitting: true });
    });
    it('a stream event or a resync decides it too', () => {
      expect(stateAfter(...exhausted, confirmedEvent)).toMatchObject({ phase: 'CONFIRMED', result: 'open' });
      expect(stateAfter(...exhausted, retry, confirmedEvent, notFound)).toMatchObject({ phase: 'CONFIRMED', inFlight: null });
      expect(stateAfter(...exhausted, { type: 'stream:rejected', betId: 'b1', reason: 'insufficient_funds' })).toMatchObject({
        phase: 'REJECTED',
        reason: 'insufficient_funds',
      });
      expect(stateAfter(...exhausted, { type: 'sync:view', bet: view('confirmed', { result: 'open' }) }).phase).toBe('CONFIRMED');
    });
    it('with no failure recorded it gives up the same way', () => {
      const bare: BetState = { ...stateAfter(failed), lastFailure: null, submits: 2 };
      expect(transition(bare, notFound, cfg).state).toMatchObject({ phase: 'UNKNOWN', gaveUpResubmitting: true, reason: null });
    });
  });
  it('a failed lookup → stays UNKNOWN and retries later', () => {
    const t = after(...unknown, { type: 'lookup:failed', cause: 'timeout' });
    expect(t.state).toMatchObject({ phase: 'UNKNOWN', inFlight: null });
    expect(t.commands).toEqual([{ type: 'setTimer', timer: 'retry', ms: 100 }]);
  });
  it('socket loss during the resolution changes nothing', () => {
    const s = stateAfter(...unknown);
    expect(transition(s, { type: 'socket:lost' }, cfg)).toEqual({ state: s, commands: [] });
    const waiting = stateAfter(...unknown, { type: 'lookup:found', bet: view('pending') });
    expect(transition(waiting, { type: 'socket:lost' }, cfg)).toEqual({ state: waiting, commands: [] });
  });
  it('an outcome event during the lookup decides it; the late lookup answer is ignored', () => {
    const t = after(...unknown, confirmedEvent, { type: 'lookup:found', bet: view('pending') });
    expect(t).toEqual({ state: expect.objectContaining({ phase: 'CONFIRMED', inFlight: null }), commands: [] });
  });
  it('timers out of turn are ignored', () => {
    const s = stateAfter(...unknown);
    expect(transition(s, { type: 'timer:pending' }, cfg).state).toBe(s);
    expect(transition(s, { type: 'timer:retry' }, cfg).state).toBe(s);
  });
  it('a live resync saying pending → back to PENDING (its outcome will arrive); not while a lookup is in flight', () => {
    const waiting = stateAfter(...unknown, { type: 'lookup:failed', cause: 'timeout' });
    expect(transition(waiting, { type: 'sync:view', bet: view('pending') }, cfg)).toEqual({
      state: expect.objectContaining({ phase: 'PENDING', inFlight: null }),
      commands: [
        { type: 'clearTimer', timer: 'retry' },
        { type: 'setTimer', timer: 'pending', ms: 1_000 },
      ],
    });
    const busy = stateAfter(...unknown);
    expect(transition(busy, { type: 'sync:view', bet: view('pending') }, cfg).state).toBe(busy);
    expect(transition(busy, { type: 'sync:view', bet: view('rejected', { reason: 'x' }) }, cfg).state.phase).toBe('REJECTED');
  });
});

describe('terminal states', () => {
  const confirmed = stateAfter(accepted, confirmedEvent);
  it('a settlement adds its result to a CONFIRMED bet, once', () => {
    const settled = transition(confirmed, { type: 'stream:settled', betId: 'b1', result: 'won', payout: 250 }, cfg).state;
    expect(settled).toMatchObject({ phase: 'CONFIRMED', result: 'won', payout: 250 });
    expect(transition(settled, { type: 'stream:settled', betId: 'b1', result: 'lost', payout: 0 }, cfg).state).toBe(settled);
    expect(transition(settled, { type: 'sync:view', bet: view('confirmed', { result: 'open' }) }, cfg).state).toBe(settled);
  });
  it('a resync or lookup carrying the settlement adds it too', () => {
    const bet = view('confirmed', { result: 'void', payout: 100 });
    expect(transition(confirmed, { type: 'sync:view', bet }, cfg).state).toMatchObject({ result: 'void', payout: 100 });
    expect(transition(confirmed, { type: 'lookup:found', bet: { ...bet, payout: undefined } }, cfg).state.payout).toBeNull();
  });
  it('REJECTED (a 4xx to the first POST) absorbs everything, CONFIRMED everything but settlements', () => {
    const rejected = stateAfter({ type: 'post:rejected', code: 'cell_closed' });
    const events: BetEvent[] = [
      confirmedEvent,
      { type: 'stream:settled', betId: 'b1', result: 'won', payout: 1 },
      { type: 'socket:lost' },
      { type: 'timer:pending' },
      { type: 'timer:retry' },
      { type: 'lookup:notFound' },
    ];
    expect(rejected.provisional).toBe(false);
    for (const e of [...events, { type: 'sync:view', bet: view('confirmed', { result: 'open' }) } satisfies BetEvent])
      expect(transition(rejected, e, cfg)).toEqual({ state: rejected, commands: [] });
    for (const e of events.slice(2)) expect(transition(confirmed, e, cfg).commands).toEqual([]);
    expect(transition(confirmed, { type: 'stream:rejected', betId: 'b1', reason: 'x' }, cfg).state).toBe(confirmed);
  });
});

describe('a resubmit refused with a 4xx: provisional REJECTED', () => {
  const resubmitRefused: BetEvent[] = [
    { type: 'post:failed', cause: 'timeout' },
    { type: 'lookup:notFound' },
    { type: 'post:rejected', code: 'cell_closed' },
  ];
  const provisional = stateAfter(...resubmitRefused);
  it('→ REJECTED with the code, flagged provisional (an earlier POST may still land)', () => {
    expect(after(...resubmitRefused)).toEqual({
      state: expect.objectContaining({ phase: 'REJECTED', reason: 'cell_closed', provisional: true, submits: 2, inFlight: null }),
      commands: clearTimers,
    });
  });
  it('a late bet:confirmed (the earlier POST landed) overrides it → CONFIRMED, no longer provisional', () => {
    expect(transition(provisional, confirmedEvent, cfg)).toEqual({
      state: expect.objectContaining({ phase: 'CONFIRMED', betId: 'b1', reason: null, result: 'open', provisional: false }),
      commands: clearTimers,
    });
    const settled = transition(provisional, { type: 'stream:settled', betId: 'b1', result: 'won', payout: 250 }, cfg).state;
    expect(settled).toMatchObject({ phase: 'CONFIRMED', result: 'won', payout: 250, provisional: false });
  });
  it("a late bet:rejected replaces the reason with the ledger's and makes it final", () => {
    const t = transition(provisional, { type: 'stream:rejected', betId: 'b1', reason: 'insufficient_funds' }, cfg);
    expect(t.state).toMatchObject({ phase: 'REJECTED', reason: 'insufficient_funds', betId: 'b1', provisional: false });
    expect(transition(t.state, confirmedEvent, cfg).state).toBe(t.state);
  });
  it('a resync entry with an outcome overrides it; a pending one, timers and socket loss do not', () => {
    expect(transition(provisional, { type: 'sync:view', bet: view('confirmed', { result: 'open' }) }, cfg).state).toMatchObject({
      phase: 'CONFIRMED',
      provisional: false,
    });
    const ignored: BetEvent[] = [
      { type: 'sync:view', bet: view('pending') },
      { type: 'socket:lost' },
      { type: 'timer:pending' },
      { type: 'timer:retry' },
      { type: 'lookup:notFound' },
    ];
    for (const e of ignored) expect(transition(provisional, e, cfg)).toEqual({ state: provisional, commands: [] });
  });
  it('once corrected to CONFIRMED it is final like any other', () => {
    const c = transition(provisional, confirmedEvent, cfg).state;
    expect(transition(c, { type: 'stream:rejected', betId: 'b1', reason: 'x' }, cfg).state).toBe(c);
  });
});

describe('socket loss at every step ends CONFIRMED exactly once', () => {
  const found = (status: BetSnapshot['status']): BetEvent => ({
    type: 'lookup:found',
    bet: view(status, { result: status === 'confirmed' ? 'open' : null }),
  });
  const lost: BetEvent = { type: 'socket:lost' };
  it.each([
    ['before the POST is answered', [lost, accepted, found('confirmed')]],
    ['after the 202, before the confirmation', [accepted, lost, found('confirmed')]],
    ['during the resolution', [accepted, lost, lost, found('pending'), lost, { type: 'timer:retry' }, found('confirmed')]],
    ['and a confirmation that arrives after reconnecting', [accepted, lost, found('pending'), confirmedEvent]],
  ] as [string, BetEvent[]][])('%s', (_name, events) => {
    let t = startBet(body);
    let confirmations = 0;
    for (const e of events) {
      const next = transition(t.state, e, cfg);
      if (next.state.phase === 'CONFIRMED' && t.state.phase !== 'CONFIRMED') confirmations++;
      t = next;
    }
    expect(t.state.phase).toBe('CONFIRMED');
    expect(confirmations).toBe(1);
    expect(t.state.submits).toBe(1);
  });
});

describe('retryDelay', () => {
  it('doubles from the base and is capped', () => {
    expect([0, 1, 2, 3, 4, 10].map((n) => retryDelay(n, cfg))).toEqual([100, 100, 200, 400, 400, 400]);
  });
});
