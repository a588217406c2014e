import {
  CLAIM_DEADLINE_AFTER_SIGNED_MS,
  SIGNED_TS_FUTURE_MS,
  type BetResult,
  type BetStatus,
  type PlaceBetBody,
} from '@wagerflow/contracts';

/**
 * The client's view of one bet (SPEC 2 steps 1 and 4) as a pure transition function: state + event →
 * new state + commands. No I/O, no clock: the driver (bet-driver.ts) sends the requests, runs the
 * timers and feeds their outcomes back as events. CONFIRMED and REJECTED are terminal; the client never
 * infers an outcome on its own: only the server's word (an answer, a lookup, a resync, a stream event) decides. A 404
 * to a lookup sent once the gateway can no longer place any POST of the bet (`claimDeadlineMs`) is such a word:
 * REJECTED `not_placed`.
 * The one terminal state that can still change is a `provisional` REJECTED (see below).
 */
export const BET_PHASES = ['PENDING', 'CONFIRMED', 'REJECTED', 'UNKNOWN'] as const;
export type BetPhase = (typeof BET_PHASES)[number];

export interface BetState {
  phase: BetPhase;
  body: PlaceBetBody;
  /** POSTs sent so far that may have been placed (the same clientBetId each time); a shed POST does not count. */
  submits: number;
  /** POSTs the gateway shed (503 `overloaded`: refused before any check, nothing stored): each resent after a jittered backoff. */
  sheds: number;
  /** Lookups sent so far: drives the retry backoff. */
  lookups: number;
  /** At most one request per bet at a time: answers can then never race each other. */
  inFlight: 'post' | 'lookup' | null;
  betId: string | null;
  multiplier: number | null;
  /** REJECTED: the ledger's reason or the error code of the definitive answer. */
  reason: string | null;
  /** Why the bet became ambiguous last (timeout, network_error, service_unavailable…). */
  lastFailure: string | null;
  /**
   * Every submit is spent and a lookup still answered 404: no more POSTs, but the bet stays UNKNOWN and
   * keeps being looked up (capped backoff), since a POST that timed out may still land in the gateway, until
   * `claimDeadlineMs` after giving up.
   */
  gaveUpResubmitting: boolean;
  /** `claimDeadlineMs` has passed since giving up: the gateway refuses every claim of the bet's POSTs from now on. */
  claimDeadlinePassed: boolean;
  /** The lookup in flight (or the last one) was sent after `claimDeadlinePassed`: its 404 is final. */
  finalLookup: boolean;
  /**
   * REJECTED by a definitive answer to a resubmit (e.g. 422 `cell_closed`): that POST was refused, but an
   * earlier POST of the same clientBetId may still land. A later server-sourced outcome of the bet (a stream
   * event or a resync entry) replaces it. False for every other state.
   */
  provisional: boolean;
  result: BetResult | null;
  payout: number | null;
}

/** What the server said about the bet: a 202/200 body, a lookup answer or a resync entry. */
export interface BetSnapshot {
  betId: string;
  status: BetStatus;
  multiplier: number;
  reason?: string | null;
  result?: BetResult | null;
  payout?: number | null;
}

export type BetEvent =
  | { type: 'post:accepted'; bet: BetSnapshot } // 202, or 200 with the bet's current view (a replay)
  | { type: 'post:rejected'; code: string } // a definitive 4xx (or 503 market_suspended)
  | { type: 'post:failed'; cause: string } // timeout, network error or another 5xx: the POST may or may not have landed
  | { type: 'post:shed'; retryAfterMs: number; jitter: number } // 503 overloaded: not placed; jitter in [0, 1) from the driver
  | { type: 'stream:confirmed'; betId: string; multiplier: number }
  | { type: 'stream:rejected'; betId: string; reason: string }
  | { type: 'stream:settled'; betId: string; result: BetResult; payout: number }
  | { type: 'socket:lost' } // outcome events may be missed from now on
  | { type: 'timer:pending' } // accepted but still no outcome after pendingTimeoutMs
  | { type: 'timer:retry' }
  | { type: 'timer:claim' } // claimDeadlineMs after giving up resubmitting
  | { type: 'timer:shed' } // the backoff after a shed POST is over: send it again
  | { type: 'lookup:found'; bet: BetSnapshot }
  | { type: 'lookup:notFound' } // not stored so far: the only case that allows a resubmit
  | { type: 'lookup:failed'; cause: string }
  | { type: 'sync:view'; bet: BetSnapshot }; // from a resync over a socket that is up (so later outcomes will arrive)

