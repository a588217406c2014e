import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ResyncScheduler, type ResyncSchedulerDeps } from './resync-scheduler.js';
import type { ResyncResult } from './resync.js';

const result: ResyncResult = { bets: [], me: { playerId: 'p', balance: 1, walletSeq: 1, loyalty: { points: 0, tier: 'bronze' } } };

function harness(answers: (ResyncResult | Error)[]) {
  const fetched: number[] = [];
  const applied: [string, number][] = [];
  const errors: string[] = [];
  let release: (() => void) | null = null;
  const state = { connection: 1, live: true, hold: false };
  const deps: ResyncSchedulerDeps = {
    fetch: async (since) => {
      fetched.push(since);
      if (state.hold) await new Promise<void>((r) => (release = r));
      const a = answers.shift() ?? result;
      if (a instanceof Error) throw a;
      return a;
    },
    connection: () => state.connection,
    isLive: (c) => state.live && c === state.connection,
    apply: (_r, reason, c) => applied.push([reason, c]),
    onError: (e) => errors.push(e.message),
    backoff: { baseMs: 100, maxMs: 100 },
  };
  return { s: new ResyncScheduler(deps), fetched, applied, errors, state, release: () => release?.() };
}

/** The first request's run is held while the others arrive; then it finishes and the timers run. */
async function requestsDuringARun(h: ReturnType<typeof harness>, ...requests: [number, 'gap' | 'reconnect'][]) {
  h.state.hold = true;
  for (const [since, reason] of requests) h.s.request(since, reason);
  h.state.hold = false;
  h.release();
  await vi.advanceTimersByTimeAsync(0);
}

describe('ResyncScheduler', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('coalesces requests made during a run into one more run from the earliest since', async () => {
    const h = harness([]);
    await requestsDuringARun(h, [500, 'gap'], [300, 'gap'], [400, 'reconnect']);
    expect(h.fetched).toEqual([500, 300]);
    expect(h.applied).toEqual([
      ['gap', 1],
      ['reconnect', 1],
    ]);
  });

  it('retries a failed run after a backoff while its connection lasts', async () => {
    const h = harness([new Error('down'), 'not an error' as unknown as Error]);
    h.s.request(10, 'gap');
    await vi.advanceTimersByTimeAsync(0);
    expect(h.errors).toEqual(['down']);
    await vi.advanceTimersByTimeAsync(100);
    expect(h.fetched).toEqual([10, 10]);
    expect(h.applied).toEqual([['gap', 1]]);
  });

  it('does not retry once the connection is gone (the next one resyncs itself), nor after close', async () => {
    const h = harness([new Error('down'), new Error('down')]);
    h.s.request(10, 'gap');
    await vi.advanceTimersByTimeAsync(0);
    h.state.connection = 2;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.fetched).toEqual([10]);
    h.s.request(20, 'reconnect');
    await vi.advanceTimersByTimeAsync(0);
    h.s.close();
    await vi.advanceTimersByTimeAsync(1_000);
    h.s.request(30, 'gap');
    expect(h.fetched).toEqual([10, 20]);
  });

  it('a result that arrives after close is not applied', async () => {
    const h = harness([]);
    h.state.hold = true;
    h.s.request(10, 'gap');
    h.s.close();
    h.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.applied).toEqual([]);
  });

  it('a failed run is fetched once more, not twice, when a request comes before its retry', async () => {
    const h = harness([new Error('down')]);
    h.s.request(500, 'gap');
    await vi.advanceTimersByTimeAsync(0);
    expect(h.fetched).toEqual([500]);
    h.s.request(700, 'gap');
    await vi.advanceTimersByTimeAsync(0);
    expect(h.fetched).toEqual([500, 500]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.fetched).toEqual([500, 500]);
  });

  it('a request made while a run fails folds that run into the next one', async () => {
    const h = harness([new Error('down')]);
    await requestsDuringARun(h, [500, 'gap'], [800, 'gap']);
    expect(h.fetched).toEqual([500, 500]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.fetched).toEqual([500, 500]);
  });
});
