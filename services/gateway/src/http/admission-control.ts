import type { Response } from 'express';
import type { Metrics } from '@wagerflow/runtime';
import {
  SHED_REASONS,
  admission,
  retryAfterSeconds,
  type AdmissionKind,
  type AdmissionLimits,
  type AdmissionSignals,
} from '../domain/admission.js';
import { ApiError } from './api-error.js';

export interface AdmissionControlOptions {
  limits: AdmissionLimits;
  metrics: Metrics;
  /** How often the event-loop lag timer fires (ms). */
  lagSampleMs?: number;
  /** A bet whose outcome never came (a Redis data loss, another replica's restart) stops counting after this (ms). */
  forgetOutstandingAfterMs?: number;
}

/** The router's view of admission: admit (counted until its answer ends) or the 503 to answer. */
export interface Admission {
  /** `shed: false`: counted in flight, never refused (admin routes). */
  admit(kind: AdmissionKind, shed: boolean, res: Response): ApiError | undefined;
}

export interface AdmissionControl extends Admission {
  /** Runs `enqueue` counted as a bet waiting for its MULTI. */
  awaitingMulti<T>(enqueue: () => Promise<T>): Promise<T>;
  /** A bet this gateway is queueing: outstanding until its outcome arrives (or `forget`: its claim did not win). */
  accepted(betId: string): void;
  forget(betId: string): void;
  /** A message of the player-events channel (JSON arrays of events): outcomes end outstanding bets. */
  onPlayerEvents(raw: string): void;
  signals(): AdmissionSignals;
  stop(): void;
}

/**
 * The signals of ../domain/admission.ts, measured: requests in flight (counted from admission to the end of the
 * answer), bets waiting for their MULTI, the event loop's lag (a timer's lateness), and the bets this gateway
 * queued that the ledger has not answered yet (their number and the oldest one's age, from the outcome events
 * every replica receives). Exported as metrics, with the requests shed by route and reason.
 */
export function createAdmissionControl(o: AdmissionControlOptions): AdmissionControl {
  const lagSampleMs = o.lagSampleMs ?? 20;
  const forgetAfterMs = o.forgetOutstandingAfterMs ?? 10_000;
  let inFlight = 0;
  let betsAwaitingMulti = 0;
  let eventLoopLagMs = 0;
  /** betId → accept time (performance.now()); insertion order is accept order, so the first entry is the oldest. */
  const outstanding = new Map<string, number>();

  const oldestMs = (now: number): number => {
    for (const [betId, at] of outstanding) {
      if (now - at <= forgetAfterMs) return now - at;
      outstanding.delete(betId);
    }
    return 0;
  };
  const signals = (): AdmissionSignals => ({
    inFlight,
    betsAwaitingMulti,
    eventLoopLagMs,
    ledgerOutstanding: outstanding.size,
    ledgerOldestMs: oldestMs(performance.now()),
  });

  let expected = performance.now() + lagSampleMs;
  const lagTimer = setInterval(() => {
    const now = performance.now();
    eventLoopLagMs = Math.max(0, now - expected);
    expected = now + lagSampleMs;
  }, lagSampleMs);
  lagTimer.unref();

  const shedTotal = o.metrics.counter('wagerflow_gateway_shed_total', 'Requests answered 503 overloaded (admission control)', [
    'route',
    'reason',
  ]);
  for (const reason of SHED_REASONS) shedTotal.inc({ route: '/v1/bets', reason }, 0);
  o.metrics.gauge('wagerflow_gateway_in_flight_requests', 'Requests admitted and not answered yet', [], function () {
    this.set(inFlight);
  });
  o.metrics.gauge('wagerflow_gateway_event_loop_lag_seconds', "The event loop's lag as admission control measures it", [], function () {
    this.set(eventLoopLagMs / 1000);
  });
  o.metrics.gauge('wagerflow_gateway_bets_awaiting_multi', 'Bets accepted by their checks waiting for their MULTI', [], function () {
    this.set(betsAwaitingMulti);
  });
  o.metrics.gauge('wagerflow_gateway_ledger_outstanding_bets', 'Bets this gateway queued whose outcome has not arrived', [], function () {
    this.set(outstanding.size);
  });
  o.metrics.gauge(
    'wagerflow_gateway_ledger_oldest_outstanding_seconds',
    'Age of the oldest bet this gateway queued whose outcome has not arrived',
    [],
    function () {
      this.set(oldestMs(performance.now()) / 1000);
    },
  );

  return {
    admit(kind, shed, res) {
      if (shed) {
        const s = signals();
        const decision = admission(s, o.limits, kind);
        if (!decision.admit) {
          shedTotal.inc({ route: typeof res.locals.route === 'string' ? res.locals.route : 'unmatched', reason: decision.reason });
          return new ApiError('overloaded', 'the gateway is over capacity; nothing was done, retry later', undefined, {
            'Retry-After': String(retryAfterSeconds(s, decision.reason)),
          });
        }
      }
      inFlight++;
      let done = false;
      res.once('close', () => {
        if (done) return;
        done = true;
        inFlight--;
      });
      return undefined;
    },
    async awaitingMulti(enqueue) {
      betsAwaitingMulti++;
      try {
        return await enqueue();
      } finally {
        betsAwaitingMulti--;
      }
    },
    accepted(betId) {
      outstanding.set(betId, performance.now());
    },
    forget(betId) {
      outstanding.delete(betId);
    },
    onPlayerEvents(raw) {
      if (outstanding.size === 0) return;
      let events: unknown;
      try {
        events = JSON.parse(raw);
      } catch {
        return; // the stream logs messages that do not parse
      }
      if (!Array.isArray(events)) return;
      for (const e of events as { type?: unknown; betId?: unknown }[]) {
        if ((e.type === 'bet:confirmed' || e.type === 'bet:rejected') && typeof e.betId === 'string') outstanding.delete(e.betId);
      }
    },
    signals,
    stop() {
      clearInterval(lagTimer);
    },
  };
}
