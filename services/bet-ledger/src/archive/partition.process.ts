/**
 * The archive executor's process (forked by partition-process.ts). It runs the whole partition (select, encode,
 * upload, read back, verify, commit) on a Postgres connection of its own, in a process of its own: none of its CPU,
 * garbage collection (V8's helper threads are per process) or thread pool is shared with the bet path's event loop,
 * and on Linux it runs at a lower CPU priority that the scheduler honours against every other process.
 */
import { openArchiveStore } from '@wagerflow/archive-store';
import { createPool } from '@wagerflow/db';
import { createLogger } from '@wagerflow/runtime';
import type { LedgerConfig } from '../config.js';
import { archivePartitionHandler } from '../jobs/archive-partition.handler.js';
import type { ExecutorReply, ExecutorRequest } from './partition-process.js';
import { lowerPriority } from './priority.js';

const send = (reply: ExecutorReply) => process.send?.(reply);
if (!process.send) throw new Error('partition.process.ts runs as a forked child with an IPC channel (see partition-process.ts)');

let handler: ReturnType<typeof archivePartitionHandler> | null = null;
let endPool: () => Promise<void> = () => Promise.resolve();

/**
 * The executor's session: no parallel workers (a background job must not spread over the cores the bet path runs on),
 * and the planner costs of a cached working set, so that a partition's thousands of id lookups use the indexes: with
 * the defaults, Postgres seq-scanned bets and wallet entries (in parallel) in five of the eight statements of every
 * partition, ~40 % more time and every core busy (EXPLAIN ANALYZE of a 5,000-bet partition over 200,000 bets).
 */
const ARCHIVE_SESSION = { max_parallel_workers_per_gather: 0, random_page_cost: 1.1 };

function start(config: LedgerConfig): void {
  const logger = createLogger('bet-ledger', config.LOG_LEVEL).child({ process: 'archive-executor' });
  // bet-ledger lowered this process' priority as it forked it; again here for the threads started before that landed.
  const priority = config.ARCHIVE_EXECUTOR_NICE > 0 ? lowerPriority('self', config.ARCHIVE_EXECUTOR_NICE) : null;
  const pool = createPool(config.DATABASE_URL, { max: 1, applicationName: 'bet-ledger-archive', logger, settings: ARCHIVE_SESSION });
  endPool = () => pool.end();
  const killAfter = config.LEDGER_FAULT_KILL_ARCHIVE_AFTER;
  handler = archivePartitionHandler({
    pool,
    store: openArchiveStore(config.ARCHIVE_URL, config),
    logger,
    statementBets: config.ARCHIVE_STATEMENT_BETS,
    // The fault is "bet-ledger dies here": its parent first, then this process (it would exit on the disconnect anyway).
    afterStep: killAfter
      ? (step) => {
          if (step !== killAfter) return;
          process.kill(process.ppid, 'SIGKILL');
          process.kill(process.pid, 'SIGKILL');
        }
      : undefined,
  });
  logger.debug({ pid: process.pid, nice: config.ARCHIVE_EXECUTOR_NICE, priority }, 'archive executor process ready');
}

process.on('message', (request: ExecutorRequest) => {
  if (request.type === 'start') return start(request.config);
  if (request.type === 'close') {
    void endPool().finally(() => process.disconnect());
    return;
  }
  if (!handler) throw new Error('archive executor: a partition before its start message');
  handler(request.job).then(
    (result) => send({ id: request.id, result }),
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      send({ id: request.id, error: { name: e.name, message: e.message, stack: e.stack } });
    },
  );
});
// bet-ledger gone (its channel closed, even by SIGKILL): so is this process, and a partition's open transaction with it.
process.on('disconnect', () => process.exit(0));
