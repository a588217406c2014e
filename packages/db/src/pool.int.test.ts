import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '@wagerflow/runtime';
import { createTestDatabase, type TestDatabase } from '@wagerflow/testing';
import { createPool, withTransaction, type Pool } from './pool.js';

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let db: TestDatabase;
let other: Pool | undefined;
let pool: Pool | undefined;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await pool?.end();
  await other?.end();
  await db?.drop();
});

describe('createPool', () => {
  it("logs an idle client's error (its backend terminated) on the service's logger at error level, and keeps working", async () => {
    const logger = createLogger('test', 'silent');
    const logged = vi.spyOn(logger, 'error');
    pool = createPool(db.url, { max: 1, applicationName: 'pool-error-test', logger });
    other = createPool(db.url, { max: 1 });

    const client = await pool.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    client.release(); // idle in the pool: its error has no query to fail, only the pool's 'error' event
    await other.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);

    await until('the pool to log the error', () => logged.mock.calls.length > 0);
    expect(logged).toHaveBeenCalledWith(
      expect.objectContaining({ err: expect.any(Error), applicationName: 'pool-error-test' }),
      'idle postgres client error',
    );
    // The broken client was dropped: the next query gets a fresh connection.
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('applies session settings to every connection of the pool, and refuses a setting that is not a plain name and value', async () => {
    const tuned = createPool(db.url, { max: 2, settings: { max_parallel_workers_per_gather: 0, random_page_cost: 1.1 } });
    try {
      const [a, b] = await Promise.all([tuned.connect(), tuned.connect()]);
      for (const c of [a, b]) {
        const { rows } = await c.query<{ p: string; r: string; m: string }>(
          "SELECT current_setting('max_parallel_workers_per_gather') AS p, current_setting('random_page_cost') AS r, current_setting('plan_cache_mode') AS m",
        );
        expect(rows[0]).toEqual({ p: '0', r: '1.1', m: 'force_custom_plan' });
        c.release();
      }
    } finally {
      await tuned.end();
    }
    expect(() => createPool(db.url, { settings: { 'work_mem=1 -c x': 1 } })).toThrow(/invalid Postgres setting/);
    expect(() => createPool(db.url, { settings: { work_mem: '1 -c fsync=off' } })).toThrow(/invalid Postgres setting/);
  });
});

describe('withTransaction', () => {
  it('with cachedPlans, plans generically and without sequential scans inside the transaction only', async () => {
    const p = createPool(db.url, { max: 1 });
    const settings = "SELECT current_setting('plan_cache_mode') AS m, current_setting('enable_seqscan') AS s";
    try {
      const inside = await withTransaction(p, async (c) => (await c.query<{ m: string; s: string }>(settings)).rows[0], {
        cachedPlans: true,
      });
      expect(inside).toEqual({ m: 'force_generic_plan', s: 'off' });
      // SET LOCAL ends with the transaction, whether it commits or rolls back: the pooled connection is as before.
      expect((await p.query<{ m: string; s: string }>(settings)).rows[0]).toEqual({ m: 'force_custom_plan', s: 'on' });
      await expect(withTransaction(p, () => Promise.reject(new Error('boom')), { cachedPlans: true })).rejects.toThrow('boom');
      expect((await p.query<{ m: string; s: string }>(settings)).rows[0]).toEqual({ m: 'force_custom_plan', s: 'on' });
      expect(await withTransaction(p, async (c) => (await c.query<{ m: string }>(settings)).rows[0]?.m)).toBe('force_custom_plan');
    } finally {
      await p.end();
    }
  });
});
