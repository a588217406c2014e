import type { BetIntent } from '@wagerflow/contracts';
import { named, type Pool, type PoolClient } from '@wagerflow/db';
import type { Decision, WalletChange, WalletState } from '../domain/first-fit.js';

/** A bet's stored outcome, enough to (re)publish its event. */
export interface StoredOutcome {
  betId: string;
  playerId: string;
  clientBetId: string;
  status: 'confirmed' | 'rejected';
  reason: string | null;
  multiplierBps: number;
  balanceAfter: number | null;
  walletSeq: number | null;
}

/**
 * Serialise deciders of the same cells (across ledger replicas) with transaction advisory locks,
 * taken in sorted order before any wallet lock, then read the cells' current liability.
 */
export async function lockCellsLiability(client: PoolClient, cellIds: string[]): Promise<Map<string, number>> {
  const sorted = [...new Set(cellIds)].sort();
  await client.query(
    named(
      'ledger.lock-cells',
      "SELECT pg_advisory_xact_lock(hashtextextended('cell:' || c, 0)) FROM unnest($1::text[]) WITH ORDINALITY AS t(c, n) ORDER BY n",
      [sorted],
    ),
  );
  const { rows } = await client.query<{ cell_id: string; liability: number }>(
    named('ledger.cell-liability', 'SELECT cell_id, liability FROM cell_exposure WHERE cell_id = ANY($1::text[])', [sorted]),
  );
  return new Map(rows.map((r) => [r.cell_id, r.liability]));
}

/** Add the liability of this batch's confirmed bets to their cells (under the cells' advisory locks). */
export async function addCellExposure(client: PoolClient, added: Map<string, number>): Promise<void> {
  if (added.size === 0) return;
  await client.query(
    named(
      'ledger.add-cell-exposure',
      `INSERT INTO cell_exposure (cell_id, liability) SELECT * FROM unnest($1::text[], $2::bigint[])
       ON CONFLICT (cell_id) DO UPDATE SET liability = cell_exposure.liability + excluded.liability`,
      [[...added.keys()], [...added.values()]],
    ),
  );
}

/** Lock the wallets of these players in id order (concurrent batches never deadlock). */
export async function lockWallets(client: PoolClient, playerIds: string[]): Promise<Map<string, WalletState>> {
  const { rows } = await client.query<{ id: number; player_id: string; balance: number; seq: number }>(
    named(
      'ledger.lock-wallets',
      'SELECT id, player_id, balance, seq FROM wallets WHERE player_id = ANY($1::text[]) ORDER BY id FOR UPDATE',
      [playerIds],
    ),
  );
  return new Map(rows.map((r) => [r.player_id, { walletId: r.id, balance: r.balance, seq: r.seq }]));
}

/** Outcomes already stored for these (player, clientBetId) keys: a redelivery re-publishes them. */
export async function findStoredOutcomes(
  client: Pick<Pool, 'query'>,
  keys: { playerId: string; clientBetId: string }[],
): Promise<StoredOutcome[]> {
  if (keys.length === 0) return [];
  const { rows } = await client.query<{
    id: string;
    player_id: string;
    client_bet_id: string;
    status: 'confirmed' | 'rejected';
    reason: string | null;
    multiplier_bps: number;
    balance_after: number | null;
    seq: number | null;
  }>(
    named(
      'ledger.stored-outcomes',
      `SELECT b.id, b.player_id, b.client_bet_id, b.status, b.reason, b.multiplier_bps, e.balance_after, e.seq
       FROM bets b
       JOIN unnest($1::text[], $2::text[]) AS k(player_id, client_bet_id)
         ON b.player_id = k.player_id AND b.client_bet_id = k.client_bet_id
       LEFT JOIN wallet_entries e ON e.bet_id = b.id AND e.kind = 'stake'`,
      [keys.map((k) => k.playerId), keys.map((k) => k.clientBetId)],
    ),
  );
  return rows.map((r) => ({
    betId: r.id,
    playerId: r.player_id,
    clientBetId: r.client_bet_id,
    status: r.status,
    reason: r.reason,
    multiplierBps: r.multiplier_bps,
    balanceAfter: r.balance_after,
    walletSeq: r.seq,
  }));
}

const col = <T>(ds: Decision[], f: (d: Decision) => T): T[] => ds.map(f);

/**
 * Claim each bet's idempotency key by inserting its final row; every key must be new (the caller checked before
 * taking the locks). A key stored meanwhile by a concurrent writer is a unique violation on (player_id,
 * client_bet_id): the whole batch rolls back and is run again, when that key reads as stored — never debit while
 * ignoring a conflict. (A plain INSERT: ON CONFLICT's speculative insertion cost a quarter more per row.)
 */
