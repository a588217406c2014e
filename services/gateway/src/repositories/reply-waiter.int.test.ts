import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS, QUEUES, loyaltyReply, loyaltyReplyEvent, redisKeys, type LoyaltyReply } from '@wagerflow/contracts';
import { createQueue, createRedis, type Redis, type TypedQueue } from '@wagerflow/queue';
import { createLogger } from '@wagerflow/runtime';
import { testRedisUrl, uniquePrefix } from '@wagerflow/testing';
import { startLoyaltyResponder, type LoyaltyResponder } from '../testing/loyalty-responder.js';
import { createReplyWaiter, type ReplyWaiter } from './reply-waiter.js';

/**
 * The wait for another service's answer to a queued job, on real Redis and BullMQ: a responder worker answers
 * loyalty-requests jobs as loyalty does (return value + published message). Deposits use the same waiter on the
 * ledger's queue and channel (service.ts; exercised by the service's int tests).
 */
const prefix = uniquePrefix('replies');
const keys = redisKeys(prefix);
let redis: Redis;
let subscriber: Redis;
let queue: TypedQueue<'loyalty-requests'>;
let waiter: ReplyWaiter<LoyaltyReply>;
let responder: LoyaltyResponder;
const slip = (slipId: string): LoyaltyReply => ({
  kind: 'slip',
  slip: { slipId, status: 'closed', wagered: 100, openedAt: 1, closedAt: 2, points: null, accrual: 'pending' },
  changed: true,
});

beforeAll(async () => {
  redis = createRedis(testRedisUrl(), 'blocking');
  subscriber = createRedis(testRedisUrl(), 'blocking');
  queue = createQueue(QUEUES.loyaltyRequests, redis, prefix);
  waiter = createReplyWaiter({
    subscriber,
    channel: keys.channel(CHANNELS.loyaltyReplies),
    queue: queue.queue,
    parseMessage: (m) => loyaltyReplyEvent.parse(m),
    parseStored: (v) => loyaltyReply.parse(v),
    logger: createLogger('test', 'silent'),
  });
  await waiter.start();
  responder = await startLoyaltyResponder({
    redisUrl: testRedisUrl(),
    prefix,
    answer: (r) => slip(r.name === 'reward' ? 'none' : r.data.slipId),
  });
});
afterAll(async () => {
  await responder?.close();
  await queue?.close();
  await Promise.all([redis?.quit(), subscriber?.quit()]);
});

const close = (jobId: string, timeoutMs: number) =>
  waiter.request(jobId, () => queue.add('slip-close', { slipId: jobId, staffId: 's', correlationId: 'c' }, { jobId }), timeoutMs);

describe('reply waiter', () => {
  it("resolves with the answer published on the channel, well before the deadline; other jobs' answers are not its", async () => {
    // Another replica's request is answered on the same channel: this waiter ignores it.
    await queue.add('slip-close', { slipId: 'theirs', staffId: 's', correlationId: 'c' }, { jobId: 'theirs' });
    const started = Date.now();
    expect(await close('close-a', 5_000)).toEqual(slip('close-a'));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(waiter.pending()).toBe(0);
  });

  it('a message that does not parse is dropped; the request still gets its answer', async () => {
    await redis.publish(keys.channel(CHANNELS.loyaltyReplies), JSON.stringify({ jobId: 'close-b', reply: { kind: 'nonsense' } }));
    await redis.publish(keys.channel(CHANNELS.loyaltyReplies), 'not json');
    expect(await close('close-b', 5_000)).toEqual(slip('close-b'));
  });

  it('a missed message: at the deadline, the stored return value of the completed job is the answer', async () => {
    responder.publish = false;
    try {
      const started = Date.now();
      expect(await close('close-c', 500)).toEqual(slip('close-c'));
      expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    } finally {
      responder.publish = true;
    }
  });

  it('no answer and no completed job by the deadline: null (the route answers 503 timeout)', async () => {
    const started = Date.now();
    expect(await waiter.request('never-queued', () => Promise.resolve(), 300)).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(waiter.pending()).toBe(0);
  });

  it('a failed enqueue rejects at once and leaves nothing waiting', async () => {
    const down = new Error("Stream isn't writeable and enableOfflineQueue options is false");
    await expect(waiter.request('failed', () => Promise.reject(down), 5_000)).rejects.toBe(down);
    expect(waiter.pending()).toBe(0);
  });
});
