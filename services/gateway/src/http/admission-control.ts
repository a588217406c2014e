import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiResponse } from './http-types.js';
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

const OVERLOADED_MESSAGE = 'the gateway is over capacity; nothing was done, retry later';

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
  admit(kind: AdmissionKind, shed: boolean, res: ApiResponse): ApiError | undefined;
}

export interface AdmissionControl extends Admission {
  /**
   * The decision for a request that has not reached the router: undefined to admit, else the 503's Retry-After in
   * seconds (counted in the shed metric under `route`). Nothing is counted in flight: the router does that.
   */
  shedBefore(kind: AdmissionKind, route: string): number | undefined;
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
  o.metrics.gauge(
    'wagerflow_gateway_event_loop_lag_seconds',
    "The event loop's lag as admission control measures it",
    [],
    function () {
      this.set(eventLoopLagMs / 1000);
    },
    'max',
  );
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
    'max',
  );

  return {
    shedBefore(kind, route) {
      const s = signals();
      const decision = admission(s, o.limits, kind);
      if (decision.admit) return undefined;
      shedTotal.inc({ route, reason: decision.reason });
      return retryAfterSeconds(s, decision.reason);
    },
    admit(kind, shed, res) {
      if (shed) {
        const s = signals();
        const decision = admission(s, o.limits, kind);
        if (!decision.admit) {
          shedTotal.inc({ route: typeof res.locals.route === 'string' ? res.locals.route : 'unmatched', reason: decision.reason });
          return new ApiError('overloaded', OVERLOADED_MESSAGE, undefined, {
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

/** The router's path of `POST /v1/bets` (strict: false lets a trailing slash through, the query string aside). */
const BETS_PATH = '/v1/bets';
const OVERLOADED_BODY = Buffer.from(JSON.stringify({ error: { code: 'overloaded', message: OVERLOADED_MESSAGE } }));

function isPlaceBet(req: IncomingMessage): boolean {
  if (req.method !== 'POST' || !req.url?.startsWith(BETS_PATH)) return false;
  const rest = req.url.slice(BETS_PATH.length);
  return rest === '' || rest === '/' || rest.startsWith('?') || rest.startsWith('/?');
}

/**
 * Sheds `POST /v1/bets` before Express (issue 15): past capacity most requests are bets to refuse, and each one
 * taken through Express, a request span and the error middleware cost the event loop the time the admitted ones
 * need (the overload bench's profile: at 4× capacity the gateway spent its CPU refusing). The answer is the router's
 * 503 `overloaded` byte for byte, with `Retry-After`, and an `x-request-id` of the trace-id form (no span is
 * recorded for a refused request; `wagerflow_gateway_shed_total` counts it). Everything else goes to `app`, whose
 * router applies the same admission to the other routes. The unread body is discarded by Node, the connection kept.
 * An admitted bet goes to `placeBet` (the fast path past Express; default: `app`).
 */
export function shedBeforeApp<Res extends ServerResponse>(
  control: Pick<AdmissionControl, 'shedBefore'>,
  app: (req: IncomingMessage, res: Res) => void,
  placeBet: (req: IncomingMessage, res: Res) => void = app,
): (req: IncomingMessage, res: Res) => void {
  return (req: IncomingMessage, res: Res) => {
    if (isPlaceBet(req)) {
      const retryAfter = control.shedBefore('bet', BETS_PATH);
      if (retryAfter !== undefined) {
        res.writeHead(503, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': OVERLOADED_BODY.length,
          'retry-after': String(retryAfter),
          'x-request-id': randomBytes(16).toString('hex'),
        });
        res.end(OVERLOADED_BODY);
        return;
      }
      return placeBet(req, res);
    }
    app(req, res);
  };
}
