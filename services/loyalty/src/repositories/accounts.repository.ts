import type { PoolClient } from '@wagerflow/db';
import type { AccountState, EntryRow } from '../domain/loyalty-ledger.js';

/**
 * Loyalty accounts and the loyalty ledger. Every change locks the player's account row first (`FOR UPDATE`, in
 * player id order when there are several): plays, accruals and rewards of one player serialise there, and nothing
 * locks a slip before its account, so they cannot deadlock.
 */

/** Create missing accounts and lock all of them, in player id order. */
export async function lockAccounts(client: PoolClient, playerIds: readonly string[], now: number): Promise<Map<string, AccountState>> {
  const ids = [...new Set(playerIds)].sort();
  await client.query(
    `INSERT INTO loyalty_accounts (player_id, created_at, updated_at)
     SELECT id, $2, $2 FROM unnest($1::text[]) AS t(id) ORDER BY id ON CONFLICT (player_id) DO NOTHING`,
    [ids, now],
  );
  const { rows } = await client.query<{ player_id: string; points: string; lifetime_points: string; seq: string }>(
    `SELECT player_id, points, lifetime_points, seq FROM loyalty_accounts WHERE player_id = ANY($1::text[]) ORDER BY player_id FOR UPDATE`,
    [ids],
  );
  return new Map(
    rows.map((r) => [
      r.player_id,
      { playerId: r.player_id, points: Number(r.points), lifetimePoints: Number(r.lifetime_points), seq: Number(r.seq) },
    ]),
  );
}

/** Write entries and the accounts' new state (from postCredits), column by column. */
export async function writeEntries(client: PoolClient, entries: readonly EntryRow[], changed: readonly AccountState[], now: number) {
  if (entries.length === 0) return;
  const col = <K extends keyof EntryRow>(k: K) => entries.map((e) => e[k]);
  await client.query(
    `INSERT INTO loyalty_entries (id, player_id, seq, kind, points, balance_before, balance_after, staff_id, rating_slip_id,
                                  reason, correlation_id, idempotency_key, request_fingerprint, request_id, created_at)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[],
                          $8::text[], $9::uuid[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::bigint[])`,
    [
      col('id'),
      col('playerId'),
      col('seq'),
      col('kind'),
      col('points'),
      col('balanceBefore'),
      col('balanceAfter'),
      col('staffId'),
      col('ratingSlipId'),
      col('reason'),
      col('correlationId'),
      col('idempotencyKey'),
      col('fingerprint'),
      col('requestId'),
      col('createdAt'),
    ],
  );
  await client.query(
    `UPDATE loyalty_accounts a SET points = c.points, lifetime_points = c.lifetime, seq = c.seq, updated_at = $5
       FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[]) AS c(player_id, points, lifetime, seq)
      WHERE a.player_id = c.player_id`,
    [changed.map((a) => a.playerId), changed.map((a) => a.points), changed.map((a) => a.lifetimePoints), changed.map((a) => a.seq), now],
  );
}

export type StoredEntry = EntryRow;

const ENTRY_COLUMNS = `id, player_id, seq, kind, points, balance_before, balance_after, staff_id, rating_slip_id, reason,
  correlation_id, idempotency_key, request_fingerprint, request_id, created_at`;

interface EntryDbRow {
  id: string;
  player_id: string;
  seq: string;
  kind: 'accrual' | 'manual';
  points: string;
  balance_before: string;
  balance_after: string;
  staff_id: string | null;
  rating_slip_id: string | null;
  reason: string;
  correlation_id: string;
  idempotency_key: string;
  request_fingerprint: string | null;
  request_id: string | null;
  created_at: string;
}

const toEntry = (r: EntryDbRow): StoredEntry => ({
  id: r.id,
  playerId: r.player_id,
  seq: Number(r.seq),
  kind: r.kind,
  points: Number(r.points),
  balanceBefore: Number(r.balance_before),
  balanceAfter: Number(r.balance_after),
  staffId: r.staff_id,
  ratingSlipId: r.rating_slip_id,
  reason: r.reason,
  correlationId: r.correlation_id,
  idempotencyKey: r.idempotency_key,
  fingerprint: r.request_fingerprint,
  requestId: r.request_id,
  createdAt: Number(r.created_at),
});

/** The entry written under `idempotencyKey`, if any (a client or a pool: no lock needed, keys never change). */
export async function entryByKey(db: Pick<PoolClient, 'query'>, idempotencyKey: string): Promise<StoredEntry | null> {
  const { rows } = await db.query<EntryDbRow>(`SELECT ${ENTRY_COLUMNS} FROM loyalty_entries WHERE idempotency_key = $1`, [idempotencyKey]);
  return rows[0] ? toEntry(rows[0]) : null;
}

export interface ManualAward {
  id: string;
  playerId: string;
  points: number;
  staffId: string;
  reason: string;
  correlationId: string;
  idempotencyKey: string;
  fingerprint: string;
  requestId: string;
  now: number;
}

/**
 * A manual award in one statement, so one round trip (the reward path's latency is mostly round trips): the upsert
 * of the account locks its row and adds the points and the next `seq`; the entry is written from the row's new
 * values (before = after − points). One statement is one transaction: an entry that cannot be written (its key
 * taken by a racing request) leaves the account unchanged.
 */
export async function writeManualAward(db: Pick<PoolClient, 'query'>, a: ManualAward): Promise<StoredEntry> {
  const { rows } = await db.query<EntryDbRow>(
    `WITH account AS (
       INSERT INTO loyalty_accounts AS acc (player_id, points, lifetime_points, seq, created_at, updated_at)
       VALUES ($2, $3, $3, 1, $10, $10)
       ON CONFLICT (player_id) DO UPDATE
         SET points = acc.points + EXCLUDED.points, lifetime_points = acc.lifetime_points + EXCLUDED.points,
             seq = acc.seq + 1, updated_at = EXCLUDED.updated_at
       RETURNING acc.points, acc.seq
     )
     INSERT INTO loyalty_entries (id, player_id, seq, kind, points, balance_before, balance_after, staff_id, rating_slip_id,
                                  reason, correlation_id, idempotency_key, request_fingerprint, request_id, created_at)
     SELECT $1, $2, account.seq, 'manual', $3, account.points - $3, account.points, $4, NULL, $5, $6, $7, $8, $9, $10 FROM account
     RETURNING ${ENTRY_COLUMNS}`,
    [a.id, a.playerId, a.points, a.staffId, a.reason, a.correlationId, a.idempotencyKey, a.fingerprint, a.requestId, a.now],
  );
  return toEntry(rows[0]!);
}
