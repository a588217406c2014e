import type { Pool, PoolClient } from '@wagerflow/db';

type Queryable = Pick<Pool, 'query'>;

export interface RunRow {
  id: string;
  status: 'running' | 'succeeded' | 'failed';
  cutoff: number;
  started_at: number;
}

/**
 * One run at a time across archiver replicas: a session advisory lock on a connection held for the whole run. A dead
 * archiver's session ends and frees it at once; the run it left `running` (the unique index allows one) is resumed or
 * closed by the next run.
 */
export async function tryRunLock(client: PoolClient): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(hashtextextended('wagerflow:archive-run', 0)) AS ok");
  return rows[0]?.ok === true;
}

export async function releaseRunLock(client: PoolClient): Promise<void> {
  await client.query("SELECT pg_advisory_unlock(hashtextextended('wagerflow:archive-run', 0))");
}

export async function runningRun(db: Queryable): Promise<RunRow | null> {
  const { rows } = await db.query<RunRow>("SELECT id, status, cutoff, started_at FROM archive_runs WHERE status = 'running'");
  return rows[0] ?? null;
}

export async function findRun(db: Queryable, id: string): Promise<RunRow | null> {
  const { rows } = await db.query<RunRow>('SELECT id, status, cutoff, started_at FROM archive_runs WHERE id = $1', [id]);
  return rows[0] ?? null;
}

export async function closeInterrupted(db: Queryable, id: string, by: string, now: number): Promise<void> {
  await db.query("UPDATE archive_runs SET status = 'failed', finished_at = $2, error = $3 WHERE id = $1 AND status = 'running'", [
    id,
    now,
    `interrupted (its archiver stopped); redone by run ${by}`,
  ]);
}

export async function insertRun(
  db: Queryable,
  run: {
    id: string;
    trigger: 'schedule' | 'admin';
    requestedBy: string | null;
    cutoff: number;
    now: number;
    status?: 'running' | 'failed';
    error?: string;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO archive_runs (id, status, trigger, requested_by, cutoff, started_at, finished_at, error)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      run.id,
      run.status ?? 'running',
      run.trigger,
      run.requestedBy,
      run.cutoff,
      run.now,
      run.status === 'failed' ? run.now : null,
      run.error ?? null,
    ],
  );
}

/**
 * The run's progress, recounted from bet-ledger's manifests (`archive_manifest_view`) rather than added up: a
 * partition committed just before the archiver died (its result never seen) counts once when the resumed run finds it
 * `already` done, and a partition seen twice never counts twice.
 */
export async function recordProgress(db: Queryable, id: string): Promise<void> {
  await db.query(
    `UPDATE archive_runs r SET partitions = m.partitions, bets = m.bets, wallet_entries = m.wallet_entries, bytes = m.bytes
       FROM (SELECT count(*)::int AS partitions, coalesce(sum(bets), 0) AS bets, coalesce(sum(wallet_entries), 0) AS wallet_entries,
                    coalesce(sum(bytes), 0) AS bytes
               FROM archive_manifest_view WHERE run_id = $1) m
      WHERE r.id = $1`,
    [id],
  );
}

export async function finishRun(
  db: Queryable,
  id: string,
  status: 'succeeded' | 'failed',
  now: number,
  error: string | null,
): Promise<void> {
  await db.query("UPDATE archive_runs SET status = $2, finished_at = $3, error = $4 WHERE id = $1 AND status = 'running'", [
    id,
    status,
    now,
    error,
  ]);
}

/** The dead man's switch, persisted: the finish time (ms) of the latest succeeded run, null if none ever. */
export async function lastSuccess(db: Queryable): Promise<number | null> {
  const { rows } = await db.query<{ at: number | null }>("SELECT max(finished_at) AS at FROM archive_runs WHERE status = 'succeeded'");
  return rows[0]?.at ?? null;
}

/** bet-ledger's published planner function: the UTC days holding final bets older than the cutoff, oldest first. */
export async function archivableDays(db: Queryable, cutoff: number): Promise<string[]> {
  const { rows } = await db.query<{ day: string }>('SELECT day FROM ledger_archivable_day_list($1)', [cutoff]);
  return rows.map((r) => r.day);
}
