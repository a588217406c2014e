/**
 * The comparison point of `--mode baseline-ledger` (not product code): bet-ledger's work done the naive way, one
 * Postgres transaction per bet. Same queue and payloads, same worker settings and telemetry (packages/queue's
 * createWorker), same concurrency and pool size, same key claim (the bet row under UNIQUE (player_id,
 * client_bet_id), a conflict rolls back) and the same conditional update (`balance >= stake`), the same publish,
 * pending-bet cleanup (@wagerflow/pending-bets) and newer-seq-only cache write after commit. Run as its own process by ledger-mode.ts.
 *
 * Env: DATABASE_URL, REDIS_URL, REDIS_PREFIX, LEDGER_CONCURRENCY, PG_POOL_SIZE, and the OTEL_* variables.
 */
import { otelEnv, parseEnv } from '@wagerflow/config';
import { CHANNELS, JOBS, bpsToMultiplier, redisKeys, type BetIntent } from '@wagerflow/contracts';
import { createPool, withTransaction, type PoolClient } from '@wagerflow/db';
import { createPendingBets } from '@wagerflow/pending-bets';
import { UnrecoverableError, createRedis, createWorker, type Handlers } from '@wagerflow/queue';
import { defineScript } from '@wagerflow/redis-scripts';
import { initTelemetry, injectTraceContext } from '@wagerflow/runtime';

const SET_IF_NEWER = defineScript<[balanceKey: string], [balance: number, seq: number], 0 | 1>({
  name: 'baselineSetBalanceIfNewer',
  lua: `
local cur = redis.call('HGET', KEYS[1], 'walletSeq')
if cur and tonumber(cur) >= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'balance', ARGV[1], 'walletSeq', ARGV[2])
return 1`,
});

type Outcome = { status: 'confirmed'; balance: number; seq: number } | { status: 'rejected'; reason: string; balance: null; seq: null };

const need = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};

const telemetry = initTelemetry('baseline-ledger', parseEnv(otelEnv, process.env));
const prefix = need('REDIS_PREFIX');
const keys = redisKeys(prefix);
const pool = createPool(need('DATABASE_URL'), { max: Number(process.env.PG_POOL_SIZE ?? 10), applicationName: 'baseline-ledger' });
const redis = createRedis(need('REDIS_URL'), 'blocking');
SET_IF_NEWER.register(redis);
const pending = createPendingBets(keys);

/** One bet, one transaction: lock, replay check, conditional debit, claim the key with the final row, entry. */
async function applyBet(client: PoolClient, bet: BetIntent, now: number, suspended?: 'market_suspended'): Promise<Outcome> {
  const { rows: wallets } = await client.query<{ id: number }>('SELECT id FROM wallets WHERE player_id = $1 FOR UPDATE', [bet.playerId]);
  const { rows: stored } = await client.query<{
    status: 'confirmed' | 'rejected';
    reason: string | null;
    balance_after: number;
    seq: number;
  }>(
    `SELECT b.status, b.reason, e.balance_after, e.seq FROM bets b LEFT JOIN wallet_entries e ON e.bet_id = b.id AND e.kind = 'stake'
      WHERE b.player_id = $1 AND b.client_bet_id = $2`,
    [bet.playerId, bet.clientBetId],
  );
  const prior = stored[0];
  if (prior) {
    return prior.status === 'confirmed'
      ? { status: 'confirmed', balance: prior.balance_after, seq: prior.seq }
      : { status: 'rejected', reason: prior.reason ?? 'rejected', balance: null, seq: null };
  }
  const wallet = wallets[0];
  let outcome: Outcome;
  if (now >= bet.lockoutAt) outcome = { status: 'rejected', reason: 'cell_closed', balance: null, seq: null };
  else if (suspended) outcome = { status: 'rejected', reason: suspended, balance: null, seq: null };
  else if (!wallet) outcome = { status: 'rejected', reason: 'insufficient_funds', balance: null, seq: null };
  else {
    const { rows } = await client.query<{ balance: number; seq: number }>(
      'UPDATE wallets SET balance = balance - $2, seq = seq + 1, updated_at = $3 WHERE id = $1 AND balance >= $2 RETURNING balance, seq',
      [wallet.id, bet.stake, now],
    );
    const row = rows[0];
    outcome = row
      ? { status: 'confirmed', balance: row.balance, seq: row.seq }
      : { status: 'rejected', reason: 'insufficient_funds', balance: null, seq: null };
  }
  const claimed = await client.query(
    `INSERT INTO bets (id, player_id, client_bet_id, market_id, cell_id, window_start, band_index, price_low, price_high, stake,
                       multiplier_bps, min_multiplier_bps, status, reason, result, placed_at, confirmed_at, updated_at, correlation_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
     ON CONFLICT (player_id, client_bet_id) DO NOTHING`,
    [
      bet.betId,
      bet.playerId,
      bet.clientBetId,
      bet.marketId,
      bet.cellId,
      bet.windowStart,
      bet.bandIndex,
      bet.priceLow,
      bet.priceHigh,
      bet.stake,
      bet.multiplierBps,
      bet.minMultiplierBps,
      outcome.status,
      outcome.status === 'rejected' ? outcome.reason : null,
      outcome.status === 'confirmed' ? 'open' : null,
      bet.acceptedAt,
      outcome.status === 'confirmed' ? now : null,
      now,
      bet.correlationId,
    ],
  );
  // Someone else claimed the key meanwhile: roll back the debit, the redelivery republishes their outcome.
  if (claimed.rowCount !== 1) throw new Error('idempotency key claimed concurrently');
  if (outcome.status === 'confirmed') {
    await client.query(
      `INSERT INTO wallet_entries (wallet_id, seq, kind, amount, balance_before, balance_after, bet_id, correlation_id, created_at)
       VALUES ($1, $2, 'stake', $3, $4, $5, $6, $7, $8)`,
      [wallet!.id, outcome.seq, -bet.stake, outcome.balance + bet.stake, outcome.balance, bet.betId, bet.correlationId, now],
    );
  }
  return outcome;
}

