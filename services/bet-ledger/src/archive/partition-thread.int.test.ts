import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArchivePartitionJob } from '@wagerflow/contracts';
import { createPool, type Pool } from '@wagerflow/db';
import { createLogger } from '@wagerflow/runtime';
import { createTestDatabase, freePort, seedLedgerHistory, testRedisUrl, type TestDatabase } from '@wagerflow/testing';
import { loadConfig } from '../config.js';
import { archivableDays } from '../repositories/archive.repository.js';
import { startArchiveThread, type ArchiveThread } from './partition-thread.js';

const DAY = 86_400_000;
const NOW = Date.now();
const CUTOFF = NOW - 30 * DAY;
const ENTRY = new URL('./partition.thread.ts', import.meta.url);
const logger = createLogger('test', 'silent');
let db: TestDatabase;
let pool: Pool;
let dir: string;
let thread: ArchiveThread | undefined;

const configFor = (extra: Record<string, string> = {}) =>
  loadConfig({ DATABASE_URL: db.url, REDIS_URL: testRedisUrl(), LOG_LEVEL: 'silent', ARCHIVE_URL: pathToFileURL(dir).href, ...extra });

/** The nice value of each thread of this process (Linux: /proc/self/task/<tid>/stat, field 19). */
function threadNices(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count the fields after its closing parenthesis.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

beforeEach(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 2 });
  dir = await mkdtemp(join(tmpdir(), 'wf-archive-thread-'));
  await seedLedgerHistory(pool, { wallets: 6, betsPerWallet: 20, now: NOW });
});

afterEach(async () => {
  await thread?.close(2000);
  thread = undefined;
  await pool.end();
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('archive executor thread', () => {
  it('archives every old final bet from a thread of its own at the configured nice value: drift 0, files written', async () => {
    const { rows: expected } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM bets WHERE result IS DISTINCT FROM 'open' AND coalesce(settled_at, updated_at) < $1`,
      [CUTOFF],
    );
    expect(expected[0]!.n).toBeGreaterThan(20);
    thread = startArchiveThread(ENTRY, configFor({ ARCHIVE_EXECUTOR_NICE: '13' }), logger);
    let archived = 0;
    for (const { day } of await archivableDays(pool, CUTOFF)) {
      for (let chunk = 0; ; chunk++) {
        const job: ArchivePartitionJob = { runId: 'thread', day, chunk, cutoff: CUTOFF, maxBets: 7 };
        const r = await thread.run(job);
        archived += r.bets;
        if (!r.more) break;
      }
    }
    expect(archived).toBe(expected[0]!.n);
    const { rows } = await pool.query<{ drift: number; left: number; files: number }>(
      `SELECT (SELECT drift FROM ledger_wallet_drift()) AS drift,
              (SELECT count(*)::int FROM bets WHERE result IS DISTINCT FROM 'open' AND coalesce(settled_at, updated_at) < $1) AS left,
              (SELECT count(*)::int FROM archive_manifests) AS files`,
      [CUTOFF],
    );
    expect(rows[0]).toMatchObject({ drift: 0, left: 0 });
    expect(readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.gz'))).toHaveLength(rows[0]!.files);
    // The executor's thread runs re-niced; the rest of the process (the bet path) keeps nice 0.
    if (process.platform === 'linux') {
      const nices = threadNices();
      expect(nices.filter((n) => n === 13)).toHaveLength(1);
      expect(nices.filter((n) => n === 0).length).toBeGreaterThan(1);
    }
  });

  it("fails the partition with the executor's own error when the database is unreachable, and archives nothing", async () => {
    const closed = `postgres://postgres@127.0.0.1:${await freePort()}/none`;
    thread = startArchiveThread(ENTRY, configFor({ DATABASE_URL: closed }), logger);
    const [first] = await archivableDays(pool, CUTOFF);
    await expect(thread.run({ runId: 'down', day: first!.day, chunk: 0, cutoff: CUTOFF, maxBets: 10 })).rejects.toThrow(/ECONNREFUSED/);
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM archive_manifests');
    expect(rows[0]!.n).toBe(0);
  });

  it('fails the partition in flight when the thread dies, and starts a new thread for the next one', async () => {
    // A thread whose first partition kills it, as a crash inside the executor would.
    const entry = join(dir, 'dies.thread.mjs');
    await writeFile(
      entry,
      `import { parentPort } from 'node:worker_threads';
       parentPort.on('message', (m) => { if (m.type === 'run') process.exit(7); });`,
    );
    thread = startArchiveThread(pathToFileURL(entry), configFor(), logger);
    const job: ArchivePartitionJob = { runId: 'dies', day: '2026-01-01', chunk: 0, cutoff: CUTOFF, maxBets: 10 };
    await expect(thread.run(job)).rejects.toThrow(/exited \(code 7\) with a partition in flight/);
    await expect(thread.run(job)).rejects.toThrow(/exited \(code 7\)/);
  });

  it('fails the partition when the thread cannot start (its error), and tries a new thread next time', async () => {
    const entry = join(dir, 'broken.thread.mjs');
    await writeFile(entry, `throw new Error('cannot load the executor');`);
    thread = startArchiveThread(pathToFileURL(entry), configFor(), logger);
    const job: ArchivePartitionJob = { runId: 'broken', day: '2026-01-01', chunk: 0, cutoff: CUTOFF, maxBets: 10 };
    await expect(thread.run(job)).rejects.toThrow('cannot load the executor');
    await expect(thread.run(job)).rejects.toThrow('cannot load the executor');
  });
});
