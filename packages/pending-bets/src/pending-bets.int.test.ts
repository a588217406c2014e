import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORED_MARKER_TTL_S, redisKeys, type BetIntent } from '@wagerflow/contracts';
import { betIntent, testRedisUrl, uniquePrefix } from '@wagerflow/testing';
import { createPendingBets, recordOf } from './index.js';

let redis: Redis;
const keys = redisKeys(uniquePrefix('pending'));
const pending = createPendingBets(keys);

const intent = (over: Partial<BetIntent> = {}) => betIntent({ lockoutAt: Date.now() + 60_000, correlationId: 'c', ...over });
const member = (b: BetIntent) => `${b.playerId}|${b.clientBetId}`;

beforeAll(async () => {
  redis = new Redis(testRedisUrl());
  pending.register(redis);
});
afterAll(async () => {
  await redis?.quit();
});

describe('pending-bet protocol', () => {
  it('a claim writes the record, the id, the window member and the player entry; a second claim of the key writes nothing', async () => {
    const won = intent();
    const lost = { ...won, betId: randomUUID(), windowStart: won.windowStart + 10_000 };
    expect(await pending.claim(redis, [won, lost])).toEqual(['claimed', 'taken']);
    expect(await pending.read(redis, won.playerId, won.clientBetId)).toEqual({ kind: 'pending', record: recordOf(won) });
    expect(await pending.findByBetId(redis, won.betId)).toEqual(recordOf(won));
    expect(await pending.findByBetId(redis, lost.betId)).toBeNull();
    expect(await redis.sismember(keys.pendingWindow(won.marketId, won.windowStart), member(won))).toBe(1);
    expect(await redis.exists(keys.pendingWindow(lost.marketId, lost.windowStart))).toBe(0);
    expect(await pending.listFrom(redis, won.playerId, 0, 10)).toEqual([recordOf(won)]);
  });

  it('a claim past its deadline (Redis time) writes nothing', async () => {
    const late = intent();
    expect(await pending.claim(redis, [late], Date.now() - 60_000)).toEqual(['expired']);
    expect(await pending.read(redis, late.playerId, late.clientBetId)).toBeNull();
    expect(await redis.exists(keys.pendingBetId(late.betId), keys.pendingByPlayer(late.playerId))).toBe(0);
  });

  it('owners name the bet holding each key and whether it is the stored marker', async () => {
    const [held, marked, none] = [intent(), intent(), intent()];
    await pending.claim(redis, [held, marked]);
    const settled = redis.pipeline();
    pending.queueSettled(settled, { stored: [marked], bets: [marked], dropped: new Set() });
    await settled.exec();
    const read = redis.pipeline();
    pending.queueReadOwners(read, [held, marked, none]);
    const replies = (await read.exec()) ?? [];
    const reply = replies[0]?.[1];
    expect(pending.owners([held, marked, none], reply)).toEqual(
      new Map([
        [held.betId, { owner: held.betId, stored: false }],
        [marked.betId, { owner: marked.betId, stored: true }],
        [none.betId, null],
      ]),
    );
  });

  it('settling marks the key stored for the TTL, clears the id, window and player entries; a dropped loser leaves the winner alone', async () => {
    const winner = intent();
    const loser = { ...winner, betId: randomUUID() };
    await pending.claim(redis, [winner, loser]);
    const pipeline = redis.pipeline();
    pending.queueSettled(pipeline, { stored: [winner], bets: [loser], dropped: new Set([loser.betId]) });
    await pipeline.exec();
    // The dropped loser's entries were never its own: the winner's window member stays.
    expect(await redis.sismember(keys.pendingWindow(winner.marketId, winner.windowStart), member(winner))).toBe(1);
    const second = redis.pipeline();
    pending.queueSettled(second, { stored: [winner], bets: [winner], dropped: new Set() });
    await second.exec();
    expect(await pending.read(redis, winner.playerId, winner.clientBetId)).toEqual({ kind: 'stored', betId: winner.betId });
    const ttl = await redis.ttl(keys.pendingBet(winner.playerId, winner.clientBetId));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(STORED_MARKER_TTL_S);
    expect(await redis.exists(keys.pendingBetId(winner.betId), keys.pendingByPlayer(winner.playerId))).toBe(0);
    // The window is shared with the other tests' bets: only the winner's member must go.
    expect(await redis.sismember(keys.pendingWindow(winner.marketId, winner.windowStart), member(winner))).toBe(0);
    // A late claim of a stored key fails.
    expect(await pending.claim(redis, [{ ...winner, betId: randomUUID() }])).toEqual(['taken']);
  });

  it('a stored bet never overwrites a newer claim of its key', async () => {
    const old = intent();
    const newer = { ...old, betId: randomUUID() };
    await pending.claim(redis, [newer]);
    const pipeline = redis.pipeline();
    pending.queueSettled(pipeline, { stored: [old], bets: [], dropped: new Set() });
    await pipeline.exec();
    expect(await pending.read(redis, old.playerId, old.clientBetId)).toEqual({ kind: 'pending', record: recordOf(newer) });
  });

  it('a malformed record is an error, not a silent pending bet', async () => {
    const b = intent();
    await redis.set(keys.pendingBet(b.playerId, b.clientBetId), JSON.stringify({ betId: b.betId }));
    await expect(pending.read(redis, b.playerId, b.clientBetId)).rejects.toThrow();
  });
});
