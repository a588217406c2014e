import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS, QUEUES, redisKeys, type DepositDoneEvent, type DepositResult } from '@wagerflow/contracts';
import { createQueue, createRedis, createWorker, type Redis, type TypedQueue, type TypedWorker } from '@wagerflow/queue';
import { createLogger } from '@wagerflow/runtime';
import { testRedisUrl, uniquePrefix } from '@wagerflow/testing';
import { createDepositWaiter } from './deposit-waiter.js';

const prefix = uniquePrefix('deposits');
const keys = redisKeys(prefix);
let redis: Redis;
let subscriber: Redis;
let workerRedis: Redis;
let queue: TypedQueue<'ledger'>;
let worker: TypedWorker;
let waiter: ReturnType<typeof createDepositWaiter>;
const result = (balance: number): DepositResult => ({ ok: true, replay: false, depositId: `d-${balance}`, balance });
/** Whether the fake ledger publishes its answer (false: a message lost, say in a reconnect). */
let publish = true;

beforeAll(async () => {
  redis = createRedis(testRedisUrl(), 'blocking');
  subscriber = createRedis(testRedisUrl(), 'blocking');
  workerRedis = createRedis(testRedisUrl(), 'blocking');
  queue = createQueue(QUEUES.ledger, redis, prefix);
  waiter = createDepositWaiter({ subscriber, queue, keys, logger: createLogger('test', 'silent') });
  await waiter.start();
  worker = createWorker(
    QUEUES.ledger,
    workerRedis,
    prefix,
    {
      'place-bets': () => Promise.resolve(),
      settle: () => Promise.resolve({ settled: 0 }),
      deposit: async (data, job) => {
        const r = result(data.amount);
        const done: DepositDoneEvent = { jobId: String(job.id), result: r };
        if (publish) await redis.publish(keys.channel(CHANNELS.depositResults), JSON.stringify(done));
        return r;
      },
    },
    { concurrency: 4, lockDurationMs: 5_000, stalledIntervalMs: 5_000 },
  );
  void worker.worker.run();
});
afterAll(async () => {
  await worker?.close(5_000);
  await queue?.close();
  await Promise.all([redis?.quit(), subscriber?.quit(), workerRedis?.quit()]);
});

const deposit = async (jobId: string, amount: number, timeoutMs: number) => {
  const answer = waiter.expect(jobId, timeoutMs);
  await queue.add('deposit', { playerId: 'p', amount, reference: jobId, correlationId: 'c' }, { jobId });
  return answer;
};

describe('deposit waiter', () => {
  it("resolves with the ledger's published answer, well before the deadline", async () => {
    const started = Date.now();
    expect(await deposit('dep-a', 100, 5_000)).toEqual(result(100));
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a missed message: at the deadline, the stored return value of the completed job is the answer', async () => {
    publish = false;
    try {
      expect(await deposit('dep-b', 200, 500)).toEqual(result(200));
    } finally {
      publish = true;
    }
  });

  it('no answer and no completed job by the deadline: null (the route answers 503 timeout)', async () => {
    const started = Date.now();
    expect(await waiter.expect('dep-never-queued', 300)).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });
});
