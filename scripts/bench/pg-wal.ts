/**
 * Postgres' write-ahead log around an archive run: how much the run's window wrote and how many checkpoints it met.
 * WAL beyond what the server keeps for reuse means new segment files, which the bet path's commits beside the run
 * waited for (README, Archive, session 14); a checkpoint during a run makes the next change of each page a full-page
 * image, more WAL still.
 */
import pg from 'pg';

export interface WalMark {
  lsn: string;
  checkpoints: number | null;
}

export interface WalDelta {
  bytes: number;
  /** Checkpoints completed in between (null: this server's statistics views were not readable). */
  checkpoints: number | null;
}

/**
 * Checkpoints: `pg_stat_checkpointer.num_done` (completed) from Postgres 17; before it `pg_stat_bgwriter`, whose
 * timed count also includes the scheduled checkpoints an idle server skipped.
 */
async function checkpointsDone(client: pg.Client): Promise<number | null> {
  for (const sql of [
    'SELECT num_done::float8 AS n FROM pg_stat_checkpointer',
    'SELECT (checkpoints_timed + checkpoints_req)::float8 AS n FROM pg_stat_bgwriter',
  ]) {
    try {
      const { rows } = await client.query<{ n: number }>(sql);
      return rows[0]?.n ?? null;
    } catch {
      // Not this version's view: try the other.
    }
  }
  return null;
}

/** One connection for `fn`, closed after it. */
export async function withClient<T>(databaseUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export function markWal(databaseUrl: string): Promise<WalMark> {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    return { lsn: rows[0]!.lsn, checkpoints: await checkpointsDone(client) };
  });
}

export function walSince(databaseUrl: string, mark: WalMark): Promise<WalDelta> {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ bytes: number }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::float8 AS bytes', [
      mark.lsn,
    ]);
    const now = await checkpointsDone(client);
    return { bytes: rows[0]!.bytes, checkpoints: now === null || mark.checkpoints === null ? null : now - mark.checkpoints };
  });
}
