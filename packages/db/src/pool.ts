import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

// bigint columns (money, sequences, epoch ms) fit in a double below 2^53: parse them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`int8 value ${v} exceeds the safe integer range`);
  return n;
});

/** What the pool needs of a logger (the service's pino logger fits); this package does not depend on the runtime's. */
export interface ErrorLogger {
  error(obj: object, msg: string): void;
}

/** Where errors go when the caller passes no logger (scripts): stderr, never nowhere. */
const stderrLogger: ErrorLogger = { error: (obj, msg) => console.error(msg, obj) };

export function createPool(
  url: string,
  opts: {
    max?: number;
    applicationName?: string;
    connectionTimeoutMs?: number;
    logger?: ErrorLogger;
    /** Session settings of every connection of this pool (`-c name=value` at connect), for example a background job's planner costs. */
    settings?: Record<string, string | number>;
  } = {},
): Pool {
  const settings = Object.entries(opts.settings ?? {}).map(([name, value]) => {
    if (!/^[a-z_.]+$/.test(name) || !/^[A-Za-z0-9_.]+$/.test(String(value))) throw new Error(`invalid Postgres setting ${name}=${value}`);
    return ` -c ${name}=${value}`;
  });
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    application_name: opts.applicationName ?? 'wagerflow',
    // A Postgres that is down must turn into a quick 503, not a hanging request.
    connectionTimeoutMillis: opts.connectionTimeoutMs ?? 2_000,
    query_timeout: 10_000,
    idleTimeoutMillis: 30_000,
    // Named statements (see `named`) are planned on every execution: a generic plan cached while a table was small
    // (a fresh deployment, a test) kept seq-scanning it after it grew, until the next ANALYZE. A hot statement whose
    // planning costs more than it runs is a function that sets plan_cache_mode itself, with a plan no statistics can
    // turn into a scan (ledger_bets_by_client_ids, migration 20261207000001).
    options: `-c plan_cache_mode=force_custom_plan${settings.join('')}`,
  });
  // An idle client whose server went away (restart, pg_terminate_backend, network) emits 'error' on the pool, which
  // removes it; an unheard 'error' would crash the process. The next query fails on its own, so this only logs.
  const logger = opts.logger ?? stderrLogger;
  pool.on('error', (err) => logger.error({ err, applicationName: opts.applicationName }, 'idle postgres client error'));
  return pool;
}

/**
 * `BEGIN` of a transaction whose statements reuse their cached plans (`cachedPlans`). The pools plan every execution
 * afresh (`createPool`), and so do the foreign-key checks behind an insert (one checking query a row, planned for
 * each row: 80 % of their time in a bench profile). A hot write transaction whose statements all have an index path
 * takes generic plans instead, and no sequential scan while an index path exists: a plan cached while a table was
 * small cannot become a scan of it once it has grown (the risk the pools' setting guards against; tested in the
 * ledger's and loyalty's batch tests). Sent as one simple query: no extra round trip.
 */
const BEGIN_WITH_CACHED_PLANS = 'BEGIN; SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL enable_seqscan = off';

/** Run `fn` in one transaction; roll back on any error. */
export async function withTransaction<T>(
  pool: Pool,
  fn: (client: PoolClient) => Promise<T>,
  opts: { cachedPlans?: boolean } = {},
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(opts.cachedPlans ? BEGIN_WITH_CACHED_PLANS : 'BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * A named statement for a hot path: each connection parses it once, then binds and executes it (pg sends Parse once
 * per connection and name); it is still planned for each execution's parameters (`createPool`). Names must be unique
 * per text.
 */
export function named<V extends unknown[]>(name: string, text: string, values: V): { name: string; text: string; values: V } {
  return { name, text, values };
}
