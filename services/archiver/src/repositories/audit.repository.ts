import {
  manifestFromRow,
  type ArchiveManifest,
  type ArchiveTotals,
  type ArchivedBetRow,
  type ArchivedEntryRow,
} from '@wagerflow/archive-store';
import { named, type Pool, type PoolClient } from '@wagerflow/db';

type Queryable = Pick<Pool, 'query'>;

/** Rows a statement carries: ~100 bytes of columns plus the row's JSON each, a few MB a statement. */
const INSERT_CHUNK = 5_000;

/**
 * The verified archive files a restore selector names, read from bet-ledger's published `archive_manifest_view`:
 * a run id (all its partitions), a partition key (`2026-11-02-0000`, in every run that wrote one), a UTC day
 * (`2026-11-02`: all its chunks) or `<runId>/<partitionKey>`. Ordered by run start, then partition.
 */
export async function manifestsMatching(db: Queryable, selector: string): Promise<ArchiveManifest[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT m.* FROM archive_manifest_view m
       LEFT JOIN archive_run_view r ON r.id = m.run_id
      WHERE m.run_id = $1 OR m.partition_key = $1 OR m.run_id || '/' || m.partition_key = $1
         OR (m.partition_key LIKE $1 || '-____' AND $1 ~ '^\\d{4}-\\d{2}-\\d{2}$')
      ORDER BY r.started_at NULLS LAST, m.run_id, m.partition_key`,
    [selector],
  );
  return rows.map(manifestFromRow);
}

/**
 * Replaces one partition's audit rows with the file's (inside the caller's transaction): the restore record first
 * (its cascade clears an earlier restore of the same partition), then the bets and entries in chunks.
 */
export async function replaceAuditPartition(
  client: PoolClient,
  manifest: ArchiveManifest,
  archiveUrl: string,
  rows: { bets: ArchivedBetRow[]; entries: ArchivedEntryRow[] },
  now: number,
): Promise<void> {
  const key = [manifest.runId, manifest.partitionKey];
  await client.query('DELETE FROM audit_restores WHERE run_id = $1 AND partition_key = $2', key);
  await client.query(
    `INSERT INTO audit_restores (run_id, partition_key, object_key, archive_url, schema_version, sha256, bets, wallet_entries,
       stake_total, payout_total, entry_amount_total, restored_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      ...key,
      manifest.objectKey,
      archiveUrl,
      manifest.schemaVersion,
      manifest.sha256,
      manifest.bets,
      manifest.walletEntries,
      manifest.stakeTotal,
      manifest.payoutTotal,
      manifest.entryAmountTotal,
      now,
    ],
  );
  for (let i = 0; i < rows.bets.length; i += INSERT_CHUNK) {
    await client.query(
      named(
        'audit.insert-bets',
        `INSERT INTO audit_bets (run_id, partition_key, bet_id, player_id, client_bet_id, status, result, stake, payout, final_at, row)
         SELECT $1, $2, r->>'id', r->>'player_id', r->>'client_bet_id', r->>'status', r->>'result', (r->>'stake')::bigint,
                (r->>'payout')::bigint, coalesce(r->>'settled_at', r->>'updated_at')::bigint, r
           FROM jsonb_array_elements($3::jsonb) AS r`,
        [...key, JSON.stringify(rows.bets.slice(i, i + INSERT_CHUNK))],
      ),
    );
  }
  for (let i = 0; i < rows.entries.length; i += INSERT_CHUNK) {
    await client.query(
      named(
        'audit.insert-entries',
        `INSERT INTO audit_wallet_entries (run_id, partition_key, entry_id, wallet_id, bet_id, kind, amount, created_at, row)
         SELECT $1, $2, (r->>'id')::bigint, (r->>'wallet_id')::bigint, r->>'bet_id', r->>'kind', (r->>'amount')::bigint,
                (r->>'created_at')::bigint, r
           FROM jsonb_array_elements($3::jsonb) AS r`,
        [...key, JSON.stringify(rows.entries.slice(i, i + INSERT_CHUNK))],
      ),
    );
  }
}

/** What the audit tables hold for one partition, counted and summed by Postgres (checked against the manifest). */
export async function auditTotals(db: Queryable, runId: string, partitionKey: string): Promise<ArchiveTotals> {
  const { rows } = await db.query<ArchiveTotals>(
    `SELECT b.n AS "bets", e.n AS "walletEntries", b.stake AS "stakeTotal", b.payout AS "payoutTotal", e.amount AS "entryAmountTotal"
       FROM (SELECT count(*)::int AS n, coalesce(sum(stake), 0)::float8 AS stake, coalesce(sum(payout), 0)::float8 AS payout
               FROM audit_bets WHERE run_id = $1 AND partition_key = $2) b,
            (SELECT count(*)::int AS n, coalesce(sum(amount), 0)::float8 AS amount
               FROM audit_wallet_entries WHERE run_id = $1 AND partition_key = $2) e`,
    [runId, partitionKey],
  );
  return rows[0]!;
}
