import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JOB_OPTIONS, QUEUES, type ArchivePartitionJob } from '@wagerflow/contracts';
import { createPool, type Pool } from '@wagerflow/db';
import { createQueue, createRedis } from '@wagerflow/queue';
import { createLogger } from '@wagerflow/runtime';
import {
  createTestDatabase,
  freePort,
  seedLedgerHistory,
  testRedisUrl,
  uniquePrefix,
  waitUntil,
  type TestDatabase,
} from '@wagerflow/testing';
import { loadConfig } from '../config.js';
import { archivableDays } from '../repositories/archive.repository.js';
import { spawnLedgerProcess } from '../testing/ledger-process.js';
import { startArchiveProcess, type ArchiveExecutor } from './partition-process.js';
import { idleLaunch } from './priority.js';

const DAY = 86_400_000;
const NOW = Date.now();
const CUTOFF = NOW - 30 * DAY;
const ENTRY = new URL('./partition.process.ts', import.meta.url);
const logger = createLogger('test', 'silent');
let db: TestDatabase;
let pool: Pool;
let dir: string;
let executor: ArchiveExecutor | undefined;

const configFor = (extra: Record<string, string> = {}) =>
  loadConfig({ DATABASE_URL: db.url, REDIS_URL: testRedisUrl(), LOG_LEVEL: 'silent', ARCHIVE_URL: pathToFileURL(dir).href, ...extra });

/** Fields of /proc/<pid>/stat (or a thread's) after the command name, which may hold spaces: [0] is field 3, the state. */
function statFields(path: string): string[] {
  const stat = readFileSync(path, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}
const sessionOf = (pid: number | 'self') => Number(statFields(`/proc/${pid}/stat`)[3]);
/** One /proc/<pid>/stat field of each of the process' threads (index as in `statFields`). */
const threadField = (pid: number, index: number) =>
  readdirSync(`/proc/${pid}/task`).map((tid) => Number(statFields(`/proc/${pid}/task/${tid}/stat`)[index]));
const threadNices = (pid: number) => threadField(pid, 16);
/** Each thread's scheduling policy (stat field 41): 0 SCHED_OTHER (normal), 5 SCHED_IDLE. */
const threadPolicies = (pid: number) => threadField(pid, 38);
const SCHED_IDLE = 5;
/** Whether this machine gives SCHED_IDLE (util-linux's chrt, allowed here): where it does not, the executor runs niced only. */
const idleHere = (await idleLaunch()) !== null;

/** Linux: the processes whose parent is `parent` and whose command line names the executor's entry. */
function executorPids(parent: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const isChild = Number(statFields(`/proc/${d}/stat`)[1]) === parent;
        return isChild && readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('partition.process') ? [Number(d)] : [];
      } catch {
        return []; // exited while we looked
      }
    });
}

/** Gone, or a zombie nobody reaped yet (its parent was killed; in a container, PID 1 may not reap). */
function exited(pid: number): boolean {
  try {
    return statFields(`/proc/${pid}/stat`)[0] === 'Z';
  } catch {
    return true;
  }
}

beforeEach(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 2 });
  dir = await mkdtemp(join(tmpdir(), 'wf-archive-process-'));
  await seedLedgerHistory(pool, { wallets: 6, betsPerWallet: 20, now: NOW });
});

