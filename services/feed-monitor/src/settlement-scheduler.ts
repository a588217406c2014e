import { JOB_OPTIONS, type RedisKeys } from '@wagerflow/contracts';
import type { Redis, TypedQueue } from '@wagerflow/queue';
import type { Logger } from '@wagerflow/runtime';
import type { EvidenceRepository } from './repositories/evidence.repository.js';

/** Settling further back than this after a long outage is left to the ledger's sweeper. */
const MAX_CATCH_UP_WINDOWS = 8_640;

/**
 * Sends one settle job per market window once `windowEnd + SETTLE_GRACE_MS` has passed, with the
 * window's evidence. Progress is kept in Redis (restart-safe); job ids are deterministic, so two
 * schedulers, or a retry after a crash, never settle a window twice (settlement is idempotent anyway).
 */
export function createSettlementScheduler(o: {
  markets: string[];
  windowMs: number;
  priceStep: number;
  graceMs: number;
  redis: Redis;
  keys: RedisKeys;
  evidence: EvidenceRepository;
  ledger: TypedQueue<'ledger'>;
  logger: Logger;
}) {
  async function enqueueSettle(marketId: string, windowStart: number, opts: { jobId: string }): Promise<void> {
    const windowEnd = windowStart + o.windowMs;
    const ev = await o.evidence.windowEvidence(marketId, windowStart, windowEnd, o.priceStep);
    await o.ledger.add('settle', { marketId, windowStart, windowEnd, priceStep: o.priceStep, ...ev }, opts);
  }

  return {
    /** Schedule every window of every market that is due at `now`. */
    async run(now: number, owns: (marketId: string) => boolean = () => true): Promise<void> {
      for (const marketId of o.markets.filter(owns)) {
        const lastDue = Math.floor((now - o.graceMs) / o.windowMs) * o.windowMs - o.windowMs;
        const stored = await o.redis.get(o.keys.settleCursor(marketId));
        let next = stored == null ? lastDue : Math.max(Number(stored), lastDue - MAX_CATCH_UP_WINDOWS * o.windowMs);
        while (next <= lastDue) {
          await enqueueSettle(marketId, next, JOB_OPTIONS.ledger.settle(marketId, next));
          next += o.windowMs;
          await o.redis.set(o.keys.settleCursor(marketId), String(next));
        }
      }
    },
    /** The ledger's sweeper found open bets in an ended window: send it again with fresh evidence. */
    async sweep(marketId: string, windowStart: number): Promise<void> {
      o.logger.warn({ marketId, windowStart }, 'sweeping a window that still has open bets');
      await enqueueSettle(marketId, windowStart, JOB_OPTIONS.ledger.settleSweep(marketId, windowStart, Date.now()));
    },
  };
}
