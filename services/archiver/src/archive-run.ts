import type { QueueEvents } from 'bullmq';
import { JOB_OPTIONS, archivePartitionResult, type ArchivePartitionResult, type ArchiveRunJob } from '@wagerflow/contracts';
import type { Pool } from '@wagerflow/db';
import type { TypedQueue } from '@wagerflow/queue';
import type { Logger } from '@wagerflow/runtime';
import { cutoffFor, runIdFor, takeOver } from './domain/run-plan.js';
import {
  archivableDays,
  closeInterrupted,
  findRun,
  finishRun,
  insertRun,
  recordProgress,
  releaseRunLock,
  runningRun,
  tryRunLock,
} from './repositories/runs.repository.js';

export type FailureStage = 'lock' | 'plan' | 'partition' | 'finish';

/** Points of a run a test hook may stop it at (a crash there): the run recorded, a partition recorded, the run finished. */
export type RunStep = 'started' | 'partition' | 'finished';

export interface ArchiveRunDeps {
  pool: Pool;
  partitions: TypedQueue<'ledger-archive'>;
  partitionEvents: QueueEvents;
  logger: Logger;
  retentionDays: number;
  maxBets: number;
  partitionTimeoutMs: number;
  /** Rest after each partition, as a multiple of the time it took (ARCHIVE_PAUSE_RATIO; 0: none). */
  pauseRatio?: number;
  /** How to rest (tests pass a recorder). */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  onStarted?: (startedAtMs: number | null) => void;
  onRows?: (table: 'bets' | 'wallet_entries', n: number) => void;
  onSucceeded?: (finishedAtMs: number, durationSeconds: number) => void;
  onFailed?: (stage: FailureStage, durationSeconds: number) => void;
  /** TEST ONLY: called after each step; killing the process there is a crash at that step. */
  afterStep?: (step: RunStep) => void | Promise<void>;
}

export interface ArchiveRunOutcome {
  runId: string;
  status: 'succeeded' | 'failed' | 'busy';
  error?: string;
}

/**
 * One archive run (SPEC 5): under the run lock, take over a run left running by a crash (resume it when it is this
 * job's, else close it as interrupted: its committed partitions are done, the rest is redone now), plan the days with
 * archivable bets, and send bet-ledger each day's partitions one by one (the next chunk while a chunk comes back full),
 * recording progress after each. Never throws for a failed run: it is recorded `failed` and the next run redoes it.
 */
/** The longest rest between two partitions, whatever the ratio: a run never idles for minutes. */
export const MAX_PAUSE_MS = 60_000;

export function archiveRunHandler(deps: ArchiveRunDeps) {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return async (data: ArchiveRunJob, job: { id?: string | undefined }): Promise<ArchiveRunOutcome> => {
    const runId = runIdFor({ runId: data.runId, jobId: job.id });
    const trigger = data.runId ? 'admin' : 'schedule';
    const lockClient = await deps.pool.connect();
    try {
      if (!(await tryRunLock(lockClient))) {
        const running = await runningRun(deps.pool);
        if (data.runId && !(await findRun(deps.pool, runId))) {
          // Answer the admin's run id with a record of why it did not run.
          await insertRun(deps.pool, {
            id: runId,
            trigger,
            requestedBy: data.requestedBy ?? null,
            cutoff: cutoffFor(now(), deps.retentionDays),
            now: now(),
            status: 'failed',
            error: `not run: run ${running?.id ?? '(another)'} was in progress`,
          });
        }
        deps.logger.info({ runId, running: running?.id }, 'archive run skipped: another run holds the lock');
        return { runId, status: 'busy' };
      }
      try {
        return await runLocked(runId, trigger, data);
      } finally {
        await releaseRunLock(lockClient).catch(() => undefined);
      }
    } finally {
      lockClient.release();
    }
  };

  async function runLocked(runId: string, trigger: 'admin' | 'schedule', data: ArchiveRunJob): Promise<ArchiveRunOutcome> {
    const existing = await findRun(deps.pool, runId);
    if (existing && existing.status !== 'running') return { runId, status: existing.status };
    const running = await runningRun(deps.pool);
    let cutoff: number;
    let startedAt: number;
    if (takeOver(running, runId) === 'resume') {
      cutoff = running!.cutoff;
      startedAt = running!.started_at;
      deps.logger.info({ runId }, 'archive run resumed after an interruption');
    } else {
      if (running) await closeInterrupted(deps.pool, running.id, runId, now());
      startedAt = now();
      cutoff = cutoffFor(startedAt, deps.retentionDays);
      await insertRun(deps.pool, { id: runId, trigger, requestedBy: data.requestedBy ?? null, cutoff, now: startedAt });
    }
    deps.onStarted?.(startedAt);
    await deps.afterStep?.('started');
    const seconds = () => (now() - startedAt) / 1000;
    let stage: FailureStage = 'plan';
    try {
      const days = await archivableDays(deps.pool, cutoff);
      deps.logger.info({ runId, cutoff, days: days.length }, 'archive run planned');
      stage = 'partition';
      for (const day of days) {
        for (let chunk = 0; ; chunk++) {
          const sentAt = now();
          const result = await sendPartition(runId, day, chunk, cutoff);
          if (result.status !== 'empty') await recordProgress(deps.pool, runId);
          if (result.status === 'archived') {
            deps.onRows?.('bets', result.bets);
            deps.onRows?.('wallet_entries', result.walletEntries);
            await deps.afterStep?.('partition');
            const pause = Math.min(MAX_PAUSE_MS, (now() - sentAt) * (deps.pauseRatio ?? 0));
            if (pause > 0) await sleep(pause);
          }
          if (!result.more) break;
        }
      }
      stage = 'finish';
      const finishedAt = now();
      await finishRun(deps.pool, runId, 'succeeded', finishedAt, null);
      deps.onSucceeded?.(finishedAt, seconds());
      await deps.afterStep?.('finished');
      deps.logger.info({ runId, seconds: seconds() }, 'archive run succeeded');
      return { runId, status: 'succeeded' };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      deps.logger.error({ err, runId, stage }, 'archive run failed');
      await finishRun(deps.pool, runId, 'failed', now(), `${stage}: ${message}`).catch(() => undefined);
      deps.onFailed?.(stage, seconds());
      return { runId, status: 'failed', error: message };
    } finally {
      deps.onStarted?.(null);
    }
  }

  async function sendPartition(runId: string, day: string, chunk: number, cutoff: number): Promise<ArchivePartitionResult> {
    const job = await deps.partitions.add(
      'archive-partition',
      { runId, day, chunk, cutoff, maxBets: deps.maxBets },
      JOB_OPTIONS.ledgerArchive.partition(runId, day, chunk),
    );
    return archivePartitionResult.parse(await job.waitUntilFinished(deps.partitionEvents, deps.partitionTimeoutMs));
  }
}
