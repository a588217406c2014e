/**
 * Postgres and Redis for the bench: DATABASE_URL / REDIS_URL when given, else a throwaway embedded Postgres (temp
 * dir) and a local redis-server with AOF everysec + noeviction (as `pnpm start` and production run it), from
 * packages/testing. Each mode gets its own freshly migrated database (on an external DATABASE_URL: that one,
 * migrated) and its own Redis prefix, so modes run back to back do not see each other's rows or keys.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { migrateLatest } from '@wagerflow/db';
import { databaseUrlFor, randomId, startEmbeddedPostgres, startRedisServer } from '@wagerflow/local-servers';
import type { CleanupStack } from './cleanup-stack.js';
import { formatStatements, PG_STATEMENTS_FLAGS, readStatements } from './pg-statements.js';

export interface Infrastructure {
  redisUrl: string;
  /** Local process ids, for CPU figures (undefined for external servers). */
  redisPid: number | undefined;
  postgresPid: number | undefined;
  /** A migrated database for one mode. */
  freshDatabase(label: string): Promise<string>;
  describe: string;
  /** With `pgStatements`: the costliest statements so far (embedded Postgres only). */
  statementReport?: () => Promise<string>;
}

export interface InfrastructureOptions {
  /** Embedded Postgres with pg_stat_statements (`--profile postgres`). */
  pgStatements?: boolean;
}

async function redisProcessId(url: string): Promise<number | undefined> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const info = await redis.info('server');
    const match = /process_id:(\d+)/.exec(info);
    return match ? Number(match[1]) : undefined;
  } finally {
    redis.disconnect();
  }
}

export async function startInfrastructure(
  cleanup: CleanupStack,
  log: (line: string) => void,
  opts: InfrastructureOptions = {},
): Promise<Infrastructure> {
  let redisUrl = process.env.REDIS_URL;
  let redisPid: number | undefined;
  if (redisUrl) {
    log(`Redis: ${redisUrl} (REDIS_URL)`);
  } else {
    const redis = await startRedisServer({ appendonly: true });
    cleanup.add('redis-server', redis.stop);
    redisUrl = redis.url;
    redisPid = await redisProcessId(redis.url);
    log(`Redis: local redis-server on ${redis.url} (AOF everysec, temp dir)`);
  }

  const external = process.env.DATABASE_URL;
  if (external) {
    log(`Postgres: ${external.replace(/:[^:@/]*@/, ':***@')} (DATABASE_URL; every mode shares it)`);
    if (opts.pgStatements) log('--profile postgres needs the embedded Postgres: no statement figures with DATABASE_URL');
    let migrated = false;
    return {
      redisUrl,
      redisPid,
      postgresPid: undefined,
      describe: 'external',
      async freshDatabase() {
        if (!migrated) await migrateLatest(external);
        migrated = true;
        return external;
      },
    };
  }

  const server = await startEmbeddedPostgres({ postgresFlags: opts.pgStatements ? PG_STATEMENTS_FLAGS : [] });
  cleanup.add('embedded Postgres', server.stop);
  const pidFile = await readFile(path.join(server.dataDir, 'pgdata', 'postmaster.pid'), 'utf8').catch(() => '');
  const postgresPid = Number(pidFile.split('\n')[0]) || undefined;
  log(`Postgres: embedded on port ${server.port} (temp dir, default settings)`);
  return {
    redisUrl,
    redisPid,
    postgresPid,
    describe: 'embedded',
    statementReport: opts.pgStatements ? async () => formatStatements(await readStatements(server.url), 25) : undefined,
    async freshDatabase(label) {
      const name = `bench_${label.replace(/[^a-z0-9]/g, '_')}_${randomId(3)}`;
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
      const url = databaseUrlFor(server.url, name);
      await migrateLatest(url);
      return url;
    },
  };
}
