import { randomUUID } from 'node:crypto';
import { context } from '@opentelemetry/api';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CHANNELS, QUEUES, redisKeys, type BetIntent, type Play, type PlayerEvent, type PlaysJob } from '@wagerflow/contracts';
import { createPool, withTransaction, type Pool } from '@wagerflow/db';
import { createQueue, createRedis, type Job, type Redis, type TypedQueue } from '@wagerflow/queue';
import { createLogger, initTelemetry, type Logger } from '@wagerflow/runtime';
import { betIntent, createTestDatabase, testRedisUrl, uniquePrefix, waitUntil, type TestDatabase } from '@wagerflow/testing';
import { createBetBatchFlush, type BatchItem } from './bet-batch.js';
import { createPendingBets } from '@wagerflow/pending-bets';
import { playsDigest } from './domain/loyalty-plays.js';
import { createPlaysSender, type PlaysSender } from './loyalty-plays-sender.js';
import { createBalanceCache } from './repositories/balance-cache.js';
import { applyDeposit } from './repositories/deposit.repository.js';

let db: TestDatabase;
let pool: Pool;
let redis: Redis;
let subscriber: Redis;
/** Where the ledger queues plays; no loyalty worker runs here, so every job stays waiting for the tests to read. */
let loyalty: TypedQueue<'loyalty'>;
const prefix = uniquePrefix('ledger');
const keys = redisKeys(prefix);
/** Claims keys as the gateway does: the ledger decides only bets whose claim it can see. */
const pending = createPendingBets(keys);
const events: PlayerEvent[] = [];
let clock = 1_000_000;

function bet(playerId: string, stake: number, over: Partial<BetIntent> = {}): BetIntent {
  clock += 1;
  return betIntent({ playerId, stake, acceptedAt: clock, ...over });
}

async function fund(playerId: string, amount: number) {
  await withTransaction(pool, (c) => applyDeposit(c, { playerId, amount, reference: randomUUID(), correlationId: 'test' }, Date.now()));
}

/** A flush of bets the gateway claimed (their pending records exist, unless a test set the key up otherwise). */
function flushWith(p: Pool, maxCellLiability = 100_000_000, opts: { claim?: boolean; logger?: Logger; sendPlays?: PlaysSender } = {}) {
  const flush = createBetBatchFlush({
    pool: p,
    redis,
    keys,
    cache: createBalanceCache(redis, keys),
    logger: opts.logger ?? createLogger('test', 'silent'),
    sendPlays: opts.sendPlays ?? createPlaysSender(loyalty),
    faultKillAfterCommit: 0,
    maxCellLiability,
  });
  return async (batch: BatchItem[]) => {
    if (opts.claim ?? true)
      await pending.claim(
        redis,
        batch.map((i) => i.bet),
      );
    return flush(batch);
  };
}
const items = (bets: BetIntent[]) => bets.map((b) => ({ bet: b, ctx: context.active() }));

async function wallet(playerId: string) {
  const { rows } = await pool.query<{ balance: number; seq: number; entries: number; total: number }>(
    `SELECT w.balance, w.seq, count(e.*)::int AS entries, coalesce(sum(e.amount), 0)::bigint AS total
       FROM wallets w LEFT JOIN wallet_entries e ON e.wallet_id = w.id WHERE w.player_id = $1 GROUP BY w.id`,
    [playerId],
  );
  return rows[0]!;
}

/** The queued plays jobs that carry a play of this player. */
async function playsJobsOf(playerId: string): Promise<Job<PlaysJob>[]> {
  const jobs = (await loyalty.queue.getJobs(['waiting'])) as Job<PlaysJob>[];
  return jobs.filter((j) => j.data.plays.some((p) => p.playerId === playerId));
}

