import path from 'node:path';
import { fileURLToPath } from 'node:url';
import knex from 'knex';
import pg from 'pg';
import { migrationSource } from './migration-source.js';

// From source: packages/db/src -> packages/db/migrations (*.ts). From the build, whose layout mirrors the
// package's: packages/db/dist/src/migrate.cli.js -> packages/db/dist/migrations (*.js).
export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../migrations');
// Arbitrary constant: every migrator takes this session-level advisory lock, so concurrent
// starts (several replicas, the launcher and a test) apply migrations exactly once, in order.
const MIGRATION_LOCK_KEY = 7_423_001;

/** Apply all pending migrations under an advisory lock. Migrations are append-only. */
export async function migrateLatest(databaseUrl: string): Promise<void> {
  const lockClient = new pg.Client({ connectionString: databaseUrl });
  await lockClient.connect();
  const db = knex({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 2 } });
  try {
    await lockClient.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await db.migrate.latest({ migrationSource: migrationSource(MIGRATIONS_DIR), disableMigrationsListValidation: false });
  } finally {
    await db.destroy();
    await lockClient.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lockClient.end();
  }
}
