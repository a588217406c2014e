/**
 * Counts bet outcomes on the ledger's pub/sub channel (`<prefix>:events:player`): the ledger publishes each one
 * right after its batch commits, so the first and last message time the ledger's throughput without polling.
 */
import { Redis } from 'ioredis';
import { CHANNELS, redisKeys } from '@wagerflow/contracts';

export interface OutcomeCounter {
  confirmed: number;
  rejected: number;
  readonly total: number;
  firstAt: number | null;
  lastAt: number | null;
  /** Resolves once `n` outcomes arrived; rejects after `timeoutMs` or when aborted. */
  waitFor(n: number, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export async function startOutcomeCounter(redisUrl: string, prefix: string): Promise<OutcomeCounter> {
  const sub = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const counter = {
    confirmed: 0,
    rejected: 0,
    firstAt: null as number | null,
    lastAt: null as number | null,
    get total() {
      return this.confirmed + this.rejected;
    },
    async waitFor(n: number, timeoutMs: number, signal?: AbortSignal) {
      const deadline = performance.now() + timeoutMs;
      while (counter.total < n) {
        if (signal?.aborted) throw new Error('interrupted');
        if (performance.now() > deadline) throw new Error(`only ${counter.total} of ${n} outcomes within ${timeoutMs / 1000} s`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      await sub.quit();
    },
  };
  sub.on('message', (_channel: string, message: string) => {
    const at = performance.now();
    // Cheap type test: no need to parse every JSON message.
    if (message.includes('"type":"bet:confirmed"')) counter.confirmed += 1;
    else if (message.includes('"type":"bet:rejected"')) counter.rejected += 1;
    else return;
    counter.firstAt ??= at;
    counter.lastAt = at;
  });
  await sub.subscribe(redisKeys(prefix).channel(CHANNELS.playerEvents));
  return counter;
}
