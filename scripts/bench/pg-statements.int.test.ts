import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@wagerflow/local-servers';
import { PG_STATEMENTS_FLAGS, readStatements } from './pg-statements.js';

let server: EmbeddedPostgres | undefined;
afterAll(async () => {
  await server?.stop();
});

describe('--profile postgres (pg_stat_statements on the embedded Postgres)', () => {
  it('reads back what the server ran: calls, rows, top level or inside a function', { timeout: 120_000 }, async () => {
    server = await startEmbeddedPostgres({ postgresFlags: PG_STATEMENTS_FLAGS });
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      await client.query(`CREATE FUNCTION bench_probe() RETURNS bigint LANGUAGE plpgsql AS
        $$ BEGIN RETURN (SELECT count(*) FROM generate_series(1, 7) AS bench_probe_inner); END $$`);
      for (let i = 0; i < 3; i++) await client.query('SELECT bench_probe() AS probed');
    } finally {
      await client.end();
    }
    const statements = await readStatements(server.url);
    const outer = statements.find((s) => s.query.includes('bench_probe() AS probed'));
    // The function's own statement (CREATE FUNCTION's text holds the same words, at top level).
    const inner = statements.find((s) => !s.toplevel && s.query.includes('bench_probe_inner'));
    expect(outer).toMatchObject({ calls: 3, rows: 3, toplevel: true });
    expect(inner).toMatchObject({ calls: 3, rows: 3 });
    expect(outer!.execMs).toBeGreaterThan(0);
  });
});
