import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '@wagerflow/contracts';
import { createRedis, type Redis } from '@wagerflow/queue';
import { testRedisUrl, uniquePrefix } from '@wagerflow/testing';
import { NONCE_BUCKET_MS } from '../domain/nonce-buckets.js';
import { redisState, type RedisState } from './redis-state.js';

const prefix = uniquePrefix('nonce');
const keys = redisKeys(prefix);
let redis: Redis;
let state: RedisState;

beforeAll(async () => {
  redis = createRedis(testRedisUrl(), 'request');
  await new Promise((resolve) => redis.once('ready', resolve));
  state = redisState(redis, keys);
});
afterAll(async () => {
  await redis?.quit();
});

describe('nonce store (time-bucketed sets)', () => {
  it('spends a nonce once, in any case, and refuses it for the next 90 s', async () => {
    const t = Date.now();
    const nonce = randomUUID();
    expect(await state.spendNonce(nonce, t)).toBe(true);
    expect(await state.spendNonce(nonce, t)).toBe(false);
    expect(await state.spendNonce(nonce.toUpperCase(), t + 1_000)).toBe(false);
    expect(await state.spendNonce(nonce, t + 45_000)).toBe(false);
    expect(await state.spendNonce(nonce, t + 90_000)).toBe(false);
    expect(await state.spendNonce(randomUUID(), t + 90_000)).toBe(true);
  });

  it('keeps each bucket only as long as a check can look at it, and stores 16 bytes per nonce', async () => {
    const t = Date.now();
    await state.spendNonce(randomUUID(), t);
    const key = keys.nonceBucket(Math.floor(t / NONCE_BUCKET_MS));
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(90_000);
    expect(ttl).toBeLessThanOrEqual(90_000 + 3 * NONCE_BUCKET_MS);
    const members = await redis.smembersBuffer(key);
    expect(members.every((m) => m.length === 16)).toBe(true);
  });

  it('concurrent spends of one nonce: exactly one wins', async () => {
    const nonce = randomUUID();
    const results = await Promise.all(Array.from({ length: 20 }, () => state.spendNonce(nonce)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});
