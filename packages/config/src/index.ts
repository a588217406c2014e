import { z } from 'zod';

export { z };

/** Thrown when the environment does not parse; the message names every offending variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parse `env` once with `schema`; fail fast naming the variable. */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}

/** A blank variable counts as unset (compose's `${VAR:-}`): it takes the default, never 0. */
const blankAsUnset = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const decimal = (re: RegExp, what: string) => z.preprocess(blankAsUnset, z.string().trim().regex(re, what).transform(Number).optional());
const INT_RE = /^-?[0-9]+$/;
const NUM_RE = /^-?[0-9]+(\.[0-9]+)?$/;
const intFrom = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  decimal(INT_RE, 'must be a decimal integer').pipe(z.number().int().min(min).max(max).default(def));
export const env = {
  int: intFrom,
  port: (def: number) => intFrom(def, 0, 65_535),
  num: (def: number, min = -Infinity, max = Infinity) =>
    decimal(NUM_RE, 'must be a decimal number').pipe(z.number().min(min).max(max).default(def)),
  onOff: (def: 'on' | 'off') =>
    z
      .enum(['on', 'off', 'true', 'false', '1', '0'])
      .default(def)
      .transform((v) => v === 'on' || v === 'true' || v === '1'),
  list: (def: string) =>
    z
      .string()
      .default(def)
      .transform((s) =>
        s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().regex(/^[A-Z0-9][A-Z0-9_-]{0,31}$/, 'market ids: A-Z, 0-9, - and _')).min(1)),
};

/** Variables every service reads. */
export const commonEnv = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL'),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/)
    .default('wf'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_TIMEOUT_MS: intFrom(10_000, 100),
  PG_POOL_SIZE: intFrom(10, 1, 200),
  QUEUE_LOCK_DURATION_MS: intFrom(30_000, 500),
  QUEUE_STALLED_INTERVAL_MS: intFrom(30_000, 500),
});
export type CommonEnv = z.infer<typeof commonEnv>;

/** Market and grid settings (SPEC 3 defaults), shared by gateway, ledger and feed-monitor. */
export const marketEnv = z.object({
  MARKETS: env.list('BTC-USD'),
  PRICE_STEP: intFrom(25, 1),
  WINDOW_MS: intFrom(10_000, 100),
  GRID_WINDOWS: intFrom(6, 1, 100),
  GRID_BANDS: intFrom(12, 1, 200),
  LOCKOUT_MS: intFrom(2_000, 0),
  STAKE_MIN: intFrom(10, 1),
  STAKE_MAX: intFrom(100_000, 1),
  MAX_CELL_LIABILITY: intFrom(100_000_000, 1),
  HOUSE_EDGE_BPS: intFrom(500, 0, 9_999),
  MULTIPLIER_MIN: env.num(1.01, 1, 1e6),
  MULTIPLIER_MAX: env.num(100, 1, 1e6),
  VOLATILITY_BPS_PER_SQRT_S: env.num(5, 0.0001, 10_000),
});
export type MarketEnv = z.infer<typeof marketEnv>;

/** Standard OpenTelemetry variables we honour (the SDK reads the rest itself). */
export const otelEnv = z.object({
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(['http/protobuf', 'http/json']).default('http/protobuf'),
  OTEL_SERVICE_NAME: z.string().optional(),
  OTEL_TRACES_SAMPLER: z
    .enum(['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'])
    .default('parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).optional(),
});
export type OtelEnv = z.infer<typeof otelEnv>;

/**
 * Where archive files go (SPEC 5): read by bet-ledger (writes and verifies them) and the archiver. The default is the
 * path compose mounts its `archives` volume at; `pnpm start` sets `file://<repo>/.data/archive`.
 */
export const archiveEnv = z.object({
  ARCHIVE_URL: z
    .string()
    .regex(/^(file:\/\/\/|s3:\/\/)/, 'must be file:///absolute/dir or s3://bucket/prefix')
    .default('file:///var/lib/wagerflow/archive'),
  // The AWS SDK's standard variables for an s3:// ARCHIVE_URL (checked by @wagerflow/archive-store when it opens
  // the store), carried in the config so a service reads its store settings where it reads the rest.
  AWS_ACCESS_KEY_ID: z.string().optional(),
  AWS_SECRET_ACCESS_KEY: z.string().optional(),
  AWS_SESSION_TOKEN: z.string().optional(),
  AWS_REGION: z.string().optional(),
  AWS_DEFAULT_REGION: z.string().optional(),
  AWS_ENDPOINT_URL_S3: z.string().optional(),
  AWS_ENDPOINT_URL: z.string().optional(),
});
export type ArchiveEnv = z.infer<typeof archiveEnv>;

export const opsPortEnv = (name: string, def: number) => z.object({ [name]: env.port(def) });
export { SERVICE_NAMES, OPS_PORTS, DEFAULT_GATEWAY_PORT, type ServiceName } from './ports.js';
