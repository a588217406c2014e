/**
 * Counts bet outcomes on the ledger's pub/sub channel (`<prefix>:events:player`, JSON arrays of events): the ledger
 * publishes them right after its batch commits, so the first and last message time the ledger's throughput without polling.
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

export function occurrences(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) n += 1;
  return n;
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
    // Cheap type count: no need to parse every JSON message (an array of events).
    const confirmed = occurrences(message, '"type":"bet:confirmed"');
    const rejected = occurrences(message, '"type":"bet:rejected"');
    if (confirmed + rejected === 0) return;
    counter.confirmed += confirmed;
    counter.rejected += rejected;
    counter.firstAt ??= at;
    counter.lastAt = at;
  });
  await sub.subscribe(redisKeys(prefix).channel(CHANNELS.playerEvents));
  return counter;
}
