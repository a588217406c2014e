// Needs global-setup.ts registered as vitest globalSetup.
import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, testRedisUrl, uniquePrefix } from './fixtures.js';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('test fixtures', () => {
  it('clones the migrated template into separate databases and drops them', async () => {
    const [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    expect(a.name).not.toBe(b.name);
    const migrations = await query<{ n: number }>(a.url, 'SELECT count(*)::int AS n FROM knex_migrations');
    expect(migrations[0]?.n).toBeGreaterThan(0);

    // Writes in one clone do not show in the other.
    await query(a.url, 'CREATE TABLE only_in_a (x int)');
    const inB = await query<{ t: string | null }>(b.url, "SELECT to_regclass('only_in_a')::text AS t");
    expect(inB[0]?.t).toBeNull();

    await Promise.all([a.drop(), b.drop()]);
    await expect(query(a.url, 'select 1')).rejects.toThrow(/does not exist/);
  });

  it('gives a reachable Redis and unique prefixes usable as REDIS_PREFIX', async () => {
    const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
    try {
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
    }
    const prefixes = new Set(Array.from({ length: 100 }, () => uniquePrefix()));
    expect(prefixes.size).toBe(100);
    for (const p of prefixes) expect(p).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
  });
});
