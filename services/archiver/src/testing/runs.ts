import { randomUUID } from 'node:crypto';
import { JOB_OPTIONS } from '@wagerflow/contracts';
import type { Pool } from '@wagerflow/db';
import type { TypedQueue } from '@wagerflow/queue';
import { waitUntil } from '@wagerflow/testing';

export interface FinishedRun {
  status: string;
  error: string | null;
  bets: number;
  partitions: number;
}

/** TEST ONLY: queues an on-demand archive run (as the gateway's admin route does); returns its id. */
export async function requestRun(queue: TypedQueue<'archive'>): Promise<string> {
  const runId = randomUUID();
  await queue.add('archive-run', { runId, requestedBy: 'test' }, JOB_OPTIONS.archive.run(runId));
  return runId;
}

/** TEST ONLY: waits for a run to leave `running` and answers its row. */
export async function runFinished(pool: Pool, runId: string, timeoutMs = 30_000): Promise<FinishedRun> {
  return waitUntil(
    async () => {
      const { rows } = await pool.query<FinishedRun>(
        "SELECT status, error, bets::int AS bets, partitions FROM archive_run_view WHERE id = $1 AND status <> 'running'",
        [runId],
      );
      return rows[0];
    },
    { timeoutMs, description: `archive run ${runId} finished` },
  );
}
