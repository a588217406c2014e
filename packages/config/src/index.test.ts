import { describe, it, expect } from 'vitest';
import { ConfigError, commonEnv, env, marketEnv, opsPortEnv, otelEnv, parseEnv, z } from './index.js';

const DB = 'postgres://wf:wf@localhost:5432/wf';
const REDIS = 'redis://localhost:6379';

/** The ConfigError thrown by parsing `vars` with `schema` (fails the test if none is thrown). */
function configError(schema: z.ZodType, vars: NodeJS.ProcessEnv): ConfigError {
  try {
    parseEnv(schema, vars);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(vars)}`);
}

describe('ConfigError', () => {
  it('is an Error named ConfigError', () => {
    const e = new ConfigError('x');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('ConfigError');
    expect(e.message).toBe('x');
  });
});

describe('parseEnv', () => {
  it('reads process.env by default', () => {
    const key = 'WF_CONFIG_TEST_PORT';
    process.env[key] = '4321';
    try {
      expect(parseEnv(z.object({ [key]: env.port(1) }))).toEqual({ [key]: 4321 });
    } finally {
      delete process.env[key];
    }
  });

  it('applies the SPEC 3 market defaults', () => {
    expect(parseEnv(marketEnv, {})).toEqual({
      MARKETS: ['BTC-USD'],
      PRICE_STEP: 25,
      WINDOW_MS: 10_000,
      GRID_WINDOWS: 6,
      GRID_BANDS: 12,
      LOCKOUT_MS: 2_000,
      STAKE_MIN: 10,
      STAKE_MAX: 100_000,
      MAX_CELL_LIABILITY: 100_000_000,
      HOUSE_EDGE_BPS: 500,
      MULTIPLIER_MIN: 1.01,
      MULTIPLIER_MAX: 100,
      VOLATILITY_BPS_PER_SQRT_S: 5,
    });
  });

  it('coerces strings to numbers', () => {
    const m = parseEnv(marketEnv, { PRICE_STEP: '50', WINDOW_MS: '5000', MULTIPLIER_MAX: '250.5', HOUSE_EDGE_BPS: '0' });
    expect([m.PRICE_STEP, m.WINDOW_MS, m.MULTIPLIER_MAX, m.HOUSE_EDGE_BPS]).toEqual([50, 5_000, 250.5, 0]);
  });

  it('ignores unrelated variables', () => {
    expect(parseEnv(z.object({ A: env.int(1) }), { A: '2', PATH: '/bin', B: 'x' })).toEqual({ A: 2 });
  });

  it.each([
    ['PRICE_STEP', 'abc'],
    ['PRICE_STEP', '0'],
    ['PRICE_STEP', '2.5'],
    ['WINDOW_MS', '99'],
    ['GRID_WINDOWS', '101'],
    ['GRID_BANDS', '-1'],
    ['LOCKOUT_MS', '-1'],
    ['HOUSE_EDGE_BPS', '10000'],
    ['MULTIPLIER_MIN', '0.5'],
    ['MULTIPLIER_MAX', 'Infinity'],
    ['VOLATILITY_BPS_PER_SQRT_S', '0'],
    ['STAKE_MAX', '9007199254740992'],
  ])('a bad %s (%j) throws a ConfigError naming it', (name, value) => {
    const e = configError(marketEnv, { [name]: value });
    expect(e.message).toMatch(/^invalid configuration:\n/);
    expect(e.message).toContain(`  ${name}: `);
    const issues = e.message.split('\n').slice(1);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.every((l) => l.startsWith(`  ${name}: `))).toBe(true); // only that variable
  });

  it('names every offending variable', () => {
    const e = configError(marketEnv, { PRICE_STEP: 'x', STAKE_MIN: '0', MARKETS: 'btc' });
    expect(e.message).toContain('PRICE_STEP');
    expect(e.message).toContain('STAKE_MIN');
    expect(e.message).toContain('MARKETS');
    expect(e.message.split('\n')).toHaveLength(4);
  });

  // A blank value (compose's `${VAR:-}`) must not silently mean 0: no house edge, no lockout.
  it.each([
    ['HOUSE_EDGE_BPS', '', 500],
    ['LOCKOUT_MS', ' ', 2_000],
  ])('a blank %s does not silently become 0', (name, value, def) => {
    let got: unknown;
    try {
      got = parseEnv(marketEnv, { [name]: value })[name as 'HOUSE_EDGE_BPS' | 'LOCKOUT_MS'];
    } catch (e) {
      got = e instanceof ConfigError ? 'refused' : e;
    }
    expect([def, 'refused']).toContain(got);
  });
});

describe('env.list (MARKETS)', () => {
  const parse = (MARKETS: string | undefined) => parseEnv(marketEnv, { MARKETS }).MARKETS;

  it('splits, trims and drops empty entries', () => {
    expect(parse('BTC-USD,ETH-USD')).toEqual(['BTC-USD', 'ETH-USD']);
    expect(parse(' BTC-USD , ETH_USD ,, SOL1 ')).toEqual(['BTC-USD', 'ETH_USD', 'SOL1']);
    expect(parse(undefined)).toEqual(['BTC-USD']);
    expect(parse('A')).toEqual(['A']);
    expect(parse('A'.repeat(32))).toEqual(['A'.repeat(32)]);
  });

  it.each([
    ['lower case', 'btc-usd'],
    ['mixed case', 'BTC-Usd'],
    ['one bad among good', 'BTC-USD,eth-usd'],
    ['a colon (would break cell ids)', 'BTC:USD'],
    ['a slash', 'BTC/USD'],
    ['a space inside', 'BTC USD'],
    ['a leading dash', '-BTC'],
    ['a leading underscore', '_BTC'],
    ['33 characters', 'A'.repeat(33)],
    ['non-ASCII', 'BTÇ'],
    ['empty', ''],
    ['only commas', ', ,'],
  ])('rejects %s', (_label, value) => {
    expect(configError(marketEnv, { MARKETS: value }).message).toContain('MARKETS');
  });
});

describe('env helpers', () => {
  const one = (schema: z.ZodType, value: string | undefined) => parseEnv(z.object({ V: schema }), { V: value }).V;

  it('env.int: integer within bounds, default when unset', () => {
    expect(one(env.int(7), undefined)).toBe(7);
    expect(one(env.int(7, 1, 10), '10')).toBe(10);
    expect(configError(z.object({ V: env.int(7, 1, 10) }), { V: '11' }).message).toContain('V: ');
    expect(configError(z.object({ V: env.int(7, 1, 10) }), { V: '1.5' }).message).toContain('V: ');
  });

  it('env.port: 0 … 65535', () => {
    expect(one(env.port(8080), undefined)).toBe(8080);
    expect(one(env.port(8080), '0')).toBe(0);
    expect(one(env.port(8080), '65535')).toBe(65_535);
    expect(() => one(env.port(8080), '65536')).toThrow(ConfigError);
    expect(() => one(env.port(8080), 'http')).toThrow(ConfigError);
  });

  it('env.num: bounded finite numbers', () => {
    expect(one(env.num(1.5, 1, 2), undefined)).toBe(1.5);
    expect(one(env.num(1.5, 1, 2), '1.25')).toBe(1.25);
    expect(() => one(env.num(1.5, 1, 2), '2.01')).toThrow(ConfigError);
    expect(() => one(env.num(1.5), 'NaN')).toThrow(ConfigError);
  });

  it.each([
    ['on', true],
    ['true', true],
    ['1', true],
    ['off', false],
    ['false', false],
    ['0', false],
  ])('env.onOff %s → %s', (value, want) => {
    expect(one(env.onOff('off'), value)).toBe(want);
  });

  it('env.onOff: default and refusal', () => {
    expect(one(env.onOff('on'), undefined)).toBe(true);
    expect(one(env.onOff('off'), undefined)).toBe(false);
    for (const bad of ['yes', 'ON', '', 'enabled']) expect(() => one(env.onOff('on'), bad)).toThrow(ConfigError);
  });

  it('opsPortEnv names the service variable', () => {
    expect(parseEnv(opsPortEnv('GATEWAY_OPS_PORT', 9101), {})).toEqual({ GATEWAY_OPS_PORT: 9101 });
    expect(parseEnv(opsPortEnv('GATEWAY_OPS_PORT', 9101), { GATEWAY_OPS_PORT: '9200' })).toEqual({ GATEWAY_OPS_PORT: 9200 });
    expect(configError(opsPortEnv('GATEWAY_OPS_PORT', 9101), { GATEWAY_OPS_PORT: '99999' }).message).toContain('GATEWAY_OPS_PORT');
  });
});

describe('commonEnv', () => {
  it('requires DATABASE_URL and REDIS_URL, naming both', () => {
    const e = configError(commonEnv, {});
    expect(e.message).toContain('DATABASE_URL');
    expect(e.message).toContain('REDIS_URL');
    expect(configError(commonEnv, { DATABASE_URL: DB }).message).not.toContain('DATABASE_URL');
    expect(configError(commonEnv, { REDIS_URL: REDIS }).message).not.toContain('REDIS_URL');
  });

  it('applies defaults', () => {
    expect(parseEnv(commonEnv, { DATABASE_URL: DB, REDIS_URL: REDIS })).toEqual({
      DATABASE_URL: DB,
      REDIS_URL: REDIS,
      REDIS_PREFIX: 'wf',
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: 10_000,
      PG_POOL_SIZE: 10,
      QUEUE_LOCK_DURATION_MS: 30_000,
      QUEUE_STALLED_INTERVAL_MS: 30_000,
    });
  });

  it.each(['postgres://u@h/db', 'postgresql://u:p@h:5432/db?sslmode=require'])('accepts DATABASE_URL %s', (url) => {
    expect(parseEnv(commonEnv, { DATABASE_URL: url, REDIS_URL: REDIS }).DATABASE_URL).toBe(url);
  });

  it.each(['mysql://u@h/db', 'http://h/db', 'postgres:/h', ' postgres://h/db', 'h:5432/db', ''])('rejects DATABASE_URL %j', (url) => {
    expect(configError(commonEnv, { DATABASE_URL: url, REDIS_URL: REDIS }).message).toContain('DATABASE_URL');
  });

  it.each(['redis://localhost:6379', 'rediss://u:p@h:6380/1'])('accepts REDIS_URL %s', (url) => {
    expect(parseEnv(commonEnv, { DATABASE_URL: DB, REDIS_URL: url }).REDIS_URL).toBe(url);
  });

  it.each(['http://localhost:6379', 'localhost:6379', 'redis:/h', 'valkey://h', ''])('rejects REDIS_URL %j', (url) => {
    expect(configError(commonEnv, { DATABASE_URL: DB, REDIS_URL: url }).message).toContain('REDIS_URL');
  });

  it('validates the other common variables', () => {
    const base = { DATABASE_URL: DB, REDIS_URL: REDIS };
    expect(parseEnv(commonEnv, { ...base, LOG_LEVEL: 'debug', REDIS_PREFIX: 'wf-test.1', PG_POOL_SIZE: '200' })).toMatchObject({
      LOG_LEVEL: 'debug',
      REDIS_PREFIX: 'wf-test.1',
      PG_POOL_SIZE: 200,
    });
    expect(configError(commonEnv, { ...base, LOG_LEVEL: 'verbose' }).message).toContain('LOG_LEVEL');
    expect(configError(commonEnv, { ...base, REDIS_PREFIX: 'a:b' }).message).toContain('REDIS_PREFIX');
    expect(configError(commonEnv, { ...base, PG_POOL_SIZE: '201' }).message).toContain('PG_POOL_SIZE');
    expect(configError(commonEnv, { ...base, SHUTDOWN_TIMEOUT_MS: '99' }).message).toContain('SHUTDOWN_TIMEOUT_MS');
  });
});

describe('otelEnv', () => {
  it('is off by default with the parent-based sampler', () => {
    expect(parseEnv(otelEnv, {})).toEqual({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_TRACES_SAMPLER: 'parentbased_always_on' });
  });

  it('validates endpoint, sampler and ratio', () => {
    expect(parseEnv(otelEnv, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4318', OTEL_TRACES_SAMPLER_ARG: '0.25' })).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4318',
      OTEL_TRACES_SAMPLER_ARG: 0.25,
    });
    expect(configError(otelEnv, { OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }).message).toContain('OTEL_EXPORTER_OTLP_ENDPOINT');
    expect(configError(otelEnv, { OTEL_TRACES_SAMPLER: 'sometimes' }).message).toContain('OTEL_TRACES_SAMPLER');
    expect(configError(otelEnv, { OTEL_TRACES_SAMPLER_ARG: '1.5' }).message).toContain('OTEL_TRACES_SAMPLER_ARG');
    expect(configError(otelEnv, { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).message).toContain('OTEL_EXPORTER_OTLP_PROTOCOL');
  });
});
