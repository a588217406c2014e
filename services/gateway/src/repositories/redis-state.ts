import type { FeedStatus, RedisKeys, StoredMarker } from '@wagerflow/contracts';
import type { Redis } from '@wagerflow/queue';
import { FEED_STATUSES } from '@wagerflow/contracts';
import { NONCE_BUCKET_MS, NONCE_WINDOW_MS, SPEND_NONCE, nonceMember } from '../domain/nonce-buckets.js';

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

export function redisState(redis: Redis, keys: RedisKeys, nonceStore = { bucketMs: NONCE_BUCKET_MS, windowMs: NONCE_WINDOW_MS }) {
  redis.defineCommand('wfSpendNonce', { numberOfKeys: 0, lua: SPEND_NONCE });
  const spend = redis as unknown as { wfSpendNonce(...args: (string | Buffer | number)[]): Promise<number> };
  return {
    /** SPEC 4.2: a nonce is spent once; true when this call spent it (refused for 90 s after, on Redis's clock). */
    async spendNonce(nonce: string): Promise<boolean> {
      return (await spend.wfSpendNonce(keys.nonceBucketPrefix, nonceMember(nonce), nonceStore.bucketMs, nonceStore.windowMs)) === 1;
    },
    /**
     * Everything a new bet needs to know from Redis, in one round trip: plain commands, which the connection's
     * auto-pipelining sends together with the other requests' commands of this event-loop turn (and the nonce's).
     */
    async betContext(playerId: string, clientBetId: string, marketId: string) {
      const [pending, [balance], [price, ts, status], time] = await Promise.all([
        redis.get(keys.pendingBet(playerId, clientBetId)),
        redis.hmget(keys.balance(playerId), 'balance'),
        redis.hmget(keys.market(marketId), 'price', 'ts', 'status'),
        redis.time(),
      ]);
      const record = pendingRecord(pending);
      return {
        /** Redis's clock at these reads: the claim that follows must reach Redis within CLAIM_MAX_AGE_MS of it. */
        readAtMs: redisTimeMs(time),
        pending: record,
        /** The ledger's stored marker: the bet is in Postgres (stored within the last STORED_MARKER_TTL_S). */
        storedMarker: pending !== null && record === null,
        cachedBalance: balance == null ? null : Number(balance),
        market: toMarketState(price ?? null, ts ?? null, status ?? null),
      };
    },
    async pendingByClientId(playerId: string, clientBetId: string): Promise<PendingRecord | null> {
      return pendingRecord(await redis.get(keys.pendingBet(playerId, clientBetId)));
    },
    /**
     * The player's bets still pending, placed at or after `from` (all of them, up to `max`: a player has few in
     * flight; cutting inside a run of equal placedAt could skip one the caller's cursor has not passed).
     */
    async pendingFrom(playerId: string, from: number, max: number): Promise<PendingRecord[]> {
      const ids = await redis.zrangebyscore(keys.pendingByPlayer(playerId), from, '+inf', 'LIMIT', 0, max);
      if (ids.length === 0) return [];
      const raws = await redis.mget(ids.map((id) => keys.pendingBet(playerId, id)));
      return raws.map(pendingRecord).filter((r): r is PendingRecord => r !== null);
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

/** A pending record, or null for none or for the ledger's stored marker (the bet is in Postgres then). */
/** Redis `TIME` ([seconds, microseconds]) in epoch milliseconds. */
export function redisTimeMs(reply: readonly (number | string)[]): number {
  return Number(reply[0]) * 1000 + Math.floor(Number(reply[1]) / 1000);
}

function pendingRecord(raw: string | null): PendingRecord | null {
  if (!raw) return null;
  const parsed = JSON.parse(raw) as PendingRecord | StoredMarker;
  return 'stored' in parsed ? null : parsed;
}

function toMarketState(price: string | null, ts: string | null, status: string | null): MarketState {
  // A market with no tick yet is CRITICAL (SPEC 3).
  const s = FEED_STATUSES.find((x) => x === status) ?? 'CRITICAL';
  return {
    price: price == null ? null : Number(price),
    lastTickAt: ts == null ? null : Number(ts),
    status: price == null ? 'CRITICAL' : s,
  };
}
