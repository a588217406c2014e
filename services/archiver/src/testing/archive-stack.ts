import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { QUEUES } from '@wagerflow/contracts';
import { createPool, type Pool } from '@wagerflow/db';
import { createQueue, createRedis, type Redis, type TypedQueue } from '@wagerflow/queue';
import { createTestDatabase, freePort, seedLedgerHistory, testRedisUrl, uniquePrefix, type TestDatabase } from '@wagerflow/testing';
import { loadConfig } from '../config.js';
import { createService } from '../service.js';
import { startLedger } from './ledger-stack.js';

export type RunningArchiver = Awaited<ReturnType<typeof createService>>;

export interface ArchiveStack {
  db: TestDatabase;
  pool: Pool;
  redis: Redis;
  /** The archiver's queue (as the gateway's admin route queues runs on it). */
  queue: TypedQueue<'archive'>;
  /** The services' environment: database, Redis prefix, archive URL, retention 30 days, free ops ports. */
  env: Record<string, string>;
  /** An archiver in this process on `env` (plus `extra`), stopped with the stack. */
  startArchiver(extra?: Record<string, string>): Promise<RunningArchiver>;
  /** Runs at stop, before the stack's own teardown (last registered first). */
  onStop(fn: () => Promise<void>): void;
  stop(): Promise<void>;
}

/**
 * TEST ONLY: what every archiver integration test stands on: a fresh database with a seeded ledger history, Redis
 * under a unique prefix, bet-ledger in this process (it executes the partitions) and, unless `archiveUrl` is given, a
 * temporary directory as the archive store.
 */
export async function openArchiveStack(o: {
  name: string;
  seed: { wallets: number; betsPerWallet: number };
  env?: Record<string, string>;
  archiveUrl?: string;
}): Promise<ArchiveStack> {
  const stops: (() => Promise<void>)[] = [];
  const db = await createTestDatabase();
  const pool = createPool(db.url, { max: 4 });
  const redis = createRedis(testRedisUrl(), 'blocking');
  const prefix = uniquePrefix(o.name);
  const queue = createQueue(QUEUES.archive, redis, prefix);
  const dir = o.archiveUrl ? null : await mkdtemp(join(tmpdir(), `wf-${o.name}-`));
  const env: Record<string, string> = {
    DATABASE_URL: db.url,
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    ARCHIVE_URL: o.archiveUrl ?? pathToFileURL(dir!).href,
    ARCHIVE_RETENTION_DAYS: '30',
    ARCHIVER_OPS_PORT: String(await freePort()),
    BET_LEDGER_OPS_PORT: String(await freePort()),
    SHUTDOWN_TIMEOUT_MS: '5000',
    ...o.env,
  };
  const stack: ArchiveStack = {
    db,
    pool,
    redis,
    queue,
    env,
    async startArchiver(extra = {}) {
      const service = await createService(loadConfig({ ...env, ...extra }));
      await service.start();
      stops.push(() => service.shutdown.shutdown('test'));
      return service;
    },
    onStop: (fn) => stops.push(fn),
    async stop() {
      for (const fn of stops.splice(0).reverse()) await fn().catch(() => undefined);
      await queue.queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      await redis.quit();
      await pool.end();
      await db.drop();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
  await seedLedgerHistory(pool, { ...o.seed, now: Date.now() });
  const ledger = await startLedger(env);
  stops.push(() => ledger.stop());
  return stack;
}
