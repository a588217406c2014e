/**
 * Group commit: callers `submit` items and await their own result; items are flushed together
 * when `maxSize` are waiting or `maxWaitMs` after the first one arrived. One flush runs at a
 * time per batcher (several batchers or processes may run side by side: the SQL is safe for it).
 * A flush that throws rejects every item of its batch (BullMQ then retries their jobs).
 */
export interface BatcherOptions<I, R> {
  maxSize: number;
  maxWaitMs: number;
  flush: (items: I[]) => Promise<R[]>;
}

interface Waiting<I, R> {
  item: I;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

export class Batcher<I, R> {
  private queue: Waiting<I, R>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing = false;
  private closed = false;

  constructor(private readonly opts: BatcherOptions<I, R>) {}

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
    while (this.queue.length > 0 || this.flushing) {
      if (!this.flushing) await this.runOnce();
      else await new Promise((r) => setTimeout(r, 1));
    }
  }

  private schedule(): void {
    if (this.flushing) return;
    if (this.queue.length >= this.opts.maxSize) {
      void this.runOnce();
    } else {
      this.timer ??= setTimeout(() => void this.runOnce(), this.opts.maxWaitMs);
    }
  }

  private async runOnce(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.flushing || this.queue.length === 0) return;
    this.flushing = true;
    const batch = this.queue.splice(0, this.opts.maxSize);
    try {
      const results = await this.opts.flush(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(results[i] as R));
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      this.flushing = false;
      if (this.queue.length > 0) this.schedule();
    }
  }
}
