import { randomUUID } from 'node:crypto';
import { context } from '@opentelemetry/api';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS, QUEUES, redisKeys, type BetIntent, type PlayerEvent, type PlaysJob, type SettleWindowJob } from '@wagerflow/contracts';
import { createPool, migrateLatest, withTransaction, type Pool } from '@wagerflow/db';
import { createQueue, createRedis, createWorker, type Redis, type TypedQueue, type TypedWorker } from '@wagerflow/queue';
import { createLogger, initTelemetry } from '@wagerflow/runtime';
import { createTestDatabase, testRedisUrl, uniquePrefix, waitUntil, type TestDatabase } from '@wagerflow/testing';
import { createBetBatchFlush } from './bet-batch.js';
import { Batcher } from '@wagerflow/queue';
import { depositHandler } from './jobs/deposit.handler.js';
import { createPendingBets } from '@wagerflow/pending-bets';
import { placeBetsHandler } from './jobs/place-bets.handler.js';
import { settleHandler } from './jobs/settle.handler.js';
import { playsDigest } from './domain/loyalty-plays.js';
import { createPlaysSender, type PlaysSender } from './loyalty-plays-sender.js';
import { createBalanceCache } from './repositories/balance-cache.js';
import { applyDeposit } from './repositories/deposit.repository.js';

const W = 9_999_990_000; // a window far in the future: bets on it stay open until we settle them
let db: TestDatabase;
let pool: Pool;
let redis: Redis;
let workerRedis: Redis;
let subscriber: Redis;
let worker: TypedWorker;
/** Where the ledger queues plays; no loyalty worker runs here, so every job stays waiting for the tests to read. */
let loyalty: TypedQueue<'loyalty'>;
let sendPlays: PlaysSender;
const prefix = uniquePrefix('settle');
const keys = redisKeys(prefix);
/** Claims keys as the gateway does: the ledger decides only bets whose claim it can see. */
const pending = createPendingBets(keys);
const events: PlayerEvent[] = [];
const logger = createLogger('test', 'silent');

function bet(playerId: string, stake: number, bandIndex: number, windowStart = W, marketId = 'BTC-USD'): BetIntent {
  return {
    betId: randomUUID(),
    playerId,
    clientBetId: randomUUID(),
    marketId,
    cellId: `${marketId}:${windowStart}:${bandIndex}`,
    windowStart,
    bandIndex,
    priceLow: bandIndex * 25,
    priceHigh: (bandIndex + 1) * 25,
    stake,
    multiplierBps: 11_500,
    minMultiplierBps: null,
    lockoutAt: Date.now() + 3_600_000,
    acceptedAt: Date.now(),
    correlationId: randomUUID(),
  };
}

async function placeConfirmed(bets: BetIntent[]) {
  const flush = createBetBatchFlush({
    pool,
    redis,
    keys,
    cache: createBalanceCache(redis, keys),
    logger,
    sendPlays,
    faultKillAfterCommit: 0,
    maxCellLiability: 100_000_000,
  });
  await pending.claim(redis, bets);
  await flush(bets.map((b) => ({ bet: b, ctx: context.active() })));
}

async function fund(playerId: string, amount: number) {
  await withTransaction(pool, (c) => applyDeposit(c, { playerId, amount, reference: randomUUID(), correlationId: 'test' }, Date.now()));
}

const settleJob = (over: Partial<SettleWindowJob> = {}): SettleWindowJob => ({
  marketId: 'BTC-USD',
  windowStart: W,
  windowEnd: W + 10_000,
  priceStep: 25,
  touchedBands: [4000],
  low: 100_001,
  high: 100_020,
  tickCount: 3,
  voidReason: null,
  ...over,
});

const betRow = async (id: string) =>
  (
    await pool.query<{ result: string; payout: number | null; settled_at: number | null }>(
      'SELECT result, payout, settled_at FROM bets WHERE id = $1',
      [id],
    )
  ).rows[0]!;
const balance = async (playerId: string) =>
  (await pool.query<{ balance: number }>('SELECT balance FROM wallets WHERE player_id = $1', [playerId])).rows[0]!.balance;
const drift = async () =>
  (
    await pool.query<{ drift: number }>(
      `SELECT count(*) FILTER (WHERE w.balance <> coalesce(c.archived_sum, 0) + coalesce(e.total, 0))::int AS drift
         FROM wallets w LEFT JOIN wallet_archive_checkpoints c ON c.wallet_id = w.id
         LEFT JOIN (SELECT wallet_id, sum(amount) AS total FROM wallet_entries GROUP BY wallet_id) e ON e.wallet_id = w.id`,
    )
  ).rows[0]!.drift;

