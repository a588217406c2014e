import { named, type Pool, type PoolClient } from '@wagerflow/db';
import { manifestFromRow, type ArchiveManifest, type ArchivedBetRow, type ArchivedEntryRow } from '@wagerflow/archive-store';

type Queryable = Pick<Pool, 'query'>;

/** Final bets: settled (won, lost, void) or rejected; never open, never queued (a queued bet has no row yet). */
const FINAL = `(status = 'rejected' OR result IN ('won', 'lost', 'void'))`;
const FINAL_AT = `coalesce(settled_at, updated_at)`;

export async function findManifest(db: Queryable, runId: string, partitionKey: string): Promise<ArchiveManifest | null> {
  const { rows } = await db.query<Record<string, unknown>>('SELECT * FROM archive_manifests WHERE run_id = $1 AND partition_key = $2', [
    runId,
    partitionKey,
  ]);
  const r = rows[0];
  return r ? manifestFromRow(r) : null;
}

/**
 * Up to `limit` final bets whose final time is in [from, to) (the caller bounds `to` by the retention cutoff), oldest
 * first, with all their wallet entries. Read outside any transaction: the rows are final, nothing but the archive
 * deletes them, and the commit re-checks they are all still there.
 */
export async function selectPartition(
  db: Queryable,
  from: number,
  to: number,
  limit: number,
): Promise<{ bets: ArchivedBetRow[]; entries: ArchivedEntryRow[] }> {
  const { rows: bets } = await db.query<ArchivedBetRow>(
    named(
      'archive.select-bets',
      `SELECT * FROM bets WHERE ${FINAL} AND ${FINAL_AT} >= $1 AND ${FINAL_AT} < $2 ORDER BY ${FINAL_AT}, id LIMIT $3`,
      [from, to, limit],
    ),
  );
  if (bets.length === 0) return { bets, entries: [] };
  const { rows: entries } = await db.query<ArchivedEntryRow>(
    named('archive.select-entries', 'SELECT * FROM wallet_entries WHERE bet_id = ANY($1::text[]) ORDER BY id', [bets.map((b) => b.id)]),
  );
  return { bets, entries };
}

/** Archivable bets a day (the published `ledger_archivable_days`, which the archiver plans by), oldest first. */
export async function archivableDays(db: Queryable, cutoff: number): Promise<{ day: string; bets: number }[]> {
  const { rows } = await db.query<{ day: string; bets: number }>('SELECT day, bets FROM ledger_archivable_days($1)', [cutoff]);
  return rows;
}

export class StaleSelectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StaleSelectionError';
  }
}

/**
 * The one transaction that archives a verified partition: lock the wallets in id order (as the ledger's batches
 * do, so the two never deadlock), check every selected bet and entry is still there (a rerun after a crash after this
 * commit finds the manifest instead), record the manifest and the tombstones, delete the entries and bets and add
 * each wallet's deleted entries' sum into its `archived_sum` (grouped per wallet: one row a wallet in the UPDATE).
 */
export async function commitPartition(
  client: PoolClient,
  manifest: ArchiveManifest,
  bets: ArchivedBetRow[],
  entries: ArchivedEntryRow[],
  now: number,
): Promise<void> {
  const betIds = bets.map((b) => b.id);
  const entryIds = entries.map((e) => Number(e.id));
  const walletIds = [...new Set(entries.map((e) => Number(e.wallet_id)))].sort((a, b) => a - b);
  await client.query(
    named('archive.lock-wallets', 'SELECT id FROM wallets WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE', [walletIds]),
  );
  // FOR UPDATE: a second executor of the same bets (a redelivery beside a stalled first delivery) waits here, then
  // finds them gone.
  const { rows: stillBets } = await client.query<{ id: string }>(
    named('archive.check-bets', `SELECT id FROM bets WHERE id = ANY($1::text[]) AND ${FINAL} FOR UPDATE`, [betIds]),
  );
  const { rows: stillEntries } = await client.query<{ n: number; all: number }>(
    named(
      'archive.check-entries',
      'SELECT count(*) FILTER (WHERE id = ANY($2::bigint[]))::int AS n, count(*)::int AS all FROM wallet_entries WHERE bet_id = ANY($1::text[])',
      [betIds, entryIds],
    ),
  );
  if (stillBets.length !== betIds.length || stillEntries[0]?.n !== entryIds.length || stillEntries[0]?.all !== entryIds.length) {
    throw new StaleSelectionError(`partition ${manifest.partitionKey} changed since it was selected`);
  }
  const inserted = await client.query(
    named(
      'archive.insert-manifest',
      `INSERT INTO archive_manifests (run_id, partition_key, object_key, schema_version, bets, wallet_entries, sha256, bytes,
         min_bet_id, max_bet_id, min_entry_id, max_entry_id, min_final_at, max_final_at, stake_total, payout_total,
         entry_amount_total, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
       ON CONFLICT DO NOTHING`,
      [
        manifest.runId,
        manifest.partitionKey,
        manifest.objectKey,
        manifest.schemaVersion,
        manifest.bets,
        manifest.walletEntries,
        manifest.sha256,
        manifest.bytes,
        manifest.minBetId,
        manifest.maxBetId,
        manifest.minEntryId,
        manifest.maxEntryId,
        manifest.minFinalAt,
        manifest.maxFinalAt,
        manifest.stakeTotal,
        manifest.payoutTotal,
        manifest.entryAmountTotal,
        now,
      ],
    ),
  );
  if (inserted.rowCount !== 1) throw new StaleSelectionError(`partition ${manifest.partitionKey} already has a manifest`);
  // ON CONFLICT: a bet placed again under an archived bet's key (only if it slipped past the gateway's check) must not
  // block its own archiving; it then has no tombstone of its own (404 instead of 410).
  await client.query(
    named(
      'archive.tombstones',
      `INSERT INTO archived_bets (bet_id, player_id, client_bet_id, archived_at)
       SELECT id, player_id, client_bet_id, $2 FROM bets WHERE id = ANY($1::text[])
       ON CONFLICT DO NOTHING`,
      [betIds, now],
    ),
  );
  await client.query(
    named(
      'archive.move-entries',
      `WITH d AS (DELETE FROM wallet_entries WHERE id = ANY($1::bigint[]) RETURNING wallet_id, amount),
            s AS (SELECT wallet_id, sum(amount)::bigint AS total FROM d GROUP BY wallet_id)
       UPDATE wallets w SET archived_sum = w.archived_sum + s.total FROM s WHERE w.id = s.wallet_id`,
      [entryIds],
    ),
  );
  await client.query(named('archive.delete-bets', 'DELETE FROM bets WHERE id = ANY($1::text[])', [betIds]));
}
