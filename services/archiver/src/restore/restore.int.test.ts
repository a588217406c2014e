// The archive pipeline against an S3-protocol store (s3rver), then `pnpm archive:restore` back into the audit tables:
// real Postgres, Redis, BullMQ, bet-ledger and archiver, and the restore command as the user runs it.
import { spawn } from 'node:child_process';
import { gunzipSync, gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArchiveStore, type ArchiveStore } from '@wagerflow/archive-store';
import { startLocalS3, type LocalS3 } from '@wagerflow/archive-store/testing';
import type { Pool } from '@wagerflow/db';
import type { TestDatabase } from '@wagerflow/testing';
import { openArchiveStack, type ArchiveStack } from '../testing/archive-stack.js';
import { requestRun, runFinished } from '../testing/runs.js';
import { NothingToRestoreError, restoreArchives } from './restore.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const BUCKET = 'wf-archive';
const ARCHIVE_URL = `s3://${BUCKET}/prod`;
let stack: ArchiveStack;
let db: TestDatabase;
let pool: Pool;
let s3: LocalS3;
let store: ArchiveStore;
let runId: string;
let partitions: string[];
/** The final bets and their entries older than the run's cutoff, as the live tables held them before the run. */
let archivedBets: Record<string, unknown>[];
let archivedEntries: Record<string, unknown>[];

const restore = (selector: string) => restoreArchives({ pool, store, selector });

async function auditCounts(): Promise<{ restores: number; bets: number; entries: number }> {
  const { rows } = await pool.query<{ restores: number; bets: number; entries: number }>(
    `SELECT (SELECT count(*) FROM audit_restores)::int AS restores, (SELECT count(*) FROM audit_bets)::int AS bets,
            (SELECT count(*) FROM audit_wallet_entries)::int AS entries`,
  );
  return rows[0]!;
}

/** Runs `pnpm archive:restore`'s script as a user does; answers its exit code and output. */
function restoreCommand(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/archive-restore.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...s3.env, DATABASE_URL: db.url, ARCHIVE_URL },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  s3 = await startLocalS3(BUCKET);
  store = openArchiveStore(ARCHIVE_URL, s3.env);
  stack = await openArchiveStack({
    name: 'restore',
    seed: { wallets: 6, betsPerWallet: 25 },
    archiveUrl: ARCHIVE_URL,
    env: { ...s3.env, ARCHIVE_PARTITION_MAX_BETS: '5' },
  });
  ({ pool, db } = stack);
  // Every final bet and its entries before the run; the run's own cutoff then says which it had to archive.
  const { rows: finalBets } = await pool.query<Record<string, unknown>>(
    `SELECT * FROM bets WHERE status = 'rejected' OR result IN ('won', 'lost', 'void') ORDER BY id`,
  );
  const { rows: entries } = await pool.query<Record<string, unknown>>('SELECT * FROM wallet_entries WHERE bet_id IS NOT NULL ORDER BY id');
  await stack.startArchiver();
  runId = await requestRun(stack.queue);
  const run = await runFinished(pool, runId, 60_000);
  const { rows: runRow } = await pool.query<{ cutoff: number }>('SELECT cutoff::float8 AS cutoff FROM archive_run_view WHERE id = $1', [
    runId,
  ]);
  archivedBets = finalBets.filter((b) => Number(b.settled_at ?? b.updated_at) < runRow[0]!.cutoff);
  const archivedIds = new Set(archivedBets.map((b) => b.id));
  archivedEntries = entries.filter((e) => archivedIds.has(e.bet_id));
  expect(run).toMatchObject({ status: 'succeeded', bets: archivedBets.length });
  const { rows } = await pool.query<{ partition_key: string }>(
    'SELECT partition_key FROM archive_manifest_view WHERE run_id = $1 ORDER BY partition_key',
    [runId],
  );
  partitions = rows.map((r) => r.partition_key);
});

afterAll(async () => {
  await stack?.stop();
  await s3?.stop();
});

describe('the archive pipeline on an S3 store', () => {
  it('writes one verified object per partition under the prefix, deletes the rows and keeps drift 0', async () => {
    expect(archivedBets.length).toBeGreaterThan(40);
    expect(partitions.length).toBeGreaterThanOrEqual(Math.ceil(archivedBets.length / 5));
    expect(await store.list(`runs/${runId}/`)).toEqual(partitions.map((p) => `runs/${runId}/${p}.ndjson.gz`));
    const { rows: left } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM bets WHERE id = ANY($1::text[])', [
      archivedBets.map((b) => b.id),
    ]);
    expect(left[0]!.n).toBe(0);
    const { rows: drift } = await pool.query('SELECT * FROM ledger_wallet_drift()');
    expect(drift[0]).toEqual({ checked: 6, drift: 0 });
  });
});