beforeAll(async () => {
  // Trace ids exist only with a tracer provider, as in every service process (no exporter here): plays carry them.
  initTelemetry('bet-ledger-test', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_TRACES_SAMPLER: 'parentbased_always_on' });
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 10 });
  redis = createRedis(testRedisUrl(), 'blocking');
  subscriber = createRedis(testRedisUrl(), 'blocking');
  loyalty = createQueue(QUEUES.loyalty, redis, prefix);
  await subscriber.subscribe(keys.channel(CHANNELS.playerEvents));
  subscriber.on('message', (_c: string, m: string) => events.push(...(JSON.parse(m) as PlayerEvent[])));
  await redis.hset(keys.market('BTC-USD'), 'status', 'HEALTHY', 'price', 100_000, 'ts', Date.now());
});
afterAll(async () => {
  await loyalty?.close();
  await subscriber?.quit();
  await redis?.quit();
  await pool?.end();
  await db?.drop();
});

describe('ledger batch against real Postgres and Redis', () => {
  it('first-fit in one transaction: 100 with 60, 50, 30 → 60 and 30, entries chained under the lock', async () => {
    const player = randomUUID();
    await fund(player, 100);
    const bets = [bet(player, 60), bet(player, 50), bet(player, 30)];
    await flushWith(pool)(items([bets[2]!, bets[0]!, bets[1]!]));
    const { rows } = await pool.query<{ id: string; status: string; reason: string | null; result: string | null }>(
      'SELECT id, status, reason, result FROM bets WHERE player_id = $1',
      [player],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(bets[0]!.betId)).toMatchObject({ status: 'confirmed', result: 'open' });
    expect(byId.get(bets[1]!.betId)).toMatchObject({ status: 'rejected', reason: 'insufficient_funds', result: null });
    expect(byId.get(bets[2]!.betId)).toMatchObject({ status: 'confirmed' });
    expect(await wallet(player)).toMatchObject({ balance: 10, seq: 3, entries: 3, total: 10 });
    const { rows: entries } = await pool.query<{ seq: number; balance_before: number; balance_after: number }>(
      `SELECT e.seq, e.balance_before, e.balance_after FROM wallet_entries e JOIN wallets w ON w.id = e.wallet_id WHERE w.player_id = $1 ORDER BY e.seq`,
      [player],
    );
    expect(entries.map((e) => [e.seq, e.balance_before, e.balance_after])).toEqual([
      [1, 0, 100],
      [2, 100, 40],
      [3, 40, 10],
    ]);
    expect(await redis.hgetall(keys.balance(player))).toEqual({ balance: '10', walletSeq: '3' });
  });

  it('a redelivered batch changes nothing and re-publishes the stored outcomes', async () => {
    const player = randomUUID();
    await fund(player, 100);
    const bets = [bet(player, 70), bet(player, 70)];
    const flush = flushWith(pool);
    await flush(items(bets));
    const before = await wallet(player);
    const published = () => events.filter((e) => e.playerId === player);
    await new Promise((r) => setTimeout(r, 100));
    const firstRound = published().map((e) => ({ ...e, traceparent: undefined }));
    await flush(items(bets));
    await new Promise((r) => setTimeout(r, 100));
    expect(await wallet(player)).toEqual(before);
    const all = published().map((e) => ({ ...e, traceparent: undefined }));
    expect(all).toHaveLength(4);
    expect(all.slice(2)).toEqual(expect.arrayContaining(firstRound));
  });

  it('a redelivered batch whose bet was archived meanwhile places nothing again: no bet, no money, no event', async () => {
    const player = randomUUID();
    await fund(player, 100);
    const placed = bet(player, 40);
    const flush = flushWith(pool);
    await flush(items([placed]));
    // The bet settles lost and an archive run takes it (as commitPartition does): tombstone, its entries' sum into the
    // wallet's checkpoint, rows gone. Its key's stored marker is still in Redis.
    await withTransaction(pool, async (c) => {
      await c.query("UPDATE bets SET result = 'lost', payout = 0, settled_at = $2 WHERE id = $1", [placed.betId, Date.now()]);
      await c.query(
        'INSERT INTO archived_bets (bet_id, player_id, client_bet_id, archived_at) SELECT id, player_id, client_bet_id, 1 FROM bets WHERE id = $1',
        [placed.betId],
      );
      await c.query(
        `WITH d AS (DELETE FROM wallet_entries WHERE bet_id = $1 RETURNING wallet_id, amount)
         INSERT INTO wallet_archive_checkpoints AS c (wallet_id, archived_sum, updated_at)
         SELECT wallet_id, sum(amount), 1 FROM d GROUP BY wallet_id
         ON CONFLICT (wallet_id) DO UPDATE SET archived_sum = c.archived_sum + excluded.archived_sum`,
        [placed.betId],
      );
      await c.query('DELETE FROM bets WHERE id = $1', [placed.betId]);
    });
    const before = await wallet(player);
    await new Promise((r) => setTimeout(r, 100));
    const eventsBefore = events.filter((e) => e.playerId === player).length;
    await flushWith(pool, undefined, { claim: false })(items([placed]));
    await new Promise((r) => setTimeout(r, 100));
    expect(await wallet(player)).toEqual(before);
    expect(before.balance).toBe(60);
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM bets WHERE player_id = $1', [player]);
    expect(rows[0]!.n).toBe(0);
    expect(events.filter((e) => e.playerId === player)).toHaveLength(eventsBefore);
    const { rows: drift } = await pool.query<{ drift: number }>('SELECT drift FROM ledger_wallet_drift()');
    expect(drift[0]!.drift).toBe(0);
  });

  it('fresh claims cost no stored-outcome lookup; a redelivery looks up (marker) or conflicts first (no marker), never a failed attempt', async () => {
    const player = randomUUID();
    await fund(player, 1_000);
    const bets = [bet(player, 100), bet(player, 200)];
    const logger = createLogger('test', 'silent');
    const warn = vi.spyOn(logger, 'warn');
    const flush = flushWith(pool, undefined, { logger });
    const query = vi.spyOn(pool, 'query');
    const lookups = () => query.mock.calls.filter(([q]) => (q as { name?: string }).name === 'ledger.stored-outcomes').length;
    // Transactions' statements run on pooled clients.
    const clientQuery = vi.spyOn(pg.Client.prototype, 'query');
    const writes = () => clientQuery.mock.calls.filter(([q]) => (q as { name?: string }).name === 'ledger.write-batch').length;
    const republished = async (since: number) =>
      waitUntil(async () => (events.length - since >= 2 ? true : undefined), { timeoutMs: 5_000, description: 're-published' });
    try {
      await flush(items(bets));
      expect(lookups()).toBe(0);
      expect(writes()).toBe(1);
      // Redelivered after the stored markers were written: looked up before any lock.
      let since = events.length;
      await flush(items(bets));
      expect(lookups()).toBe(1);
      expect(writes()).toBe(1); // nothing left to write: no transaction tried and rolled back
      await republished(since);
      // Redelivered after a crash between the commit and the markers: no marker, the pending records (claimed again here).
      await redis.del(bets.map((b) => keys.pendingBet(player, b.clientBetId)));
      since = events.length;
      await flush(items(bets));
      expect(lookups()).toBe(2);
      expect(writes()).toBe(2); // the one that conflicted
      await republished(since);
      expect(await wallet(player)).toMatchObject({ balance: 700, entries: 3 });
      expect(warn).not.toHaveBeenCalled();
    } finally {
      query.mockRestore();
      clientQuery.mockRestore();
    }
  });

  it("a duplicate request's intent that lost the key at the gateway is dropped: the winner is decided, whatever the order", async () => {
    const player = randomUUID();
    await fund(player, 1_000);
    const winner = bet(player, 100);
    const loser = { ...winner, betId: randomUUID(), stake: 100 };
    const record = { betId: winner.betId, playerId: player, clientBetId: winner.clientBetId };
    await redis.set(keys.pendingBet(player, winner.clientBetId), JSON.stringify(record));
    for (const b of [winner, loser]) await redis.set(keys.pendingBetId(b.betId), `${player}|${winner.clientBetId}`);
    await redis.sadd(keys.pendingWindow(winner.marketId, winner.windowStart), `${player}|${winner.clientBetId}`);
    // The loser's job comes first, alone: it must not take the key.
    await flushWith(pool)(items([loser]));
    expect((await pool.query('SELECT id FROM bets WHERE player_id = $1', [player])).rows).toEqual([]);
    expect(await redis.exists(keys.pendingBetId(loser.betId))).toBe(0);
    expect(await redis.sismember(keys.pendingWindow(winner.marketId, winner.windowStart), `${player}|${winner.clientBetId}`)).toBe(1);
    await flushWith(pool)(items([loser, winner]));
    const { rows } = await pool.query<{ id: string; status: string }>('SELECT id, status FROM bets WHERE player_id = $1', [player]);
    expect(rows).toEqual([{ id: winner.betId, status: 'confirmed' }]);
    expect((await wallet(player)).balance).toBe(900);
    // The record became a stored marker naming the winner (a late claim of the key fails on it); the id is gone.
    expect(JSON.parse((await redis.get(keys.pendingBet(player, winner.clientBetId)))!)).toEqual({ betId: winner.betId, stored: true });
    expect(await redis.ttl(keys.pendingBet(player, winner.clientBetId))).toBeGreaterThan(0);
    expect(await redis.exists(keys.pendingBetId(winner.betId))).toBe(0);
    expect(await redis.scard(keys.pendingWindow(winner.marketId, winner.windowStart))).toBe(0);
  });

  it('the same bets in two batches at once (a redelivery racing the original): stored once, debited once, both batches finish', async () => {
    const player = randomUUID();
    await fund(player, 1_000);
    const bets = [bet(player, 100), bet(player, 200), bet(player, 300)];
    const outcomes = events.length;
    await Promise.all([flushWith(pool)(items(bets)), flushWith(pool)(items([...bets].reverse()))]);
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM bets WHERE player_id = $1', [player]);
    expect(rows[0]!.n).toBe(3);
    expect(await wallet(player)).toMatchObject({ balance: 400, entries: 4 });
    // Each batch publishes the outcomes of its bets: the loser of the race re-publishes the stored ones.
    await waitUntil(async () => (events.length - outcomes >= 6 ? true : undefined), { timeoutMs: 5_000, description: 'outcomes' });
  });

  it('a redelivered stored bet never overwrites a newer claim of its key (its marker had expired)', async () => {
    const player = randomUUID();
    await fund(player, 1_000);
    const stored = bet(player, 100);
    await flushWith(pool)(items([stored]));
    const key = keys.pendingBet(player, stored.clientBetId);
    // The marker expired, then another request claimed the key: its record names its own bet.
    const newer = JSON.stringify({ betId: randomUUID(), playerId: player, clientBetId: stored.clientBetId });
    await redis.set(key, newer);
    await flushWith(pool)(items([stored]));
    expect(await redis.get(key)).toBe(newer);
    // Its own record is replaced by the marker, and so is no record at all (the stored bet is re-published).
    await redis.del(key);
    await flushWith(pool)(items([stored]));
    expect(JSON.parse((await redis.get(key))!)).toEqual({ betId: stored.betId, stored: true });
    await redis.del(key);
    const published = events.length;
    await flushWith(pool, undefined, { claim: false })(items([stored]));
    expect(JSON.parse((await redis.get(key))!)).toEqual({ betId: stored.betId, stored: true });
    await waitUntil(async () => (events.slice(published).some((e) => 'betId' in e && e.betId === stored.betId) ? true : undefined), {
      timeoutMs: 5_000,
      description: 're-published outcome',
    });
    expect((await wallet(player)).balance).toBe(900);
  });

  it('an intent whose claim the gateway refused (no record, nothing stored) is dropped: no bet, no money, no event', async () => {
    const player = randomUUID();
    await fund(player, 1_000);
    const refused = bet(player, 100);
    const claimed = bet(player, 200);
    await pending.claim(redis, [claimed]);
    const published = events.length;
    await flushWith(pool, undefined, { claim: false })(items([refused, claimed]));
    const { rows } = await pool.query<{ id: string }>('SELECT id FROM bets WHERE player_id = $1', [player]);
    expect(rows).toEqual([{ id: claimed.betId }]);
    expect((await wallet(player)).balance).toBe(800);
    await new Promise((r) => setTimeout(r, 100));
    expect(events.slice(published).filter((e) => 'betId' in e && e.betId === refused.betId)).toEqual([]);
    expect(await redis.exists(keys.pendingBet(player, refused.clientBetId))).toBe(0);
  });

  it('a bet past its lockout is rejected cell_closed and moves no money', async () => {
    const player = randomUUID();
    await fund(player, 100);
    const late = bet(player, 10, { lockoutAt: Date.now() - 1 });
    await flushWith(pool)(items([late]));
    const { rows } = await pool.query<{ status: string; reason: string }>('SELECT status, reason FROM bets WHERE id = $1', [late.betId]);
    expect(rows[0]).toEqual({ status: 'rejected', reason: 'cell_closed' });
    expect(await wallet(player)).toMatchObject({ balance: 100, seq: 1 });
  });

  it('concurrent batches over the same wallets, in opposite orders, never deadlock nor overdraw', async () => {
    const players = Array.from({ length: 20 }, () => randomUUID());
    for (const p of players) await fund(p, 500);
    const poolB = createPool(db.url, { max: 5 });
    const batches = Array.from({ length: 6 }, (_, k) => {
      const order = k % 2 === 0 ? players : [...players].reverse();
      return order.flatMap((p) => [bet(p, 10 + (k % 3) * 20), bet(p, 40)]);
    });
    await Promise.all(batches.map((b, k) => flushWith(k % 2 === 0 ? pool : poolB)(items(b))));
    await poolB.end();
    for (const p of players) {
      const w = await wallet(p);
      expect(w.balance).toBeGreaterThanOrEqual(0);
      expect(w.balance).toBe(w.total);
      const { rows } = await pool.query<{ s: number }>(
        `SELECT coalesce(sum(stake), 0)::bigint AS s FROM bets WHERE player_id = $1 AND status = 'confirmed'`,
        [p],
      );
      expect(w.balance).toBe(500 - rows[0]!.s);
    }
  });

  it('bets on a CRITICAL market (or one with no status yet) are rejected market_suspended', async () => {
    const player = randomUUID();
    await fund(player, 100);
    await redis.hset(keys.market('ETH-USD'), 'status', 'CRITICAL');
    const onCritical = bet(player, 10, { marketId: 'ETH-USD' });
    const onUnknown = bet(player, 10, { marketId: 'SOL-USD' });
    const healthy = bet(player, 10);
    await flushWith(pool)(items([onCritical, onUnknown, healthy]));
    const { rows } = await pool.query<{ id: string; status: string; reason: string | null }>(
      'SELECT id, status, reason FROM bets WHERE player_id = $1',
      [player],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(onCritical.betId)).toMatchObject({ status: 'rejected', reason: 'market_suspended' });
    expect(byId.get(onUnknown.betId)).toMatchObject({ status: 'rejected', reason: 'market_suspended' });
    expect(byId.get(healthy.betId)).toMatchObject({ status: 'confirmed' });
    expect(await wallet(player)).toMatchObject({ balance: 90 });
  });

  it('the cell liability cap holds across concurrent batches (two replicas), first come first served', async () => {
    const players = Array.from({ length: 20 }, () => randomUUID());
    for (const p of players) await fund(p, 1_000);
    const cellId = 'BTC-USD:9999980000:4100';
    // 100 at 2.15 → potential payout 215, liability 115 each: a cap of 1 000 fits 8.
    const bets = players.map((p) => bet(p, 100, { cellId, multiplierBps: 21_500 }));
    const poolB = createPool(db.url, { max: 5 });
    await Promise.all([flushWith(pool, 1_000)(items(bets.slice(0, 10))), flushWith(poolB, 1_000)(items(bets.slice(10)))]);
    await poolB.end();
    const { rows } = await pool.query<{ status: string; reason: string | null; n: number }>(
      'SELECT status, reason, count(*)::int AS n FROM bets WHERE cell_id = $1 GROUP BY status, reason ORDER BY status',
      [cellId],
    );
    expect(rows).toEqual([
      { status: 'confirmed', reason: null, n: 8 },
      { status: 'rejected', reason: 'limit_exceeded', n: 12 },
    ]);
  });

  it('the balance cache never moves backwards', async () => {
    const player = randomUUID();
    await fund(player, 100);
    await redis.hset(keys.balance(player), 'balance', '999', 'walletSeq', '50');
    await flushWith(pool)(items([bet(player, 10)]));
    expect(await redis.hgetall(keys.balance(player))).toEqual({ balance: '999', walletSeq: '50' });
  });

  it('deposits are idempotent per reference and refuse a reused reference with another amount', async () => {
    const player = randomUUID();
    const job = { playerId: player, amount: 300, reference: 'ref-1', correlationId: 'c' };
    const first = await withTransaction(pool, (c) => applyDeposit(c, job, Date.now()));
    const again = await withTransaction(pool, (c) => applyDeposit(c, job, Date.now()));
    const reused = await withTransaction(pool, (c) => applyDeposit(c, { ...job, amount: 301 }, Date.now()));
    expect(first.result).toMatchObject({ ok: true, balance: 300, replay: false });
    expect(again.result).toEqual({ ...first.result, replay: true });
    expect(reused.result).toEqual({ ok: false, code: 'idempotency_key_reused' });
    expect(await wallet(player)).toMatchObject({ balance: 300, seq: 1, entries: 1 });
  });
});

