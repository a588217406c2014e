import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES, redisKeys, type BetIntent } from '@wagerflow/contracts';
import { createPool, withTransaction, type Pool } from '@wagerflow/db';
import { createQueue, createRedis, type Redis } from '@wagerflow/queue';
import { createTestDatabase, freePort, testRedisUrl, uniquePrefix, waitUntil, type TestDatabase } from '@wagerflow/testing';
import { loadConfig } from './config.js';
import { createPendingBets } from '@wagerflow/pending-bets';
import { applyDeposit } from './repositories/deposit.repository.js';
import { createService } from './service.js';

/** Two bet-ledger replicas (two workers, two batchers, two pools) on one queue: the cell cap holds across them. */
describe('bet-ledger replicas', () => {
  let db: TestDatabase;
  let pool: Pool;
  let redis: Redis;
  const prefix = uniquePrefix('ledgerrep');
  const keys = redisKeys(prefix);
  /** Claims keys as the gateway does: the ledger decides only bets whose claim it can see. */
  const pending = createPendingBets(keys);
  const replicas: Awaited<ReturnType<typeof createService>>[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url, { max: 4 });
    redis = createRedis(testRedisUrl(), 'blocking');
    await redis.hset(keys.market('BTC-USD'), 'status', 'HEALTHY');
    for (let i = 0; i < 2; i++) {
      const service = await createService(
        loadConfig({
          DATABASE_URL: db.url,
          REDIS_URL: testRedisUrl(),
          REDIS_PREFIX: prefix,
          LOG_LEVEL: 'silent',
          BET_LEDGER_OPS_PORT: String(await freePort()),
          MAX_CELL_LIABILITY: '1000',
          LEDGER_BATCH_MAX: '5',
          LEDGER_BATCH_WAIT_MS: '1',
          SHUTDOWN_TIMEOUT_MS: '3000',
        }),
      );
      await service.start();
      replicas.push(service);
    }
  });
  afterAll(async () => {
    for (const r of replicas) await r.shutdown.shutdown('test over');
    await redis?.quit();
    await pool?.end();
    await db?.drop();
  });

  it('many players on one cell: exactly as many bets as fit under the cap are confirmed', async () => {
    const players = Array.from({ length: 40 }, () => randomUUID());
    for (const p of players) {
      await withTransaction(pool, (c) =>
        applyDeposit(c, { playerId: p, amount: 1_000, reference: 'r', correlationId: 'test' }, Date.now()),
      );
    }
    const cellId = 'BTC-USD:9999970000:4100';
    const now = Date.now();
    const bets: BetIntent[] = players.map((p, i) => ({
      betId: randomUUID(),
      playerId: p,
      clientBetId: randomUUID(),
      marketId: 'BTC-USD',
      cellId,
      windowStart: 9_999_970_000,
      bandIndex: 4100,
      priceLow: 102_500,
      priceHigh: 102_525,
      stake: 100,
      multiplierBps: 21_500,
      minMultiplierBps: null,
      lockoutAt: now + 3_600_000,
      acceptedAt: now + i,
      correlationId: randomUUID(),
    }));
    const queue = createQueue(QUEUES.ledger, redis, prefix);
    await pending.claim(redis, bets);
    await Promise.all(bets.map((b) => queue.add('place-bets', { bets: [b] })));
    await waitUntil(
      async () => {
        const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM bets WHERE cell_id = $1', [cellId]);
        return rows[0]!.n === bets.length ? true : undefined;
      },
      { timeoutMs: 20_000, description: 'every bet decided' },
    );
    await queue.close();
    const { rows } = await pool.query<{ status: string; reason: string | null; n: number }>(
      'SELECT status, reason, count(*)::int AS n FROM bets WHERE cell_id = $1 GROUP BY status, reason ORDER BY status',
      [cellId],
    );
    // 100 at 2.15: liability 115 each; a cap of 1 000 fits 8.
    expect(rows).toEqual([
      { status: 'confirmed', reason: null, n: 8 },
      { status: 'rejected', reason: 'limit_exceeded', n: 32 },
    ]);
  });
});
