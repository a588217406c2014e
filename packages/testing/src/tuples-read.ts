import type { Pool } from '@wagerflow/db';

/**
 * Tuples that sequential scans and index fetches have read from these tables so far, after flushing the statistics
 * of `writer`'s backend (a pool of one connection: the one that ran the statements being measured). Read twice
 * around a statement, it says whether the statement probed a few rows or scanned or walked a whole table or index.
 */
export async function tuplesRead(writer: Pool, reader: Pool, tables: readonly string[]): Promise<number> {
  await writer.query('SELECT pg_stat_force_next_flush()');
  const { rows } = await reader.query<{ n: string | number }>(
    `SELECT coalesce(sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)), 0)::bigint AS n
       FROM pg_stat_user_tables WHERE relname = ANY($1::text[])`,
    [tables],
  );
  return Number(rows[0]!.n);
}
