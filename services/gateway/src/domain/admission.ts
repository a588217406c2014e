/**
 * Admission control (issue 15): past its capacity the gateway refuses the excess at once with 503 `overloaded`
 * instead of queueing it (SPEC 4: right after 404/405, before every other check). A pure function of the signals,
 * read by the router for every request it may shed.
 */

/** What the gateway knows about its own load when a request arrives. */
export interface AdmissionSignals {
  /** Requests the router admitted that have not been answered yet (this one excluded). */
  readonly inFlight: number;
  /** Bets accepted by their checks that wait for their MULTI (the pending-bet claim and the ledger job). */
  readonly betsAwaitingMulti: number;
  /** How late the gateway's last lag timer fired, in ms: the event loop's current delay. */
  readonly eventLoopLagMs: number;
  /** Bets this gateway queued (202) whose outcome has not come back from the ledger yet. */
  readonly ledgerOutstanding: number;
  /** Age in ms of the oldest of those bets: how far the ledger is behind (0 when none). */
  readonly ledgerOldestMs: number;
}

/** Limits above which a request is shed; 0 turns a limit off. */
export interface AdmissionLimits {
  readonly maxInFlight: number;
  readonly maxBetsAwaitingMulti: number;
  readonly maxEventLoopLagMs: number;
  readonly maxLedgerOutstanding: number;
  readonly maxLedgerDelayMs: number;
}

/** A bet adds ledger work; any other route only the gateway's own. */
export type AdmissionKind = 'bet' | 'other';

export const SHED_REASONS = ['in_flight', 'event_loop_lag', 'bets_awaiting_multi', 'ledger_backlog', 'ledger_delay'] as const;
export type ShedReason = (typeof SHED_REASONS)[number];

export type AdmissionDecision = { readonly admit: true } | { readonly admit: false; readonly reason: ShedReason };

const over = (value: number, limit: number): boolean => limit > 0 && value >= limit;
const ADMIT: AdmissionDecision = { admit: true };

/**
 * Admit or shed. Every route is shed when the gateway itself is full (requests in flight at the limit, an event
 * loop running late); a bet also when the bets behind it would wait: a MULTI queue at its limit, or a ledger that
 * has the limit's number of this gateway's bets outstanding, or has left one waiting longer than the delay limit.
 * Other routes add no ledger work and are not refused for the ledger's sake.
 */
export function admission(s: AdmissionSignals, l: AdmissionLimits, kind: AdmissionKind): AdmissionDecision {
  if (over(s.inFlight, l.maxInFlight)) return { admit: false, reason: 'in_flight' };
  if (over(s.eventLoopLagMs, l.maxEventLoopLagMs)) return { admit: false, reason: 'event_loop_lag' };
  if (kind === 'other') return ADMIT;
  if (over(s.betsAwaitingMulti, l.maxBetsAwaitingMulti)) return { admit: false, reason: 'bets_awaiting_multi' };
  if (over(s.ledgerOutstanding, l.maxLedgerOutstanding)) return { admit: false, reason: 'ledger_backlog' };
  if (over(s.ledgerOldestMs, l.maxLedgerDelayMs)) return { admit: false, reason: 'ledger_delay' };
  return ADMIT;
}

/**
 * Retry-After (whole seconds, RFC 9110) of a shed request: 1 s for the gateway's own load, which clears in well
 * under a second once the excess is refused; for a ledger that is behind, its delay rounded up (capped at 5 s), the
 * time the bets ahead need to drain. Clients add jitter.
 */
export function retryAfterSeconds(s: AdmissionSignals, reason: ShedReason): number {
  if (reason !== 'ledger_delay' && reason !== 'ledger_backlog') return 1;
  return Math.min(5, Math.max(1, Math.ceil(s.ledgerOldestMs / 1000)));
}
