/**
 * Group commit: callers `submit` items and await their own result; items are flushed together
 * when `maxSize` are waiting or `maxWaitMs` after the first one arrived (0: at the end of the
 * current event-loop turn, which batches whatever arrived in it at no added latency). At most
 * `concurrency` flushes run at a time (default 1); while they run, new items gather for the next.
 * A flush that throws rejects every item of its batch.
 */
export interface BatcherOptions<I, R> {
  maxSize: number;
  maxWaitMs: number;
  /**
   * Wait `maxWaitMs` only while items keep coming: a batch whose first item arrived more than `maxWaitMs` after the
   * item before it goes at the end of its event-loop turn instead. Under load every batch waits and fills (fewer,
   * larger flushes); a lone item is not held back for company that is not coming.
   */
  waitOnlyWhenBusy?: boolean;
  flush: (items: I[]) => Promise<R[]>;
  concurrency?: number;
}

interface Waiting<I, R> {
  item: I;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

export class Batcher<I, R> {
  private queue: Waiting<I, R>[] = [];
  /** Cancels the pending flush's timer (a timeout, or an immediate for a batch that does not wait). */
  private timer: (() => void) | undefined;
  private flushing = 0;
  private closed = false;
  private readonly concurrency: number;
  /** When the item before the newest one arrived, and the newest (ms, `Date.now()`). */
  private previousAt = Number.NEGATIVE_INFINITY;
  private lastAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: BatcherOptions<I, R>) {
    this.concurrency = Math.max(1, opts.concurrency ?? 1);
  }

  submit(item: I): Promise<R> {
    if (this.closed) return Promise.reject(new Error('batcher closed'));
    return new Promise<R>((resolve, reject) => {
      this.previousAt = this.lastAt;
      this.lastAt = Date.now();
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Flush what is waiting and refuse new items. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.queue.length > 0 || this.flushing > 0) {
      if (this.flushing < this.concurrency && this.queue.length > 0) await this.runOnce();
      else await new Promise((r) => setTimeout(r, 1));
    }
  }

  private schedule(): void {
    if (this.flushing >= this.concurrency) return;
    if (this.queue.length >= this.opts.maxSize) {
      void this.runOnce();
    } else if (!this.timer) {
      const waitMs = this.waitMs();
      if (waitMs <= 0) {
        const immediate = setImmediate(() => void this.runOnce());
        this.timer = () => clearImmediate(immediate);
      } else {
        const timeout = setTimeout(() => void this.runOnce(), waitMs);
        this.timer = () => clearTimeout(timeout);
      }
    }
  }

  /** How long the batch about to be timed waits for more items. */
  private waitMs(): number {
    const lone = this.opts.waitOnlyWhenBusy && this.queue.length === 1 && this.lastAt - this.previousAt > this.opts.maxWaitMs;
    return lone ? 0 : this.opts.maxWaitMs;
  }

  private clearTimer(): void {
    this.timer?.();
    this.timer = undefined;
  }

  private async runOnce(): Promise<void> {
    this.clearTimer();
    if (this.flushing >= this.concurrency || this.queue.length === 0) return;
    this.flushing += 1;
    const batch = this.queue.splice(0, this.opts.maxSize);
    try {
      const results = await this.opts.flush(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(results[i] as R));
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      this.flushing -= 1;
      if (this.queue.length > 0) this.schedule();
    }
  }
}
