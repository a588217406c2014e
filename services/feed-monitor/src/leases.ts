import { randomUUID } from 'node:crypto';
import type { Redis } from '@wagerflow/queue';
import { defineScript } from '@wagerflow/redis-scripts';

/** Renew only our own lease (a lease that expired and went to another replica is not taken back). */
const RENEW = defineScript<[lease: string], [me: string, ttlMs: number], number>({
  name: 'wfRenewLease',
  lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`,
});
const RELEASE = defineScript<[lease: string], [me: string], number>({
  name: 'wfReleaseLease',
  lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`,
});

/**
 * One owner per market across feed-monitor replicas: a Redis lease (`SET NX PX`) renewed every
 * `ttlMs / 3`. A replica that dies loses it within `ttlMs`, and another takes over.
 */
export function createLeases(o: {
  redis: Redis;
  keyOf: (marketId: string) => string;
  markets: string[];
  ttlMs: number;
  onGain: (marketId: string) => Promise<void>;
  onLose: (marketId: string) => void;
}) {
  const me = randomUUID();
  const held = new Set<string>();

  async function tick(): Promise<void> {
    for (const marketId of o.markets) {
      const key = o.keyOf(marketId);
      if (held.has(marketId)) {
        if ((await RENEW.run(o.redis, [key], [me, o.ttlMs])) === 1) continue;
        held.delete(marketId);
        o.onLose(marketId);
      }
      if ((await o.redis.set(key, me, 'PX', o.ttlMs, 'NX')) === 'OK') {
        held.add(marketId);
        await o.onGain(marketId);
      }
    }
  }

  let timer: NodeJS.Timeout | undefined;
  return {
    id: me,
    async start(onError: (err: unknown) => void): Promise<void> {
      await tick();
      timer = setInterval(() => void tick().catch(onError), Math.max(50, Math.floor(o.ttlMs / 3)));
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      for (const marketId of held) await RELEASE.run(o.redis, [o.keyOf(marketId)], [me]).catch(() => 0);
      held.clear();
    },
  };
}
