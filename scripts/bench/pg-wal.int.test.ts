import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@wagerflow/testing';
import { checkpointIfPermitted } from './archive-prefill.js';
import { markWal, walSince, withClient } from './pg-wal.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('the archive bench on Postgres: WAL of a run, and the checkpoint after the seed', () => {
  it('counts the WAL written and the checkpoints completed since a mark', async () => {
    const mark = await markWal(db.url);
    const checkpointed = await withClient(db.url, async (c) => {
      await c.query('CREATE TABLE wal_probe AS SELECT g, repeat(md5(g::text), 8) AS pad FROM generate_series(1, 20000) g');
      return checkpointIfPermitted(c);
    });
    expect(checkpointed).toBe(true); // the tests' role is a superuser, as the bench's embedded Postgres is
    const delta = await walSince(db.url, mark);
    expect(delta.bytes).toBeGreaterThan(20_000 * 256); // the rows' text alone is 5 MB
    expect(delta.checkpoints).toBeGreaterThanOrEqual(1);
    expect(await walSince(db.url, await markWal(db.url))).toMatchObject({ checkpoints: 0 });
  });

  it('goes on without a checkpoint where the role may not take one', async () => {
    const role = `wal_probe_${process.pid}`;
    await withClient(db.url, (c) => c.query(`CREATE ROLE ${role} LOGIN PASSWORD 'probe'`));
    try {
      const url = new URL(db.url);
      url.username = role;
      url.password = 'probe';
      expect(await withClient(url.href, (c) => checkpointIfPermitted(c))).toBe(false);
    } finally {
      await withClient(db.url, (c) => c.query(`DROP ROLE ${role}`));
    }
  });
});