export type TimerName = 'pending' | 'retry' | 'claim' | 'shed';
export type BetCommand =
  { type: 'post' } | { type: 'lookup' } | { type: 'setTimer'; timer: TimerName; ms: number } | { type: 'clearTimer'; timer: TimerName };

export interface BetMachineConfig {
  /** How long an accepted bet may stay PENDING before the client treats it as UNKNOWN. */
  pendingTimeoutMs: number;
  /** Lookup retry backoff: base × 2^(n−1), capped. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Total POSTs per bet; once spent, a 404 lookup keeps the bet UNKNOWN (`gaveUpResubmitting`), still looked up. */
  maxSubmits: number;
  /**
   * After giving up resubmitting, how long until no POST of the bet can be placed any more: the gateway refuses a claim
   * after the POST's signed timestamp + CLAIM_DEADLINE_AFTER_SIGNED_MS on its clock, which was at most
   * SIGNED_TS_FUTURE_MS behind ours when it accepted the timestamp; 5 s more for the gateway's and Redis's clocks.
   * A 404 to a lookup sent after it is final: REJECTED `not_placed`.
   */
  claimDeadlineMs: number;
  /**
   * Shed POSTs (503 `overloaded`) a bet resends before it gives up: REJECTED `overloaded` (provisional when an
   * earlier POST of the bet may still land). Each waits max(Retry-After, base × 2^(n−1)) capped at max, plus up to as
   * much again at random, so that clients shed together do not return together.
   */
  maxSheds: number;
  shedBackoffBaseMs: number;
  shedBackoffMaxMs: number;
}

export const DEFAULT_BET_MACHINE_CONFIG: BetMachineConfig = {
  pendingTimeoutMs: 5_000,
  retryBaseMs: 250,
  retryMaxMs: 5_000,
  maxSubmits: 3,
  claimDeadlineMs: CLAIM_DEADLINE_AFTER_SIGNED_MS + SIGNED_TS_FUTURE_MS + 5_000,
  maxSheds: 6,
  shedBackoffBaseMs: 500,
  shedBackoffMaxMs: 5_000,
};

export interface Transition {
  state: BetState;
  commands: BetCommand[];
}

export const isTerminal = (phase: BetPhase): boolean => phase === 'CONFIRMED' || phase === 'REJECTED';

export function retryDelay(lookups: number, c: BetMachineConfig): number {
  return Math.min(c.retryBaseMs * 2 ** Math.max(0, lookups - 1), c.retryMaxMs);
}

/** The wait before resending the `sheds`-th shed POST: at least Retry-After, up to twice the nominal delay. */
export function shedDelay(sheds: number, retryAfterMs: number, jitter: number, c: BetMachineConfig): number {
  const nominal = Math.min(
    Math.max(retryAfterMs, c.shedBackoffBaseMs * 2 ** Math.max(0, sheds - 1)),
    Math.max(c.shedBackoffMaxMs, retryAfterMs),
  );
  return Math.round(nominal * (1 + Math.min(Math.max(jitter, 0), 1)));
}

/** A new bet: PENDING with its first POST on the way. */
export function startBet(body: PlaceBetBody): Transition {
  const state: BetState = {
    phase: 'PENDING',
    body,
    submits: 1,
    sheds: 0,
    lookups: 0,
    inFlight: 'post',
    betId: null,
    multiplier: null,
    reason: null,
    lastFailure: null,
    gaveUpResubmitting: false,
    claimDeadlinePassed: false,
    finalLookup: false,
    provisional: false,
    result: null,
    payout: null,
  };
  return { state, commands: [{ type: 'post' }] };
}

const stay = (state: BetState, commands: BetCommand[] = []): Transition => ({ state, commands });
const clearTimers: BetCommand[] = [
  { type: 'clearTimer', timer: 'pending' },
  { type: 'clearTimer', timer: 'retry' },
  { type: 'clearTimer', timer: 'shed' },
  { type: 'clearTimer', timer: 'claim' },
];

