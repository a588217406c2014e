import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS, QUEUES, redisKeys } from '@wagerflow/contracts';
import { createQueue, createRedis, type Redis } from '@wagerflow/queue';
import { createTestDatabase, freePort, testRedisUrl, uniquePrefix, waitUntil, type TestDatabase } from '@wagerflow/testing';
import { loadConfig } from './config.js';
import { createService } from './service.js';

/** Two feed-monitor replicas on one Redis and Postgres: one owner per market, failover, no double publish. */
describe('feed-monitor replicas', () => {
  let db: TestDatabase;
  let redis: Redis;
  let subscriber: Redis;
  const prefix = uniquePrefix('feedrep');
  const keys = redisKeys(prefix);
  const statuses: string[] = [];
  const replicas: Awaited<ReturnType<typeof createService>>[] = [];
  let feeding = true;
  let feeder: Promise<void> | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = createRedis(testRedisUrl(), 'blocking');
    subscriber = createRedis(testRedisUrl(), 'blocking');
    await subscriber.subscribe(keys.channel(CHANNELS.feedStatus));
    subscriber.on('message', (_c: string, m: string) => statuses.push((JSON.parse(m) as { status: string }).status));
    for (let i = 0; i < 2; i++) {
      const service = await createService(
        loadConfig({
          DATABASE_URL: db.url,
          REDIS_URL: testRedisUrl(),
          REDIS_PREFIX: prefix,
          LOG_LEVEL: 'silent',
          FEED_SIMULATOR: 'off',
          FEED_MONITOR_OPS_PORT: String(await freePort()),
          FEED_DEGRADED_MS: '400',
          FEED_CRITICAL_MS: '1000',
          FEED_RECOVERY_MS: '300',
          FEED_OWNER_LEASE_MS: '600',
          SHUTDOWN_TIMEOUT_MS: '3000',
        }),
      );
      await service.start();
      replicas.push(service);
    }
    const queue = createQueue(QUEUES.feed, redis, prefix);
    feeder = (async () => {
      while (feeding) {
        await queue.add('tick', { marketId: 'BTC-USD', price: 100_000, ts: null, receivedAt: Date.now() });
        await new Promise((r) => setTimeout(r, 50));
      }
      await queue.close();
    })();
  });
  afterAll(async () => {
    feeding = false;
    await feeder;
    for (const r of replicas) await r.shutdown.shutdown('test over');
    await subscriber?.quit();
    await redis?.quit();
    await db?.drop();
  });

  it('one replica owns the market; each status change is published once; a new owner takes over without a flap', async () => {
    await waitUntil(async () => ((await redis.hget(keys.market('BTC-USD'), 'status')) === 'HEALTHY' ? true : undefined), {
      timeoutMs: 10_000,
      description: 'HEALTHY',
    });
    const ownerId = await redis.get(keys.feedOwner('BTC-USD'));
    const owner = replicas.find((r) => r.instanceId === ownerId);
    expect(owner).toBeDefined();
    expect(statuses).toEqual(['CRITICAL', 'HEALTHY']);

    // The owner goes away: the other replica takes the lease and adopts HEALTHY silently.
    await owner!.shutdown.shutdown('failover test');
    const survivor = replicas.find((r) => r !== owner)!;
    await waitUntil(async () => ((await redis.get(keys.feedOwner('BTC-USD'))) === survivor.instanceId ? true : undefined), {
      timeoutMs: 5_000,
      description: 'the survivor to own the market',
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(statuses).toEqual(['CRITICAL', 'HEALTHY']);

    // The feed stops: the survivor's breaker degrades and trips, each published once.
    feeding = false;
    await feeder;
    await waitUntil(async () => (statuses.length >= 4 ? true : undefined), { timeoutMs: 5_000, description: 'DEGRADED then CRITICAL' });
    await new Promise((r) => setTimeout(r, 500));
    expect(statuses).toEqual(['CRITICAL', 'HEALTHY', 'DEGRADED', 'CRITICAL']);
  });
});
