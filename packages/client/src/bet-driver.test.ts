import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BetDriver, ClientClosedError, type BetTransport } from './bet-driver.js';
import type { BetState } from './bet-state-machine.js';

const body = { clientBetId: '55555555-5555-4555-8555-555555555555', marketId: 'BTC-USD', cellId: 'BTC-USD:1:1', stake: 10 };
const cfg = {
  pendingTimeoutMs: 1_000,
  retryBaseMs: 100,
  retryMaxMs: 100,
  maxSubmits: 2,
  claimDeadlineMs: 60_000,
  maxSheds: 2,
  shedBackoffBaseMs: 500,
  shedBackoffMaxMs: 2_000,
};
const pending = { status: 202, body: { betId: 'b1', clientBetId: body.clientBetId, status: 'pending', multiplier: 3 } };

/** Answers in order; each call returns the next scripted answer (or throws it). */
function scripted(posts: unknown[], lookups: unknown[]): BetTransport & { calls: string[] } {
  const calls: string[] = [];
  const next = (list: unknown[], name: string) => {
    calls.push(name);
    const a = list.shift();
    return a instanceof Error ? Promise.reject(a) : Promise.resolve(a as { status: number; body: unknown });
  };
  return { calls, placeBet: () => next(posts, 'post'), betByClientId: () => next(lookups, 'lookup') };
}

