import type { RedisKeys } from '@wagerflow/contracts';
import type { Redis } from '@wagerflow/queue';
import { defineScript } from '@wagerflow/redis-scripts';

/**
 * SPEC 4.7: at most `limit` new awards per staff member per rolling window, across every replica: one sorted set per
 * staff member in Redis, scored on Redis's clock (TIME), so replicas' clocks do not matter. A slot is taken before the
 * award's transaction and given back when the award is not written (a duplicate that won a race, an error), so only
 * written awards count. The member is the request's job id: a redelivered request takes its own slot again, not a
 * second one.
 */
const ACQUIRE = defineScript<[key: string], [member: string, limit: number, windowMs: number], [allowed: number, retryAfterMs: number]>({
  name: 'wfRewardSlot',
  lua: `
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    local window = tonumber(ARGV[3])
    redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
    if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return {1, 0} end
    if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
      local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
      return {0, tonumber(oldest[2]) + window - now}
    end
    redis.call('ZADD', KEYS[1], now, ARGV[1])
    redis.call('PEXPIRE', KEYS[1], window)
    return {1, 0}`,
});

export type SlotDecision = { allowed: true } | { allowed: false; retryAfterS: number };

export function rewardRateLimiter(redis: Redis, keys: RedisKeys, o: { limit: number; windowMs: number }) {
  const keyOf = keys.rewardRate;
  return {
    async acquire(staffId: string, requestId: string): Promise<SlotDecision> {
      const [allowed, retryAfterMs] = await ACQUIRE.run(redis, [keyOf(staffId)], [requestId, o.limit, o.windowMs]);
      return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterS: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
    },
    async release(staffId: string, requestId: string): Promise<void> {
      await redis.zrem(keyOf(staffId), requestId);
    },
  };
}
export type RewardRateLimiter = ReturnType<typeof rewardRateLimiter>;
