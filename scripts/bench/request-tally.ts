/**
 * Counts of one open-loop HTTP load where every request has one expected answer (201 for an award, 200 for
 * `/v1/time`): latency of the expected answers from the send and from the scheduled send, the other answers by
 * `status code`, and the errors. Anything but the expected answer is an error: a 429 would mean the bench gave a staff
 * member more awards than SPEC 4.7 allows, a 503 `timeout` that loyalty did not answer in time.
 */
import { Histogram } from './histogram.js';
import type { HttpAnswer } from './http-pool.js';

export class RequestTally {
  readonly latency = new Histogram();
  readonly latencyFromSchedule = new Histogram();
  sent = 0;
  ok = 0;
  /** Answers other than the expected one, by `status code`. */
  readonly otherAnswers: Record<string, number> = {};
  http5xx = 0;
  timeouts = 0;
  network = 0;
  private pending = 0;

  constructor(readonly expectedStatus: number) {}

  /** Requests sent and not answered yet. */
  get outstanding(): number {
    return this.pending;
  }

  get unexpected(): number {
    return Object.values(this.otherAnswers).reduce((a, b) => a + b, 0) - this.http5xx;
  }

  get errors(): number {
    return this.http5xx + this.unexpected + this.timeouts + this.network;
  }

  onSent(): void {
    this.sent += 1;
    this.pending += 1;
  }

  onAnswer(a: HttpAnswer, scheduledAt: number, sentAt: number): void {
    this.pending -= 1;
    if (a.kind !== 'answer') {
      if (a.kind === 'timeout') this.timeouts += 1;
      else this.network += 1;
      return;
    }
    if (a.status === this.expectedStatus) {
      this.ok += 1;
      this.latency.recordMs(a.at - sentAt);
      this.latencyFromSchedule.recordMs(a.at - scheduledAt);
      return;
    }
    const key = `${a.status} ${a.code ?? '-'}`;
    this.otherAnswers[key] = (this.otherAnswers[key] ?? 0) + 1;
    if (a.status >= 500) this.http5xx += 1;
  }
}
