import { betLiability } from '@wagerflow/contracts';
import { named, type Pool, type PoolClient } from '@wagerflow/db';
import type { Decision, WalletState } from '../domain/first-fit.js';

/** A bet's stored outcome, enough to (re)publish its event and (confirmed) re-send its loyalty play. */
export interface StoredOutcome {
  betId: string;
  playerId: string;
  clientBetId: string;
  status: 'confirmed' | 'rejected';
  reason: string | null;
  multiplierBps: number;
  balanceAfter: number | null;
  walletSeq: number | null;
  stake: number;
  /** Set for every confirmed bet (the statement that confirms it stamps it); null for a rejected one. */
  confirmedAt: number | null;
  correlationId: string;
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

/**
 * What Postgres holds for these (player, clientBetId) keys: the outcomes already stored (a redelivery re-publishes
 * them) and the keys of bets moved to the archive (`archived_bets`), which must never be placed again: a job
 * redelivered after its bet was settled and archived (possible with a short retention) finds no bet row, and the
 * bets' unique key no longer guards it. One statement: the same round trip as before, one index probe a key more.
 */
export async function findStoredOutcomes(
  client: Pick<Pool, 'query'>,
  keys: { playerId: string; clientBetId: string }[],
): Promise<{ stored: StoredOutcome[]; archivedKeys: { playerId: string; clientBetId: string }[] }> {
  if (keys.length === 0) return { stored: [], archivedKeys: [] };
  const { rows } = await client.query<{
    id: string;
    player_id: string;
    client_bet_id: string;
    status: 'confirmed' | 'rejected' | 'archived';
    reason: string | null;
    multiplier_bps: number;
    balance_after: number | null;
    seq: number | null;
    stake: number;
    confirmed_at: number | null;
    correlation_id: string;
  }>(
    named(
      'ledger.stored-outcomes',
      `WITH k AS (SELECT * FROM unnest($1::text[], $2::text[]) AS k(player_id, client_bet_id))
       SELECT b.id, b.player_id, b.client_bet_id, b.status, b.reason, b.multiplier_bps, e.balance_after, e.seq,
              b.stake, b.confirmed_at, b.correlation_id
         FROM bets b
         JOIN k ON b.player_id = k.player_id AND b.client_bet_id = k.client_bet_id
         LEFT JOIN wallet_entries e ON e.bet_id = b.id AND e.kind = 'stake'
       UNION ALL
       SELECT a.bet_id, a.player_id, a.client_bet_id, 'archived', NULL, 0, NULL, NULL, 0, NULL, ''
         FROM archived_bets a
         JOIN k ON a.player_id = k.player_id AND a.client_bet_id = k.client_bet_id`,
      [keys.map((k) => k.playerId), keys.map((k) => k.clientBetId)],
    ),
  );
  const stored: StoredOutcome[] = [];
  const archivedKeys: { playerId: string; clientBetId: string }[] = [];
  for (const r of rows) {
    if (r.status === 'archived') {
      archivedKeys.push({ playerId: r.player_id, clientBetId: r.client_bet_id });
      continue;
    }
    stored.push({
      betId: r.id,
      playerId: r.player_id,
      clientBetId: r.client_bet_id,
      status: r.status,
      reason: r.reason,
      multiplierBps: r.multiplier_bps,
      balanceAfter: r.balance_after,
      walletSeq: r.seq,
      stake: r.stake,
      confirmedAt: r.confirmed_at,
      correlationId: r.correlation_id,
    });
  }
  return { stored, archivedKeys };
}

/**
 * One decided bet as the batch statement takes it: the bet's row and, for a confirmed bet, its stake entry (wallet,
 * seq, balance before) and the liability it adds to its cell.
 */
export interface BatchRow {
  id: string;
  player_id: string;
  client_bet_id: string;
  market_id: string;
  cell_id: string;
  window_start: number;
  band_index: number;
  price_low: number;
  price_high: number;
  stake: number;
  multiplier_bps: number;
  min_multiplier_bps: number | null;
  status: 'confirmed' | 'rejected';
  reason: string | null;
  placed_at: number;
  correlation_id: string;
  wallet_id: number | null;
  seq: number | null;
  balance_before: number | null;
  liability: number;
}

/**
 * The columns of BatchRow with their Postgres types, in the order the statement unnests them. The rows travel as one
 * array per column (`unnest`): the same rows as one JSON array cost the ledger mode about a tenth of its throughput
 * (json_to_recordset's parse is in the statement's critical section; jsonb's, twice that).
 */
const BATCH_COLUMNS = [
  ['id', 'text'],
  ['player_id', 'text'],
  ['client_bet_id', 'text'],
  ['market_id', 'text'],
  ['cell_id', 'text'],
  ['window_start', 'bigint'],
  ['band_index', 'int'],
  ['price_low', 'numeric'],
  ['price_high', 'numeric'],
  ['stake', 'bigint'],
  ['multiplier_bps', 'int'],
  ['min_multiplier_bps', 'int'],
  ['status', 'text'],
  ['reason', 'text'],
  ['placed_at', 'bigint'],
  ['correlation_id', 'text'],
  ['wallet_id', 'bigint'],
  ['seq', 'bigint'],
  ['balance_before', 'bigint'],
  ['liability', 'bigint'],
] as const satisfies readonly (readonly [keyof BatchRow, string])[];
// Every field of BatchRow has a column: a field that is not sent names itself in a compile error here.
type UnsentField = Exclude<keyof BatchRow, (typeof BATCH_COLUMNS)[number][0]>;
const _everyFieldSent: [UnsentField] extends [never] ? true : UnsentField = true;
/** `unnest($2::text[], …) AS v(id, …)`: parameter 1 is the statement's own (now). */
const UNNEST_ROWS = `unnest(${BATCH_COLUMNS.map(([, type], i) => `$${i + 2}::${type}[]`).join(', ')}) AS v(${BATCH_COLUMNS.map(([name]) => name).join(', ')})`;

export function toBatchRow(d: Decision): BatchRow {
  const b = d.bet;
  const confirmed = d.status === 'confirmed';
  return {
    id: b.betId,
    player_id: b.playerId,
    client_bet_id: b.clientBetId,
    market_id: b.marketId,
    cell_id: b.cellId,
    window_start: b.windowStart,
    band_index: b.bandIndex,
    price_low: b.priceLow,
    price_high: b.priceHigh,
    stake: b.stake,
    multiplier_bps: b.multiplierBps,
    min_multiplier_bps: b.minMultiplierBps,
    status: d.status,
    reason: confirmed ? null : d.reason,
    placed_at: b.acceptedAt,
    correlation_id: b.correlationId,
    wallet_id: confirmed ? d.walletId : null,
    seq: confirmed ? d.seq : null,
    balance_before: confirmed ? d.balanceBefore : null,
    // The same rule first-fit checked the cap with: the exposure the bet adds to its cell.
    liability: confirmed ? betLiability(b.stake, b.multiplierBps) : 0,
  };
}

/**
 * Everything the batch decided, in one statement (one round trip under the cells' locks; four before), from the rows
 * of `toBatchRow` (sent column by column, see BATCH_COLUMNS):
 * - each bet's final row, which claims its idempotency key: every key must be new (the caller checked before taking
 *   the locks). A key stored meanwhile by a concurrent writer is a unique violation on (player_id, client_bet_id):
 *   the whole batch rolls back and is run again, when that key reads as stored; never debit while ignoring a
 *   conflict. (A plain INSERT: ON CONFLICT's speculative insertion cost a quarter more per row.)
 * - the liability the confirmed bets add to their cells, summed per cell;
 * - ADR-009's conditional deduction, one summed row per wallet (several rows for one wallet in an UPDATE … FROM
 *   apply only one of them): `balance >= debit` must hold for every wallet or the batch aborts;
 * - the stake entries.
 * The sub-statements see one snapshot; the entries' foreign keys are checked at the statement's end, when the bets
 * and wallet updates are there.
 */
export async function writeBatch(client: PoolClient, rows: readonly BatchRow[], now: number): Promise<void> {
  if (rows.length === 0) return;
  const wallets = new Set(rows.flatMap((r) => (r.status === 'confirmed' ? [r.wallet_id] : []))).size;
  const { rows: result } = await client
    .query<{ bets: number; debited: number }>(
      named(
        'ledger.write-batch',
        `WITH v AS MATERIALIZED (
         SELECT * FROM ${UNNEST_ROWS}
       ), new_bets AS (
         INSERT INTO bets (id, player_id, client_bet_id, market_id, cell_id, window_start, band_index, price_low, price_high,
                           stake, multiplier_bps, min_multiplier_bps, status, reason, result, placed_at, confirmed_at, updated_at, correlation_id)
         SELECT id, player_id, client_bet_id, market_id, cell_id, window_start, band_index, price_low, price_high,
                stake, multiplier_bps, min_multiplier_bps, status, reason,
                CASE WHEN status = 'confirmed' THEN 'open' END, placed_at,
                CASE WHEN status = 'confirmed' THEN $1::bigint END, $1::bigint, correlation_id
           FROM v
         RETURNING 1
       ), exposure AS (
         INSERT INTO cell_exposure (cell_id, liability)
         SELECT cell_id, sum(liability)::bigint FROM v WHERE status = 'confirmed' GROUP BY cell_id
         ON CONFLICT (cell_id) DO UPDATE SET liability = cell_exposure.liability + excluded.liability
         RETURNING 1
       ), debited AS (
         UPDATE wallets w SET balance = w.balance - d.debit, seq = w.seq + d.entries, updated_at = $1
           FROM (SELECT wallet_id, sum(stake)::bigint AS debit, count(*) AS entries FROM v WHERE status = 'confirmed' GROUP BY wallet_id) d
          WHERE w.id = d.wallet_id AND w.balance >= d.debit
         RETURNING 1
       ), entries AS (
         INSERT INTO wallet_entries (wallet_id, seq, kind, amount, balance_before, balance_after, bet_id, correlation_id, created_at)
         SELECT wallet_id, seq, 'stake', -stake, balance_before, balance_before - stake, id, correlation_id, $1
           FROM v WHERE status = 'confirmed'
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM new_bets)::int AS bets, (SELECT count(*) FROM debited)::int AS debited`,
        [now, ...BATCH_COLUMNS.map(([name]) => rows.map((r) => r[name]))],
      ),
    )
    .catch((err: unknown) => {
      if (isStoredKeyViolation(err)) throw new IdempotencyRaceError('a bet key of the batch is stored already');
      throw err;
    });
  const counts = result[0] ?? { bets: 0, debited: 0 };
  if (counts.bets !== rows.length) throw new IdempotencyRaceError(`claimed ${counts.bets} of ${rows.length} bet keys`);
  if (counts.debited !== wallets) throw new Error(`conditional debit applied to ${counts.debited} of ${wallets} wallets`);
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
