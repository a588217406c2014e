import { CHANNELS, type FeedStatus, type RedisKeys } from '@wagerflow/contracts';
import type { Redis } from '@wagerflow/queue';
import type { Logger } from '@wagerflow/runtime';
import { INITIAL_BREAKER, evaluateBreaker, type BreakerState, type BreakerThresholds } from './domain/circuit-breaker.js';
import { acceptTickTs } from './domain/tick-rules.js';
import type { TicksRepository } from './repositories/ticks.repository.js';

interface MarketMemory {
  price: number | null;
  ts: number | null;
  /** Server receive time of the last tick: staleness is measured on the server clock. */
  receivedAt: number | null;
  breaker: BreakerState;
}

/**
 * feed-monitor's state per market: ticks in (validated, stored), current price and status out to
 * Redis for the gateway, status changes published on `feed:status`.
 */
export function createMarkets(o: {
  markets: string[];
  ticks: TicksRepository;
  redis: Redis;
  keys: RedisKeys;
  logger: Logger;
  thresholds: BreakerThresholds;
  onStatus?: (marketId: string, status: FeedStatus, at: number) => Promise<void> | void;
}) {
  const state = new Map<string, MarketMemory>(
    o.markets.map((m) => [m, { price: null, ts: null, receivedAt: null, breaker: INITIAL_BREAKER }]),
  );

  async function publishState(marketId: string, m: MarketMemory): Promise<void> {
    const fields: (string | number)[] = ['status', m.breaker.status];
    if (m.price != null && m.ts != null) fields.push('price', m.price, 'ts', m.ts);
    await o.redis.hset(o.keys.market(marketId), ...fields);
  }

  async function applyBreaker(marketId: string, m: MarketMemory, ageMs: number | null, now: number): Promise<void> {
    const next = evaluateBreaker(m.breaker, ageMs, now, o.thresholds);
    const changed = next.status !== m.breaker.status;
    m.breaker = next;
    if (!changed) return;
    await o.onStatus?.(marketId, next.status, now);
    await publishState(marketId, m);
    await o.redis.publish(o.keys.channel(CHANNELS.feedStatus), JSON.stringify({ type: 'feed:status', marketId, status: next.status }));
    o.logger.info({ marketId, status: next.status }, 'feed status changed');
  }

  return {
    async load(): Promise<void> {
      for (const marketId of o.markets) {
        const last = await o.ticks.latest(marketId);
        const m = state.get(marketId)!;
        if (last) Object.assign(m, { price: last.price, ts: last.ts, receivedAt: last.receivedAt });
        await this.evaluate(Date.now());
      }
    },
    async ingest(
      marketId: string,
      price: number,
      ts: number | null,
      receivedAt: number,
      source: 'simulator' | 'adapter' | 'admin',
    ): Promise<boolean> {
      const m = state.get(marketId);
      if (!m) return false;
      const accepted = acceptTickTs(ts, receivedAt, m.ts, Date.now());
      if (accepted == null) {
        o.logger.warn({ marketId, ts, previous: m.ts }, 'dropped a tick outside [previous ts, now + 1 s]');
        return false;
      }
      await o.ticks.insert({ marketId, price, ts: accepted, receivedAt, source });
      // The gap this tick closes is an observed age too: a break the 500 ms evaluation could miss.
      if (m.receivedAt != null) await applyBreaker(marketId, m, receivedAt - m.receivedAt, receivedAt);
      Object.assign(m, { price, ts: accepted, receivedAt });
      await applyBreaker(marketId, m, 0, receivedAt);
      await publishState(marketId, m);
      await o.redis.publish(o.keys.channel('price'), JSON.stringify({ marketId, price, ts: accepted }));
      return true;
    },
    async evaluate(now: number): Promise<void> {
      for (const [marketId, m] of state) await applyBreaker(marketId, m, m.receivedAt == null ? null : now - m.receivedAt, now);
    },
    current: (marketId: string) => state.get(marketId),
  };
}
export type Markets = ReturnType<typeof createMarkets>;