export async function insertBets(client: PoolClient, decisions: Decision[], now: number): Promise<void> {
  if (decisions.length === 0) return;
  const b = (d: Decision): BetIntent => d.bet;
  const { rowCount } = await client.query(
    named(
      'ledger.insert-bets',
      `INSERT INTO bets (id, player_id, client_bet_id, market_id, cell_id, window_start, band_index, price_low, price_high,
                       stake, multiplier_bps, min_multiplier_bps, status, reason, result, placed_at, confirmed_at, updated_at, correlation_id)
     SELECT id, player_id, client_bet_id, market_id, cell_id, window_start, band_index, price_low, price_high,
            stake, multiplier_bps, min_multiplier_bps, status, reason,
            CASE WHEN status = 'confirmed' THEN 'open' END, placed_at,
            CASE WHEN status = 'confirmed' THEN $17::bigint END, $17::bigint, correlation_id
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::int[], $8::numeric[], $9::numeric[],
                   $10::bigint[], $11::int[], $12::int[], $13::text[], $14::text[], $15::bigint[], $16::text[])
         AS v(id, player_id, client_bet_id, market_id, cell_id, window_start, band_index, price_low, price_high,
              stake, multiplier_bps, min_multiplier_bps, status, reason, placed_at, correlation_id)`,
      [
        col(decisions, (d) => b(d).betId),
        col(decisions, (d) => b(d).playerId),
        col(decisions, (d) => b(d).clientBetId),
        col(decisions, (d) => b(d).marketId),
        col(decisions, (d) => b(d).cellId),
        col(decisions, (d) => b(d).windowStart),
        col(decisions, (d) => b(d).bandIndex),
        col(decisions, (d) => b(d).priceLow),
        col(decisions, (d) => b(d).priceHigh),
        col(decisions, (d) => b(d).stake),
        col(decisions, (d) => b(d).multiplierBps),
        col(decisions, (d) => b(d).minMultiplierBps),
        col(decisions, (d) => d.status),
        col(decisions, (d) => (d.status === 'rejected' ? d.reason : null)),
        col(decisions, (d) => b(d).acceptedAt),
        col(decisions, (d) => b(d).correlationId),
        now,
      ],
    ),
  );
  if (rowCount !== decisions.length) {
    throw new IdempotencyRaceError(`claimed ${rowCount ?? 0} of ${decisions.length} bet keys`);
  }
}

export class IdempotencyRaceError extends Error {
  override name = 'IdempotencyRaceError';
}

/**
 * ADR-009's conditional deduction, one summed row per wallet (several rows for one wallet in an
 * UPDATE … FROM apply only one of them): `balance >= debit` must hold or the batch aborts.
 */
export async function debitWallets(client: PoolClient, changes: WalletChange[], now: number): Promise<void> {
  if (changes.length === 0) return;
  const { rowCount } = await client.query(
    named(
      'ledger.debit-wallets',
      `UPDATE wallets w SET balance = w.balance - v.debit, seq = w.seq + v.entries, updated_at = $4
       FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS v(id, debit, entries)
      WHERE w.id = v.id AND w.balance >= v.debit`,
      [changes.map((c) => c.walletId), changes.map((c) => c.debit), changes.map((c) => c.entries), now],
    ),
  );
  if (rowCount !== changes.length) throw new Error(`conditional debit applied to ${rowCount ?? 0} of ${changes.length} wallets`);
}

export async function insertStakeEntries(client: PoolClient, decisions: Decision[], now: number): Promise<void> {
  const confirmed = decisions.filter((d): d is Extract<Decision, { status: 'confirmed' }> => d.status === 'confirmed');
  if (confirmed.length === 0) return;
  await client.query(
    named(
      'ledger.insert-stake-entries',
      `INSERT INTO wallet_entries (wallet_id, seq, kind, amount, balance_before, balance_after, bet_id, correlation_id, created_at)
     SELECT wallet_id, seq, 'stake', -stake, balance_before, balance_after, bet_id, correlation_id, $7
       FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::text[])
         AS v(wallet_id, seq, stake, balance_before, bet_id, correlation_id),
            LATERAL (SELECT v.balance_before - v.stake AS balance_after) a`,
      [
        confirmed.map((d) => d.walletId),
        confirmed.map((d) => d.seq),
        confirmed.map((d) => d.bet.stake),
        confirmed.map((d) => d.balanceBefore),
        confirmed.map((d) => d.bet.betId),
        confirmed.map((d) => d.bet.correlationId),
        now,
      ],
    ),
  );
}
