import { describe, expect, it } from 'vitest';
import { plannedRequests, runOpenLoop, type Clock } from './open-loop-scheduler.js';

/** A virtual clock: sleeping advances time by the requested amount plus an optional oversleep. */
function fakeClock(oversleep: (ms: number) => number = () => 0): Clock & { t: number } {
  const clock = {
    t: 1_000,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms + oversleep(ms);
    },
  };
  return clock;
}

describe('runOpenLoop', () => {
  it('sends every request at its scheduled time when the clock is punctual', async () => {
    const clock = fakeClock();
    const sends: { i: number; at: number; scheduledAt: number }[] = [];
    const result = await runOpenLoop({
      ratePerSec: 100,
      durationMs: 1_000,
      clock,
      send: (i, scheduledAt) => sends.push({ i, at: clock.now(), scheduledAt }),
    });
    expect(result.planned).toBe(100);
    expect(result.sent).toBe(100);
    expect(sends.map((s) => s.i)).toEqual([...Array(100).keys()]);
    for (const s of sends) {
      expect(s.scheduledAt).toBeCloseTo(1_000 + s.i * 10, 6);
      expect(s.at).toBeCloseTo(s.scheduledAt, 6);
    }
    expect(result.lag.percentileMs(100)).toBe(0);
  });

  it('keeps the schedule when sends are slow to return (never waits for responses)', async () => {
    const clock = fakeClock();
    let inFlight = 0;
    const result = await runOpenLoop({
      ratePerSec: 1_000,
      durationMs: 500,
      clock,
      // Each request "takes" 200 ms to answer: an open loop does not care.
      send: () => void (inFlight += 1),
    });
    expect(result.sent).toBe(500);
    expect(inFlight).toBe(500);
    expect(result.endedAt - result.startedAt).toBeCloseTo(499, 6);
  });

  it('sends late requests in a burst and charges each its lag', async () => {
    // Every wake-up is 20 ms late (a busy event loop).
    const clock = fakeClock(() => 20);
    const lags: number[] = [];
    const result = await runOpenLoop({
      ratePerSec: 1_000,
      durationMs: 200,
      clock,
      send: (_i, scheduledAt) => lags.push(clock.now() - scheduledAt),
    });
    expect(result.sent).toBe(200);
    expect(Math.max(...lags)).toBeGreaterThanOrEqual(19);
    expect(result.lag.maxMs).toBeCloseTo(Math.max(...lags), 3);
    expect(result.lag.percentileMs(50)).toBeGreaterThan(5);
    // None is sent before its time.
    expect(Math.min(...lags)).toBeGreaterThanOrEqual(0);
  });

  it('stops when aborted and reports what it sent', async () => {
    const clock = fakeClock();
    const abort = new AbortController();
    const result = await runOpenLoop({
      ratePerSec: 100,
      durationMs: 10_000,
      clock,
      signal: abort.signal,
      send: (i) => i === 49 && abort.abort(),
    });
    expect(result.sent).toBe(50);
    expect(result.planned).toBe(1_000);
  });

  it('rejects a non-positive rate', async () => {
    await expect(runOpenLoop({ ratePerSec: 0, durationMs: 1, send: () => undefined, clock: fakeClock() })).rejects.toThrow(/positive/);
  });

  it('plans floor(rate × duration) requests', () => {
    expect(plannedRequests(3_000, 60_000)).toBe(180_000);
    expect(plannedRequests(333, 1_500)).toBe(499);
  });
});