afterEach(async () => {
  await executor?.close(2000);
  executor = undefined;
  await pool.end();
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('archive executor process', () => {
  it('archives every old final bet from a process and session of its own at the configured nice value: drift 0, files written', async () => {
    const { rows: expected } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM bets WHERE result IS DISTINCT FROM 'open' AND coalesce(settled_at, updated_at) < $1`,
      [CUTOFF],
    );
    expect(expected[0]!.n).toBeGreaterThan(20);
    executor = startArchiveProcess(ENTRY, configFor({ ARCHIVE_EXECUTOR_NICE: '13' }), logger);
    let archived = 0;
    for (const { day } of await archivableDays(pool, CUTOFF)) {
      for (let chunk = 0; ; chunk++) {
        const job: ArchivePartitionJob = { runId: 'process', day, chunk, cutoff: CUTOFF, maxBets: 7 };
        const r = await executor.run(job);
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
    if (process.platform !== 'linux') return;
    // One executor process, in a session of its own, every thread re-niced; this process (the bet path) keeps nice 0.
    const [pid, ...others] = executorPids(process.pid);
    expect(others).toEqual([]);
    expect(sessionOf(pid!)).not.toBe(sessionOf('self'));
    expect(new Set(threadNices(pid!))).toEqual(new Set([13]));
    expect(threadNices(process.pid)).toContain(0);
    if (existsSync(`/proc/${pid}/autogroup`)) expect(readFileSync(`/proc/${pid}/autogroup`, 'utf8')).toMatch(/ nice 13\s*$/);
    // Every thread under SCHED_IDLE (the default), this process' under the normal policy.
    expect(new Set(threadPolicies(pid!))).toEqual(new Set([idleHere ? SCHED_IDLE : 0]));
    expect(new Set(threadPolicies(process.pid))).toEqual(new Set([0]));
  });

  it.runIf(process.platform === 'linux')('runs under the normal policy, niced, with ARCHIVE_EXECUTOR_SCHED_IDLE=off', async () => {
    executor = startArchiveProcess(ENTRY, configFor({ ARCHIVE_EXECUTOR_SCHED_IDLE: 'off', ARCHIVE_EXECUTOR_NICE: '12' }), logger);
    const [day] = await archivableDays(pool, CUTOFF);
    expect((await executor.run({ runId: 'normal', day: day!.day, chunk: 0, cutoff: CUTOFF, maxBets: 5 })).bets).toBeGreaterThan(0);
    const [pid] = executorPids(process.pid);
    expect(new Set(threadPolicies(pid!))).toEqual(new Set([0]));
    expect(new Set(threadNices(pid!))).toEqual(new Set([12]));
  });

  it.runIf(process.platform === 'linux')('is niced from the moment it is forked, while it is still loading its modules', async () => {
    executor = startArchiveProcess(ENTRY, configFor({ ARCHIVE_EXECUTOR_NICE: '11' }), logger);
    const [day] = await archivableDays(pool, CUTOFF);
    const pending = executor.run({ runId: 'early', day: day!.day, chunk: 0, cutoff: CUTOFF, maxBets: 5 });
    // The process takes about a second to load (tsx); its own renice comes after that, so 11 now is bet-ledger's doing.
    // Found once it is node: chrt's own exec into node leaves its command line briefly unreadable.
    const pid = await waitUntil(() => executorPids(process.pid)[0], { timeoutMs: 2_000, description: 'the executor process' });
    expect(statFields(`/proc/${pid}/stat`)[16]).toBe('11');
    // SCHED_IDLE from its first instruction: chrt set it before it started node.
    expect(new Set(threadPolicies(pid))).toEqual(new Set([idleHere ? SCHED_IDLE : 0]));
    if (existsSync(`/proc/${pid}/autogroup`)) expect(readFileSync(`/proc/${pid}/autogroup`, 'utf8')).toMatch(/ nice 11\s*$/);
    expect((await pending).bets).toBeGreaterThan(0);
  });

  it("fails the partition with the executor's own error when the database is unreachable, and archives nothing", async () => {
    const closed = `postgres://postgres@127.0.0.1:${await freePort()}/none`;
    executor = startArchiveProcess(ENTRY, configFor({ DATABASE_URL: closed }), logger);
    const [first] = await archivableDays(pool, CUTOFF);
    await expect(executor.run({ runId: 'down', day: first!.day, chunk: 0, cutoff: CUTOFF, maxBets: 10 })).rejects.toThrow(/ECONNREFUSED/);
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM archive_manifests');
    expect(rows[0]!.n).toBe(0);
  });

  it('fails the partition in flight when the process dies, and starts a new process for the next one', async () => {
    // A process whose first partition kills it, as a crash inside the executor would.
    const entry = join(dir, 'dies.process.mjs');
    await writeFile(entry, `process.on('message', (m) => { if (m.type === 'run') process.exit(7); });`);
    executor = startArchiveProcess(pathToFileURL(entry), configFor(), logger);
    const job: ArchivePartitionJob = { runId: 'dies', day: '2026-01-01', chunk: 0, cutoff: CUTOFF, maxBets: 10 };
    await expect(executor.run(job)).rejects.toThrow(/exited \(code 7, signal null\) with a partition in flight/);
    await expect(executor.run(job)).rejects.toThrow(/exited \(code 7/);
  });

  it('fails the partition when the process cannot start (with its error), and tries a new process next time', async () => {
    const entry = join(dir, 'broken.process.mjs');
    await writeFile(entry, `throw new Error('cannot load the executor');`);
    const quiet = vi.spyOn(process.stderr, 'write').mockImplementation(() => true); // the child's stack trace, forwarded: expected here
    try {
      executor = startArchiveProcess(pathToFileURL(entry), configFor(), logger);
      const job: ArchivePartitionJob = { runId: 'broken', day: '2026-01-01', chunk: 0, cutoff: CUTOFF, maxBets: 10 };
      await expect(executor.run(job)).rejects.toThrow(/exited \(code 1, .*Error: cannot load the executor/);
      await expect(executor.run(job)).rejects.toThrow('cannot load the executor');
    } finally {
      quiet.mockRestore();
    }
  });

  it.runIf(process.platform === 'linux')(
    'dies with bet-ledger: SIGKILL of a real bet-ledger process ends its executor process and its Postgres session',
    async () => {
      const prefix = uniquePrefix('archive-orphan');
      const redis = createRedis(testRedisUrl(), 'blocking');
      const queue = createQueue(QUEUES.ledgerArchive, redis, prefix);
      const ledger = await spawnLedgerProcess({ databaseUrl: db.url, redisPrefix: prefix, archiveUrl: pathToFileURL(dir).href });
      try {
        const [day] = await archivableDays(pool, CUTOFF);
        const job: ArchivePartitionJob = { runId: 'orphan', day: day!.day, chunk: 0, cutoff: CUTOFF, maxBets: 1000 };
        await queue.add('archive-partition', job, JOB_OPTIONS.ledgerArchive.partition(job.runId, job.day, job.chunk));
        const pid = await waitUntil(() => executorPids(ledger.pid!)[0], { timeoutMs: 20_000, description: 'the executor process' });
        await waitUntil(
          async () => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM archive_manifests')).rows[0]!.n === 1,
          { timeoutMs: 20_000, description: 'the partition committed' },
        );
        ledger.kill('SIGKILL');
        await waitUntil(() => exited(pid), { timeoutMs: 10_000, description: 'the executor process gone' });
        await waitUntil(
          async () => {
            const { rows } = await pool.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'bet-ledger-archive' AND datname = current_database()`,
            );
            return rows[0]!.n === 0;
          },
          { timeoutMs: 10_000, description: 'its Postgres session closed' },
        );
      } finally {
        if (ledger.exitCode === null && ledger.signalCode === null) ledger.kill('SIGKILL');
        await queue.queue.obliterate({ force: true }).catch(() => undefined);
        await queue.close();
        await redis.quit();
      }
    },
    60_000,
  );
});
