import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '@wagerflow/contracts';
import { createPool, type Pool } from '@wagerflow/db';
import { createRedis, type Redis } from '@wagerflow/queue';
import { createLogger } from '@wagerflow/runtime';
import { createTestDatabase, testRedisUrl, uniquePrefix, type TestDatabase } from '@wagerflow/testing';
import { createMarkets } from './markets.js';
import { ticksRepository } from './repositories/ticks.repository.js';

/** SPEC 3's tick time rule, as the Redis script applies it for every replica. */
describe('tick acceptance', () => {
  let db: TestDatabase;
  let pool: Pool;
  let redis: Redis;
  let markets: ReturnType<typeof createMarkets>;
  const keys = redisKeys(uniquePrefix('ticks'));

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url, { max: 2 });
    redis = createRedis(testRedisUrl(), 'blocking');
    markets = createMarkets({
      markets: ['BTC-USD'],
      ticks: ticksRepository(pool),
      redis,
      keys,
      logger: createLogger('test', 'silent'),
      thresholds: { degradedMs: 3_000, criticalMs: 10_000, recoveryMs: 30_000 },
    });
  });
  afterAll(async () => {
    await redis?.quit();
    await pool?.end();
    await db?.drop();
  });

  it('accepts ts in [previous ts, now + 1 s], gives a tick without ts its receive time, drops the rest unstored', async () => {
    const now = Date.now();
    expect(await markets.ingest('BTC-USD', 100, now - 5_000, now, 'admin')).toBe(true);
    expect(await markets.ingest('BTC-USD', 101, now - 5_000, now, 'admin')).toBe(true); // equal to the previous: fine
    expect(await markets.ingest('BTC-USD', 102, now - 5_001, now, 'admin')).toBe(false); // before the previous
    expect(await markets.ingest('BTC-USD', 103, Date.now() + 5_000, now, 'admin')).toBe(false); // beyond now + 1 s
    expect(await markets.ingest('BTC-USD', 104, null, now - 10, 'admin')).toBe(true); // receive time
    expect(await markets.ingest('ETH-USD', 105, null, now, 'admin')).toBe(false); // not our market
    const { rows } = await pool.query<{ price: string; ts: number }>('SELECT price, ts FROM ticks ORDER BY id');
    expect(rows.map((r) => [Number(r.price), r.ts])).toEqual([
      [100, now - 5_000],
      [101, now - 5_000],
      [104, now - 10],
    ]);
    expect(await redis.hmget(keys.market('BTC-USD'), 'price', 'ts')).toEqual(['104', String(now - 10)]);
    expect(await markets.lastPrice('BTC-USD')).toBe(104);
  });
});
