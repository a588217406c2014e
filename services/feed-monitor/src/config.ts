import { commonEnv, env, marketEnv, otelEnv, parseEnv, z } from '@wagerflow/config';

const schema = commonEnv
  .extend(marketEnv.shape)
  .extend(otelEnv.shape)
  .extend({
    FEED_MONITOR_OPS_PORT: env.port(9104),
    FEED_SIMULATOR: env.onOff('on'),
    FEED_SIMULATOR_INTERVAL_MS: env.int(250, 10),
    FEED_SIMULATOR_START_PRICE: env.num(100_000, 0.01),
    FEED_DEGRADED_MS: env.int(3_000, 1),
    FEED_CRITICAL_MS: env.int(10_000, 1),
    FEED_RECOVERY_MS: env.int(30_000, 0),
    SETTLE_GRACE_MS: env.int(2_000, 0),
    FEED_STATUS_INTERVAL_MS: env.int(500, 10, 500),
  });
export type FeedConfig = z.infer<typeof schema>;
export const loadConfig = (e: NodeJS.ProcessEnv = process.env): FeedConfig => parseEnv(schema, e);
