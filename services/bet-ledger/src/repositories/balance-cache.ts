import type { Redis } from '@wagerflow/queue';
import type { RedisKeys } from '@wagerflow/contracts';
import { defineScript } from '@wagerflow/redis-scripts';

/** Replace `{balance, walletSeq}` only when the new seq is newer: a late write never regresses the cache. */
const SET_IF_NEWER = defineScript<[balanceKey: string], [balance: number, seq: number], 0 | 1>({
  name: 'wfSetBalanceIfNewer',
  lua: `
local cur = redis.call('HGET', KEYS[1], 'walletSeq')
if cur and tonumber(cur) >= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'balance', ARGV[1], 'walletSeq', ARGV[2])
return 1`,
});

export interface BalanceCache {
  /** Queue the conditional writes on `pipeline` (the caller executes it with its other writes). */
  queue(pipeline: ReturnType<Redis['pipeline']>, updates: { playerId: string; balance: number; seq: number }[]): void;
}

export function createBalanceCache(redis: Redis, keys: RedisKeys): BalanceCache {
  SET_IF_NEWER.register(redis);
  return {
    queue(pipeline, updates) {
      for (const u of updates) SET_IF_NEWER.queue(pipeline, [keys.balance(u.playerId)], [u.balance, u.seq]);
    },
  };
}
