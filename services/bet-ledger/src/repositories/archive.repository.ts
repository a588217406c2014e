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

/** `items` cut into runs of at most `size`, in order. */
function chunksOf<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Up to `limit` final bets whose final time is in [from, to) (the caller bounds `to` by the retention cutoff), oldest
 * first, with all their wallet entries (in id order). Read outside any transaction: the rows are final, nothing but the
 * archive deletes them, and the commit re-checks they are all still there. Each statement reads at most
 * `statementBets` bets (keyset pages of the final-time index) or the entries of that many: see `commitPartition`.
 */
export async function selectPartition(
  db: Queryable,
  from: number,
  to: number,
  limit: number,
  statementBets: number = limit,
): Promise<{ bets: ArchivedBetRow[]; entries: ArchivedEntryRow[] }> {
  const bets: ArchivedBetRow[] = [];
  // Keyset pages: after the last bet read, or from `from` (a bet id is never empty, so (from, '') starts at `from`).
  let after: [finalAt: number, id: string] = [from, ''];
  while (bets.length < limit) {
    const pageSize = Math.min(statementBets, limit - bets.length);
    const { rows } = await db.query<ArchivedBetRow>(
      named(
        'archive.select-bets',
        `SELECT * FROM bets WHERE ${FINAL} AND ${FINAL_AT} < $1 AND (${FINAL_AT}, id) > ($2, $3) ORDER BY ${FINAL_AT}, id LIMIT $4`,
        [to, ...after, pageSize],
      ),
    );
    bets.push(...rows);
    const last = rows.at(-1);
    if (!last || rows.length < pageSize) break;
    after = [Number(last.settled_at ?? last.updated_at), last.id];
  }
  const entries: ArchivedEntryRow[] = [];
  for (const chunk of chunksOf(bets, statementBets)) {
    const { rows } = await db.query<ArchivedEntryRow>(
      named('archive.select-entries', 'SELECT * FROM wallet_entries WHERE bet_id = ANY($1::text[])', [chunk.map((b) => b.id)]),
    );
    entries.push(...rows);
  }
  entries.sort((a, b) => Number(a.id) - Number(b.id));
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
 * The one transaction that archives a verified partition, each row looked up once:
 * 1. record the manifest (a second executor of the same partition waits on its key, then finds it taken);
 * 2. delete the bets, still final, writing their tombstones from the deleted rows;
 * 3. delete the bets' wallet entries, summing what each wallet loses;
 * 4. add those sums into the wallets' `wallet_archive_checkpoints` rows, in wallet id order (two partitions committing at
 *    once on shared wallets, a retried job beside the next one on two replicas, never deadlock).
 * Steps 2 to 4 go `statementBets` bets (or wallets) a statement. Why: the executor process runs under SCHED_IDLE, and
 * each statement's answer has to wake it before the next is sent, so a core busy with the bet path stops the archive's
 * Postgres work at the next statement instead of sharing that core with a whole partition's (README, Archive).
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
  statementBets: number = Math.max(1, bets.length),
): Promise<void> {
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
  const entryIdsByBet = new Map<string, number[]>();
  for (const e of entries) {
    // Selected by their bet ids, so never null; a stray entry would fail the count below.
    const betId = e.bet_id ?? '';
    const ids = entryIdsByBet.get(betId);
    if (ids) ids.push(Number(e.id));
    else entryIdsByBet.set(betId, [Number(e.id)]);
  }
  const archivedSums = new Map<number, number>();
  let entriesDeleted = 0;
  for (const chunk of chunksOf(bets, statementBets)) {
    const betIds = chunk.map((b) => b.id);
    await deleteBets(client, manifest.partitionKey, betIds, now);
    const entryIds = betIds.flatMap((id) => entryIdsByBet.get(id) ?? []);
    entriesDeleted += await deleteEntries(client, manifest.partitionKey, betIds, entryIds, archivedSums);
  }
  if (entriesDeleted !== entries.length) {
    throw new StaleSelectionError(`partition ${manifest.partitionKey}: wallet entries changed since selected`);
  }
  const wallets = [...archivedSums.keys()].sort((a, b) => a - b);
  for (const chunk of chunksOf(wallets, statementBets)) {
    await client.query(
      named(
        'archive.add-checkpoints',
        `INSERT INTO wallet_archive_checkpoints AS c (wallet_id, archived_sum, updated_at)
         SELECT w, total, $3 FROM unnest($1::bigint[], $2::bigint[]) AS s(w, total) ORDER BY w
         ON CONFLICT (wallet_id) DO UPDATE SET archived_sum = c.archived_sum + excluded.archived_sum, updated_at = excluded.updated_at`,
        [chunk, chunk.map((w) => archivedSums.get(w)!), now],
      ),
    );
  }
}

/** Step 2 for some of the partition's bets: all of them must still be there and final. */
async function deleteBets(client: PoolClient, partitionKey: string, betIds: string[], now: number): Promise<void> {
  // ON CONFLICT on the key: a bet placed again under an archived bet's key (only if it slipped past the gateway's check)
  // must not block its own archiving; it then has no tombstone of its own (404 instead of 410). Only that key: a bet id
  // already tombstoned would be a bet archived twice, an error. Naming it also spares Postgres a check of the primary
  // key before each insert: 71–75 ms against 77–79 ms for a 5,000-bet partition's statement (one psql script, 300,000
  // seeded bets, the forms alternating, the first statement after a CHECKPOINT left out).
  const { rows } = await client.query<{ n: number }>(
    named(
      'archive.delete-bets',
      `WITH b AS (DELETE FROM bets WHERE id = ANY($1::text[]) AND ${FINAL} RETURNING id, player_id, client_bet_id),
            t AS (INSERT INTO archived_bets (bet_id, player_id, client_bet_id, archived_at)
                  SELECT id, player_id, client_bet_id, $2 FROM b ON CONFLICT (player_id, client_bet_id) DO NOTHING)
       SELECT count(*)::int AS n FROM b`,
      [betIds, now],
    ),
  );
  if (rows[0]?.n !== betIds.length) throw new StaleSelectionError(`partition ${partitionKey}: bets changed since selected`);
}

/**
 * Step 3 for the same bets: deletes every entry of theirs, which must be exactly `entryIds`, and adds what each wallet
 * loses into `sums`. Returns the entries deleted.
 */
async function deleteEntries(
  client: PoolClient,
  partitionKey: string,
  betIds: string[],
  entryIds: number[],
  sums: Map<number, number>,
): Promise<number> {
  const { rows } = await client.query<{ wallet_id: number; total: number; n: number; selected: number }>(
    named(
      'archive.delete-entries',
      `WITH d AS (DELETE FROM wallet_entries WHERE bet_id = ANY($1::text[]) RETURNING id, wallet_id, amount)
       SELECT wallet_id, sum(amount)::bigint AS total, count(*)::int AS n,
              count(*) FILTER (WHERE id = ANY($2::bigint[]))::int AS selected
         FROM d GROUP BY wallet_id`,
      [betIds, entryIds],
    ),
  );
  let n = 0;
  for (const r of rows) {
    if (r.n !== r.selected) throw new StaleSelectionError(`partition ${partitionKey}: wallet entries changed since selected`);
    n += r.n;
    // Sums stay far below 2^53 (cents), as in the manifest's totals.
    sums.set(Number(r.wallet_id), (sums.get(Number(r.wallet_id)) ?? 0) + Number(r.total));
  }
  if (n !== entryIds.length) throw new StaleSelectionError(`partition ${partitionKey}: wallet entries changed since selected`);
  return n;
}
