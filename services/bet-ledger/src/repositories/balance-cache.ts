import type { Redis } from '@wagerflow/queue';
import type { RedisKeys } from '@wagerflow/contracts';

/** Replace `{balance, walletSeq}` only when the new seq is newer: a late write never regresses the cache. */
const SET_IF_NEWER = `
local cur = redis.call('HGET', KEYS[1], 'walletSeq')
if cur and tonumber(cur) >= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'balance', ARGV[1], 'walletSeq', ARGV[2])
return 1`;

export interface BalanceCache {
  /** Queue the conditional writes on `pipeline` (the caller executes it with its other writes). */
  queue(pipeline: ReturnType<Redis['pipeline']>, updates: { playerId: string; balance: number; seq: number }[]): void;
}

export function createBalanceCache(redis: Redis, keys: RedisKeys): BalanceCache {
  redis.defineCommand('wfSetBalanceIfNewer', { numberOfKeys: 1, lua: SET_IF_NEWER });
  return {
    queue(pipeline, updates) {
      const p = pipeline as unknown as { wfSetBalanceIfNewer(key: string, balance: number, seq: number): unknown };
      for (const u of updates) p.wfSetBalanceIfNewer(keys.balance(u.playerId), u.balance, u.seq);
    },
  };
}
