import type { Knex } from 'knex';

/**
 * `wallet_entries_deposit`: the deposit replay check (bet-ledger's deposit.repository.ts joins `deposits` to the
 * deposit's entry on `deposit_id`) had no index to probe, so every deposit scanned the whole of `wallet_entries`
 * under the wallet's row lock: 105 ms a deposit with 400,000 entries (pg_stat_statements, `pnpm bench --mode archive
 * --bets 300000 --profile postgres`, 200 deposits), growing with the ledger. Partial: only deposit entries carry it.
 *
 * Built CONCURRENTLY, outside a transaction, so that a ledger already holding millions of entries keeps taking bets
 * while it builds. A build interrupted earlier leaves an invalid index of the same name behind: it is dropped and
 * built again.
 */
export const config = { transaction: false };

export async function up(knex: Knex): Promise<void> {
  const { rows } = await knex.raw<{ rows: { valid: boolean }[] }>(
    `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE c.relname = 'wallet_entries_deposit' AND c.relnamespace = current_schema()::regnamespace`,
  );
  if (rows[0] && !rows[0].valid) await knex.raw('DROP INDEX CONCURRENTLY wallet_entries_deposit');
  await knex.raw(
    'CREATE INDEX CONCURRENTLY IF NOT EXISTS wallet_entries_deposit ON wallet_entries (deposit_id) WHERE deposit_id IS NOT NULL',
  );
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only');
}
