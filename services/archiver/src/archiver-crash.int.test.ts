// SIGKILL of a real archiver process at each step of a run (ARCHIVER_FAULT_KILL_AFTER), then a fresh archiver: the
// stalled run job is redelivered and the run resumes under its own id and finishes; every partition is archived once,
// the run's figures count each once, balances and drift hold. bet-ledger runs in this process throughout. Also the
// run's pacing (ARCHIVE_PAUSE_RATIO), on the same fresh ledger.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openArchiveStore } from '@wagerflow/archive-store';
import { QUEUES } from '@wagerflow/contracts';
import { createLogger } from '@wagerflow/runtime';
import { QueueEvents } from 'bullmq';
import type { Pool } from '@wagerflow/db';
import { createQueue, createRedis } from '@wagerflow/queue';
import { freePort, testRedisUrl } from '@wagerflow/testing';
import { MAX_PAUSE_MS, archiveRunHandler, type RunStep } from './archive-run.js';
import { openArchiveStack, type ArchiveStack } from './testing/archive-stack.js';
import { requestRun, runFinished } from './testing/runs.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), 'main.ts');
const DAY = 86_400_000;
let stack: ArchiveStack;
let pool: Pool;
let env: Record<string, string>;

/** The archiver as its own process (as `pnpm start` runs it); resolves with the signal it died of, if it dies. */
function spawnArchiver(extra: Record<string, string> = {}): { exited: Promise<NodeJS.Signals | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { env: { ...process.env, ...env, ...extra }, stdio: 'ignore' });
  stack.onStop(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { exited: new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal))) };
}

beforeEach(async () => {
  stack = await openArchiveStack({
    name: 'archiver-kill',
    seed: { wallets: 4, betsPerWallet: 15 },
    // A killed archiver's run job is redelivered within a few seconds instead of 30.
    env: { ARCHIVE_PARTITION_MAX_BETS: '3', QUEUE_LOCK_DURATION_MS: '2000', QUEUE_STALLED_INTERVAL_MS: '1000' },
  });
  ({ pool, env } = stack);
});

afterEach(async () => {
  await stack.stop();
});

describe('archiver SIGKILLed mid-run', () => {
  it.each<RunStep>(['started', 'partition', 'finished'])(
    'after step %s: the redelivered run resumes under its id and finishes; nothing archived twice, drift 0',
    async (step) => {
      const { rows: expected } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM bets WHERE (status = 'rejected' OR result IN ('won', 'lost', 'void'))
           AND coalesce(settled_at, updated_at) < $1`,
        [Date.now() - 30 * DAY],
      );
      const { rows: balances } = await pool.query<{ b: string }>(
        "SELECT string_agg(id || ':' || balance, ',' ORDER BY id) AS b FROM wallets",
      );

      const first = spawnArchiver({ ARCHIVER_OPS_PORT: String(await freePort()), ARCHIVER_FAULT_KILL_AFTER: step });
      const runId = await requestRun(stack.queue);
      expect(await first.exited).toBe('SIGKILL');
      const { rows: left } = await pool.query<{ status: string }>('SELECT status FROM archive_runs WHERE id = $1', [runId]);
      expect(left[0]?.status).toBe(step === 'finished' ? 'succeeded' : 'running');

      spawnArchiver({ ARCHIVER_OPS_PORT: String(await freePort()) });
      const run = await runFinished(pool, runId, 45_000);
      expect(run).toMatchObject({ status: 'succeeded', error: null, bets: expected[0]!.n });

      const { rows: runs } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM archive_runs');
      expect(runs[0]!.n).toBe(1);
      const { rows: manifests } = await pool.query<{ files: number; bets: number; tomb: number }>(
        'SELECT count(*)::int AS files, sum(bets)::int AS bets, (SELECT count(*)::int FROM archived_bets) AS tomb FROM archive_manifests',
      );
      expect(manifests[0]).toEqual({ files: run.partitions, bets: expected[0]!.n, tomb: expected[0]!.n });
      expect(await openArchiveStore(env.ARCHIVE_URL!).list(`runs/${runId}/`)).toHaveLength(run.partitions);
      const { rows: after } = await pool.query<{ b: string }>("SELECT string_agg(id || ':' || balance, ',' ORDER BY id) AS b FROM wallets");
      expect(after[0]!.b).toBe(balances[0]!.b);
      const { rows: drift } = await pool.query('SELECT * FROM ledger_wallet_drift()');
      expect(drift[0]).toEqual({ checked: 4, drift: 0 });
    },
    90_000,
  );
});

describe('archive run pacing (ARCHIVE_PAUSE_RATIO)', () => {
  it('rests after each archived partition, the ratio times as long as it took (capped), and archives everything', async () => {
    const partitions = createQueue(QUEUES.ledgerArchive, stack.redis, env.REDIS_PREFIX!);
    const eventsConnection = createRedis(testRedisUrl(), 'blocking');
    const events = new QueueEvents(QUEUES.ledgerArchive, { connection: eventsConnection, prefix: env.REDIS_PREFIX! });
    try {
      await events.waitUntilReady();
      const pauses: number[] = [];
      const run = archiveRunHandler({
        pool,
        partitions,
        partitionEvents: events,
        logger: createLogger('test', 'silent'),
        retentionDays: 30,
        maxBets: 3,
        partitionTimeoutMs: 30_000,
        pauseRatio: 2,
        sleep: (ms) => {
          pauses.push(ms);
          return Promise.resolve();
        },
      });
      const outcome = await run({ runId: 'paced', requestedBy: 'test' }, { id: 'paced' });
      expect(outcome.status).toBe('succeeded');
      const { rows } = await pool.query<{ partitions: number }>("SELECT partitions FROM archive_runs WHERE id = 'paced'");
      expect(pauses).toHaveLength(rows[0]!.partitions);
      expect(pauses.every((ms) => ms > 0 && ms <= MAX_PAUSE_MS)).toBe(true);
    } finally {
      await events.close();
      await eventsConnection.quit().catch(() => undefined);
      await partitions.close();
    }
  }, 60_000);
});
