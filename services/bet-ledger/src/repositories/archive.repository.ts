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
 * The one transaction that archives a verified partition, in three statements, each row looked up once:
 * 1. record the manifest (a second executor of the same partition waits on its key, then finds it taken);
 * 2. delete the bets, still final, writing their tombstones from the deleted rows;
 * 3. delete the bets' wallet entries, adding each wallet's deleted sum into its `wallet_archive_checkpoints` row.
 * No wallet row is locked or written: the bet path's batches lock wallets, and a bet of a player whose history is in
 * the partition would otherwise wait for this whole transaction (migration 20261208000002).
 * The counts that come back must be exactly the selection (every bet, every entry and no other): otherwise the
 * partition changed since it was selected and the caller's rollback undoes all of it.
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
  // ON CONFLICT on the key: a bet placed again under an archived bet's key (only if it slipped past the gateway's check)
  // must not block its own archiving; it then has no tombstone of its own (404 instead of 410). Only that key: a bet id
  // already tombstoned would be a bet archived twice, an error. Naming it also spares Postgres a check of the primary
  // key before each insert: 71–75 ms against 77–79 ms for a 5,000-bet partition's statement (one psql script, 300,000
  // seeded bets, the forms alternating, the first statement after a CHECKPOINT left out).
  const { rows: deletedBets } = await client.query<{ n: number }>(
    named(
      'archive.delete-bets',
      `WITH b AS (DELETE FROM bets WHERE id = ANY($1::text[]) AND ${FINAL} RETURNING id, player_id, client_bet_id),
            t AS (INSERT INTO archived_bets (bet_id, player_id, client_bet_id, archived_at)
                  SELECT id, player_id, client_bet_id, $2 FROM b ON CONFLICT (player_id, client_bet_id) DO NOTHING)
       SELECT count(*)::int AS n FROM b`,
      [betIds, now],
    ),
  );
  if (deletedBets[0]?.n !== betIds.length) throw new StaleSelectionError(`partition ${manifest.partitionKey}: bets changed since selected`);
  const { rows: deletedEntries } = await client.query<{ n: number; selected: number }>(
    named(
      'archive.move-entries',
      `WITH d AS (DELETE FROM wallet_entries WHERE bet_id = ANY($1::text[]) RETURNING id, wallet_id, amount),
            s AS (SELECT wallet_id, sum(amount)::bigint AS total FROM d GROUP BY wallet_id),
            -- In wallet id order: two partitions committing at once on shared wallets (a retried job beside the next one,
            -- on two replicas) never deadlock.
            u AS (INSERT INTO wallet_archive_checkpoints AS c (wallet_id, archived_sum, updated_at)
                  SELECT wallet_id, total, $3 FROM s ORDER BY wallet_id
                  ON CONFLICT (wallet_id) DO UPDATE SET archived_sum = c.archived_sum + excluded.archived_sum, updated_at = excluded.updated_at)
       SELECT count(*)::int AS n, count(*) FILTER (WHERE id = ANY($2::bigint[]))::int AS selected FROM d`,
      [betIds, entryIds, now],
    ),
  );
  const e = deletedEntries[0];
  if (e?.n !== entryIds.length || e.selected !== entryIds.length) {
    throw new StaleSelectionError(`partition ${manifest.partitionKey}: wallet entries changed since selected`);
  }
}