describe("a batch's loyalty plays", () => {
  const confirmedAt = async (betId: string) =>
    (await pool.query<{ confirmed_at: number }>('SELECT confirmed_at FROM bets WHERE id = $1', [betId])).rows[0]!.confirmed_at;
  const eventOf = (betId: string) =>
    waitUntil(() => events.find((e) => 'betId' in e && e.betId === betId), { timeoutMs: 5_000, description: `outcome of ${betId}` });
  const withoutTrace = (plays: Play[]) => plays.map(({ traceparent: _, ...p }) => p);

  it('the confirmed bets of a batch go to loyalty in one job named by their digest, in their traces; rejected ones do not', async () => {
    const player = randomUUID();
    const other = randomUUID();
    await fund(player, 100);
    await fund(other, 50);
    // 60 and 30 confirmed, 50 rejected (first-fit); the other player's 20 confirmed in the same batch.
    const [b60, b50, b30, b20] = [bet(player, 60), bet(player, 50), bet(player, 30), bet(other, 20)];
    await flushWith(pool)(items([b60, b50, b30, b20]));
    const confirmed = [b60, b30, b20];
    const jobs = await playsJobsOf(player);
    expect(jobs).toHaveLength(1);
    const job = jobs[0]!;
    expect(job.name).toBe('plays');
    expect(job.id).toBe(
      `plays-${playsDigest(
        'bet',
        confirmed.map((b) => b.betId),
      )}`,
    );
    expect(job.opts.removeOnComplete).toBe(true);
    const expected = await Promise.all(
      [...confirmed]
        .sort((a, b) => (a.betId < b.betId ? -1 : 1))
        .map(async (b) => ({
          kind: 'bet',
          betId: b.betId,
          playerId: b.playerId,
          stake: b.stake,
          at: await confirmedAt(b.betId),
          correlationId: b.correlationId,
        })),
    );
    expect(withoutTrace(job.data.plays)).toEqual(expected);
    // Each play carries the trace its bet's outcome event carries: its `ledger.apply` span.
    for (const p of job.data.plays) {
      expect(p.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
      expect(p.traceparent).toBe((await eventOf(p.betId)).traceparent);
    }
    expect(job.data.plays.map((p) => p.betId)).not.toContain(b50.betId);
  });

  it('a batch of only rejected bets queues nothing', async () => {
    const player = randomUUID();
    await fund(player, 10);
    const refused = [bet(player, 50), bet(player, 10, { lockoutAt: Date.now() - 1 })];
    await flushWith(pool)(items(refused));
    const { rows } = await pool.query<{ status: string }>('SELECT status FROM bets WHERE player_id = $1', [player]);
    expect(rows.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await eventOf(refused[1]!.betId);
    expect(await playsJobsOf(player)).toEqual([]);
  });

  it('a redelivered batch whose bets are stored re-sends the same plays under the same job id, once while it exists', async () => {
    const player = randomUUID();
    await fund(player, 100);
    const bets = [bet(player, 70), bet(player, 70), bet(player, 20)];
    const flush = flushWith(pool);
    await flush(items(bets));
    const [first] = await playsJobsOf(player);
    expect(first).toBeDefined();
    expect(first!.data.plays.map((p) => p.betId).sort()).toEqual([bets[0]!.betId, bets[2]!.betId].sort());

    // Redelivered while the job is still queued: the same id, so still one job.
    await flush(items([...bets].reverse()));
    expect((await playsJobsOf(player)).map((j) => j.id)).toEqual([first!.id]);

    // Loyalty took it (a completed plays job is removed); a later redelivery, here with no stored marker left
    // (the insert conflict path), sends the stored outcomes' plays again under the same id.
    await first!.remove();
    await redis.del(bets.map((b) => keys.pendingBet(player, b.clientBetId)));
    await flush(items(bets));
    const again = await playsJobsOf(player);
    expect(again.map((j) => j.id)).toEqual([first!.id]);
    expect(withoutTrace(again[0]!.data.plays)).toEqual(withoutTrace(first!.data.plays));
    // In the redelivery's trace, as its re-published events are.
    for (const p of again[0]!.data.plays) expect(p.traceparent).toMatch(/^00-[0-9a-f]{32}-/);
    expect(await wallet(player)).toMatchObject({ balance: 10, entries: 3 });
  });

  it('a different set of bets never shares a job id: a redelivery batched with new bets is a new job', async () => {
    const player = randomUUID();
    await fund(player, 1_000);
    const stored = bet(player, 100);
    const flush = flushWith(pool);
    await flush(items([stored]));
    const fresh = bet(player, 200);
    await flush(items([stored, fresh]));
    const jobs = await playsJobsOf(player);
    expect(jobs.map((j) => j.data.plays.map((p) => p.betId).sort()).sort()).toEqual(
      [[stored.betId], [stored.betId, fresh.betId].sort()].sort(),
    );
    expect(new Set(jobs.map((j) => j.id)).size).toBe(2);
  });

  it('a failure to queue the plays fails the flush (its jobs retry); the bets stay committed and the retry sends them', async () => {
    const player = randomUUID();
    await fund(player, 1_000);
    const bets = [bet(player, 100), bet(player, 200)];
    const broken = createRedis(testRedisUrl(), 'blocking');
    const brokenQueue = createQueue(QUEUES.loyalty, broken, prefix, { logger: createLogger('test', 'silent') });
    await brokenQueue.queue.waitUntilReady();
    await broken.quit();
    try {
      await expect(flushWith(pool, undefined, { sendPlays: createPlaysSender(brokenQueue) })(items(bets))).rejects.toThrow(/closed/i);
    } finally {
      await brokenQueue.close().catch(() => undefined);
    }
    expect(await playsJobsOf(player)).toEqual([]);
    expect(await wallet(player)).toMatchObject({ balance: 700, entries: 3 });
    // The retry (a redelivery of the same jobs) finds the bets stored and sends their plays.
    await flushWith(pool)(items(bets));
    const jobs = await playsJobsOf(player);
    expect(jobs.map((j) => j.id)).toEqual([
      `plays-${playsDigest(
        'bet',
        bets.map((b) => b.betId),
      )}`,
    ]);
    expect(await wallet(player)).toMatchObject({ balance: 700, entries: 3 });
  });
});
