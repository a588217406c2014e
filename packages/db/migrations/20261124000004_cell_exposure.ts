import type { Knex } from 'knex';

/**
 * The house's exposure per cell (SPEC 3's liability: Σ potential payout − stake of the cell's confirmed bets), kept
 * by the ledger's batch in the same transaction as the bets. Reading it is one primary-key lookup per cell; summing
 * the cell's bets instead scanned the bets table on every batch.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE cell_exposure (
      cell_id text PRIMARY KEY,
      liability bigint NOT NULL
    );
    INSERT INTO cell_exposure (cell_id, liability)
    SELECT cell_id, sum(floor(stake::numeric * multiplier_bps / 10000) - stake)::bigint
      FROM bets WHERE status = 'confirmed' GROUP BY cell_id;
  `);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only');
}