describe('archive restore', () => {
  it('loads a whole run back into the audit tables: every archived bet and entry, column for column, and not into the live tables', async () => {
    const results = await restore(runId);
    expect(results.map((r) => r.status)).toEqual(partitions.map(() => 'restored'));
    expect(results.map((r) => r.partitionKey)).toEqual(partitions);
    const { rows: bets } = await pool.query<{ row: Record<string, unknown> }>('SELECT row FROM audit_bets ORDER BY bet_id');
    expect(bets.map((b) => b.row)).toEqual(JSON.parse(JSON.stringify(archivedBets)));
    const { rows: entries } = await pool.query<{ row: Record<string, unknown> }>('SELECT row FROM audit_wallet_entries ORDER BY entry_id');
    expect(entries.map((e) => e.row)).toEqual(JSON.parse(JSON.stringify(archivedEntries)));
    const { rows: money } = await pool.query<{ stake: number; entries: number }>(
      'SELECT (SELECT sum(stake) FROM audit_bets)::float8 AS stake, (SELECT sum(amount) FROM audit_wallet_entries)::float8 AS entries',
    );
    const sum = (rows: Record<string, unknown>[], k: string) => rows.reduce((s, r) => s + Number(r[k]), 0);
    expect(money[0]).toEqual({ stake: sum(archivedBets, 'stake'), entries: sum(archivedEntries, 'amount') });
    const { rows: live } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM bets WHERE id = ANY($1::text[])', [
      archivedBets.map((b) => b.id),
    ]);
    expect(live[0]!.n).toBe(0);
  });

  it('restoring again replaces (no duplicates), by run, by partition, by day and by run/partition', async () => {
    const before = await auditCounts();
    expect((await restore(partitions[0]!)).map((r) => r.status)).toEqual(['restored']);
    expect((await restore(`${runId}/${partitions[1]!}`)).map((r) => r.partitionKey)).toEqual([partitions[1]]);
    const day = partitions[0]!.slice(0, 10);
    expect((await restore(day)).map((r) => r.partitionKey)).toEqual(partitions.filter((p) => p.startsWith(`${day}-`)));
    await restore(runId);
    expect(await auditCounts()).toEqual(before);
  });

  it('a file that differs from its manifest (rewritten, even as a valid archive) or is missing loads nothing of its partition; the rest is restored', async () => {
    await pool.query('DELETE FROM audit_restores');
    const [tampered, missing] = [partitions[0]!, partitions[1]!];
    const key = (p: string) => `runs/${runId}/${p}.ndjson.gz`;
    const original = await store.get(key(tampered));
    // A well-formed file with one stake raised by a cent: gzip, header and trailer fine, the manifest's figures not.
    const lines = gunzipSync(original)
      .toString('utf8')
      .replace(/"stake":(\d+)/, (_m, s: string) => `"stake":${Number(s) + 1}`);
    await store.put(key(tampered), gzipSync(Buffer.from(lines)));
    const moved = await store.get(key(missing));
    await store.delete(key(missing));
    try {
      const results = await restore(runId);
      const byKey = new Map(results.map((r) => [r.partitionKey, r]));
      expect(byKey.get(tampered)).toMatchObject({ status: 'failed', bets: 0 });
      expect(byKey.get(tampered)!.problems).toEqual(expect.arrayContaining(['sha256 differs', expect.stringMatching(/^stakeTotal /)]));
      expect(byKey.get(missing)).toMatchObject({ status: 'failed', problems: [expect.stringMatching(/cannot read/)] });
      expect(results.filter((r) => r.status === 'restored')).toHaveLength(partitions.length - 2);
      const { rows } = await pool.query<{ partition_key: string }>('SELECT DISTINCT partition_key FROM audit_bets');
      expect(rows.map((r) => r.partition_key).sort()).toEqual(partitions.filter((p) => p !== tampered && p !== missing));

      const cli = await restoreCommand([runId]);
      expect(cli.code).toBe(1);
      expect(cli.stdout).toMatch(new RegExp(`FAILED +${runId}/${tampered} .*sha256 differs`));
      expect(cli.stdout).toContain(`${partitions.length - 2} of ${partitions.length} partitions restored from ${ARCHIVE_URL}`);
    } finally {
      await store.put(key(tampered), original);
      await store.put(key(missing), moved);
    }
  });

  it('`pnpm archive:restore`: exit 0 and a summary when all match, 2 when nothing matches or the usage is wrong', async () => {
    const ok = await restoreCommand([runId]);
    expect(ok.stderr).not.toMatch(/error|fail/i);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(
      `${partitions.length} of ${partitions.length} partitions restored from ${ARCHIVE_URL}: ${archivedBets.length} bets into audit_bets, ` +
        `${archivedEntries.length} wallet entries into audit_wallet_entries`,
    );
    const none = await restoreCommand(['no-such-run']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no archived partition matches "no-such-run"/);
    const usage = await restoreCommand([]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/usage: pnpm archive:restore/);
    await expect(restore('1999-01-01')).rejects.toBeInstanceOf(NothingToRestoreError);
  });
});
