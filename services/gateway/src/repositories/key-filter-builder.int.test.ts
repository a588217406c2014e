import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '@wagerflow/contracts';
import { createLogger, createMetrics } from '@wagerflow/runtime';
import { testRedisUrl, uniquePrefix } from '@wagerflow/testing';
import { keyFilterBuilder } from './key-filter-builder.js';

let redis: Redis;
const keys = redisKeys(uniquePrefix('kf-builder'));

beforeAll(() => {
  redis = new Redis(testRedisUrl());
});
afterAll(async () => {
  await redis?.quit();
});

function builder(readStoredKeys: (playerId: string) => Promise<readonly string[]>, concurrency = 2) {
  const metrics = createMetrics('gateway');
  const b = keyFilterBuilder({ redis, keys, readStoredKeys, logger: createLogger('test', 'silent'), metrics, concurrency, ttlMs: 60_000 });
  return { b, metrics };
}

describe('key filter builder', () => {
  it('one build per player at a time, at most `concurrency` at once; each counted by how it ended', async () => {
    const waiting: (() => void)[] = [];
    const { b, metrics } = builder(() => new Promise((resolve) => waiting.push(() => resolve([randomUUID()]))));
    const [p1, p2, p3] = [randomUUID(), randomUUID(), randomUUID()];
    const first = b.request(p1);
    expect(await b.request(p1)).toBe('skipped');
    const second = b.request(p2);
    expect(await b.request(p3)).toBe('skipped');
    expect(b.running).toBe(2);
    await expect.poll(() => waiting.length).toBe(2);
    for (const release of waiting) release();
    expect(await Promise.all([first, second])).toEqual(['built', 'built']);
    expect(b.running).toBe(0);
    // Another process's ready filter: nothing to build.
    expect(await b.request(p1)).toBe('busy');
    const counted = await metrics.registry.getSingleMetricAsString('wagerflow_gateway_key_filter_builds_total');
    expect(counted).toMatch(/result="built"[^}]*} 2$/m);
    expect(counted).toMatch(/result="busy"[^}]*} 1$/m);
  });

  it('a failed Postgres read is logged and counted, and leaves the player to a later build', async () => {
    let fail = true;
    const { b } = builder(() => (fail ? Promise.reject(new Error('postgres down')) : Promise.resolve([])));
    const player = randomUUID();
    expect(await b.request(player)).toBe('failed');
    expect(await redis.hget(keys.keyFilter(player), 'state')).toBe('building');
    fail = false;
    // The failed build's state blocks a new one until it is stale (BUILD_MS); a shorter one here.
    await redis.hset(keys.keyFilter(player), 'since', Date.now() - 60_000);
    expect(await b.request(player)).toBe('built');
  });
});
