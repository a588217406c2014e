import type { FeedStatus, RedisKeys } from '@wagerflow/contracts';
import type { Redis } from '@wagerflow/queue';
import { FEED_STATUSES } from '@wagerflow/contracts';
import { nonceBuckets, nonceMember } from '../domain/nonce-buckets.js';

/** KEYS[1]: the bucket to add to; KEYS[2..]: the other buckets of the replay window. ARGV: member, expire-at (ms). */
const SPEND_NONCE = `
for i = 2, #KEYS do
  if redis.call('SISMEMBER', KEYS[i], ARGV[1]) == 1 then return 0 end
end
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1`;

/** What the gateway keeps about an accepted bet until the ledger has stored its outcome. */
export interface PendingRecord {
  betId: string;
  playerId: string;
  clientBetId: string;
  marketId: string;
  cellId: string;
  stake: number;
  multiplierBps: number;
  minMultiplierBps: number | null;
  placedAt: number;
}

export interface MarketState {
  price: number | null;
  lastTickAt: number | null;
  status: FeedStatus;
}

export function redisState(redis: Redis, keys: RedisKeys) {
  redis.defineCommand('wfSpendNonce', { lua: SPEND_NONCE });
  const spend = redis as unknown as { wfSpendNonce(numKeys: number, ...args: (string | Buffer | number)[]): Promise<number> };
  return {
    /** SPEC 4.2: a nonce is spent once; true when this call spent it (refused for 90 s after). */
    async spendNonce(nonce: string, now = Date.now()): Promise<boolean> {
      const b = nonceBuckets(now);
      const others = b.check.filter((k) => k !== b.current).map((k) => keys.nonceBucket(k));
      return (await spend.wfSpendNonce(1 + others.length, keys.nonceBucket(b.current), ...others, nonceMember(nonce), b.expireAtMs)) === 1;
    },
    /**
     * Everything a new bet needs to know from Redis, in one round trip: plain commands, which the connection's
     * auto-pipelining sends together with the other requests' commands of this event-loop turn.
     */
    async betContext(playerId: string, clientBetId: string, marketId: string) {
      const [pending, [balance], [price, ts, status]] = await Promise.all([
        redis.get(keys.pendingBet(playerId, clientBetId)),
        redis.hmget(keys.balance(playerId), 'balance'),
        redis.hmget(keys.market(marketId), 'price', 'ts', 'status'),
      ]);
      return {
        pending: pending ? (JSON.parse(pending) as PendingRecord) : null,
        cachedBalance: balance == null ? null : Number(balance),
        market: toMarketState(price ?? null, ts ?? null, status ?? null),
      };
    },
    async pendingByClientId(playerId: string, clientBetId: string): Promise<PendingRecord | null> {
      const raw = await redis.get(keys.pendingBet(playerId, clientBetId));
      return raw ? (JSON.parse(raw) as PendingRecord) : null;
    },
    async pendingByBetId(betId: string): Promise<PendingRecord | null> {
      const ref = await redis.get(keys.pendingBetId(betId));
      if (!ref) return null;
      const [playerId, clientBetId] = ref.split('|');
      return playerId && clientBetId ? this.pendingByClientId(playerId, clientBetId) : null;
    },
    async market(marketId: string): Promise<MarketState> {
      const [price, ts, status] = await redis.hmget(keys.market(marketId), 'price', 'ts', 'status');
      return toMarketState(price ?? null, ts ?? null, status ?? null);
    },
  };
}
export type RedisState = ReturnType<typeof redisState>;

function toMarketState(price: string | null, ts: string | null, status: string | null): MarketState {
  // A market with no tick yet is CRITICAL (SPEC 3).
  const s = FEED_STATUSES.find((x) => x === status) ?? 'CRITICAL';
  return {
    price: price == null ? null : Number(price),
    lastTickAt: ts == null ? null : Number(ts),
    status: price == null ? 'CRITICAL' : s,
  };
}
