import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@wagerflow/testing';
import { up as buildDepositIndex } from '../migrations/20261208000001_wallet_entries_by_deposit.js';

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
