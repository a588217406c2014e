import { setTimeout as delay } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES, redisKeys, type BetIntent } from '@wagerflow/contracts';
import { createQueue, createRedis, type Redis, type TypedQueue } from '@wagerflow/queue';
import { recordOf } from '@wagerflow/pending-bets';
import { betIntent, testRedisUrl, uniquePrefix } from '@wagerflow/testing';
import { createBetEnqueuer } from './bet-enqueuer.js';
import { redisTimeMs, type PendingRecord } from './redis-state.js';

const prefix = uniquePrefix('enqueue');
const keys = redisKeys(prefix);
let redis: Redis;
let queue: TypedQueue<'ledger'>;

function accepted(playerId: string, clientBetId: string = randomUUID()): { record: PendingRecord; intent: BetIntent } {
  const intent = betIntent({ playerId, clientBetId, multiplierBps: 20_000, lockoutAt: 9_999_988_000 });
  return { record: recordOf(intent), intent };
}

/** A deadline far ahead: these claims are never late. */
const LATER = Number.MAX_SAFE_INTEGER;
const queuedBets = async () => (await queue.queue.getJobs(['waiting'])).flatMap((j) => (j.data as { bets: BetIntent[] }).bets);

beforeAll(() => {
  redis = createRedis(testRedisUrl(), 'blocking');
  queue = createQueue(QUEUES.ledger, redis, prefix);
});
afterAll(async () => {
  await queue?.close();
  await redis?.quit();
});

