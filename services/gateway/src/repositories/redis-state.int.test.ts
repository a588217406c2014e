import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '@wagerflow/contracts';
import { createRedis, type Redis } from '@wagerflow/queue';
import { testRedisUrl, uniquePrefix } from '@wagerflow/testing';
import { redisState, redisTimeMs, type RedisState } from './redis-state.js';

const keys = redisKeys(uniquePrefix('nonce'));
let redis: Redis;
/** The production store: 10 s buckets, 90 s window. */
let state: RedisState;
/** The same script on a 1.2 s window of 300 ms buckets, to watch a nonce pass through its whole life. */
let short: RedisState;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  redis = createRedis(testRedisUrl(), 'request');
  await new Promise((resolve) => redis.once('ready', resolve));
  state = redisState(redis, keys);
  short = redisState(redis, redisKeys(uniquePrefix('short-nonce')), { nonceStore: { bucketMs: 300, windowMs: 1_200 } });
});
afterAll(async () => {
  await redis?.quit();
});

async function redisNowMs(): Promise<number> {
  return redisTimeMs(await redis.time());
}

describe('nonce store (time-bucketed sets on Redis time)', () => {
  it('spends a nonce once, in any case', async () => {
    const nonce = randomUUID();
    expect(await state.spendNonce(nonce)).toBe(true);
    expect(await state.spendNonce(nonce)).toBe(false);
    expect(await state.spendNonce(nonce.toUpperCase())).toBe(false);
    expect(await state.spendNonce(randomUUID())).toBe(true);
  });

  it('refuses a nonce for the whole window, across bucket boundaries, and forgets it only after', async () => {
    const nonce = randomUUID();
    const spentAt = Date.now();
    expect(await short.spendNonce(nonce)).toBe(true);
    // Refused for at least the window (1.2 s); checks stop at 0.9 s to leave room for a slow machine.
    while (Date.now() - spentAt < 900) {
      expect(await short.spendNonce(nonce), `${Date.now() - spentAt} ms after`).toBe(false);
      await sleep(100);
    }
    await sleep(1_200); // window + one bucket of slack: the bucket is gone
    expect(await short.spendNonce(nonce)).toBe(true);
  });

  it('keeps a bucket (16-byte members) only until no check can look at it: its expiry is on Redis time', async () => {
    const before = Math.floor((await redisNowMs()) / 10_000);
    await state.spendNonce(randomUUID());
    const after = Math.floor((await redisNowMs()) / 10_000);
    // (A bucket boundary may pass between the reads: the nonce is in one of the two.)
    const key = keys.nonceBucket((await redis.exists(keys.nonceBucket(after))) ? after : before);
    const members = await redis.smembersBuffer(key);
    expect(members.length).toBeGreaterThan(0);
    expect(members.every((m) => m.length === 16)).toBe(true);
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(90_000);
    expect(ttl).toBeLessThanOrEqual(90_000 + 2 * 10_000);
  });

  it('concurrent spends of one nonce: exactly one wins', async () => {
    const nonce = randomUUID();
    const results = await Promise.all(Array.from({ length: 20 }, () => state.spendNonce(nonce)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});

describe('bet context', () => {
  it("tells a pending record, the ledger's stored marker and nothing apart", async () => {
    const player = randomUUID();
    const [pendingKey, storedKey, noneKey] = [randomUUID(), randomUUID(), randomUUID()];
    await redis.set(
      keys.pendingBet(player, pendingKey),
      JSON.stringify({
        betId: 'b1',
        playerId: player,
        clientBetId: pendingKey,
        marketId: 'BTC-USD',
        cellId: 'BTC-USD:9999990000:4000',
        stake: 10,
        multiplierBps: 21_500,
        minMultiplierBps: null,
        placedAt: 1,
      }),
    );
    await redis.set(keys.pendingBet(player, storedKey), JSON.stringify({ stored: true, betId: 'b2' }));
    const pending = await state.betContext(player, pendingKey, 'BTC-USD');
    expect(pending).toMatchObject({ pending: { betId: 'b1' }, storedMarker: false });
    expect(await state.betContext(player, storedKey, 'BTC-USD')).toMatchObject({ pending: null, storedMarker: true });
    expect(await state.betContext(player, noneKey, 'BTC-USD')).toMatchObject({ pending: null, storedMarker: false });
  });
});
