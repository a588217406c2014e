import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_OPTIONS } from '@wagerflow/contracts';
import type { Pool } from '@wagerflow/db';
import type { TypedQueue } from '@wagerflow/queue';
import { openArchiveStack, type ArchiveStack } from './testing/archive-stack.js';
import { requestRun as requestRunOn, runFinished as runFinishedIn } from './testing/runs.js';

const DAY = 86_400_000;
let stack: ArchiveStack;
let pool: Pool;
let queue: TypedQueue<'archive'>;
let dir: string;

const startArchiver = () => stack.startArchiver();

async function metricsText(): Promise<string> {
  return (await fetch(`http://127.0.0.1:${stack.env.ARCHIVER_OPS_PORT}/metrics`)).text();
}

const requestRun = () => requestRunOn(queue);
const runFinished = (runId: string) => runFinishedIn(pool, runId);

beforeAll(async () => {
  stack = await openArchiveStack({ name: 'archiver', seed: { wallets: 8, betsPerWallet: 20 }, env: { ARCHIVE_PARTITION_MAX_BETS: '4' } });
  ({ pool, queue } = stack);
  dir = fileURLToPath(stack.env.ARCHIVE_URL!);
});

afterAll(async () => {
  await stack?.stop();
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