function confirmed(s: BetState, betId: string, multiplier: number | null, result: BetResult | null, payout: number | null): Transition {
  return stay(
    { ...s, phase: 'CONFIRMED', betId, multiplier, reason: null, provisional: false, result: result ?? 'open', payout },
    clearTimers,
  );
}

function rejected(s: BetState, reason: string, provisional = false): Transition {
  return stay({ ...s, phase: 'REJECTED', reason, provisional, result: null, payout: null }, clearTimers);
}

/** A snapshot that carries an outcome decides the bet; a pending one decides nothing (null). */
function decided(s: BetState, bet: BetSnapshot): Transition | null {
  if (bet.status === 'confirmed') return confirmed(s, bet.betId, bet.multiplier, bet.result ?? null, bet.payout ?? null);
  if (bet.status === 'rejected') return rejected({ ...s, betId: bet.betId }, bet.reason ?? 'rejected');
  return null;
}

const known = (s: BetState, bet: BetSnapshot): BetState => ({ ...s, betId: bet.betId, multiplier: bet.multiplier });

function startLookup(s: BetState): Transition {
  return stay({ ...s, phase: 'UNKNOWN', inFlight: 'lookup', lookups: s.lookups + 1, finalLookup: s.claimDeadlinePassed }, [
    { type: 'clearTimer', timer: 'pending' },
    { type: 'lookup' },
  ]);
}

type StreamEvent = Extract<BetEvent, { type: 'stream:confirmed' | 'stream:rejected' | 'stream:settled' }>;

function streamOutcome(s: BetState, e: StreamEvent): Transition {
  switch (e.type) {
    case 'stream:confirmed':
      return confirmed(s, e.betId, e.multiplier, 'open', null);
    case 'stream:rejected':
      return rejected({ ...s, betId: e.betId }, e.reason);
    case 'stream:settled': // only a confirmed bet settles
      return confirmed(s, e.betId, s.multiplier, e.result, e.payout);
  }
}

/** What the server says about the stored bet itself, if the event carries an outcome; null otherwise. */
function serverOutcome(s: BetState, e: BetEvent): Transition | null {
  switch (e.type) {
    case 'stream:confirmed':
    case 'stream:rejected':
    case 'stream:settled':
      return streamOutcome(s, e);
    case 'post:accepted':
    case 'lookup:found':
    case 'sync:view':
      return decided(s, e.bet);
    default:
      return null;
  }
}

/**
 * Terminal states absorb everything, with two exceptions: a settlement still adds its result to a
 * CONFIRMED bet, and a provisional REJECTED gives way to the server's outcome of the bet.
 */
function afterTerminal(s: BetState, e: BetEvent): Transition {
  const answered = e.type.startsWith('post:') || e.type.startsWith('lookup:') ? { ...s, inFlight: null } : s;
  if (s.phase === 'REJECTED' && s.provisional) return serverOutcome(answered, e) ?? stay(answered);
  const settlement =
    e.type === 'stream:settled'
      ? e
      : 'bet' in e && e.bet.result && e.bet.result !== 'open'
        ? { result: e.bet.result, payout: e.bet.payout }
        : null;
  if (s.phase !== 'CONFIRMED' || !settlement || (s.result !== null && s.result !== 'open')) return stay(answered);
  return stay({ ...answered, result: settlement.result, payout: settlement.payout ?? null });
}

