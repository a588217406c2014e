import type { RedisKeys } from '@wagerflow/contracts';
import { createPendingBets, type FilterBuild } from '@wagerflow/pending-bets';
import type { Redis } from '@wagerflow/queue';
import type { Logger, Metrics } from '@wagerflow/runtime';

export interface KeyFilterBuilderOptions {
  redis: Redis;
  keys: RedisKeys;
  /** The player's keys in Postgres (the ledger's published views), in one statement. */
  readStoredKeys: (playerId: string) => Promise<readonly string[]>;
  logger: Logger;
  metrics: Metrics;
  /** Builds running at once in this process; a player asked for past it is built at one of their later bets. */
  concurrency: number;
  /** A ready filter's life (then rebuilt at the player's next bet, so idle players' filters leave Redis). */
  ttlMs: number;
  buildMs?: number;
}

/** A build not sealed within this long may be taken over (its gateway may have died). */
const BUILD_MS = 30_000;

/**
 * Builds players' key filters (@wagerflow/pending-bets) off the request path: a bet that finds no filter is checked
 * in Postgres as before and asks for one here. One build per player at a time in this process (Redis' state keeps
 * other processes from starting a second), at most `concurrency` at once; a failed build is logged and left to the
 * player's next bet.
 */
export function keyFilterBuilder(o: KeyFilterBuilderOptions) {
  const pending = createPendingBets(o.keys);
  pending.register(o.redis);
  const running = new Set<string>();
  const builds = o.metrics.counter('wagerflow_gateway_key_filter_builds_total', 'Key filter builds by how they ended', ['result']);
  const options = { readStoredKeys: o.readStoredKeys, buildMs: o.buildMs ?? BUILD_MS, ttlMs: o.ttlMs };

  async function build(playerId: string): Promise<FilterBuild | 'failed'> {
    try {
      return await pending.buildFilter(o.redis, playerId, options);
    } catch (err) {
      o.logger.warn({ err, playerId }, 'key filter build failed; the player is checked in Postgres until a later build');
      return 'failed';
    } finally {
      running.delete(playerId);
    }
  }

  return {
    /** Start building `playerId`'s filter unless one is under way here or too many are; resolves when it ends. */
    request(playerId: string): Promise<FilterBuild | 'failed' | 'skipped'> {
      if (running.has(playerId) || running.size >= o.concurrency) return Promise.resolve('skipped');
      running.add(playerId);
      return build(playerId).then((result) => {
        builds.inc({ result });
        return result;
      });
    },
    /** Builds running now. */
    get running(): number {
      return running.size;
    },
  };
}
export type KeyFilterBuilder = ReturnType<typeof keyFilterBuilder>;
