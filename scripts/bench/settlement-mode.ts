/**
 * `settlement`: 100 000 open bets of one market window (inserted straight into the ledger's tables by SQL: the
 * bench measures settling, not placing), then one `settle` job; figures from job add to the last `bet:settled`
 * on the outcome channel. `ticks`: N admin tick jobs through feed-monitor (simulator off), from the first add
 * to the last tick stored, with feed-monitor's CPU per tick.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import { CHANNELS, QUEUES, redisKeys } from '@wagerflow/contracts';
import { createQueue } from '@wagerflow/queue';
import { randomId } from '@wagerflow/local-servers';
import type { CleanupStack } from './cleanup-stack.js';
import type { Infrastructure } from './bench-environment.js';
import { occurrences } from './outcome-counter.js';
import { startBenchPlatform } from './platform-runner.js';
import { processCpuMs, processTreeCpuMs } from './process-cpu.js';

import type { BenchContext } from './bench-context.js';
import type { SettlementModeResult, SettlementResult, TickResult } from './result-types.js';

const WINDOW_START = 9_999_990_000;
const WINDOW_MS = 10_000;

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function runSettlement(
  infra: Infrastructure,
  cleanup: CleanupStack,
  o: { bets: number; players: number; chunkSize: number; verbose: boolean; log: (l: string) => void },
): Promise<SettlementResult> {
  const databaseUrl = await infra.freshDatabase('settlement');
  const prefix = `bench-${randomId(3)}`;
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  cleanup.add('settlement db client', () => db.end());
  o.log(`seeding ${o.bets} open bets of one window for ${o.players} players…`);
  await db.query(`INSERT INTO wallets (player_id, balance, seq, updated_at) SELECT 'p' || g, 0, 0, 0 FROM generate_series(1, $1) g`, [
    o.players,
  ]);
  // Half the bets on the band the price touched (won), half beside it (lost).
  await db.query(
    `INSERT INTO bets (id, player_id, client_bet_id, market_id, cell_id, window_start, band_index, price_low, price_high, stake,
                       multiplier_bps, status, result, placed_at, confirmed_at, updated_at, correlation_id)
     SELECT 'b' || g, 'p' || (g % $2 + 1), 'c' || g, 'BTC-USD', 'BTC-USD:' || $3::bigint || ':' || (4000 + g % 2), $3::bigint, 4000 + g % 2,
            (4000 + g % 2) * 25, (4001 + g % 2) * 25, 100, 19500, 'confirmed', 'open', 0, 0, 0, 'bench'
       FROM generate_series(1, $1) g`,
    [o.bets, o.players, WINDOW_START],
  );
  await db.query('ANALYZE bets; ANALYZE wallets');
  const bench = await startBenchPlatform(
    {
      databaseUrl,
      redisUrl: infra.redisUrl,
      redisPrefix: prefix,
      services: ['bet-ledger'],
      env: { SETTLE_CHUNK_SIZE: String(o.chunkSize) },
      verbose: o.verbose,
    },
    cleanup,
  );
  await bench.platform.waitReady(60_000);
  const keys = redisKeys(prefix);
  const subscriber = new Redis(infra.redisUrl);
  cleanup.add('settlement subscriber', () => void subscriber.disconnect());
  let settled = 0;
  let last = 0;
  await subscriber.subscribe(keys.channel(CHANNELS.playerEvents));
  subscriber.on('message', (_c: string, m: string) => {
    const n = occurrences(m, '"bet:settled"');
    if (n > 0) {
      settled += n;
      last = performance.now();
    }
  });
  const connection = new Redis(infra.redisUrl, { maxRetriesPerRequest: null });
  cleanup.add('settlement queue connection', () => void connection.disconnect());
  const queue = createQueue(QUEUES.ledger, connection, prefix);
  const ledgerPid = bench.platform.services.get('bet-ledger')!.pid!;
  const cpu0 = processCpuMs(ledgerPid);
  const pg0 = infra.postgresPid ? processTreeCpuMs(infra.postgresPid) : null;
  const started = performance.now();
  await queue.add(
    'settle',
    {
      marketId: 'BTC-USD',
      windowStart: WINDOW_START,
      windowEnd: WINDOW_START + WINDOW_MS,
      priceStep: 25,
      touchedBands: [4000],
      low: 100_001,
      high: 100_020,
      tickCount: 40,
      voidReason: null,
    },
    { jobId: `bench-settle-${randomUUID()}` },
  );
  await waitFor(async () => settled >= o.bets, 600_000, 'every bet:settled');
  const seconds = (last - started) / 1000;
  const cpu1 = processCpuMs(ledgerPid);
  const pg1 = infra.postgresPid ? processTreeCpuMs(infra.postgresPid) : null;
  const { rows } = await db.query<{ open: string }>("SELECT count(*) FILTER (WHERE result = 'open') AS open FROM bets");
  if (Number(rows[0]!.open) !== 0) throw new Error(`${rows[0]!.open} bets left open`);
  await queue.close();
  await bench.stop();
  return {
    bets: o.bets,
    players: o.players,
    chunkSize: o.chunkSize,
    seconds,
    betsPerSec: o.bets / seconds,
    ledgerCpuMs: cpu0 != null && cpu1 != null ? cpu1 - cpu0 : null,
    postgresCpuMs: pg0 != null && pg1 != null ? pg1 - pg0 : null,
  };
}

export async function runTicks(
  infra: Infrastructure,
  cleanup: CleanupStack,
  o: { ticks: number; verbose: boolean; log: (l: string) => void },
): Promise<TickResult> {
  const databaseUrl = await infra.freshDatabase('ticks');
  const prefix = `bench-${randomId(3)}`;
  const bench = await startBenchPlatform(
    {
      databaseUrl,
      redisUrl: infra.redisUrl,
      redisPrefix: prefix,
      services: ['feed-monitor'],
      env: { FEED_SIMULATOR: 'off' },
      verbose: o.verbose,
    },
    cleanup,
  );
  await bench.platform.waitReady(60_000);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  cleanup.add('ticks db client', () => db.end());
  const connection = new Redis(infra.redisUrl, { maxRetriesPerRequest: null });
  cleanup.add('ticks queue connection', () => void connection.disconnect());
  const queue = createQueue(QUEUES.feed, connection, prefix);
  const pid = bench.platform.services.get('feed-monitor')!.pid!;
  const cpu0 = processCpuMs(pid);
  const started = performance.now();
  const base = Date.now();
  for (let i = 0; i < o.ticks; i += 500) {
    await queue.queue.addBulk(
      Array.from({ length: Math.min(500, o.ticks - i) }, (_, k) => ({
        name: 'tick',
        data: { marketId: 'BTC-USD', price: 100_000 + ((i + k) % 100), ts: base + i + k - o.ticks, receivedAt: Date.now() },
      })),
    );
  }
  await waitFor(
    async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM ticks')).rows[0]!.n) >= o.ticks,
    600_000,
    'every tick stored',
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu1 = processCpuMs(pid);
  await queue.close();
  await bench.stop();
  const cpu = cpu0 != null && cpu1 != null ? cpu1 - cpu0 : null;
  return {
    ticks: o.ticks,
    seconds,
    ticksPerSec: o.ticks / seconds,
    feedMonitorCpuMs: cpu,
    cpuMsPerTick: cpu == null ? null : cpu / o.ticks,
  };
}

/** `pnpm bench --mode settlement`: runSettlement, then runTicks, with the CLI's sizes. */
export async function runSettlementMode(ctx: BenchContext): Promise<SettlementModeResult> {
  const { opts, infra, cleanup, log } = ctx;
  const settlement = await runSettlement(infra, cleanup, {
    bets: opts.settlementBets,
    players: opts.settlementPlayers,
    chunkSize: opts.chunk,
    verbose: opts.verbose,
    log,
  });
  const ticks = await runTicks(infra, cleanup, { ticks: opts.ticks, verbose: opts.verbose, log });
  return { mode: 'settlement', settlement, ticks };
}
