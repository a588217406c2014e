/**
 * Open-loop request schedule: request i is due at `start + i / rate`, whatever happened to the earlier ones. The
 * sender never waits for responses (no coordinated omission); if the generator itself falls behind (its event loop
 * is busy), the requests still go out, late, and the lateness is recorded as send lag so a run limited by the
 * generator shows up in the report instead of silently lowering the offered rate.
 */
import { Histogram } from './histogram.js';

export interface Clock {
  /** Milliseconds, monotonic (performance.now()). */
  now(): number;
  /** Resolve after about `ms` (a timer: at least ~1 ms in Node). */
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface OpenLoopOptions {
  ratePerSec: number;
  durationMs: number;
  /** Fires request `index`, due at `scheduledAt` (clock ms). Must not block: start the request and return. */
  send: (index: number, scheduledAt: number) => void;
  clock?: Clock;
  /** Longest sleep between checks, so a stop request is noticed quickly. Default 50 ms. */
  maxSleepMs?: number;
  /** Stop early (Ctrl-C); the result counts what was sent. */
  signal?: AbortSignal;
  /** Called after every wake-up with the number sent so far (progress). */
  onTick?: (sent: number) => void;
}

export interface OpenLoopResult {
  /** Requests the schedule held: ⌊rate × duration⌋. */
  planned: number;
  sent: number;
  startedAt: number;
  /** When the last request was sent. */
  endedAt: number;
  /** How late each send was against its schedule, ms. */
  lag: Histogram;
}

export function plannedRequests(ratePerSec: number, durationMs: number): number {
  return Math.floor((ratePerSec * durationMs) / 1000);
}

export async function runOpenLoop(opts: OpenLoopOptions): Promise<OpenLoopResult> {
  if (!(opts.ratePerSec > 0)) throw new Error(`rate must be positive, got ${opts.ratePerSec}`);
  const clock = opts.clock ?? realClock;
  const maxSleepMs = opts.maxSleepMs ?? 50;
  const planned = plannedRequests(opts.ratePerSec, opts.durationMs);
  const intervalMs = 1000 / opts.ratePerSec;
  const lag = new Histogram();
  const startedAt = clock.now();
  let endedAt = startedAt;
  let next = 0;
  while (next < planned && !opts.signal?.aborted) {
    const now = clock.now();
    // Everything due by now goes out at once: a late wake-up sends a burst, each send charged its own lag.
    while (next < planned) {
      const scheduledAt = startedAt + next * intervalMs;
      if (scheduledAt > now) break;
      const sentAt = clock.now();
      lag.recordMs(sentAt - scheduledAt);
      opts.send(next, scheduledAt);
      endedAt = sentAt;
      next += 1;
    }
    opts.onTick?.(next);
    if (next >= planned) break;
    const dueIn = startedAt + next * intervalMs - clock.now();
    await clock.sleep(Math.min(maxSleepMs, Math.max(0, dueIn)));
  }
  return { planned, sent: next, startedAt, endedAt, lag };
}
