import { CHANNELS, depositDoneEvent, depositResult, type DepositResult, type RedisKeys } from '@wagerflow/contracts';
import type { Redis, TypedQueue } from '@wagerflow/queue';
import type { Logger } from '@wagerflow/runtime';

interface Waiting {
  resolve: (r: DepositResult | null) => void;
  timer: NodeJS.Timeout;
}

/**
 * Awaits the ledger's answer to a deposit job on the deposit results channel (the gateway's subscriber connection).
 * A QueueEvents reader would see every ledger job's events, bets included, to find the rare deposit. When the deadline
 * passes without a message (one lost in a reconnect, say), the job's stored return value is the answer, if there is one.
 */
export function createDepositWaiter(o: { subscriber: Redis; queue: TypedQueue<'ledger'>; keys: RedisKeys; logger: Logger }) {
  const channel = o.keys.channel(CHANNELS.depositResults);
  const waiting = new Map<string, Waiting>();

  o.subscriber.on('message', (ch: string, raw: string) => {
    if (ch !== channel) return;
    try {
      const done = depositDoneEvent.parse(JSON.parse(raw));
      const w = waiting.get(done.jobId);
      if (!w) return;
      waiting.delete(done.jobId);
      clearTimeout(w.timer);
      w.resolve(done.result);
    } catch (err) {
      o.logger.warn({ err }, 'dropped a deposit result that does not parse');
    }
  });

  async function storedResult(jobId: string): Promise<DepositResult | null> {
    const job = await o.queue.queue.getJob(jobId);
    return job && (await job.isCompleted()) ? depositResult.parse(job.returnvalue) : null;
  }

  return {
    start: () => o.subscriber.subscribe(channel),
    /** Register before queueing the job, so that no answer can arrive unheard. Resolves null after `timeoutMs`. */
    expect(jobId: string, timeoutMs: number): Promise<DepositResult | null> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(jobId);
          storedResult(jobId).then(resolve, reject);
        }, timeoutMs);
        waiting.set(jobId, { resolve, timer });
      });
    },
    cancel(jobId: string): void {
      const w = waiting.get(jobId);
      if (w) clearTimeout(w.timer);
      waiting.delete(jobId);
    },
  };
}
