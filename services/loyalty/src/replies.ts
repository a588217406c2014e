import type { Job } from 'bullmq';
import { CHANNELS, type LoyaltyReply, type LoyaltyReplyEvent, type RedisKeys } from '@wagerflow/contracts';
import type { Redis } from '@wagerflow/queue';
import type { Logger } from '@wagerflow/runtime';

/**
 * Staff requests are answered twice: on the replies channel, which the waiting gateway hears at once, and as the
 * job's return value, which it reads when the message was lost. So a failed publish only logs: the work is done and
 * a redelivery would answer the same.
 */
export function replying<D>(
  o: { redis: Redis; keys: RedisKeys; logger: Logger },
  handler: (data: D, job: Job) => Promise<LoyaltyReply>,
): (data: D, job: Job) => Promise<LoyaltyReply> {
  const channel = o.keys.channel(CHANNELS.loyaltyReplies);
  return async (data, job) => {
    const reply = await handler(data, job);
    const event: LoyaltyReplyEvent = { jobId: String(job.id), reply };
    await o.redis
      .publish(channel, JSON.stringify(event))
      .catch((err: unknown) => o.logger.warn({ err, jobId: job.id }, 'reply not published'));
    return reply;
  };
}
