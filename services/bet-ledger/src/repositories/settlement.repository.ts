import type { BetResult, SettleWindowJob } from '@wagerflow/contracts';
import type { PoolClient } from '@wagerflow/db';
import type { OpenBet, SettledBet, WalletCredit } from '../domain/settlement.js';

/** Record the window's settlement and its evidence; false when it was recorded before (a redelivery). */
export async function recordSettlement(client: PoolClient, job: SettleWindowJob, traceId: string, now: number): Promise<boolean> {
  const { rowCount } = await client.query(
    `INSERT INTO settlements (market_id, window_start, window_end, low, high, tick_count, touched_bands, void_reason, trace_id, started_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (market_id, window_start) DO NOTHING`,
    [job.marketId, job.windowStart, job.windowEnd, job.low, job.high, job.tickCount, job.touchedBands, job.voidReason, traceId, now],
  );
  return (rowCount ?? 0) > 0;
}

export interface OpenBetRow extends OpenBet {
  clientBetId: string;
  cellId: string;
  correlationId: string;
}

/**
 * Serialise settlers of one window (ledger replicas, a redelivered job, the sweeper) with a transaction advisory lock.
 * Cheaper than `FOR UPDATE` on the bets: a row lock writes every locked tuple (and its WAL) once more before the
 * update writes it again. Its own statement, so the next statement's snapshot sees the previous holder's commit.
 */
export async function lockWindow(client: PoolClient, marketId: string, windowStart: number): Promise<void> {
  await client.query("SELECT pg_advisory_xact_lock(hashtextextended('settle:' || $1::text || ':' || $2::text, 0))", [
    marketId,
    String(windowStart),
  ]);
}

/**
 * Up to `limit` open bets of the window; call under `lockWindow`. No ORDER BY: sorting the window's remaining open
 * bets for every chunk made settlement quadratic; wallets are still locked in id order, so chunks cannot deadlock.
 */
export async function openBetsOfWindow(client: PoolClient, marketId: string, windowStart: number, limit: number): Promise<OpenBetRow[]> {
  const { rows } = await client.query<{
    id: string;
    player_id: string;
    client_bet_id: string;
    cell_id: string;
    band_index: number;
    stake: number;
    multiplier_bps: number;
    correlation_id: string;
  }>(
    `SELECT id, player_id, client_bet_id, cell_id, band_index, stake, multiplier_bps, correlation_id FROM bets
      WHERE market_id = $1 AND window_start = $2 AND result = 'open' LIMIT $3`,
    [marketId, windowStart, limit],
  );
  return rows.map((r) => ({
    betId: r.id,
    playerId: r.player_id,
    clientBetId: r.client_bet_id,
    cellId: r.cell_id,
    bandIndex: r.band_index,
    stake: r.stake,
    multiplierBps: r.multiplier_bps,
    correlationId: r.correlation_id,
  }));
}

export async function creditWallets(client: PoolClient, credits: WalletCredit[], now: number): Promise<void> {
  const used = credits.filter((c) => c.entries > 0);
  if (used.length === 0) return;
  await client.query(
    `UPDATE wallets w SET balance = w.balance + v.credit, seq = w.seq + v.entries, updated_at = $4
       FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS v(id, credit, entries) WHERE w.id = v.id`,
    [used.map((c) => c.walletId), used.map((c) => c.credit), used.map((c) => c.entries), now],
  );
}

export async function insertSettlementEntries(
  client: PoolClient,
  settled: (SettledBet & { correlationId: string })[],
  traceId: string,
  now: number,
): Promise<void> {
  const withEntry = settled.filter((s) => s.entry);
  if (withEntry.length === 0) return;
  await client.query(
    `INSERT INTO wallet_entries (wallet_id, seq, kind, amount, balance_before, balance_after, bet_id, correlation_id, trace_id, created_at)
     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::text[], $8::text[])
            AS v(wallet_id, seq, kind, amount, balance_before, balance_after, bet_id, correlation_id),
          LATERAL (SELECT $9::text, $10::bigint) AS t(trace_id, created_at)`,
    [
      withEntry.map((s) => s.entry!.walletId),
      withEntry.map((s) => s.entry!.seq),
      withEntry.map((s) => (s.result === 'void' ? 'refund' : 'payout')),
      withEntry.map((s) => s.payout),
      withEntry.map((s) => s.entry!.balanceBefore),
      withEntry.map((s) => s.entry!.balanceAfter),
      withEntry.map((s) => s.betId),
      withEntry.map((s) => s.correlationId),
      traceId,
      now,
    ],
  );
}

