import type { Queue, Redis } from '@wagerflow/queue';
import type { Logger } from '@wagerflow/runtime';

interface Waiting<R> {
  resolve: (r: R | null) => void;
  timer: NodeJS.Timeout;
}

export interface ReplyWaiterOptions<R> {
  /** The gateway's subscriber connection (shared with the stream). */
  subscriber: Redis;
  /** The full channel name the answering service publishes `{jobId, …}` on. */
  channel: string;
  /** The queue the requests go to: a completed job's return value is the answer when the message was missed. */
  queue: Queue;
  /** A published message → its job id and answer (throws when it does not parse). */
  parseMessage: (message: unknown) => { jobId: string; reply: R };
  /** A completed job's return value → its answer (throws when it does not parse). */
  parseStored: (returnValue: unknown) => R;
  logger: Logger;
}

/**
 * Awaits another service's answer to a job the gateway queued and a request waits on (a deposit, a staff loyalty
 * request), on a channel of its own: a QueueEvents reader would see every job's events of the queue to find these.
 * When the deadline passes without a message (one lost in a reconnect, say), the job's stored return value is the
 * answer if the job has completed; else null (the route answers 503 `timeout`).
 */
export function createReplyWaiter<R>(o: ReplyWaiterOptions<R>) {
  const waiting = new Map<string, Waiting<R>>();

  o.subscriber.on('message', (ch: string, raw: string) => {
    if (ch !== o.channel) return;
    try {
      const { jobId, reply } = o.parseMessage(JSON.parse(raw));
      const w = waiting.get(jobId);
      if (!w) return; // another replica's request, or one already timed out
      waiting.delete(jobId);
      clearTimeout(w.timer);
      w.resolve(reply);
    } catch (err) {
      o.logger.warn({ err, channel: o.channel }, 'dropped a reply that does not parse');
    }
  });

  async function stored(jobId: string): Promise<R | null> {
    const job = await o.queue.getJob(jobId);
    return job && (await job.isCompleted()) ? o.parseStored(job.returnvalue) : null;
  }

  function expect(jobId: string, timeoutMs: number): Promise<R | null> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(jobId);
        stored(jobId).then(resolve, reject);
      }, timeoutMs);
      waiting.set(jobId, { resolve, timer });
    });
  }

  function cancel(jobId: string): void {
    const w = waiting.get(jobId);
    if (w) clearTimeout(w.timer);
    waiting.delete(jobId);
  }

  return {
    start: () => o.subscriber.subscribe(o.channel),
    /**
     * Waits for the answer to job `jobId`, queued by `enqueue`. The wait is registered before the job is queued, so
     * that no answer can arrive unheard; a failed `enqueue` (Redis down) rejects at once. Null after `timeoutMs`.
     */
    async request(jobId: string, enqueue: () => Promise<unknown>, timeoutMs: number): Promise<R | null> {
      const answer = expect(jobId, timeoutMs);
      try {
        await enqueue();
      } catch (err) {
        cancel(jobId);
        throw err;
      }
      return answer;
    },
    /** Requests waiting now (for tests and shutdown checks). */
    pending: () => waiting.size,
  };
}
export type ReplyWaiter<R> = ReturnType<typeof createReplyWaiter<R>>;
