import type { Knex } from 'knex';

/**
 * Audit tables (SPEC 5, issue 12): where `pnpm archive:restore` loads archive files back for an auditor, never into
 * the live `bets` and `wallet_entries` (a restored bet must not become placeable, settleable or countable in a
 * balance again). Owner: the archiver's restore command.
 *
 * - `audit_restores`: one row per restored (run, partition): the manifest's figures it was checked against and when.
 *   Restoring the same partition again replaces its rows (the cascade), so a restore can be repeated.
 * - `audit_bets`, `audit_wallet_entries`: each archived row, with the columns an auditor sums and joins by, plus the
 *   whole row as the file holds it (`row`), so columns a later schema version adds are kept without a migration here.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE audit_restores (
      run_id text NOT NULL,
      partition_key text NOT NULL,
      object_key text NOT NULL,
      archive_url text NOT NULL,
      schema_version integer NOT NULL,
      sha256 text NOT NULL,
      bets integer NOT NULL,
      wallet_entries integer NOT NULL,
      stake_total bigint NOT NULL,
      payout_total bigint NOT NULL,
      entry_amount_total bigint NOT NULL,
      restored_at bigint NOT NULL,
      PRIMARY KEY (run_id, partition_key)
    );

    CREATE TABLE audit_bets (
      run_id text NOT NULL,
      partition_key text NOT NULL,
      bet_id text NOT NULL,
      player_id text NOT NULL,
      client_bet_id text NOT NULL,
      status text NOT NULL,
      result text,
      stake bigint NOT NULL,
      payout bigint,
      final_at bigint NOT NULL,
      row jsonb NOT NULL,
      PRIMARY KEY (run_id, partition_key, bet_id),
      FOREIGN KEY (run_id, partition_key) REFERENCES audit_restores ON DELETE CASCADE
    );
    CREATE INDEX audit_bets_bet ON audit_bets (bet_id);
    CREATE INDEX audit_bets_player ON audit_bets (player_id, final_at);

    CREATE TABLE audit_wallet_entries (
      run_id text NOT NULL,
      partition_key text NOT NULL,
      entry_id bigint NOT NULL,
      wallet_id bigint NOT NULL,
      bet_id text,
      kind text NOT NULL,
      amount bigint NOT NULL,
      created_at bigint NOT NULL,
      row jsonb NOT NULL,
      PRIMARY KEY (run_id, partition_key, entry_id),
      FOREIGN KEY (run_id, partition_key) REFERENCES audit_restores ON DELETE CASCADE
    );
    CREATE INDEX audit_wallet_entries_bet ON audit_wallet_entries (bet_id);
    CREATE INDEX audit_wallet_entries_wallet ON audit_wallet_entries (wallet_id, entry_id);
  `);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only');
}
