import type { Knex } from 'knex';

/**
 * The archive's per-wallet checkpoint moves out of `wallets` into `wallet_archive_checkpoints` (bet-ledger's own).
 *
 * Why: the archive's commit added each wallet's archived sum into `wallets.archived_sum`, so it had to lock those
 * wallet rows (FOR UPDATE, in id order, before its deletes) and hold them until it committed: every wallet with a bet
 * in the partition, typically thousands, for the whole delete (about 200 ms a 5,000-bet partition). A bet of any of
 * those players waited that long for its batch's wallet lock. A row the bet path never touches removes the wait.
 *
 * No foreign key to `wallets`: its check takes FOR KEY SHARE on the wallet row, which the ledger's batches'
 * FOR UPDATE waits for, the very wait this removes. Wallets are never deleted, and the only writer (the archive
 * commit) takes its wallet ids from the entries it deletes, whose own foreign key proved them.
 *
 * `ledger_wallet_drift()` keeps its meaning (balance = archived checkpoint + sum of the wallet's entries) and columns.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE wallet_archive_checkpoints (
      wallet_id bigint PRIMARY KEY,
      archived_sum bigint NOT NULL,
      updated_at bigint NOT NULL
    );
    INSERT INTO wallet_archive_checkpoints (wallet_id, archived_sum, updated_at)
      SELECT id, archived_sum, updated_at FROM wallets WHERE archived_sum <> 0;

    CREATE OR REPLACE FUNCTION ledger_wallet_drift() RETURNS TABLE (checked integer, drift integer)
      LANGUAGE sql STABLE ROWS 1 SECURITY DEFINER SET search_path = pg_catalog, public AS $fn$
      SELECT count(*)::int,
             count(*) FILTER (WHERE w.balance <> coalesce(c.archived_sum, 0) + coalesce(e.total, 0))::int
        FROM wallets w
        LEFT JOIN wallet_archive_checkpoints c ON c.wallet_id = w.id
        LEFT JOIN (SELECT wallet_id, sum(amount) AS total FROM wallet_entries GROUP BY wallet_id) e ON e.wallet_id = w.id
    $fn$;
    COMMENT ON FUNCTION ledger_wallet_drift() IS
      'bet-ledger published read interface: wallets checked, and wallets whose balance differs from the archived checkpoint + sum(entries)';

    ALTER TABLE wallets DROP COLUMN archived_sum;
  `);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only');
}
