import { backoffDelay, type BackoffOptions } from './backoff.js';
import type { ResyncReason } from './reconnecting-stream.js';
import type { ResyncResult } from './resync.js';

export interface ResyncSchedulerDeps {
  fetch(since: number): Promise<ResyncResult>;
  /** Which stream connection is current (it counts connections); `isLive` says whether it is still up. */
  connection(): number;
  isLive(connection: number): boolean;
  /** `connection` is the one current when the fetch started: the caller decides what a result taken across a drop proves. */
  apply(result: ResyncResult, reason: ResyncReason, connection: number): void;
  onError(err: Error): void;
  backoff: BackoffOptions;
}

/**
 * One resync at a time: requests arriving meanwhile coalesce into one more run reaching back to the
 * earliest `since` asked for. A failed run is retried with backoff while its connection lasts; after a
 * reconnect the stream asks for a new resync anyway.
 */
export class ResyncScheduler {
  private running = false;
  private since: number | null = null;
  private reason: ResyncReason = 'gap';
  private failures = 0;
  /** A failed run's `since`, waiting for its retry timer; a request before then takes it along instead. */
  private retrySince: number | null = null;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly d: ResyncSchedulerDeps) {}

  request(since: number, reason: ResyncReason): void {
    if (this.closed) return;
    if (this.retrySince !== null) {
      since = Math.min(since, this.retrySince);
      this.retrySince = null;
      clearTimeout(this.timer);
    }
    this.since = Math.min(this.since ?? since, since);
    this.reason = reason;
    if (!this.running) void this.run();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private async run(): Promise<void> {
    this.running = true;
    while (this.since !== null && !this.closed) {
      const { since, reason } = this;
      this.since = null;
      const connection = this.d.connection();
      try {
        const result = await this.d.fetch(since);
        this.failures = 0;
        if (!this.closed) this.d.apply(result, reason, connection);
      } catch (err) {
        this.d.onError(err instanceof Error ? err : new Error(String(err)));
        if (this.since !== null) {
          // A request came in meanwhile: the next run goes back far enough for both.
          this.since = Math.min(this.since, since);
          continue;
        }
        this.retrySince = since;
        clearTimeout(this.timer);
        this.timer = setTimeout(
          () => {
            const retry = this.retrySince;
            this.retrySince = null;
            if (retry !== null && this.d.isLive(connection)) this.request(retry, reason);
          },
          backoffDelay(this.failures++, this.d.backoff),
        );
      }
    }
    this.running = false;
  }
}