export async function markSettled(
  client: PoolClient,
  settled: readonly Pick<SettledBet, 'betId' | 'result' | 'payout'>[],
  now: number,
): Promise<void> {
  if (settled.length === 0) return;
  const { rowCount } = await client.query(
    `UPDATE bets b SET result = v.result, payout = v.payout, settled_at = $4, updated_at = $4
       FROM unnest($1::text[], $2::text[], $3::bigint[]) AS v(id, result, payout)
      WHERE b.id = v.id AND b.result = 'open'`,
    [settled.map((s) => s.betId), settled.map((s) => s.result), settled.map((s) => s.payout), now],
  );
  if (rowCount !== settled.length) throw new Error(`settled ${rowCount ?? 0} of ${settled.length} locked bets`);
}

/**
 * Forget the liability of these cells. Call while settling their window: its bets closed at the lockout, so no bet
 * can be decided against these rows again, and without this the table grows by a row per played cell forever.
 */
export async function dropCellExposure(client: PoolClient, cellIds: string[]): Promise<void> {
  if (cellIds.length === 0) return;
  await client.query('DELETE FROM cell_exposure WHERE cell_id = ANY($1::text[])', [cellIds]);
}

export interface SettledView {
  betId: string;
  playerId: string;
  clientBetId: string;
  result: Exclude<BetResult, 'open'>;
  payout: number;
  balance: number;
  walletSeq: number;
}

/** A settled bet as a redelivery re-sends it: its event, and for a void its loyalty play. */
export interface SettledRow extends SettledView {
  stake: number;
  settledAt: number;
  correlationId: string;
}

/** Every settled bet of a window with the balance after its entry (or the wallet's now): for re-publishing. */
export async function settledInWindow(client: PoolClient, marketId: string, windowStart: number): Promise<SettledRow[]> {
  const { rows } = await client.query<{
    id: string;
    player_id: string;
    client_bet_id: string;
    result: Exclude<BetResult, 'open'>;
    payout: number;
    balance_after: number | null;
    entry_seq: number | null;
    balance: number;
    seq: number;
    stake: number;
    settled_at: number;
    correlation_id: string;
  }>(
    `SELECT b.id, b.player_id, b.client_bet_id, b.result, b.payout, e.balance_after, e.seq AS entry_seq, w.balance, w.seq,
            b.stake, b.settled_at, b.correlation_id
       FROM bets b JOIN wallets w ON w.player_id = b.player_id
       LEFT JOIN wallet_entries e ON e.bet_id = b.id AND e.kind IN ('payout', 'refund')
      WHERE b.market_id = $1 AND b.window_start = $2 AND b.result IN ('won', 'lost', 'void')`,
    [marketId, windowStart],
  );
  return rows.map((r) => ({
    betId: r.id,
    playerId: r.player_id,
    clientBetId: r.client_bet_id,
    result: r.result,
    payout: r.payout,
    balance: r.balance_after ?? r.balance,
    walletSeq: r.entry_seq ?? r.seq,
    stake: r.stake,
    settledAt: r.settled_at,
    correlationId: r.correlation_id,
  }));
}

/** Windows that started before `startedBefore` and still have open bets: the sweeper's work list. */
export async function windowsLeftOpen(client: PoolClient, startedBefore: number): Promise<{ marketId: string; windowStart: number }[]> {
  const { rows } = await client.query<{ market_id: string; window_start: number }>(
    `SELECT DISTINCT market_id, window_start FROM bets WHERE result = 'open' AND window_start < $1 ORDER BY window_start LIMIT 100`,
    [startedBefore],
  );
  return rows.map((r) => ({ marketId: r.market_id, windowStart: r.window_start }));
}
