import { OPS_PORTS, commonEnv, env, marketEnv, otelEnv, parseEnv, z } from '@wagerflow/config';

const schema = commonEnv
  .extend(marketEnv.shape)
  .extend(otelEnv.shape)
  .extend({
    FEED_MONITOR_OPS_PORT: env.port(OPS_PORTS['feed-monitor'].default),
    FEED_SIMULATOR: env.onOff('on'),
    FEED_SIMULATOR_INTERVAL_MS: env.int(250, 10),
    FEED_SIMULATOR_START_PRICE: env.num(100_000, 0.01),
    FEED_DEGRADED_MS: env.int(3_000, 1),
    FEED_CRITICAL_MS: env.int(10_000, 1),
    FEED_RECOVERY_MS: env.int(30_000, 0),
    SETTLE_GRACE_MS: env.int(2_000, 0),
    FEED_OWNER_LEASE_MS: env.int(3_000, 300),
    // A real WebSocket JSON feed (off when the URL is unset); field paths are dot paths into each message.
    FEED_ADAPTER_URL: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z
        .string()
        .regex(/^wss?:\/\//, 'must be a ws:// or wss:// URL')
        .optional(),
    ),
    FEED_ADAPTER_PRICE_FIELD: z.string().min(1).default('price'),
    FEED_ADAPTER_TS_FIELD: z.string().min(1).optional(),
    FEED_ADAPTER_TS_UNIT: z.enum(['ms', 's']).default('ms'),
    FEED_ADAPTER_MARKET_FIELD: z.string().min(1).optional(),
    FEED_ADAPTER_MARKET: z.string().optional(),
    FEED_ADAPTER_SYMBOLS: z
      .string()
      .default('')
      .transform((s) =>
        Object.fromEntries(
          s
            .split(',')
            .filter(Boolean)
            .map((pair) => pair.split('=').map((x) => x.trim()) as [string, string]),
        ),
      )
      .pipe(z.record(z.string().min(1), z.string().min(1))),
    FEED_ADAPTER_SUBSCRIBE: z.string().optional(),
    FEED_STATUS_INTERVAL_MS: env.int(500, 10, 500),
  });
export type FeedConfig = z.infer<typeof schema>;
export const loadConfig = (e: NodeJS.ProcessEnv = process.env): FeedConfig => parseEnv(schema, e);
