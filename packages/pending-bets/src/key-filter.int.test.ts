import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys, type BetIntent } from '@wagerflow/contracts';
import { betIntent, testRedisUrl, uniquePrefix } from '@wagerflow/testing';
import { createPendingBets, keyFilterBits, keyFilterCapacity, keyFilterPositions, type FilterBuildOptions } from './index.js';

let redis: Redis;
const keys = redisKeys(uniquePrefix('key-filter'));
const pending = createPendingBets(keys);

const intent = (over: Partial<BetIntent> = {}) => betIntent({ lockoutAt: Date.now() + 60_000, correlationId: 'c', ...over });
const fromPostgres = (ids: readonly string[]): FilterBuildOptions => ({
  readStoredKeys: () => Promise.resolve(ids),
  buildMs: 10_000,
  ttlMs: 60_000,
});
const uuids = (n: number) => Array.from({ length: n }, () => randomUUID());

beforeAll(async () => {
  redis = new Redis(testRedisUrl());
  pending.register(redis);
});
afterAll(async () => {
  await redis?.quit();
});

describe('key filter', () => {
  it('knows every key it was built from and the keys claimed since; proves nearly every other key new', async () => {
    const player = randomUUID();
    expect(await pending.checkKey(redis, player, randomUUID())).toBe('unfiltered');
    const stored = uuids(500);
    expect(await pending.buildFilter(redis, player, fromPostgres(stored))).toBe('built');
    const claimed = intent({ playerId: player });
    expect(await pending.claim(redis, [claimed])).toEqual(['claimed']);

    // The JavaScript bitmap and the Lua check agree on every position.
    for (const id of [...stored, claimed.clientBetId]) expect(await pending.checkKey(redis, player, id)).toBe('maybe');
    const others = await Promise.all(uuids(400).map((id) => pending.checkKey(redis, player, id)));
    expect(others.filter((c) => c === 'new').length).toBeGreaterThan(390);
    expect(await redis.hgetall(keys.keyFilter(player))).toMatchObject({
      state: 'ready',
      m: String(keyFilterBits(500)),
      cap: String(keyFilterCapacity(keyFilterBits(500))),
      n: '501',
    });
    expect(await redis.strlen(keys.keyFilterBits(player))).toBe(keyFilterBits(500) / 8);
    expect(await redis.pttl(keys.keyFilterBits(player))).toBeGreaterThan(50_000);
  });

  it('a build holds the keys pending when it starts and those claimed while it reads Postgres', async () => {
    const player = randomUUID();
    const before = intent({ playerId: player });
    await pending.claim(redis, [before]);
    const during = intent({ playerId: player });
    const built = await pending.buildFilter(redis, player, {
      ...fromPostgres([]),
      // A bet claimed between the build's start and its Postgres read (which does not see it: not stored yet).
      readStoredKeys: async () => {
        expect(await pending.claim(redis, [during])).toEqual(['claimed']);
        return [];
      },
    });
    expect(built).toBe('built');
    expect(await pending.checkKey(redis, player, before.clientBetId)).toBe('maybe');
    expect(await pending.checkKey(redis, player, during.clientBetId)).toBe('maybe');
    expect(await redis.exists(keys.keyFilterLog(player))).toBe(0);
  });

  it("the keys logged during a build that never seals expire with the build's state", async () => {
    const player = randomUUID();
    const failed = pending.buildFilter(redis, player, {
      ...fromPostgres([]),
      readStoredKeys: async () => {
        await pending.claim(redis, [intent({ playerId: player })]);
        throw new Error('the build dies here');
      },
    });
    await expect(failed).rejects.toThrow('the build dies here');
    const [stateTtl, logTtl] = await Promise.all([redis.pttl(keys.keyFilter(player)), redis.pttl(keys.keyFilterLog(player))]);
    expect(logTtl).toBeGreaterThan(0);
    expect(logTtl).toBeLessThanOrEqual(stateTtl + 5);
  });

  it('a lost or late claim adds nothing; the key of a claim that lost was added by the winner', async () => {
    const player = randomUUID();
    await pending.buildFilter(redis, player, fromPostgres([]));
    const late = intent({ playerId: player });
    expect(await pending.claim(redis, [late], Date.now() - 60_000)).toEqual(['expired']);
    expect(await redis.hget(keys.keyFilter(player), 'n')).toBe('0');
    const won = intent({ playerId: player });
    expect(await pending.claim(redis, [won, { ...won, betId: randomUUID() }])).toEqual(['claimed', 'taken']);
    expect(await redis.hget(keys.keyFilter(player), 'n')).toBe('1');
  });

  it('one build at a time: a second start is busy; a build older than buildMs is taken over and the old one cannot seal', async () => {
    const player = randomUUID();
    let release!: (ids: string[]) => void;
    const first = pending.buildFilter(redis, player, {
      ...fromPostgres([]),
      buildMs: 300,
      readStoredKeys: () => new Promise((resolve) => (release = resolve)),
    });
    await expect.poll(() => redis.hget(keys.keyFilter(player), 'state')).toBe('building');
    expect(await pending.buildFilter(redis, player, { ...fromPostgres([]), buildMs: 300 })).toBe('busy');
    expect(await pending.checkKey(redis, player, randomUUID())).toBe('unfiltered');
    await new Promise((r) => setTimeout(r, 350));
    const newer = uuids(3);
    expect(await pending.buildFilter(redis, player, { ...fromPostgres(newer), buildMs: 300 })).toBe('built');
    release([]);
    expect(await first).toBe('superseded');
    expect(await pending.checkKey(redis, player, newer[0]!)).toBe('maybe');
    expect(await pending.buildFilter(redis, player, fromPostgres([]))).toBe('busy');
  });

  it('past its capacity a claim drops the filter, and the next build is sized for the keys it then has', async () => {
    const player = randomUUID();
    const cap = keyFilterCapacity(keyFilterBits(0));
    await pending.buildFilter(redis, player, fromPostgres([]));
    await pending.claim(
      redis,
      Array.from({ length: cap }, () => intent({ playerId: player })),
    );
    expect(await pending.checkKey(redis, player, randomUUID())).not.toBe('unfiltered');
    expect(await redis.hget(keys.keyFilter(player), 'n')).toBe(String(cap));
    await pending.claim(redis, [intent({ playerId: player })]);
    expect(await redis.exists(keys.keyFilter(player), keys.keyFilterBits(player))).toBe(0);
    expect(await pending.checkKey(redis, player, randomUUID())).toBe('unfiltered');
    await pending.buildFilter(redis, player, fromPostgres(uuids(cap + 1)));
    expect(Number(await redis.hget(keys.keyFilter(player), 'm'))).toBe(keyFilterBits(cap + 1));
  });

  it('a ready state without its bits proves nothing, and the next claim drops it', async () => {
    const player = randomUUID();
    await pending.buildFilter(redis, player, fromPostgres([]));
    await redis.del(keys.keyFilterBits(player));
    expect(await pending.checkKey(redis, player, randomUUID())).toBe('unfiltered');
    await pending.claim(redis, [intent({ playerId: player })]);
    expect(await redis.exists(keys.keyFilter(player), keys.keyFilterBits(player))).toBe(0);
  });

  it('positions are within the filter, distinct for a power-of-two size and the same for the same key', () => {
    for (const id of uuids(200)) {
      const p = keyFilterPositions(id, 1_024);
      expect(new Set(p).size).toBe(p.length);
      expect(p.every((x) => x >= 0 && x < 1_024)).toBe(true);
      expect(keyFilterPositions(id, 1_024)).toEqual(p);
    }
    expect(keyFilterBits(0)).toBe(1_024);
    expect(keyFilterBits(1_000)).toBe(32_768);
  });
});