describe('bet enqueuer (several bets per ledger job)', () => {
  it('bets submitted together share one job, each with its pending record, id and window membership', async () => {
    const enqueuer = createBetEnqueuer({ queue, keys, maxBetsPerJob: 100, batchWaitMs: 0 });
    const bets = Array.from({ length: 5 }, () => accepted(randomUUID()));
    expect(await Promise.all(bets.map((b) => enqueuer.enqueue(b.intent, LATER)))).toEqual(Array(5).fill('claimed'));
    const jobs = await queue.queue.getJobs(['waiting']);
    expect(jobs).toHaveLength(1);
    expect((jobs[0]!.data as { bets: BetIntent[] }).bets.map((b) => b.betId)).toEqual(bets.map((b) => b.record.betId));
    for (const { record } of bets) {
      expect(JSON.parse((await redis.get(keys.pendingBet(record.playerId, record.clientBetId)))!)).toEqual(record);
      expect(await redis.get(keys.pendingBetId(record.betId))).toBe(`${record.playerId}|${record.clientBetId}`);
      expect(await redis.sismember(keys.pendingWindow('BTC-USD', 9_999_990_000), `${record.playerId}|${record.clientBetId}`)).toBe(1);
    }
    await enqueuer.close();
    await queue.queue.obliterate({ force: true });
  });

  it('splits a burst into jobs of at most maxBetsPerJob', async () => {
    const enqueuer = createBetEnqueuer({ queue, keys, maxBetsPerJob: 3, batchWaitMs: 0 });
    const bets = Array.from({ length: 7 }, () => accepted(randomUUID()));
    await Promise.all(bets.map((b) => enqueuer.enqueue(b.intent, LATER)));
    const sizes = (await queue.queue.getJobs(['waiting'])).map((j) => (j.data as { bets: BetIntent[] }).bets.length).sort();
    expect(sizes).toEqual([1, 3, 3]);
    await enqueuer.close();
    await queue.queue.obliterate({ force: true });
  });

  it('while bets keep coming, a job waits batchWaitMs for more; a lone bet goes at once', async () => {
    const enqueuer = createBetEnqueuer({ queue, keys, maxBetsPerJob: 100, batchWaitMs: 1_000 });
    const [a, b, c] = Array.from({ length: 3 }, () => accepted(randomUUID()));
    const started = Date.now();
    expect(await enqueuer.enqueue(a!.intent, LATER)).toBe('claimed'); // nothing came before it: not held back
    expect(Date.now() - started).toBeLessThan(1_000);
    // B follows A closely, so it waits for company; C arrives during that wait and shares its job.
    const both = Promise.all([enqueuer.enqueue(b!.intent, LATER), delay(50).then(() => enqueuer.enqueue(c!.intent, LATER))]);
    expect(await both).toEqual(['claimed', 'claimed']);
    const jobs = (await queue.queue.getJobs(['waiting'])).map((j) => (j.data as { bets: BetIntent[] }).bets.map((x) => x.betId));
    expect(jobs.sort((x, y) => x.length - y.length)).toEqual([[a!.record.betId], [b!.record.betId, c!.record.betId]]);
    await enqueuer.close();
    await queue.queue.obliterate({ force: true });
  });

  it('one key twice in one batch: the first wins, the second is not queued', async () => {
    const enqueuer = createBetEnqueuer({ queue, keys, maxBetsPerJob: 100, batchWaitMs: 0 });
    const player = randomUUID();
    const a = accepted(player, 'same-key');
    const b = accepted(player, 'same-key');
    expect(await Promise.all([enqueuer.enqueue(a.intent, LATER), enqueuer.enqueue(b.intent, LATER)])).toEqual(['claimed', 'taken']);
    expect((await queuedBets()).map((x) => x.betId)).toEqual([a.record.betId]);
    await enqueuer.close();
    await queue.queue.obliterate({ force: true });
  });

  it('one key from two gateway replicas at once: exactly one wins; the record names it, so the ledger can drop the other', async () => {
    const one = createBetEnqueuer({ queue, keys, maxBetsPerJob: 100, batchWaitMs: 0 });
    const two = createBetEnqueuer({ queue, keys, maxBetsPerJob: 100, batchWaitMs: 0 });
    const player = randomUUID();
    const a = accepted(player, 'raced');
    // The duplicate names a cell in another window: losing, it must leave that window's pending set alone.
    const b = accepted(player, 'raced');
    b.intent.windowStart = 9_999_980_000;
    const [resultA, resultB] = await Promise.all([one.enqueue(a.intent, LATER), two.enqueue(b.intent, LATER)]);
    expect([resultA, resultB].sort()).toEqual(['claimed', 'taken']);
    const wonA = resultA === 'claimed';
    const winner = wonA ? a : b;
    expect((JSON.parse((await redis.get(keys.pendingBet(player, 'raced')))!) as PendingRecord).betId).toBe(winner.record.betId);
    const loser = wonA ? b : a;
    expect(await redis.exists(keys.pendingBetId(loser.record.betId))).toBe(0);
    const winnerIn = await redis.sismember(keys.pendingWindow('BTC-USD', winner.intent.windowStart), `${player}|raced`);
    const loserIn = await redis.sismember(keys.pendingWindow('BTC-USD', loser.intent.windowStart), `${player}|raced`);
    expect([winnerIn, loserIn]).toEqual([1, 0]);
    // Both intents were queued (a job cannot be conditional on its MULTI's claims); the ledger test covers the drop.
    expect((await queuedBets()).map((x) => x.betId).sort()).toEqual([a.record.betId, b.record.betId].sort());
    await Promise.all([one.close(), two.close()]);
    await queue.queue.obliterate({ force: true });
  });

  it("a claim reaching Redis after its deadline (Redis's clock) writes nothing; the bet rides in the job and the ledger drops it", async () => {
    const enqueuer = createBetEnqueuer({ queue, keys, maxBetsPerJob: 100, batchWaitMs: 0 });
    const redisNow = redisTimeMs(await redis.time());
    const late = accepted(randomUUID());
    const onTime = accepted(randomUUID());
    expect(await Promise.all([enqueuer.enqueue(late.intent, redisNow - 1), enqueuer.enqueue(onTime.intent, redisNow + 60_000)])).toEqual([
      'expired',
      'claimed',
    ]);
    expect(await redis.exists(keys.pendingBet(late.record.playerId, late.record.clientBetId))).toBe(0);
    expect(await redis.exists(keys.pendingBetId(late.record.betId))).toBe(0);
    expect(await redis.sismember(keys.pendingWindow('BTC-USD', 9_999_990_000), `${late.record.playerId}|${late.record.clientBetId}`)).toBe(
      0,
    );
    expect(await redis.zcard(keys.pendingByPlayer(late.record.playerId))).toBe(0);
    expect(await redis.exists(keys.pendingBet(onTime.record.playerId, onTime.record.clientBetId))).toBe(1);
    await enqueuer.close();
    await queue.queue.obliterate({ force: true });
  });
});
