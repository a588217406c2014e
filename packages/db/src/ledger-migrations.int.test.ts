import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@wagerflow/testing';
import { up as buildDepositIndex } from '../migrations/20261208000001_wallet_entries_by_deposit.js';
import { MIGRATIONS_DIR } from './migrate.js';
import { migrationSource } from './migration-source.js';

let db: TestDatabase;
let knex: Knex;

beforeAll(async () => {
  db = await createTestDatabase();
  knex = knexFactory({ client: 'pg', connection: db.url, pool: { min: 0, max: 1 } });
});
afterAll(async () => {
  await knex?.destroy();
  await db?.drop();
});

const indexState = async (): Promise<{ oid: number; valid: boolean }> => {
  const { rows } = await knex.raw<{ rows: { oid: number; valid: boolean }[] }>(
    `SELECT indexrelid::oid::int AS oid, indisvalid AS valid FROM pg_index WHERE indexrelid = 'wallet_entries_deposit'::regclass`,
  );
  return rows[0]!;
};

describe('migration 20261208000001 (wallet_entries_deposit, built concurrently)', () => {
  it('leaves a valid index alone, and builds again one that an interrupted build left invalid', async () => {
    const built = await indexState();
    expect(built.valid).toBe(true);
    await buildDepositIndex(knex);
    expect(await indexState()).toEqual(built);
    // What a CREATE INDEX CONCURRENTLY cancelled half-way leaves behind.
    await knex.raw(`UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'wallet_entries_deposit'::regclass`);
    await buildDepositIndex(knex);
    const rebuilt = await indexState();
    expect(rebuilt.valid).toBe(true);
    expect(rebuilt.oid).not.toBe(built.oid);
  });
});

describe('migration 20261208000002 (the archive checkpoint leaves wallets)', () => {
  it("moves every wallet's archived sum into wallet_archive_checkpoints: drift stays 0, and the column is gone", async () => {
    // A ledger migrated up to the migration before, with archived money in `wallets.archived_sum`.
    await knex.raw('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
    const config = { migrationSource: migrationSource(MIGRATIONS_DIR) };
    for (;;) {
      const [, pending] = (await knex.migrate.list(config)) as [unknown[], { name: string }[]];
      if (pending[0]?.name === '20261208000002_wallet_archive_checkpoints.ts') break;
      await knex.migrate.up(config);
    }
    await knex.raw(`
      WITH w AS (INSERT INTO wallets (player_id, balance, seq, archived_sum, updated_at)
                 VALUES ('archived-some', 750, 1, 500, 1), ('archived-none', 300, 1, 0, 1) RETURNING id, balance, archived_sum)
      INSERT INTO wallet_entries (wallet_id, seq, kind, amount, balance_before, balance_after, correlation_id, created_at)
      SELECT id, 1, 'deposit', balance - archived_sum, archived_sum, balance, 'c', 1 FROM w`);
    const drift = async () =>
      (await knex.raw<{ rows: { checked: number; drift: number }[] }>('SELECT * FROM ledger_wallet_drift()')).rows[0];
    expect(await drift()).toEqual({ checked: 2, drift: 0 });

    await knex.migrate.latest(config);
    expect(await drift()).toEqual({ checked: 2, drift: 0 });
    const { rows } = await knex.raw<{ rows: { player_id: string; archived_sum: number }[] }>(
      'SELECT w.player_id, c.archived_sum::int FROM wallet_archive_checkpoints c JOIN wallets w ON w.id = c.wallet_id',
    );
    expect(rows).toEqual([{ player_id: 'archived-some', archived_sum: 500 }]);
    const { rows: column } = await knex.raw<{ rows: unknown[] }>(
      `SELECT 1 FROM information_schema.columns WHERE table_name = 'wallets' AND column_name = 'archived_sum'`,
    );
    expect(column).toHaveLength(0);
    // The drift check still sees a wallet whose checkpoint does not add up.
    await knex.raw(`UPDATE wallet_archive_checkpoints SET archived_sum = archived_sum + 1`);
    expect(await drift()).toEqual({ checked: 2, drift: 1 });
  });
});
