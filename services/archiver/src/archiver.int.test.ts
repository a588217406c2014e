import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_OPTIONS, QUEUES } from '@wagerflow/contracts';
import { createPool, type Pool } from '@wagerflow/db';
import { createQueue, createRedis, type Redis, type TypedQueue } from '@wagerflow/queue';
import { createTestDatabase, freePort, seedLedgerHistory, testRedisUrl, uniquePrefix, type TestDatabase } from '@wagerflow/testing';
import { loadConfig } from './config.js';
import { createService } from './service.js';
import { startLedger } from './testing/ledger-stack.js';
import { requestRun as requestRunOn, runFinished as runFinishedIn } from './testing/runs.js';

const DAY = 86_400_000;
let db: TestDatabase;
let pool: Pool;
let redis: Redis;
let queue: TypedQueue<'archive'>;
let dir: string;
let opsPort: number;
const prefix = uniquePrefix('archiver');
let env: Record<string, string>;
type Running = Awaited<ReturnType<typeof createService>>;
const stops: (() => Promise<void>)[] = [];

async function startArchiver(): Promise<Running> {
  const service = await createService(loadConfig(env));
  await service.start();
  stops.push(() => service.shutdown.shutdown('test'));
  return service;
}

async function metricsText(): Promise<string> {
  return (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
}

const requestRun = () => requestRunOn(queue);
const runFinished = (runId: string) => runFinishedIn(pool, runId);

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 4 });
  redis = createRedis(testRedisUrl(), 'blocking');
  queue = createQueue(QUEUES.archive, redis, prefix);
  dir = await mkdtemp(join(tmpdir(), 'wf-archiver-'));
  opsPort = await freePort();
  env = {
    DATABASE_URL: db.url,
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    ARCHIVE_URL: pathToFileURL(dir).href,
    ARCHIVE_RETENTION_DAYS: '30',
    ARCHIVE_PARTITION_MAX_BETS: '4',
    ARCHIVER_OPS_PORT: String(opsPort),
    BET_LEDGER_OPS_PORT: String(await freePort()),
    SHUTDOWN_TIMEOUT_MS: '5000',
  };
  await seedLedgerHistory(pool, { wallets: 8, betsPerWallet: 20, now: Date.now() });
  const ledger = await startLedger(env);
  stops.push(() => ledger.stop());
});

afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await queue?.close();
  await redis?.quit();
  await pool?.end();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('archiver', () => {
  it('archives everything final and old through bet-ledger: drift 0, balances kept, open and recent bets stay, metrics set', async () => {
    const archiver = await startArchiver();
    expect(await metricsText()).not.toMatch(/^last_successful_archive_timestamp/m);
    const { rows: before } = await pool.query<{ player_id: string; balance: number }>('SELECT player_id, balance FROM wallets ORDER BY id');
    const { rows: old } = await pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM bets WHERE result IS DISTINCT FROM 'open' AND coalesce(settled_at, updated_at) < $1",
      [Date.now() - 30 * DAY],
    );
    const { rows: openBefore } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM bets WHERE result = 'open'");

    const runId = await requestRun();
    const run = await runFinished(runId);
    expect(run).toMatchObject({ status: 'succeeded', error: null, bets: old[0]!.n });
    expect(run.partitions).toBeGreaterThan(old[0]!.n / 4 - 1);
    const { rows: after } = await pool.query<{ player_id: string; balance: number }>('SELECT player_id, balance FROM wallets ORDER BY id');
    expect(after).toEqual(before);
    const { rows: drift } = await pool.query('SELECT * FROM ledger_wallet_drift()');
    expect(drift[0]).toEqual({ checked: 8, drift: 0 });
    const { rows: left } = await pool.query<{ old: number; open: number }>(
      "SELECT count(*) FILTER (WHERE result IS DISTINCT FROM 'open' AND coalesce(settled_at, updated_at) < $1)::int AS old, count(*) FILTER (WHERE result = 'open')::int AS open FROM bets",
      [Date.now() - 30 * DAY],
    );
    expect(left[0]).toEqual({ old: 0, open: openBefore[0]!.n });
    expect((await readdir(join(dir, 'runs', runId))).length).toBe(run.partitions);

    const text = await metricsText();
    const last = /^last_successful_archive_timestamp(?:\{[^}]*\})? (\d+)/m.exec(text);
    expect(Number(last?.[1])).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(text).toMatch(new RegExp(`^wagerflow_archive_rows_total\\{[^}]*table="bets"[^}]*\\} ${old[0]!.n}$`, 'm'));
    expect(text).toMatch(/^wagerflow_archive_run_started_timestamp(\{[^}]*\})? 0$/m);
    expect(text).toMatch(/^wagerflow_archive_run_duration_seconds_count(\{[^}]*\})? 1$/m);

    // The dead man's switch survives a restart: exported again from Postgres before any run.
    await archiver.shutdown.shutdown('test');
    stops.pop();
    await startArchiver();
    const again = /^last_successful_archive_timestamp(?:\{[^}]*\})? (\d+)/m.exec(await metricsText());
    expect(again?.[1]).toBe(last?.[1]);
  });

  it('one run at a time: a run requested while another holds the lock is recorded as not run', async () => {
    const holder = await pool.connect();
    try {
      await holder.query("SELECT pg_advisory_lock(hashtextextended('wagerflow:archive-run', 0))");
      const runId = await requestRun();
      const run = await runFinished(runId);
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/not run/);
    } finally {
      await holder.query("SELECT pg_advisory_unlock(hashtextextended('wagerflow:archive-run', 0))");
      holder.release();
    }
  });

  it('a run left running by a dead archiver is resumed by its own redelivered job (same id, same cutoff)', async () => {
    const cutoff = Date.now() - 30 * DAY;
    await pool.query("INSERT INTO archive_runs (id, status, trigger, cutoff, started_at) VALUES ('resumed', 'running', 'admin', $1, $2)", [
      cutoff,
      Date.now() - 60_000,
    ]);
    await queue.add('archive-run', { runId: 'resumed', requestedBy: 'test' }, JOB_OPTIONS.archive.run('resumed-redelivery'));
    expect((await runFinished('resumed')).status).toBe('succeeded');
    const { rows } = await pool.query<{ cutoff: number; n: number }>(
      "SELECT cutoff, (SELECT count(*)::int FROM archive_runs WHERE status = 'running') AS n FROM archive_runs WHERE id = 'resumed'",
    );
    expect(rows[0]).toEqual({ cutoff, n: 0 });
  });

  it('a run left running by a dead archiver is closed as interrupted and redone by the next run', async () => {
    await pool.query(
      "INSERT INTO archive_runs (id, status, trigger, cutoff, started_at) VALUES ('crashed', 'running', 'schedule', $1, $2)",
      [Date.now() - 30 * DAY, Date.now() - 60_000],
    );
    const runId = await requestRun();
    expect((await runFinished(runId)).status).toBe('succeeded');
    const { rows } = await pool.query<{ status: string; error: string }>("SELECT status, error FROM archive_runs WHERE id = 'crashed'");
    expect(rows[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(new RegExp(`redone by run ${runId}`)) as unknown });
  });
});
