import { CHANNELS, FEED_STATUSES, type FeedStatus, type PriceEvent, type RedisKeys } from '@wagerflow/contracts';
import type { Redis } from '@wagerflow/queue';
import { defineScript } from '@wagerflow/redis-scripts';
import type { Logger } from '@wagerflow/runtime';
import { INITIAL_BREAKER, evaluateBreaker, type BreakerState, type BreakerThresholds } from './domain/circuit-breaker.js';
import { TICK_FUTURE_TOLERANCE_MS } from './domain/tick-rules.js';
import type { TicksRepository } from './repositories/ticks.repository.js';

/**
 * Accept a tick only when its ts is in [previous ts, now + 1 s] (SPEC 3), atomically across
 * replicas: the market hash in Redis is the shared "last tick" that every replica checks against.
 * Returns the accepted ts and the previous receive time (for the breaker's gap), or false.
 */
const ACCEPT_TICK = defineScript<[market: string], [price: number, ts: number, receivedAt: number, maxTs: number], string | null>({
  name: 'wfAcceptTick',
  lua: `
local prev = redis.call('HGET', KEYS[1], 'ts')
local ts = tonumber(ARGV[2])
if ts > tonumber(ARGV[4]) then return false end
if prev and ts < tonumber(prev) then return false end
local prevReceived = redis.call('HGET', KEYS[1], 'receivedAt') or ''
redis.call('HSET', KEYS[1], 'price', ARGV[1], 'ts', ARGV[2], 'receivedAt', ARGV[3])
return prevReceived`,
});

interface Owned {
  breaker: BreakerState;
}

type TickSource = 'simulator' | 'adapter' | 'admin';

/**
 * Every replica ingests ticks (validated atomically in Redis, then stored); only the replica that
 * owns a market (see leases.ts) runs its circuit breaker, publishes `feed:status` and logs
 * transitions, so replicas never disagree or double-publish. A new owner adopts the published status.
 */
export function createMarkets(o: {
  markets: string[];
  ticks: TicksRepository;
  redis: Redis;
  keys: RedisKeys;
  logger: Logger;
  thresholds: BreakerThresholds;
  onStatus?: (marketId: string, status: FeedStatus, at: number) => Promise<void> | void;
  onAge?: (marketId: string, ageMs: number | null) => void;
}) {
  ACCEPT_TICK.register(o.redis);
  const owned = new Map<string, Owned>();

  async function publishStatus(marketId: string, status: FeedStatus, at: number): Promise<void> {
    await o.onStatus?.(marketId, status, at);
    await o.redis.hset(o.keys.market(marketId), 'status', status);
    await o.redis.publish(o.keys.channel(CHANNELS.feedStatus), JSON.stringify({ type: 'feed:status', marketId, status }));
    o.logger.info({ marketId, status }, 'feed status changed');
  }

  async function applyBreaker(marketId: string, ageMs: number | null, now: number): Promise<void> {
    const m = owned.get(marketId);
    if (!m) return;
    const next = evaluateBreaker(m.breaker, ageMs, now, o.thresholds);
    const changed = next.status !== m.breaker.status;
    m.breaker = next;
    if (changed) await publishStatus(marketId, next.status, now);
  }

  return {
    /** This replica now owns `marketId`: adopt the published status (no flap on failover). */
    async adopt(marketId: string): Promise<FeedStatus> {
      const status = await o.redis.hget(o.keys.market(marketId), 'status');
      const known = FEED_STATUSES.find((s) => s === status);
      owned.set(marketId, { breaker: known ? { status: known, healthySince: null } : INITIAL_BREAKER });
      if (!known) await publishStatus(marketId, INITIAL_BREAKER.status, Date.now());
      o.logger.info({ marketId, status: known ?? INITIAL_BREAKER.status }, 'owning market');
      return known ?? INITIAL_BREAKER.status;
    },
    release(marketId: string): void {
      owned.delete(marketId);
    },
    owns: (marketId: string) => owned.has(marketId),
    async ingest(marketId: string, price: number, ts: number | null, receivedAt: number, source: TickSource): Promise<boolean> {
      if (!o.markets.includes(marketId)) return false;
      const t = ts ?? receivedAt;
      const prevReceived = await ACCEPT_TICK.run(
        o.redis,
        [o.keys.market(marketId)],
        [price, t, receivedAt, Date.now() + TICK_FUTURE_TOLERANCE_MS],
      );
      if (prevReceived === null) {
        o.logger.warn({ marketId, ts: t }, 'dropped a tick outside [previous ts, now + 1 s]');
        return false;
      }
      await o.ticks.insert({ marketId, price, ts: t, receivedAt, source });
      // The gap this tick closes is an observed age too: a break the 500 ms evaluation could miss.
      if (prevReceived !== '') await applyBreaker(marketId, receivedAt - Number(prevReceived), receivedAt);
      await applyBreaker(marketId, 0, receivedAt);
      await o.redis.publish(o.keys.channel(CHANNELS.prices), JSON.stringify({ marketId, price, ts: t } satisfies PriceEvent));
      return true;
    },
    /** The owner's periodic evaluation, on the age of the last tick any replica received. */
    async evaluate(now: number): Promise<void> {
      for (const marketId of owned.keys()) {
        const received = await o.redis.hget(o.keys.market(marketId), 'receivedAt');
        const age = received == null ? null : now - Number(received);
        o.onAge?.(marketId, age);
        await applyBreaker(marketId, age, now);
      }
    },
    async lastPrice(marketId: string): Promise<number | null> {
      const p = await o.redis.hget(o.keys.market(marketId), 'price');
      return p == null ? null : Number(p);
    },
  };
}
export type Markets = ReturnType<typeof createMarkets>;
