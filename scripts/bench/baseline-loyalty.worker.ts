/**
 * The comparison point of `--mode loyalty` (not product code): loyalty's accrual of plays done the naive way, one
 * Postgres transaction per play. Same queue, job and payload (`plays`, validated by the contract), same worker
 * settings and tracing (packages/queue's createWorker), same concurrency and pool size as the service is given, and
 * per play the same work the service does per batch: create the account if missing and lock it, find the player's
 * open slip or open one (tier snapshot from lifetime points), count the bet once (`INSERT … ON CONFLICT (bet_id) DO
 * NOTHING`), add it to the slip's totals (a slip opened for a play already counted is deleted again). Statements are
 * named (parsed once per connection), which only makes the baseline faster. Bets only: the bench sends no voids.
 *
 * It serves the service's counter, `wagerflow_loyalty_plays_total{effect}`, on GET /metrics of a port of its own, so
 * that both consumers are timed by the same poll. Protocol with the bench (IPC): `{type:'listening', port}` once the
 * endpoint is up, then it waits for `{type:'run'}` before taking jobs.
 *
 * Env: DATABASE_URL, REDIS_URL, REDIS_PREFIX, LOYALTY_CONCURRENCY, PG_POOL_SIZE, and the OTEL_* variables.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { otelEnv, parseEnv } from '@wagerflow/config';
import { loyaltyTiersSetting, tierFor, type Play } from '@wagerflow/contracts';
import { createPool, named, withTransaction, type PoolClient } from '@wagerflow/db';
import { UnrecoverableError, createRedis, createWorker } from '@wagerflow/queue';
import { initTelemetry } from '@wagerflow/runtime';

const need = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};

const telemetry = initTelemetry('baseline-loyalty', parseEnv(otelEnv, process.env));
const tiers = loyaltyTiersSetting.parse(undefined);
const pool = createPool(need('DATABASE_URL'), { max: Number(process.env.PG_POOL_SIZE ?? 10), applicationName: 'baseline-loyalty' });
const counts = { counted: 0, ignored: 0 };

/** One play, one transaction. */
async function applyPlay(client: PoolClient, play: Play, now: number): Promise<'counted' | 'ignored'> {
  await client.query(
    named(
      'bl_account_insert',
      'INSERT INTO loyalty_accounts (player_id, created_at, updated_at) VALUES ($1, $2, $2) ON CONFLICT (player_id) DO NOTHING',
      [play.playerId, now],
    ),
  );
  const { rows: accounts } = await client.query<{ lifetime_points: number }>(
    named('bl_account_lock', 'SELECT lifetime_points FROM loyalty_accounts WHERE player_id = $1 FOR UPDATE', [play.playerId]),
  );
  const { rows: open } = await client.query<{ id: string }>(
    named('bl_open_slip', `SELECT id FROM rating_slips WHERE player_id = $1 AND status = 'open'`, [play.playerId]),
  );
  let slipId = open[0]?.id;
  let opened = false;
  if (!slipId) {
    const tier = tierFor(Number(accounts[0]!.lifetime_points), tiers);
    slipId = randomUUID();
    opened = true;
    await client.query(
      named(
        'bl_slip_insert',
        `INSERT INTO rating_slips (id, player_id, status, tier, tier_multiplier_bps, opened_at, last_play_at, correlation_id, traceparent)
         VALUES ($1, $2, 'open', $3, $4, $5, $5, $6, $7)`,
        [slipId, play.playerId, tier.name, tier.multiplierBps, play.at, play.correlationId, play.traceparent ?? null],
      ),
    );
  }
  const inserted = await client.query(
    named(
      'bl_play_insert',
      `INSERT INTO slip_plays (bet_id, slip_id, player_id, stake, played_at, correlation_id) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (bet_id) DO NOTHING`,
      [play.betId, slipId, play.playerId, play.stake, play.at, play.correlationId],
    ),
  );
  if (inserted.rowCount === 1) {
    await client.query(
      named(
        'bl_slip_update',
        `UPDATE rating_slips SET wagered = wagered + $2, bet_count = bet_count + 1, last_play_at = greatest(last_play_at, $3) WHERE id = $1`,
        [slipId, play.stake, play.at],
      ),
    );
    return 'counted';
  }
  if (opened) await client.query(named('bl_slip_delete', 'DELETE FROM rating_slips WHERE id = $1 AND bet_count = 0', [slipId]));
  return 'ignored';
}

async function plays(data: { plays: Play[] }): Promise<void> {
  for (const play of data.plays) {
    if (play.kind !== 'bet') throw new UnrecoverableError('the baseline counts bets only, not voids');
    const effect = await withTransaction(pool, (client) => applyPlay(client, play, Date.now()));
    counts[effect] += 1;
  }
}

const worker = createWorker(
  'loyalty',
  createRedis(need('REDIS_URL'), 'blocking'),
  need('REDIS_PREFIX'),
  {
    plays,
    'slip-sweep': async () => {
      throw new UnrecoverableError('the baseline takes plays only');
    },
  },
  { concurrency: Number(process.env.LOYALTY_CONCURRENCY ?? 256), lockDurationMs: 30_000, stalledIntervalMs: 30_000 },
);

const metrics = http.createServer((req, res) => {
  if (req.url !== '/metrics') {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
  res.end(
    [
      '# TYPE wagerflow_loyalty_plays_total counter',
      `wagerflow_loyalty_plays_total{effect="counted"} ${counts.counted}`,
      `wagerflow_loyalty_plays_total{effect="ignored"} ${counts.ignored}`,
      '',
    ].join('\n'),
  );
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void (async () => {
      await worker.close(5_000);
      metrics.close();
      await Promise.allSettled([pool.end(), telemetry.shutdown()]);
      process.exit(0);
    })();
  });
}

process.on('message', (m: unknown) => {
  if ((m as { type?: string }).type === 'run') void worker.worker.run();
});
metrics.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'listening', port: (metrics.address() as AddressInfo).port });
});
