/** Per-test-file isolation on the run's shared Postgres and Redis (see global-setup.ts). */
import pg from 'pg';
import { inject, type ProvidedContext } from 'vitest';
import { databaseUrlFor, randomId } from '@wagerflow/local-servers';

function provided<K extends keyof ProvidedContext>(key: K): ProvidedContext[K] {
  const value = inject(key);
  if (!value) {
    throw new Error(`${key} was not provided: run under vitest with packages/testing/src/global-setup.ts registered as globalSetup`);
  }
  return value;
}

export interface TestDatabase {
  /** URL of the fresh database (a clone of the migrated template). */
  url: string;
  name: string;
  /** Drop it (terminating connections left open). Idempotent. */
  drop(): Promise<void>;
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: provided('wfTestDatabaseUrl') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A new database cloned from the migrated template, uniquely named for this test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = provided('wfTestDatabaseUrl');
  const name = `wf_test_${provided('wfTestRunId')}_${randomId(4)}`;
  await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${provided('wfTestTemplate')}`);
  let dropped: Promise<void> | undefined;
  return {
    url: databaseUrlFor(adminUrl, name),
    name,
    drop: () => (dropped ??= adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

/** The run's Redis. Isolate with `uniquePrefix()` (REDIS_PREFIX / BullMQ prefix), never FLUSHALL. */
export function testRedisUrl(): string {
  return provided('wfTestRedisUrl');
}

/** A Redis key / BullMQ prefix no other test file uses, e.g. `t-3fa92c1d` (matches REDIS_PREFIX's pattern). */
export function uniquePrefix(label = 't'): string {
  return `${label}-${randomId(4)}`;
}