describe('BetDriver', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs the timers the machine asks for: pending timeout → lookup → retry → decided', async () => {
    const t = scripted(
      [pending],
      [
        { status: 200, body: { ...pending.body, status: 'pending' } },
        new TypeError('fetch failed'),
        { status: 200, body: { ...pending.body, status: 'confirmed', result: 'open' } },
      ],
    );
    const changes: string[] = [];
    // onChange fires on every new state (inFlight changes too); keep the phase changes.
    const d = new BetDriver(body, t, cfg, (s, p) => s.phase !== p.phase && changes.push(`${p.phase}→${s.phase}`));
    await vi.advanceTimersByTimeAsync(999);
    expect(d.state.phase).toBe('PENDING');
    await vi.advanceTimersByTimeAsync(1);
    expect(d.state.phase).toBe('UNKNOWN');
    await vi.advanceTimersByTimeAsync(200);
    await expect(d.outcome).resolves.toMatchObject({ phase: 'CONFIRMED', lookups: 3 });
    expect(t.calls).toEqual(['post', 'lookup', 'lookup', 'lookup']);
    expect(changes).toEqual(['PENDING→UNKNOWN', 'UNKNOWN→CONFIRMED']);
  });

  it('submits exhausted and still 404 → stays UNKNOWN (no more POSTs), later decided by a lookup', async () => {
    const notFound = { status: 404, body: { error: { code: 'not_found' } } };
    const t = scripted(
      [new DOMException('deadline', 'TimeoutError'), { status: 503, body: { error: { code: 'service_unavailable' } } }],
      [notFound, notFound, notFound, { status: 200, body: { ...pending.body, status: 'confirmed', result: 'open' } }],
    );
    const seen: BetState[] = [];
    const d = new BetDriver(body, t, cfg, (s) => seen.push(s));
    let decided: BetState | null = null;
    void d.outcome.then((s) => (decided = s));
    await vi.advanceTimersByTimeAsync(0);
    expect(t.calls).toEqual(['post', 'lookup', 'post', 'lookup']);
    expect(d.state).toMatchObject({ phase: 'UNKNOWN', gaveUpResubmitting: true, submits: 2, inFlight: null });
    expect(seen.some((s) => s.phase === 'REJECTED')).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    expect(t.calls).toEqual(['post', 'lookup', 'post', 'lookup', 'lookup']);
    expect(d.state.phase).toBe('UNKNOWN');
    expect(decided).toBeNull();
    await vi.advanceTimersByTimeAsync(100);
    expect(decided).toMatchObject({ phase: 'CONFIRMED', betId: 'b1', submits: 2, lookups: 4 });
    expect(t.calls).toEqual(['post', 'lookup', 'post', 'lookup', 'lookup', 'lookup']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('outcome resolves with a provisional REJECTED; a late confirmation still corrects the state', async () => {
    const notFound = { status: 404, body: { error: { code: 'not_found' } } };
    const t = scripted([new TypeError('fetch failed'), { status: 422, body: { error: { code: 'cell_closed' } } }], [notFound]);
    const changes: string[] = [];
    const d = new BetDriver(body, t, cfg, (s, p) => s.phase !== p.phase && changes.push(`${p.phase}→${s.phase}`));
    await expect(d.outcome).resolves.toMatchObject({ phase: 'REJECTED', reason: 'cell_closed', provisional: true });
    d.dispatch({ type: 'stream:confirmed', betId: 'b1', multiplier: 3 });
    expect(d.state).toMatchObject({ phase: 'CONFIRMED', betId: 'b1', provisional: false, reason: null });
    await expect(d.outcome).resolves.toMatchObject({ phase: 'REJECTED' }); // the promise keeps its first value
    expect(changes).toEqual(['PENDING→UNKNOWN', 'UNKNOWN→PENDING', 'PENDING→REJECTED', 'REJECTED→CONFIRMED']);
  });

  it('an outcome clears its timers', async () => {
    const t = scripted([pending], []);
    const d = new BetDriver(body, t, cfg, () => undefined);
    await vi.advanceTimersByTimeAsync(10);
    d.dispatch({ type: 'stream:confirmed', betId: 'b1', multiplier: 3 });
    expect(vi.getTimerCount()).toBe(0);
    await expect(d.outcome).resolves.toMatchObject({ phase: 'CONFIRMED' });
  });

  it('dispose rejects an undecided bet and ignores what arrives later', async () => {
    const t = scripted([pending], []);
    const seen: BetState[] = [];
    const d = new BetDriver(body, t, cfg, (s) => seen.push(s));
    d.dispose();
    d.dispose();
    await expect(d.outcome).rejects.toBeInstanceOf(ClientClosedError);
    await vi.advanceTimersByTimeAsync(5_000);
    d.dispatch({ type: 'stream:confirmed', betId: 'b1', multiplier: 3 });
    expect(seen).toEqual([]);
    expect(d.state.phase).toBe('PENDING');
  });

  it('submits exhausted and 404 past the claim deadline → outcome REJECTED not_placed, no timer left', async () => {
    const notFound = { status: 404, body: { error: { code: 'not_found' } } };
    const t = scripted([new TypeError('fetch failed'), new TypeError('fetch failed')], Array(1_000).fill(notFound));
    const d = new BetDriver(body, t, cfg, () => undefined);
    let decided: BetState | null = null;
    void d.outcome.then((s) => (decided = s));
    await vi.advanceTimersByTimeAsync(cfg.claimDeadlineMs - 1);
    expect(decided).toBeNull();
    expect(d.state).toMatchObject({ phase: 'UNKNOWN', gaveUpResubmitting: true });
    await vi.advanceTimersByTimeAsync(1);
    expect(decided).toMatchObject({ phase: 'REJECTED', reason: 'not_placed', provisional: false, submits: 2 });
    expect(t.calls.filter((c) => c === 'post')).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('BetDriver: shed POSTs (503 overloaded)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  const shed = (retryAfter: string) => ({
    status: 503,
    body: { error: { code: 'overloaded', message: 'over capacity' } },
    headers: new Headers({ 'retry-after': retryAfter }),
  });

  it('resends the same body after Retry-After plus jitter, without a lookup, and a shed POST is no submit', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const sent: unknown[] = [];
    const answers = [shed('2'), pending];
    const t: BetTransport = {
      placeBet: (b) => (sent.push(b), Promise.resolve(answers.shift()!)),
      betByClientId: () => Promise.reject(new Error('no lookup expected')),
    };
    const d = new BetDriver(body, t, cfg, () => undefined);
    await vi.advanceTimersByTimeAsync(0);
    expect(d.state).toMatchObject({ phase: 'PENDING', sheds: 1, submits: 0, inFlight: null, lastFailure: 'overloaded' });
    await vi.advanceTimersByTimeAsync(2_999); // max(2 s, 500 ms) × (1 + 0.5)
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toEqual([body, body]);
    expect(d.state).toMatchObject({ phase: 'PENDING', betId: 'b1', submits: 1, sheds: 1 });
    d.dispose();
  });

  it('out of sheds: REJECTED overloaded, final when no POST of the bet was placed', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const t = scripted([shed('1'), shed('1'), shed('1')], []);
    const d = new BetDriver(body, t, cfg, () => undefined);
    await vi.advanceTimersByTimeAsync(10_000);
    await expect(d.outcome).resolves.toMatchObject({ phase: 'REJECTED', reason: 'overloaded', provisional: false, sheds: 3, submits: 0 });
    expect(t.calls).toEqual(['post', 'post', 'post']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
