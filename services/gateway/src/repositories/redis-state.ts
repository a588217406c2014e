import type { FeedStatus, RedisKeys } from '@wagerflow/contracts';
import type { Redis } from '@wagerflow/queue';
import { feedStatusOf } from '@wagerflow/contracts';
import { createPendingBets, type KeyCheck, type PendingRecord } from '@wagerflow/pending-bets';
import { defineScript } from '@wagerflow/redis-scripts';
import { NONCE_BUCKET_MS, NONCE_WINDOW_MS, SPEND_NONCE, nonceMember } from '../domain/nonce-buckets.js';

const SPEND = defineScript<[], [bucketPrefix: string, member: Buffer, bucketMs: number, windowMs: number], 0 | 1>({
  name: 'wfSpendNonce',
  lua: SPEND_NONCE,
});

/** What the gateway keeps about an accepted bet until the ledger has stored its outcome (@wagerflow/pending-bets). */
export type { PendingRecord };

export interface MarketState {
  price: number | null;
  lastTickAt: number | null;
  status: FeedStatus;
}

export interface RedisStateOptions {
  nonceStore?: { bucketMs: number; windowMs: number };
  /** Whether a bet's context asks the player's key filter (GATEWAY_KEY_FILTER); off: every key is 'unfiltered'. */
  keyFilter?: boolean;
}

export function redisState(redis: Redis, keys: RedisKeys, o: RedisStateOptions = {}) {
  const nonceStore = o.nonceStore ?? { bucketMs: NONCE_BUCKET_MS, windowMs: NONCE_WINDOW_MS };
  SPEND.register(redis);
  const pending = createPendingBets(keys);
  pending.register(redis);
  const unfiltered = Promise.resolve<KeyCheck>('unfiltered');
  return {
    /** SPEC 4.2: a nonce is spent once; true when this call spent it (refused for 90 s after, on Redis's clock). */
    async spendNonce(nonce: string): Promise<boolean> {
      return (await SPEND.run(redis, [], [keys.nonceBucketPrefix, nonceMember(nonce), nonceStore.bucketMs, nonceStore.windowMs])) === 1;
    },
    /**
     * Everything a new bet needs to know from Redis, in one round trip: plain commands, which the connection's
     * auto-pipelining sends together with the other requests' commands of this event-loop turn (and the nonce's).
     */
    async betContext(playerId: string, clientBetId: string, marketId: string) {
      const [held, keyCheck, [balance], [price, ts, status], time] = await Promise.all([
        pending.read(redis, playerId, clientBetId),
        o.keyFilter ? pending.checkKey(redis, playerId, clientBetId) : unfiltered,
        redis.hmget(keys.balance(playerId), 'balance'),
        redis.hmget(keys.market(marketId), 'price', 'ts', 'status'),
        redis.time(),
      ]);
      return {
        /** Redis's clock at these reads: the claim that follows must reach Redis within CLAIM_MAX_AGE_MS of it. */
        readAtMs: redisTimeMs(time),
        pending: held?.kind === 'pending' ? held.record : null,
        /** The ledger's stored marker: the bet is in Postgres (stored within the last STORED_MARKER_TTL_S). */
        storedMarker: held?.kind === 'stored',
        /** What the player's key filter says of the key ('new': never claimed, so not in Postgres either). */
        keyCheck,
        cachedBalance: balance == null ? null : Number(balance),
        market: toMarketState(price ?? null, ts ?? null, status ?? null),
      };
    },
    async pendingByClientId(playerId: string, clientBetId: string): Promise<PendingRecord | null> {
      const held = await pending.read(redis, playerId, clientBetId);
      return held?.kind === 'pending' ? held.record : null;
    },
    /**
     * The player's bets still pending, placed at or after `from` (all of them, up to `max`: a player has few in
     * flight; cutting inside a run of equal placedAt could skip one the caller's cursor has not passed).
     */
    async pendingFrom(playerId: string, from: number, max: number): Promise<PendingRecord[]> {
      return pending.listFrom(redis, playerId, from, max);
    },
    async pendingByBetId(betId: string): Promise<PendingRecord | null> {
      return pending.findByBetId(redis, betId);
    },
    async market(marketId: string): Promise<MarketState> {
      const [price, ts, status] = await redis.hmget(keys.market(marketId), 'price', 'ts', 'status');
      return toMarketState(price ?? null, ts ?? null, status ?? null);
    },
  };
}
export type RedisState = ReturnType<typeof redisState>;

/** Redis `TIME` ([seconds, microseconds]) in epoch milliseconds. */
export function redisTimeMs(reply: readonly (number | string)[]): number {
  return Number(reply[0]) * 1000 + Math.floor(Number(reply[1]) / 1000);
}

function toMarketState(price: string | null, ts: string | null, status: string | null): MarketState {
  return {
    price: price == null ? null : Number(price),
    lastTickAt: ts == null ? null : Number(ts),
    // A market with no price yet is CRITICAL too (SPEC 3: no tick yet).
    status: price == null ? 'CRITICAL' : feedStatusOf(status),
  };
}
