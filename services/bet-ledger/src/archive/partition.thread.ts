/**
 * The archive executor's thread (entry point of a `worker_threads` Worker, see partition-thread.ts). It runs the
 * whole partition (select, encode, upload, read back, verify, commit) on a Postgres connection of its own, so that
 * none of it takes a turn of the event loop that commits the bet batches; on Linux at a lower CPU priority.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { openArchiveStore } from '@wagerflow/archive-store';
import { createPool } from '@wagerflow/db';
import { createLogger } from '@wagerflow/runtime';
import { archivePartitionHandler } from '../jobs/archive-partition.handler.js';
import type { ThreadData, ThreadReply, ThreadRequest } from './partition-thread.js';

/**
 * Linux: `setpriority` on a thread id re-nices that thread only (the bet path's threads keep theirs). Elsewhere, or
 * without /proc, the thread keeps the process' priority: the work is the same, only its share of a busy CPU differs.
 */
function lowerThreadPriority(nice: number): number | null {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    setPriority(tid, nice);
    return tid;
  } catch {
    return null;
  }
}

const data = workerData as ThreadData;
const { config } = data;
const logger = createLogger('bet-ledger', config.LOG_LEVEL).child({ thread: 'archive' });
const tid = config.ARCHIVE_EXECUTOR_NICE > 0 ? lowerThreadPriority(config.ARCHIVE_EXECUTOR_NICE) : null;
/**
 * The executor's session: no parallel workers (a background job must not spread over the cores the bet path runs on),
 * and the planner costs of a cached working set, so that a partition's thousands of id lookups use the indexes: with
 * the defaults, Postgres seq-scanned bets and wallet entries (in parallel) in five of the eight statements of every
 * partition, ~40 % more time and every core busy (EXPLAIN ANALYZE of a 5,000-bet partition over 200,000 bets).
 */
const ARCHIVE_SESSION = { max_parallel_workers_per_gather: 0, random_page_cost: 1.1 };
const pool = createPool(config.DATABASE_URL, { max: 1, applicationName: 'bet-ledger-archive', logger, settings: ARCHIVE_SESSION });
const handler = archivePartitionHandler({
  pool,
  store: openArchiveStore(config.ARCHIVE_URL, config),
  logger,
  afterStep: config.LEDGER_FAULT_KILL_ARCHIVE_AFTER
    ? (step) => {
        if (step === config.LEDGER_FAULT_KILL_ARCHIVE_AFTER) process.kill(process.pid, 'SIGKILL');
      }
    : undefined,
});

const port = parentPort;
if (!port) throw new Error('partition.thread.ts runs as a worker thread (see partition-thread.ts)');

port.on('message', (request: ThreadRequest) => {
  if (request.type === 'close') {
    void pool.end().finally(() => port.close());
    return;
  }
  handler(request.job).then(
    (result) => port.postMessage({ id: request.id, result } satisfies ThreadReply),
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      port.postMessage({ id: request.id, error: { name: e.name, message: e.message, stack: e.stack } } satisfies ThreadReply);
    },
  );
});
logger.debug({ tid, nice: config.ARCHIVE_EXECUTOR_NICE }, 'archive executor thread ready');
