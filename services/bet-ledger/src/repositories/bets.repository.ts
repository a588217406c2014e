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
 * The batch's locks and what they guard, in one round trip (`ledger_lock_batch`, migration 0005): the cells'
 * advisory locks in sorted order (deciders of the same cells serialise, across ledger replicas), then the cells'
 * current liability, then the wallets FOR UPDATE in id order (concurrent batches never deadlock: cells before
 * wallets, each in one global order).
 */
export async function lockBatch(
  client: PoolClient,
  cellIds: string[],
  playerIds: string[],
): Promise<{ cellLiability: Map<string, number>; wallets: Map<string, WalletState> }> {
  const { rows } = await client.query<{
    kind: 'cell' | 'wallet';
    key: string;
    wallet_id: number | null;
    amount: number;
    seq: number | null;
  }>(
    named('ledger.lock-batch', 'SELECT kind, key, wallet_id, amount, seq FROM ledger_lock_batch($1::text[], $2::text[])', [
      [...new Set(cellIds)].sort(),
      [...new Set(playerIds)].sort(),
    ]),
  );
  const cellLiability = new Map<string, number>();
  const wallets = new Map<string, WalletState>();
  for (const r of rows) {
    if (r.kind === 'cell') cellLiability.set(r.key, r.amount);
    else wallets.set(r.key, { walletId: r.wallet_id!, balance: r.amount, seq: r.seq! });
  }
  return { cellLiability, wallets };
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

const isConfirmed = (d: Decision): d is Extract<Decision, { status: 'confirmed' }> => d.status === 'confirmed';

/**
 * Everything the batch decided, in one statement (one round trip under the cells' locks; four before):
 * - each bet's final row, which claims its idempotency key: every key must be new (the caller checked before taking
 *   the locks). A key stored meanwhile by a concurrent writer is a unique violation on (player_id, client_bet_id):
 *   the whole batch rolls back and is run again, when that key reads as stored; never debit while ignoring a
 *   conflict. (A plain INSERT: ON CONFLICT's speculative insertion cost a quarter more per row.)
 * - the liability the confirmed bets add to their cells;
 * - ADR-009's conditional deduction, one summed row per wallet (several rows for one wallet in an UPDATE … FROM
 *   apply only one of them): `balance >= debit` must hold for every wallet or the batch aborts;
 * - the stake entries.
 * The sub-statements see one snapshot; the entries' foreign keys are checked at the statement's end, when the bets
 * and wallet updates are there.
 */
export async function writeBatch(
  client: PoolClient,
  decisions: Decision[],
  changes: WalletChange[],
  addedLiability: Map<string, number>,
  now: number,
): Promise<void> {
  if (decisions.length === 0) return;
  // One array per bets column, in the order of the statement's unnest.
  const betCol = <T>(f: (bet: BetIntent) => T): T[] => decisions.map((d) => f(d.bet));
  const confirmed = decisions.filter(isConfirmed);
  const { rows } = await client
    .query<{ bets: number; debited: number }>(
      named(
        'ledger.write-batch',
        `WITH new_bets AS (
         INSERT INTO bets (id, player_id, client_bet_id, market_id, cell_id, window_start, band_index, price_low, price_high,
                           stake, multiplier_bps, min_multiplier_bps, status, reason, result, placed_at, confirmed_at, updated_at, correlation_id)
         SELECT id, player_id, client_bet_id, market_id, cell_id, window_start, band_index, price_low, price_high,
                stake, multiplier_bps, min_multiplier_bps, status, reason,
                CASE WHEN status = 'confirmed' THEN 'open' END, placed_at,
                CASE WHEN status = 'confirmed' THEN $17::bigint END, $17::bigint, correlation_id
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::int[], $8::numeric[], $9::numeric[],
                       $10::bigint[], $11::int[], $12::int[], $13::text[], $14::text[], $15::bigint[], $16::text[])
             AS v(id, player_id, client_bet_id, market_id, cell_id, window_start, band_index, price_low, price_high,
                  stake, multiplier_bps, min_multiplier_bps, status, reason, placed_at, correlation_id)
         RETURNING 1
       ), exposure AS (
         INSERT INTO cell_exposure (cell_id, liability) SELECT * FROM unnest($18::text[], $19::bigint[])
         ON CONFLICT (cell_id) DO UPDATE SET liability = cell_exposure.liability + excluded.liability
         RETURNING 1
       ), debited AS (
         UPDATE wallets w SET balance = w.balance - v.debit, seq = w.seq + v.entries, updated_at = $17
           FROM unnest($20::bigint[], $21::bigint[], $22::bigint[]) AS v(id, debit, entries)
          WHERE w.id = v.id AND w.balance >= v.debit
         RETURNING 1
       ), entries AS (
         INSERT INTO wallet_entries (wallet_id, seq, kind, amount, balance_before, balance_after, bet_id, correlation_id, created_at)
         SELECT wallet_id, seq, 'stake', -stake, balance_before, balance_before - stake, bet_id, correlation_id, $17
           FROM unnest($23::bigint[], $24::bigint[], $25::bigint[], $26::bigint[], $27::text[], $28::text[])
             AS e(wallet_id, seq, stake, balance_before, bet_id, correlation_id)
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM new_bets)::int AS bets, (SELECT count(*) FROM debited)::int AS debited`,
        [
          betCol((x) => x.betId),
          betCol((x) => x.playerId),
          betCol((x) => x.clientBetId),
          betCol((x) => x.marketId),
          betCol((x) => x.cellId),
          betCol((x) => x.windowStart),
          betCol((x) => x.bandIndex),
          betCol((x) => x.priceLow),
          betCol((x) => x.priceHigh),
          betCol((x) => x.stake),
          betCol((x) => x.multiplierBps),
          betCol((x) => x.minMultiplierBps),
          decisions.map((d) => d.status),
          decisions.map((d) => (d.status === 'rejected' ? d.reason : null)),
          betCol((x) => x.acceptedAt),
          betCol((x) => x.correlationId),
          now,
          [...addedLiability.keys()],
          [...addedLiability.values()],
          changes.map((c) => c.walletId),
          changes.map((c) => c.debit),
          changes.map((c) => c.entries),
          confirmed.map((d) => d.walletId),
          confirmed.map((d) => d.seq),
          confirmed.map((d) => d.bet.stake),
          confirmed.map((d) => d.balanceBefore),
          confirmed.map((d) => d.bet.betId),
          confirmed.map((d) => d.bet.correlationId),
        ],
      ),
    )
    .catch((err: unknown) => {
      if (isStoredKeyViolation(err)) throw new IdempotencyRaceError('a bet key of the batch is stored already');
      throw err;
    });
  const counts = rows[0] ?? { bets: 0, debited: 0 };
  if (counts.bets !== decisions.length) throw new IdempotencyRaceError(`claimed ${counts.bets} of ${decisions.length} bet keys`);
  if (counts.debited !== changes.length) throw new Error(`conditional debit applied to ${counts.debited} of ${changes.length} wallets`);
}

/**
 * The unique keys of `bets`: (player_id, client_bet_id) never lets a key be stored twice; the primary key is what a
 * redelivered bet (same id) hits first, as Postgres checks the indexes in creation order.
 */
const STORED_KEY_CONSTRAINTS = new Set(['bets_player_id_client_bet_id_key', 'bets_pkey']);
function isStoredKeyViolation(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown };
  return e.code === '23505' && typeof e.constraint === 'string' && STORED_KEY_CONSTRAINTS.has(e.constraint);
}

/** A key of the batch is stored already (by a concurrent batch, or by this batch's earlier commit): nothing was written. */
export class IdempotencyRaceError extends Error {
  override name = 'IdempotencyRaceError';
}
