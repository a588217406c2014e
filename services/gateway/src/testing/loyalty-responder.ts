import {
  CHANNELS,
  QUEUES,
  redisKeys,
  type LoyaltyReply,
  type LoyaltyReplyEvent,
  type RewardJob,
  type SlipRequestJob,
} from '@wagerflow/contracts';
import { createRedis, createWorker, type Job } from '@wagerflow/queue';

export type LoyaltyRequestJob = { name: 'reward'; data: RewardJob } | { name: 'slip-close' | 'slip-recover'; data: SlipRequestJob };

export interface LoyaltyResponder {
  /** Every request answered so far, in order. */
  readonly seen: (LoyaltyRequestJob & { jobId: string })[];
  /** false: answer with the job's return value only, as if the published message were lost. */
  publish: boolean;
  close(): Promise<void>;
}

/**
 * Stands in for the loyalty service in the gateway's tests: a real BullMQ worker on `loyalty-requests` (real Redis)
 * that answers each request with `answer`'s reply the way loyalty does, as the job's return value and on the replies
 * channel. The gateway's side of the protocol is what these tests exercise; loyalty's own rules are loyalty's tests'.
 */
export async function startLoyaltyResponder(o: {
  redisUrl: string;
  prefix: string;
  answer: (request: LoyaltyRequestJob) => LoyaltyReply | Promise<LoyaltyReply>;
}): Promise<LoyaltyResponder> {
  const connection = createRedis(o.redisUrl, 'blocking');
  const publisher = createRedis(o.redisUrl, 'blocking');
  const channel = redisKeys(o.prefix).channel(CHANNELS.loyaltyReplies);
  const responder: LoyaltyResponder = {
    seen: [],
    publish: true,
    async close() {
      await worker.close(5_000);
      await Promise.allSettled([connection.quit(), publisher.quit()]);
    },
  };
  const respond = async (request: LoyaltyRequestJob, job: Job) => {
    const jobId = String(job.id);
    responder.seen.push({ ...request, jobId });
    const reply = await o.answer(request);
    if (responder.publish) await publisher.publish(channel, JSON.stringify({ jobId, reply } satisfies LoyaltyReplyEvent));
    return reply;
  };
  const worker = createWorker(
    QUEUES.loyaltyRequests,
    connection,
    o.prefix,
    {
      reward: (data, job) => respond({ name: 'reward', data }, job),
      'slip-close': (data, job) => respond({ name: 'slip-close', data }, job),
      'slip-recover': (data, job) => respond({ name: 'slip-recover', data }, job),
    },
    { concurrency: 8, lockDurationMs: 5_000, stalledIntervalMs: 5_000 },
  );
  void worker.worker.run();
  await worker.worker.waitUntilReady();
  return responder;
}