beforeAll(async () => {
  // Trace ids exist only with a tracer provider, as in every service process (no exporter here).
  initTelemetry('bet-ledger-test', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_TRACES_SAMPLER: 'parentbased_always_on' });
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 10 });
  redis = createRedis(testRedisUrl(), 'blocking');
  workerRedis = createRedis(testRedisUrl(), 'blocking');
  subscriber = createRedis(testRedisUrl(), 'blocking');
  loyalty = createQueue(QUEUES.loyalty, redis, prefix);
  sendPlays = createPlaysSender(loyalty);
  await subscriber.subscribe(keys.channel(CHANNELS.playerEvents));
  subscriber.on('message', (_c: string, m: string) => events.push(...(JSON.parse(m) as PlayerEvent[])));
  for (const m of ['BTC-USD', 'ETH-USD']) await redis.hset(keys.market(m), 'status', 'HEALTHY');
  const cache = createBalanceCache(redis, keys);
  const batcher = new Batcher({
    maxSize: 100,
    maxWaitMs: 2,
    flush: createBetBatchFlush({ pool, redis, keys, cache, logger, sendPlays, faultKillAfterCommit: 0, maxCellLiability: 100_000_000 }),
  });
  worker = createWorker(
    QUEUES.ledger,
    workerRedis,
    prefix,
    {
      'place-bets': placeBetsHandler(batcher),
      deposit: depositHandler({ pool, redis, keys, cache }),
      settle: settleHandler({ pool, redis, keys, cache, logger, sendPlays, chunkSize: 3, pendingRetryMs: 100 }),
    },
    { concurrency: 4, lockDurationMs: 5_000, stalledIntervalMs: 5_000 },
  );
  void worker.worker.run();
});
afterAll(async () => {
  await worker?.close(5_000);
  await loyalty?.close();
  await subscriber?.quit();
  await workerRedis?.quit();
  await redis?.quit();
  await pool?.end();
  await db?.drop();
});

