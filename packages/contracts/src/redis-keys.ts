import { SIGNED_TS_PAST_MS } from './signing-window.js';
/**
 * Redis key layout shared by producers and consumers. Every key starts with the platform prefix
 * (`REDIS_PREFIX`), so several platforms (or test files) can share one Redis.
 */
export function redisKeys(prefix: string) {
  return {
    /** Nonces spent in one time bucket (a set of 16-byte UUIDs; see the gateway's nonce-buckets). */
    nonceBucket: (bucket: number) => `${prefix}:nonces:${bucket}`,
    /** What every bucket key starts with (the spend script appends the bucket from Redis's clock). */
    nonceBucketPrefix: `${prefix}:nonces:`,
    /**
     * Pending-bet record: written with the enqueue; once the outcome is durable the ledger replaces it with the
     * stored marker for STORED_MARKER_TTL_S. Only @wagerflow/pending-bets reads or writes these four key kinds.
     */
    pendingBet: (playerId: string, clientBetId: string) => `${prefix}:pending:${playerId}:${clientBetId}`,
    /** A player's pending bets (clientBetId scored by placedAt), so `GET /v1/bets?since=` lists them too. */
    pendingByPlayer: (playerId: string) => `${prefix}:pp:${playerId}`,
    /** betId → `playerId|clientBetId` of a pending bet, so `GET /v1/bets/{betId}` finds it too. */
    pendingBetId: (betId: string) => `${prefix}:pbid:${betId}`,
    /**
     * A player's key filter (a Bloom filter of every clientBetId the player claimed, see @wagerflow/pending-bets'
     * key-filter): its state hash, its bits, the keys claimed while it is being built, and a build's staged bits.
     * Only @wagerflow/pending-bets reads or writes these.
     */
    keyFilter: (playerId: string) => `${prefix}:kf:${playerId}`,
    keyFilterBits: (playerId: string) => `${prefix}:kfb:${playerId}`,
    keyFilterLog: (playerId: string) => `${prefix}:kfl:${playerId}`,
    keyFilterStaging: (playerId: string, generation: string) => `${prefix}:kfs:${playerId}:${generation}`,
    /** Bet ids of a market window still queued: settlement waits until this set is empty. */
    pendingWindow: (marketId: string, windowStart: number) => `${prefix}:pw:${marketId}:${windowStart}`,
    /** Balance cache `{balance, walletSeq}`: never authoritative, never moved backwards. */
    balance: (playerId: string) => `${prefix}:bal:${playerId}`,
    /** Current price and feed status of a market, written by feed-monitor only. */
    market: (marketId: string) => `${prefix}:market:${marketId}`,
    /** Which feed-monitor replica owns a market (a lease). */
    feedOwner: (marketId: string) => `${prefix}:feed-owner:${marketId}`,
    /** feed-monitor's settlement progress: the next window start to schedule, per market. */
    settleCursor: (marketId: string) => `${prefix}:settle-next:${marketId}`,
    /** Manual awards of one staff member in the rolling window (loyalty's rate limiter, on Redis's clock). */
    rewardRate: (staffId: string) => `${prefix}:reward-rate:${staffId}`,
    channel: (name: string) => `${prefix}:${name}`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;

/**
 * How long the ledger's stored marker (see @wagerflow/pending-bets, which owns the pending-bet keys and scripts) stays
 * in a stored bet's key. It needs to outlive only the gap between a request's lookups and its claim, which the claim
 * script bounds (CLAIM_MAX_AGE_MS). Kept here because the client SDK derives its deadline from these timings.
 */
export const STORED_MARKER_TTL_S = 30;
/**
 * A claim reaching Redis later than this after its request's lookups (on Redis's clock: the bet context reads TIME)
 * is refused and nothing is placed: a stored marker of the key might have expired in between. Shorter than the
 * marker's life by a margin for the lookups' own spread.
 */
export const CLAIM_MAX_AGE_MS = (STORED_MARKER_TTL_S - 10) * 1_000;
/**
 * And whatever its reads, a claim is refused once Redis's clock passes the POST's signed timestamp + this: the
 * gateway accepted that timestamp at most SIGNED_TS_PAST_MS behind its clock, so a client knows when a bet it still
 * cannot find can never be placed any more (the SDK's `not_placed`, see packages/client).
 */
export const CLAIM_DEADLINE_AFTER_SIGNED_MS = SIGNED_TS_PAST_MS + CLAIM_MAX_AGE_MS;
