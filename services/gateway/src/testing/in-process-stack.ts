import { freePort, waitUntil } from '@wagerflow/testing';
import { createService as createLedger, loadConfig as ledgerConfig } from '@wagerflow/bet-ledger';
import { createService as createFeed, loadConfig as feedConfig } from '@wagerflow/feed-monitor';
import { loadConfig as gatewayConfig } from '../config.js';
import { createService as createGateway } from '../service.js';

export interface InProcessStack {
  /** `http://127.0.0.1:<gateway port>` */
  base: string;
  /** The gateway's ops server. */
  ops: string;
  /** The environment every service was configured from (for more replicas). */
  env: Record<string, string>;
  /** Stopped before the stack, last added first. */
  onStop(stop: () => Promise<void>): void;
  stop(): Promise<void>;
}

/**
 * bet-ledger, feed-monitor and the gateway in this process (integration tests), on free ports, with a short breaker
 * recovery; resolves once the simulated feed is HEALTHY.
 */
export async function startInProcessStack(o: {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  adminToken: string;
  /** More environment (e.g. `FEED_SIMULATOR: 'off'`, the test then being the feed through admin ticks). */
  env?: Record<string, string>;
  /** Resolve once the feed is HEALTHY (default), or at once (a test that drives the feed itself). */
  waitFor?: 'healthy' | 'started';
}): Promise<InProcessStack> {
  const [port, gatewayOps, ledgerOps, feedOps] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const env = {
    DATABASE_URL: o.databaseUrl,
    REDIS_URL: o.redisUrl,
    REDIS_PREFIX: o.prefix,
    LOG_LEVEL: 'silent',
    ADMIN_TOKEN: o.adminToken,
    SECRET_ENCRYPTION_KEY: 'ab'.repeat(32),
    GATEWAY_PORT: String(port),
    GATEWAY_OPS_PORT: String(gatewayOps),
    BET_LEDGER_OPS_PORT: String(ledgerOps),
    FEED_MONITOR_OPS_PORT: String(feedOps),
    FEED_SIMULATOR_INTERVAL_MS: '100',
    // The breaker keeps a new market CRITICAL for FEED_RECOVERY_MS (30 s by default): shorten it here.
    FEED_RECOVERY_MS: '300',
    SHUTDOWN_TIMEOUT_MS: '3000',
    // Gateway, ledger and feed share this one event loop (and the test's): its lag says nothing about the gateway's
    // load here, so it does not shed on it (the other admission limits stay on).
    GATEWAY_MAX_EVENT_LOOP_LAG_MS: '0',
    ...o.env,
  };
  const stops: (() => Promise<void>)[] = [];
  const stack: InProcessStack = {
    base: `http://127.0.0.1:${port}`,
    ops: `http://127.0.0.1:${gatewayOps}`,
    env,
    onStop: (stop) => void stops.unshift(stop),
    async stop() {
      for (const stop of stops.splice(0)) await stop();
    },
  };
  for (const create of [
    () => createLedger(ledgerConfig(env)),
    () => createFeed(feedConfig(env)),
    () => createGateway(gatewayConfig(env)),
  ]) {
    const service = await create();
    await service.start();
    stack.onStop(() => service.shutdown.shutdown('test over'));
  }
  if (o.waitFor === 'started') return stack;
  await waitUntil(
    async () => {
      const markets = (await (await fetch(`${stack.base}/v1/markets`)).json()) as { feedStatus: string }[];
      return markets[0]?.feedStatus === 'HEALTHY' ? true : undefined;
    },
    { timeoutMs: 20_000, description: 'a HEALTHY feed' },
  );
  return stack;
}