describe('settlement through the real ledger queue', () => {
  it('won pays floor(stake × multiplier), lost pays 0, each credited once with entries; a second settle changes nothing', async () => {
    const a = randomUUID();
    const b = randomUUID();
    await fund(a, 1_000);
    await fund(b, 1_000);
    const winner = bet(a, 100, 4000); // 100 × 1.15 → 115 exactly (floats say 114.99999999999999)
    const odd = bet(a, 33, 4000); // 33 × 1.15 = 37.95 → 37
    const loser = bet(b, 200, 4001);
    const loser2 = bet(b, 50, 3999);
    await placeConfirmed([winner, odd, loser, loser2]);
    expect(await balance(a)).toBe(867);
    const queue = createQueue(QUEUES.ledger, redis, prefix);
    const job = await queue.add('settle', settleJob());
    await waitUntil(async () => ((await job.getState()) === 'completed' ? true : undefined), {
      timeoutMs: 10_000,
      description: 'settle job',
    });
    expect(await betRow(winner.betId)).toMatchObject({ result: 'won', payout: 115 });
    expect(await betRow(odd.betId)).toMatchObject({ result: 'won', payout: 37 });
    expect(await betRow(loser.betId)).toMatchObject({ result: 'lost', payout: 0 });
    expect(await betRow(loser2.betId)).toMatchObject({ result: 'lost', payout: 0 });
    expect(await balance(a)).toBe(867 + 115 + 37);
    expect(await balance(b)).toBe(750);
    const { rows: ev } = await pool.query<{ tick_count: number; touched_bands: number[]; void_reason: string | null }>(
      'SELECT tick_count, touched_bands, void_reason FROM settlements WHERE window_start = $1',
      [W],
    );
    expect(ev[0]).toEqual({ tick_count: 3, touched_bands: [4000], void_reason: null });
    const { rows: entries } = await pool.query<{ kind: string; amount: number; trace_id: string | null; correlation_id: string }>(
      `SELECT kind, amount, trace_id, correlation_id FROM wallet_entries WHERE bet_id = $1 AND kind = 'payout'`,
      [winner.betId],
    );
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ amount: 115, correlation_id: winner.correlationId });
    expect(entries[0]!.trace_id).toMatch(/^[0-9a-f]{32}$/);
    await waitUntil(async () => (events.filter((e) => e.type === 'bet:settled').length >= 4 ? true : undefined), {
      timeoutMs: 5_000,
      description: 'bet:settled events',
    });
    const settledA = events.find((e) => e.type === 'bet:settled' && e.betId === winner.betId);
    expect(settledA).toMatchObject({ result: 'won', payout: 115 });

    // Settling again (a redelivery or a sweep) credits nothing and re-publishes the outcomes.
    const before = events.length;
    const again = await queue.add('settle', settleJob());
    await waitUntil(async () => ((await again.getState()) === 'completed' ? true : undefined), {
      timeoutMs: 10_000,
      description: 'second settle',
    });
    expect(await balance(a)).toBe(867 + 115 + 37);
    expect(await balance(b)).toBe(750);
    await waitUntil(async () => (events.length >= before + 4 ? true : undefined), { timeoutMs: 5_000, description: 're-published events' });
    expect(await drift()).toBe(0);
    await queue.close();
  });

  it('void refunds the stake: no ticks, or CRITICAL during the window', async () => {
    const p = randomUUID();
    await fund(p, 500);
    const w2 = W + 10_000;
    const w3 = W + 20_000;
    const noTicks = bet(p, 100, 4000, w2);
    const critical = bet(p, 60, 4000, w3);
    await placeConfirmed([noTicks, critical]);
    const queue = createQueue(QUEUES.ledger, redis, prefix);
    const j1 = await queue.add(
      'settle',
      settleJob({ windowStart: w2, windowEnd: w2 + 10_000, touchedBands: [], tickCount: 0, low: null, high: null, voidReason: 'no_ticks' }),
    );
    const j2 = await queue.add('settle', settleJob({ windowStart: w3, windowEnd: w3 + 10_000, voidReason: 'market_critical' }));
    for (const j of [j1, j2])
      await waitUntil(async () => ((await j.getState()) === 'completed' ? true : undefined), {
        timeoutMs: 10_000,
        description: 'void settle',
      });
    expect(await betRow(noTicks.betId)).toMatchObject({ result: 'void', payout: 100 });
    expect(await betRow(critical.betId)).toMatchObject({ result: 'void', payout: 60 });
    expect(await balance(p)).toBe(500);
    const { rows } = await pool.query<{ kind: string }>(`SELECT kind FROM wallet_entries WHERE bet_id = ANY($1)`, [
      [noTicks.betId, critical.betId],
    ]);
    expect(rows.map((r) => r.kind).sort()).toEqual(['refund', 'refund', 'stake', 'stake']);
    expect(await drift()).toBe(0);
    await queue.close();
  });

  it('waits while a bet of the window is still queued, then settles it too', async () => {
    const p = randomUUID();
    await fund(p, 500);
    const w4 = W + 30_000;
    const early = bet(p, 10, 4000, w4);
    await placeConfirmed([early]);
    const late = bet(p, 20, 4000, w4);
    await redis.sadd(keys.pendingWindow('BTC-USD', w4), `${late.playerId}|${late.clientBetId}`);
    const queue = createQueue(QUEUES.ledger, redis, prefix);
    const job = await queue.add('settle', settleJob({ windowStart: w4, windowEnd: w4 + 10_000 }));
    await waitUntil(async () => ((await job.getState()) === 'delayed' ? true : undefined), {
      timeoutMs: 10_000,
      description: 'the settle job to wait',
    });
    expect((await betRow(early.betId)).result).toBe('open');
    // The queued bet arrives: the ledger commits it and clears it from the window's pending set.
    await pending.claim(redis, [late]);
    await queue.add('place-bets', { bets: [late] });
    await waitUntil(async () => ((await job.getState()) === 'completed' ? true : undefined), {
      timeoutMs: 10_000,
      description: 'settlement after the pending bet',
    });
    expect(await betRow(early.betId)).toMatchObject({ result: 'won', payout: 11 });
    expect(await betRow(late.betId)).toMatchObject({ result: 'won', payout: 23 });
    expect(await balance(p)).toBe(500 - 30 + 11 + 23);
    await queue.close();
  });

  it('settles a window of many bets across chunks, each bet exactly once', async () => {
    const players = Array.from({ length: 7 }, () => randomUUID());
    for (const p of players) await fund(p, 10_000);
    const w5 = W + 40_000;
    const bets = players.flatMap((p, i) => Array.from({ length: 5 }, (_, k) => bet(p, 10 + i + k, 4000 + (k % 2), w5)));
    await placeConfirmed(bets);
    const queue = createQueue(QUEUES.ledger, redis, prefix);
    const job = await queue.add('settle', settleJob({ windowStart: w5, windowEnd: w5 + 10_000 }));
    await waitUntil(async () => ((await job.getState()) === 'completed' ? true : undefined), {
      timeoutMs: 20_000,
      description: 'chunked settlement',
    });
    expect((await queue.queue.getJob(job.id!))?.returnvalue).toEqual({ settled: 35 }); // chunk size 3: 12 transactions
    const { rows } = await pool.query<{ n: number; open: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE result = 'open')::int AS open FROM bets WHERE window_start = $1`,
      [w5],
    );
    expect(rows[0]).toEqual({ n: 35, open: 0 });
    for (const [i, p] of players.entries()) {
      const stakes = Array.from({ length: 5 }, (_, k) => 10 + i + k);
      const won = stakes.filter((_, k) => k % 2 === 0).reduce((s, x) => s + Math.floor((x * 11_500) / 10_000), 0);
      expect(await balance(p)).toBe(10_000 - stakes.reduce((s, x) => s + x, 0) + won);
    }
    expect(await drift()).toBe(0);
    await queue.close();
  });

  it('several settlers of one window at once (replicas, a redelivery, the sweeper): each bet settled and credited once', async () => {
    const players = Array.from({ length: 6 }, () => randomUUID());
    for (const p of players) await fund(p, 10_000);
    const w6 = W + 50_000;
    const bets = players.flatMap((p) => Array.from({ length: 8 }, (_, k) => bet(p, 100, 4000 + (k % 2), w6)));
    await placeConfirmed(bets);
    const cache = createBalanceCache(redis, keys);
    const settlers = Array.from({ length: 4 }, () =>
      settleHandler({ pool, redis, keys, cache, logger, sendPlays, chunkSize: 5, pendingRetryMs: 100 }),
    );
    const job = { id: 'concurrent' } as unknown as Job;
    const results = await Promise.all(settlers.map((settle) => settle(settleJob({ windowStart: w6, windowEnd: w6 + 10_000 }), job)));
    expect(results.reduce((s, r) => s + r.settled, 0)).toBe(48);
    const { rows } = await pool.query<{ entries: number }>(
      `SELECT count(*)::int AS entries FROM wallet_entries e JOIN bets b ON b.id = e.bet_id WHERE b.window_start = $1 AND e.kind = 'payout'`,
      [w6],
    );
    expect(rows[0]!.entries).toBe(24);
    for (const p of players) expect(await balance(p)).toBe(10_000 - 800 + 4 * 115);
    expect(await drift()).toBe(0);
  });
});

describe("a settled window's cell exposure", () => {
  const exposure = async (cellIds: string[]) =>
    Object.fromEntries(
      (
        await pool.query<{ cell_id: string; liability: number }>('SELECT cell_id, liability FROM cell_exposure WHERE cell_id = ANY($1)', [
          cellIds,
        ])
      ).rows.map((r) => [r.cell_id, r.liability]),
    );

  it('settling drops the rows of its cells (chunk by chunk), other windows keep theirs; a redelivery finds nothing to drop', async () => {
    const p = randomUUID();
    await fund(p, 10_000);
    const w7 = W + 60_000;
    const w8 = W + 70_000;
    const bets = [bet(p, 100, 4000, w7), bet(p, 100, 4000, w7), bet(p, 100, 4001, w7), bet(p, 100, 4001, w7), bet(p, 50, 4000, w8)];
    await placeConfirmed(bets);
    const cells = [...new Set(bets.map((b) => b.cellId))];
    expect(await exposure(cells)).toEqual({ [`BTC-USD:${w7}:4000`]: 30, [`BTC-USD:${w7}:4001`]: 30, [`BTC-USD:${w8}:4000`]: 7 });

    const settle = settleHandler({
      pool,
      redis,
      keys,
      cache: createBalanceCache(redis, keys),
      logger,
      sendPlays,
      chunkSize: 3,
      pendingRetryMs: 100,
    });
    const job = { id: 'exposure' } as unknown as Job;
    expect(await settle(settleJob({ windowStart: w7, windowEnd: w7 + 10_000 }), job)).toEqual({ settled: 4 });
    expect(await exposure(cells)).toEqual({ [`BTC-USD:${w8}:4000`]: 7 });
    expect(await settle(settleJob({ windowStart: w7, windowEnd: w7 + 10_000 }), job)).toEqual({ settled: 0 });
    expect(await exposure(cells)).toEqual({ [`BTC-USD:${w8}:4000`]: 7 });
    expect(await drift()).toBe(0);
  });

  it('migration 0006 removes the rows of windows settled before settlement dropped them, and only those', async () => {
    const settledW = W + 80_000;
    const openW = W + 90_000;
    const rows = {
      [`ETH-USD:${settledW}:7`]: 11,
      [`ETH-USD:${settledW}:8`]: 12,
      [`ETH-USD:${openW}:7`]: 13,
      [`BTC-USD:${settledW}:7`]: 14, // same window start, another market: not settled
      'not-a-cell-id': 15,
    };
    await pool.query('INSERT INTO cell_exposure (cell_id, liability) SELECT * FROM unnest($1::text[], $2::bigint[])', [
      Object.keys(rows),
      Object.values(rows),
    ]);
    await pool.query(
      `INSERT INTO settlements (market_id, window_start, window_end, low, high, tick_count, touched_bands, void_reason, trace_id, started_at)
       VALUES ('ETH-USD', $1, $2, 1, 2, 3, '{}', NULL, 'test', 0)`,
      [settledW, settledW + 10_000],
    );
    await pool.query("DELETE FROM knex_migrations WHERE name LIKE '20261124000006_%'");
    // knex imports the `.ts` migration files natively: lend tsx's loader, as the suite's global setup does.
    const { register } = await import('tsx/esm/api');
    const unregister = register();
    try {
      await migrateLatest(db.url);
    } finally {
      await unregister();
    }
    expect(await exposure(Object.keys(rows))).toEqual({
      [`ETH-USD:${openW}:7`]: 13,
      [`BTC-USD:${settledW}:7`]: 14,
      'not-a-cell-id': 15,
    });
  });
});

describe("settlement's loyalty plays", () => {
  /** The queued plays jobs that carry a void of one of these bets. */
  async function voidJobsOf(bets: BetIntent[]): Promise<Job<PlaysJob>[]> {
    const ids = new Set(bets.map((b) => b.betId));
    const jobs = (await loyalty.queue.getJobs(['waiting'])) as Job<PlaysJob>[];
    return jobs.filter((j) => j.data.plays.some((p) => p.kind === 'void' && ids.has(p.betId)));
  }
  const settledAt = async (betId: string) =>
    (await pool.query<{ settled_at: number }>('SELECT settled_at FROM bets WHERE id = $1', [betId])).rows[0]!.settled_at;
  const handler = (chunkSize: number, send: PlaysSender = sendPlays) =>
    settleHandler({ pool, redis, keys, cache: createBalanceCache(redis, keys), logger, sendPlays: send, chunkSize, pendingRetryMs: 100 });
  const job = { id: 'plays' } as unknown as Job;
  const voidJob = (windowStart: number) =>
    settleJob({
      windowStart,
      windowEnd: windowStart + 10_000,
      touchedBands: [],
      tickCount: 0,
      low: null,
      high: null,
      voidReason: 'no_ticks',
    });

  it('a voided window queues its bets as voids after each chunk (at settle time, stake, correlation id); won and lost send none', async () => {
    const a = randomUUID();
    const b = randomUUID();
    await fund(a, 1_000);
    await fund(b, 1_000);
    const wv = W + 100_000;
    const voided = [bet(a, 10, 4000, wv), bet(a, 20, 4001, wv), bet(a, 30, 4000, wv), bet(b, 40, 4000, wv), bet(b, 50, 4002, wv)];
    await placeConfirmed(voided);
    expect(await handler(3)(voidJob(wv), job)).toEqual({ settled: 5 });
    const jobs = await voidJobsOf(voided);
    // Chunks of 3: two transactions, a job after each.
    expect(jobs.map((j) => j.data.plays.length).sort()).toEqual([2, 3]);
    for (const j of jobs) {
      expect(j.id).toBe(
        `plays-${playsDigest(
          'void',
          j.data.plays.map((p) => p.betId),
        )}`,
      );
      expect(j.opts.removeOnComplete).toBe(true);
    }
    const plays = jobs.flatMap((j) => j.data.plays).sort((x, y) => (x.betId < y.betId ? -1 : 1));
    const expected = await Promise.all(
      [...voided]
        .sort((x, y) => (x.betId < y.betId ? -1 : 1))
        .map(async (v) => ({
          kind: 'void',
          betId: v.betId,
          playerId: v.playerId,
          stake: v.stake,
          at: await settledAt(v.betId),
          correlationId: v.correlationId,
        })),
    );
    expect(plays).toEqual(expected);

    // Won and lost bets stay in their slips: nothing is queued for them, first time or redelivered.
    const ww = W + 110_000;
    const decided = [bet(a, 10, 4000, ww), bet(b, 10, 4001, ww)];
    await placeConfirmed(decided);
    const settle = handler(3);
    expect(await settle(settleJob({ windowStart: ww, windowEnd: ww + 10_000 }), job)).toEqual({ settled: 2 });
    expect(await settle(settleJob({ windowStart: ww, windowEnd: ww + 10_000 }), job)).toEqual({ settled: 0 });
    expect(await betRow(decided[0]!.betId)).toMatchObject({ result: 'won' });
    expect(await betRow(decided[1]!.betId)).toMatchObject({ result: 'lost' });
    expect(await voidJobsOf(decided)).toEqual([]);
  });

  it("a redelivered settle job re-sends the window's voids in one deterministic job, once while it exists", async () => {
    const p = randomUUID();
    await fund(p, 1_000);
    const wr = W + 120_000;
    const voided = [bet(p, 10, 4000, wr), bet(p, 20, 4001, wr), bet(p, 30, 4000, wr), bet(p, 40, 4002, wr)];
    await placeConfirmed(voided);
    const settle = handler(3);
    expect(await settle(voidJob(wr), job)).toEqual({ settled: 4 });
    const firstJobs = await voidJobsOf(voided);
    expect(firstJobs).toHaveLength(2);
    // Loyalty took them (a completed plays job is removed); then the settle job is redelivered.
    for (const j of firstJobs) await j.remove();
    expect(await settle(voidJob(wr), job)).toEqual({ settled: 0 });
    const resent = await voidJobsOf(voided);
    expect(resent.map((j) => j.id)).toEqual([
      `plays-${playsDigest(
        'void',
        voided.map((v) => v.betId),
      )}`,
    ]);
    expect(resent[0]!.data.plays.map((x) => x.betId).sort()).toEqual(voided.map((v) => v.betId).sort());
    for (const x of resent[0]!.data.plays) expect(x.at).toBe(await settledAt(x.betId));
    // Redelivered again while that job is queued: the same id, still one job; no money moved.
    expect(await settle(voidJob(wr), job)).toEqual({ settled: 0 });
    expect((await voidJobsOf(voided)).map((j) => j.id)).toEqual(resent.map((j) => j.id));
    expect(await balance(p)).toBe(1_000);
    expect(await drift()).toBe(0);
  });

  it("a failure to queue a chunk's voids fails the settle job; its retry re-sends them and settles the rest", async () => {
    const p = randomUUID();
    await fund(p, 1_000);
    const wf = W + 130_000;
    const voided = [bet(p, 10, 4000, wf), bet(p, 20, 4001, wf), bet(p, 30, 4000, wf), bet(p, 40, 4002, wf)];
    await placeConfirmed(voided);
    const broken = createRedis(testRedisUrl(), 'blocking');
    const brokenQueue = createQueue(QUEUES.loyalty, broken, prefix, { logger });
    await brokenQueue.queue.waitUntilReady();
    await broken.quit();
    try {
      await expect(handler(3, createPlaysSender(brokenQueue))(voidJob(wf), job)).rejects.toThrow(/closed/i);
    } finally {
      await brokenQueue.close().catch(() => undefined);
    }
    // The first chunk committed before the failure; nothing reached loyalty.
    const { rows } = await pool.query<{ open: number }>(
      `SELECT count(*) FILTER (WHERE result = 'open')::int AS open FROM bets WHERE window_start = $1`,
      [wf],
    );
    expect(rows[0]!.open).toBe(1);
    expect(await voidJobsOf(voided)).toEqual([]);
    expect(await handler(3)(voidJob(wf), job)).toEqual({ settled: 1 });
    const plays = (await voidJobsOf(voided)).flatMap((j) => j.data.plays);
    expect(plays.map((x) => x.betId).sort()).toEqual(voided.map((v) => v.betId).sort());
    expect(await balance(p)).toBe(1_000);
    expect(await drift()).toBe(0);
  });
});
