/**
 * Matches each sent bet with its HTTP answer and its outcome on the player's socket (either may come first), and
 * keeps the counts and latency histograms of a run. Latency is taken from the send (and, separately, from the
 * scheduled send time) to the `bet:confirmed` / `bet:rejected` message.
 */
import { Histogram } from './histogram.js';

/** One resolved bet, for `--trace-bets`: when it was sent (wall clock) and how long its answer and outcome took. */
export interface BetTraceRow {
  sentAtMs: number;
  httpMs: number | null;
  outcomeMs: number;
  type: 'bet:confirmed' | 'bet:rejected';
}

interface InFlight {
  scheduledAt: number;
  sentAt: number;
  /** 202 received. */
  accepted: boolean;
  /** HTTP answer or failure received. */
  answered: boolean;
  /** Send → HTTP answer, once it came. */
  httpMs: number | null;
  /** Outcome received. */
  resolved: boolean;
}

export class OutcomeTracker {
  readonly latency = new Histogram();
  readonly latencyFromSchedule = new Histogram();
  readonly httpLatency = new Histogram();
  /** Send → 503 `overloaded` (admission control's refusals). */
  readonly shedLatency = new Histogram();
  sent = 0;
  accepted202 = 0;
  confirmed = 0;
  readonly rejectedByReason: Record<string, number> = {};
  readonly gatewayAnswers: Record<string, number> = {};
  http5xx = 0;
  timeouts = 0;
  network = 0;
  noOutcome = 0;
  unmatchedOutcomes = 0;
  firstSendAt: number | null = null;
  lastOutcomeAt: number | null = null;
  /** Unmatched outcomes included (bets whose request had timed out). */
  lastAnyOutcomeAt: number | null = null;
  private readonly inFlight = new Map<string, InFlight>();

  /** `trace`, when given, receives each bet as its outcome arrives (bench `--trace-bets`). */
  constructor(private readonly trace?: (row: BetTraceRow) => void) {}

  get outcomes(): number {
    return this.confirmed + Object.values(this.rejectedByReason).reduce((a, b) => a + b, 0);
  }
  get errors(): number {
    return this.http5xx + this.timeouts + this.network + this.noOutcome;
  }
  /** Bets still waiting for an answer or an outcome. */
  get outstanding(): number {
    return this.inFlight.size;
  }

  onSent(clientBetId: string, scheduledAt: number, sentAt: number): void {
    this.sent += 1;
    this.firstSendAt ??= sentAt;
    this.inFlight.set(clientBetId, { scheduledAt, sentAt, accepted: false, answered: false, httpMs: null, resolved: false });
  }

  onAnswer(clientBetId: string, status: number, code: string | null, at: number): void {
    const f = this.inFlight.get(clientBetId);
    if (!f) return;
    f.answered = true;
    f.httpMs = at - f.sentAt;
    this.httpLatency.recordMs(f.httpMs);
    if (status === 202) {
      this.accepted202 += 1;
      f.accepted = true;
      if (f.resolved) this.inFlight.delete(clientBetId);
      return;
    }
    if (status === 503 && code === 'overloaded') this.shedLatency.recordMs(at - f.sentAt);
    const key = `${status} ${code ?? '?'}`;
    this.gatewayAnswers[key] = (this.gatewayAnswers[key] ?? 0) + 1;
    if (status >= 500) this.http5xx += 1;
    this.inFlight.delete(clientBetId);
  }

  onFailure(clientBetId: string, kind: 'timeout' | 'network'): void {
    const f = this.inFlight.get(clientBetId);
    if (!f) return;
    if (kind === 'timeout') this.timeouts += 1;
    else this.network += 1;
    // A timed-out request may still have been accepted: a late outcome then counts as unmatched.
    this.inFlight.delete(clientBetId);
  }

  onOutcome(clientBetId: string, type: 'bet:confirmed' | 'bet:rejected', reason: string | undefined, at: number): void {
    const f = this.inFlight.get(clientBetId);
    if (!f || f.resolved) {
      this.unmatchedOutcomes += 1;
      this.lastAnyOutcomeAt = at;
      return;
    }
    this.lastAnyOutcomeAt = at;
    f.resolved = true;
    this.latency.recordMs(at - f.sentAt);
    this.latencyFromSchedule.recordMs(at - f.scheduledAt);
    this.trace?.({ sentAtMs: performance.timeOrigin + f.sentAt, httpMs: f.httpMs, outcomeMs: at - f.sentAt, type });
    this.lastOutcomeAt = at;
    if (type === 'bet:confirmed') this.confirmed += 1;
    else {
      const r = reason ?? 'unknown';
      this.rejectedByReason[r] = (this.rejectedByReason[r] ?? 0) + 1;
    }
    if (f.answered) this.inFlight.delete(clientBetId);
  }

  /** Accepted bets with no outcome `timeoutMs` after their send count as errors (and are forgotten). */
  expire(now: number, timeoutMs: number): void {
    for (const [id, f] of this.inFlight) {
      if (f.accepted && !f.resolved && now - f.sentAt > timeoutMs) {
        this.noOutcome += 1;
        this.inFlight.delete(id);
      }
    }
  }

  /** End of run: whatever is still open is an error of its kind. */
  finish(): void {
    for (const f of this.inFlight.values()) {
      if (f.accepted && !f.resolved) this.noOutcome += 1;
      else if (!f.answered) this.timeouts += 1;
    }
    this.inFlight.clear();
  }
}
