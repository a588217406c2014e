/**
 * Input of the ledger modes: wallets seeded in SQL the way a deposit leaves them (wallet, deposit row, one
 * `deposit` wallet entry: reconciliation holds), and the ledger queue pre-filled with exactly the jobs the
 * gateway produces — `place-bets` jobs of several bets, queued in one MULTI with their pending records (packages/queue's
 * addInTransaction, as the gateway's bet enqueuer does) — on cells whose lockout is an hour away, so every bet can be
 * confirmed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { parseEnv, marketEnv } from '@wagerflow/config';
import { JOB_OPTIONS, bandBounds, formatCellId, redisKeys, type BetIntent } from '@wagerflow/contracts';
import { createPendingBets, recordOf } from '@wagerflow/pending-bets';
import { addInTransaction, createQueue, createRedis } from '@wagerflow/queue';
import { mapLimit } from './player-setup.js';

export const LEDGER_MARKET = 'BTC-USD';
const PREFILL_CONCURRENCY = 256;

/** Wallets for `count` players with `balance` each; returns their player ids. */
export async function seedWallets(databaseUrl: string, count: number, balance: number): Promise<string[]> {
  const playerIds = Array.from({ length: count }, () => randomUUID());
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const now = Date.now();
    await client.query(
      `WITH p AS (SELECT player_id, gen_random_uuid()::text AS deposit_id FROM unnest($1::text[]) AS player_id),
            w AS (INSERT INTO wallets (player_id, balance, seq, updated_at) SELECT player_id, $2, 1, $3 FROM p RETURNING id, player_id),
            d AS (INSERT INTO deposits (id, player_id, reference, amount, correlation_id, created_at)
                  SELECT deposit_id, player_id, 'bench-seed', $2, 'bench-seed', $3 FROM p RETURNING id, player_id)
       INSERT INTO wallet_entries (wallet_id, seq, kind, amount, balance_before, balance_after, deposit_id, correlation_id, created_at)
       SELECT w.id, 1, 'deposit', $2, 0, $2, d.id, 'bench-seed', $3 FROM w JOIN d USING (player_id)`,
      [playerIds, balance, now],
    );
  } finally {
    await client.end();
  }
  return playerIds;
}

/** `count` bets round-robin over the players, as the gateway would have accepted them just now. */
export function buildIntents(playerIds: string[], count: number, stake: number, now = Date.now()): BetIntent[] {
  const g = parseEnv(marketEnv, {});
  const windowStart = Math.ceil((now + 3_600_000) / g.WINDOW_MS) * g.WINDOW_MS;
  const bandIndex = 4_000;
  const { priceLow, priceHigh } = bandBounds({ priceStep: g.PRICE_STEP }, bandIndex);
  return Array.from({ length: count }, (_, i) => {
    const betId = randomUUID();
    return {
      betId,
      playerId: playerIds[i % playerIds.length]!,
      clientBetId: randomUUID(),
      marketId: LEDGER_MARKET,
      cellId: formatCellId({ marketId: LEDGER_MARKET, windowStart, bandIndex }),
      windowStart,
      bandIndex,
      priceLow,
      priceHigh,
      stake,
      multiplierBps: 19_500,
      minMultiplierBps: null,
      lockoutAt: windowStart - g.LOCKOUT_MS,
      // Distinct accept times in order, as a stream of requests would have them.
      acceptedAt: now + Math.floor(i / 10),
      correlationId: randomBytes(16).toString('hex'),
    };
  });
}

/**
 * Queue every intent as the gateway does: `betsPerJob` bets a `place-bets` job, each bet's key claimed
 * (@wagerflow/pending-bets) in the same MULTI as its job, so that the ledger reads exactly what the gateway writes.
 * Returns seconds taken.
 */
export async function prefillLedgerQueue(redisUrl: string, prefix: string, intents: BetIntent[], betsPerJob: number): Promise<number> {
  const connection = createRedis(redisUrl, 'blocking');
  const queue = createQueue('ledger', connection, prefix);
  const keys = redisKeys(prefix);
  const pending = createPendingBets(keys);
  const jobs = Array.from({ length: Math.ceil(intents.length / betsPerJob) }, (_, j) =>
    intents.slice(j * betsPerJob, (j + 1) * betsPerJob),
  );
  const started = performance.now();
  try {
    // The market as feed-monitor leaves it, in case the ledger checks it (SPEC 2: CRITICAL → market_suspended).
    await connection.hset(keys.market(LEDGER_MARKET), 'status', 'HEALTHY', 'price', 100_000, 'ts', Date.now());
    await mapLimit(jobs, Math.max(1, Math.ceil(PREFILL_CONCURRENCY / betsPerJob)), async (bets) => {
      const replies = await addInTransaction(
        queue,
        // No deadline: the pre-fill has no lookups to go stale.
        (multi) => bets.forEach((intent) => pending.queueClaim(multi, recordOf(intent), intent, Number.MAX_SAFE_INTEGER)),
        'place-bets',
        { bets },
        JOB_OPTIONS.ledger.placeBets(bets[0]!.betId),
      );
      bets.forEach((intent, i) => {
        const claim = pending.claimResult(replies[i]);
        if (claim !== 'claimed') throw new Error(`bet key ${intent.clientBetId}: ${claim}`);
      });
    });
    return (performance.now() - started) / 1000;
  } finally {
    await queue.close();
    await connection.quit();
  }
}
