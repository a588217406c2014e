import { randomUUID } from 'node:crypto';
import { JOB_OPTIONS, type ArchiveRunView } from '@wagerflow/contracts';
import type { Pool } from '@wagerflow/db';
import type { TypedQueue } from '@wagerflow/queue';

interface RunRow {
  id: string;
  status: 'running' | 'succeeded' | 'failed';
  trigger: string;
  cutoff: number;
  started_at: number;
  finished_at: number | null;
  error: string | null;
  partitions: number;
  bets: number;
  wallet_entries: number;
  bytes: number;
}

/**
 * The admin side of the archive (SPEC 4.8): runs are the archiver's (read through its published views), started by
 * queueing an `archive-run` job the archiver takes. A run already going answers its own id (one run at a time; a
 * second request would only be recorded as not run), so the admin can follow the run that is actually working.
 */
export function archiveRunsRepository(pool: Pool, queue: TypedQueue<'archive'>) {
  return {
    async requestRun(requestedBy: string | null): Promise<string> {
      const { rows } = await pool.query<{ id: string }>("SELECT id FROM archive_run_view WHERE status = 'running'");
      if (rows[0]) return rows[0].id;
      const runId = randomUUID();
      await queue.add('archive-run', { runId, requestedBy }, JOB_OPTIONS.archive.run(runId));
      return runId;
    },
    async run(runId: string): Promise<ArchiveRunView | null> {
      const { rows } = await pool.query<RunRow>('SELECT * FROM archive_run_view WHERE id = $1', [runId]);
      const r = rows[0];
      if (!r) {
        // Queued for the archiver, not taken yet.
        const job = await queue.queue.getJob(JOB_OPTIONS.archive.run(runId).jobId);
        if (!job) return null;
        return {
          runId,
          status: 'queued',
          trigger: 'admin',
          cutoff: null,
          startedAt: null,
          finishedAt: null,
          error: null,
          partitions: 0,
          bets: 0,
          walletEntries: 0,
          bytes: 0,
          files: [],
        };
      }
      const { rows: files } = await pool.query<{
        partition_key: string;
        object_key: string;
        bets: number;
        wallet_entries: number;
        bytes: number;
        sha256: string;
      }>(
        'SELECT partition_key, object_key, bets, wallet_entries, bytes, sha256 FROM archive_manifest_view WHERE run_id = $1 ORDER BY partition_key',
        [runId],
      );
      return {
        runId: r.id,
        status: r.status,
        trigger: r.trigger,
        cutoff: r.cutoff,
        startedAt: r.started_at,
        finishedAt: r.finished_at,
        error: r.error,
        partitions: r.partitions,
        bets: r.bets,
        walletEntries: r.wallet_entries,
        bytes: r.bytes,
        files: files.map((f) => ({
          partitionKey: f.partition_key,
          objectKey: f.object_key,
          bets: f.bets,
          walletEntries: f.wallet_entries,
          bytes: f.bytes,
          sha256: f.sha256,
        })),
      };
    },
  };
}
export type ArchiveRunsRepository = ReturnType<typeof archiveRunsRepository>;