async function placeBets(data: { bets: BetIntent[] }): Promise<void> {
  for (const bet of data.bets) {
    // As the ledger does per batch: a CRITICAL market (or none known) rejects its queued bets.
    const status = (await redis.hget(keys.market(bet.marketId), 'status')) ?? 'CRITICAL';
    const outcome =
      status === 'CRITICAL'
        ? await withTransaction(pool, (client) => applyBet(client, bet, Date.now(), 'market_suspended'))
        : await withTransaction(pool, (client) => applyBet(client, bet, Date.now()));
    // The job's span (bullmq-otel) is active here: the outcome carries its trace, as the ledger's does.
    const traceCtx = injectTraceContext();
    const event =
      outcome.status === 'confirmed'
        ? {
            type: 'bet:confirmed',
            playerId: bet.playerId,
            betId: bet.betId,
            clientBetId: bet.clientBetId,
            multiplier: bpsToMultiplier(bet.multiplierBps),
            balance: outcome.balance,
            walletSeq: outcome.seq,
            ...traceCtx,
          }
        : {
            type: 'bet:rejected',
            playerId: bet.playerId,
            betId: bet.betId,
            clientBetId: bet.clientBetId,
            reason: outcome.reason,
            ...traceCtx,
          };
    const pipeline = redis.pipeline();
    pipeline.publish(keys.channel(CHANNELS.playerEvents), JSON.stringify([event]));
    pending.queueSettled(pipeline, { stored: [bet], bets: [bet], dropped: new Set() });
    if (outcome.status === 'confirmed') SET_IF_NEWER.queue(pipeline, [keys.balance(bet.playerId)], [outcome.balance, outcome.seq]);
    const replies = await pipeline.exec();
    const failed = replies?.find(([err]) => err);
    if (failed) throw failed[0] as Error;
  }
}

const worker = createWorker(
  'ledger',
  createRedis(need('REDIS_URL'), 'blocking'),
  prefix,
  {
    // Every other ledger job (deposits, settlement, whatever the contracts add) is not the baseline's business.
    ...(Object.fromEntries(
      Object.keys(JOBS.ledger).map((name) => [
        name,
        async () => {
          throw new UnrecoverableError(`the baseline handles place-bets only, not ${name}`);
        },
      ]),
    ) as unknown as Handlers<'ledger'>),
    'place-bets': placeBets,
  },
  { concurrency: Number(process.env.LEDGER_CONCURRENCY ?? 256), lockDurationMs: 30_000, stalledIntervalMs: 30_000 },
);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void (async () => {
      await worker.close(5_000);
      await Promise.allSettled([redis.quit(), pool.end(), telemetry.shutdown()]);
      process.exit(0);
    })();
  });
}
void worker.worker.run();
process.send?.({ type: 'ready' });