export function transition(s: BetState, e: BetEvent, c: BetMachineConfig = DEFAULT_BET_MACHINE_CONFIG): Transition {
  if (isTerminal(s.phase)) return afterTerminal(s, e);
  switch (e.type) {
    case 'post:accepted': {
      const next = known({ ...s, inFlight: null }, e.bet);
      const outcome = decided(next, e.bet);
      if (outcome) return outcome;
      // Accepted while the socket was down: its outcome event may already be lost, so ask.
      if (s.phase === 'UNKNOWN') return startLookup(next);
      return stay(next, [{ type: 'setTimer', timer: 'pending', ms: c.pendingTimeoutMs }]);
    }
    case 'post:rejected':
      // Refused before anything was stored (SPEC 4.4: a stored clientBetId with the same body answers 200).
      // After a resubmit an earlier POST may still store it: provisional until the server says otherwise.
      return rejected({ ...s, inFlight: null }, e.code, s.submits > 1);
    case 'post:failed':
      return startLookup({ ...s, inFlight: null, lastFailure: e.cause });
    case 'post:shed': {
      // Refused before any check: this POST stored nothing (SPEC 4), so it does not count as a submit; send it
      // again after the backoff, under the same clientBetId. Out of sheds, the bet was not placed by any shed POST;
      // an earlier POST (submits > 0) may still land, hence provisional.
      const next: BetState = { ...s, inFlight: null, submits: s.submits - 1, sheds: s.sheds + 1, lastFailure: 'overloaded' };
      if (next.sheds > c.maxSheds) return rejected(next, 'overloaded', next.submits > 0);
      return stay(next, [{ type: 'setTimer', timer: 'shed', ms: shedDelay(next.sheds, e.retryAfterMs, e.jitter, c) }]);
    }
    case 'timer:shed':
      // Something else (a lookup's 404 → resubmit) may have sent a POST meanwhile, or the bet is known by now.
      if (s.inFlight !== null || s.betId !== null || s.gaveUpResubmitting) return stay(s);
      return stay({ ...s, inFlight: 'post', submits: s.submits + 1 }, [{ type: 'post' }]);
    case 'stream:confirmed':
    case 'stream:rejected':
    case 'stream:settled':
      return streamOutcome(s, e);
    case 'socket:lost':
      if (s.phase !== 'PENDING') return stay(s);
      // A POST still in flight will answer; that answer starts the lookup (post:accepted in UNKNOWN).
      if (s.inFlight === 'post') return stay({ ...s, phase: 'UNKNOWN', lastFailure: 'socket_lost' });
      return startLookup({ ...s, lastFailure: 'socket_lost' });
    case 'timer:pending':
      return s.phase === 'PENDING' && s.inFlight === null ? startLookup({ ...s, lastFailure: 'pending_timeout' }) : stay(s);
    case 'timer:retry':
      return s.phase === 'UNKNOWN' && s.inFlight === null ? startLookup(s) : stay(s);
    case 'timer:claim': {
      // From now on a 404 is final; ask at once rather than at the next retry (a lookup in flight was sent before).
      const next = { ...s, claimDeadlinePassed: true };
      return s.phase === 'UNKNOWN' && s.inFlight === null ? startLookup(next) : stay(next);
    }
    case 'lookup:found': {
      const next = known({ ...s, inFlight: null }, e.bet);
      return decided(next, e.bet) ?? stay(next, [{ type: 'setTimer', timer: 'retry', ms: retryDelay(s.lookups, c) }]);
    }
    case 'lookup:notFound':
      // Not placed yet, which is no proof that it never will be: a POST that timed out may still be queued in
      // the gateway. Out of submits, it stays UNKNOWN and is looked up again (or decided by a stream event) until the
      // gateway can no longer place it: then a 404 is the server's word that it never will be.
      if (s.submits >= c.maxSubmits) {
        if (s.finalLookup) return rejected({ ...s, inFlight: null }, 'not_placed');
        const retry: BetCommand = { type: 'setTimer', timer: 'retry', ms: retryDelay(s.lookups, c) };
        if (s.gaveUpResubmitting) return stay({ ...s, inFlight: null }, [retry]);
        return stay({ ...s, inFlight: null, gaveUpResubmitting: true }, [
          retry,
          { type: 'setTimer', timer: 'claim', ms: c.claimDeadlineMs },
        ]);
      }
      return stay({ ...s, phase: 'PENDING', inFlight: 'post', submits: s.submits + 1 }, [{ type: 'post' }]);
    case 'lookup:failed':
      return stay({ ...s, inFlight: null }, [{ type: 'setTimer', timer: 'retry', ms: retryDelay(s.lookups, c) }]);
    case 'sync:view': {
      const outcome = decided(s, e.bet);
      if (outcome) return outcome;
      // Still pending and the socket is live again: its outcome will arrive, back to PENDING.
      if (s.phase !== 'UNKNOWN' || s.inFlight !== null) return stay(s);
      return stay({ ...known(s, e.bet), phase: 'PENDING' }, [
        { type: 'clearTimer', timer: 'retry' },
        { type: 'setTimer', timer: 'pending', ms: c.pendingTimeoutMs },
      ]);
    }
  }
}
