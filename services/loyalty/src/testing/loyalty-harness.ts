import { randomUUID } from 'node:crypto';
import { QueueEvents } from 'bullmq';
import { JOB_OPTIONS, QUEUES, loyaltyReply, type LoyaltyReply, type Play, type RewardJob } from '@wagerflow/contracts';
import { createPool, type Pool } from '@wagerflow/db';
import { createQueue, createRedis, type Redis, type TypedQueue } from '@wagerflow/queue';
import { createTestDatabase, freePort, testRedisUrl, uniquePrefix, type TestDatabase } from '@wagerflow/testing';
import { loadConfig } from '../config.js';
import { createService } from '../service.js';

/**
 * The loyalty service on a fresh database and Redis prefix, with real queues to feed it: what the ledger and the
 * gateway send, sent the same way. Test-only (imported by *.int.test.ts).
 */
export interface LoyaltyHarness {
  pool: Pool;
  redis: Redis;
  prefix: string;
  plays: TypedQueue<'loyalty'>;
  requests: TypedQueue<'loyalty-requests'>;
  sendPlays(plays: Play[]): Promise<void>;
  /** Queue a staff request and wait for its reply (the job's return value). */
  request(name: 'reward' | 'slip-close' | 'slip-recover', data: object, jobId?: string): Promise<LoyaltyReply>;
  reward(o: Partial<RewardJob> & Pick<RewardJob, 'playerId' | 'staffId'>): Promise<LoyaltyReply>;
  /** Another replica of the service on the same database, Redis and queues. */
  startReplica(): Promise<void>;
  stop(): Promise<void>;
}

export const play = (o: Partial<Play> & Pick<Play, 'betId' | 'playerId'>): Play => ({
  kind: 'bet',
  stake: 1_000,
  at: Date.now(),
  correlationId: `corr-${o.betId}`,
  ...o,
});

export async function startLoyaltyHarness(env: Record<string, string> = {}): Promise<LoyaltyHarness> {
  const db: TestDatabase = await createTestDatabase();
  const prefix = uniquePrefix('loy');
  const pool = createPool(db.url, { max: 8 });
  const redis = createRedis(testRedisUrl(), 'blocking');
  const services: Awaited<ReturnType<typeof createService>>[] = [];
  const start = async () => {
    const s = await createService(
      loadConfig({
        DATABASE_URL: db.url,
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: prefix,
        LOG_LEVEL: process.env.LOYALTY_TEST_LOG ?? 'silent',
        LOYALTY_OPS_PORT: String(await freePort()),
        SHUTDOWN_TIMEOUT_MS: '3000',
        LOYALTY_BATCH_WAIT_MS: '1',
        POINTS_PER_UNIT_BPS: '10000',
        ...env,
      }),
    );
    await s.start();
    services.push(s);
  };
  await start();
  const plays = createQueue(QUEUES.loyalty, redis, prefix);
  const requests = createQueue(QUEUES.loyaltyRequests, redis, prefix);
  const eventsConnection = createRedis(testRedisUrl(), 'blocking');
  const events = new QueueEvents(QUEUES.loyaltyRequests, { connection: eventsConnection, prefix });
  await events.waitUntilReady();
  const request: LoyaltyHarness['request'] = async (name, data, jobId = randomUUID()) => {
    const job = await requests.add(name, data as never, JOB_OPTIONS.loyaltyRequests.request(name, jobId));
    return loyaltyReply.parse(await job.waitUntilFinished(events, 20_000));
  };
  return {
    pool,
    redis,
    prefix,
    plays,
    requests,
    async sendPlays(list) {
      await plays.add('plays', { plays: list }, JOB_OPTIONS.loyalty.plays(randomUUID()));
    },
    request,
    reward: (o) =>
      request('reward', {
        playerKnown: true,
        points: 100,
        reason: 'birthday',
        idempotencyKey: null,
        requestedAt: Date.now(),
        correlationId: `corr-${randomUUID()}`,
        ...o,
      }),
    startReplica: start,
    async stop() {
      for (const s of services) await s.shutdown.shutdown('test over');
      await events.close();
      await eventsConnection.quit().catch(() => undefined);
      await Promise.allSettled([plays.close(), requests.close()]);
      await redis.quit();
      await pool.end();
      await db.drop();
    },
  };
}
