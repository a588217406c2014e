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
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private flushing = 0;
  private closed = false;
  private readonly concurrency: number;

  constructor(private readonly opts: BatcherOptions<I, R>) {
    this.concurrency = Math.max(1, opts.concurrency ?? 1);
  }

  submit(item: I): Promise<R> {
    if (this.closed) return Promise.reject(new Error('batcher closed'));
    return new Promise<R>((resolve, reject) => {
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
      this.timer =
        this.opts.maxWaitMs <= 0 ? setImmediate(() => void this.runOnce()) : setTimeout(() => void this.runOnce(), this.opts.maxWaitMs);
    }
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    if (this.opts.maxWaitMs <= 0) clearImmediate(this.timer as NodeJS.Immediate);
    else clearTimeout(this.timer as NodeJS.Timeout);
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
