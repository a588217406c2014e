import type { Knex } from 'knex';

/**
 * bet-ledger's published read interface: the only ledger objects other services (the gateway today) may read.
 * The tables behind them (wallets, wallet_entries, deposits, bets, settlements, cell_exposure) are the ledger's own
 * and may change shape; these keep their columns and meaning, so a change of the ledger (the archiver's per-wallet
 * checkpoint, say) replaces them in the ledger's migration instead of breaking a reader.
 *
 * - `ledger_bet_view`, `ledger_wallet_view`: plain single-table projections, so Postgres inlines them and the
 *   readers' queries keep their index scans on `bets` and `wallets`. Views run with their owner's privileges: a
 *   reader needs SELECT on the view only.
 * - `ledger_wallet_drift()`: the ledger's invariant (balance = archived checkpoint + sum of the wallet's entries),
 *   checked over every wallet. SECURITY DEFINER so that a reader needs EXECUTE only (a SQL function otherwise reads
 *   the tables with the caller's privileges); it is one aggregate per call, so not being inlined costs nothing.
 *
 * Self-contained: depends only on tables created by 0001–0006.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE VIEW ledger_bet_view AS
      SELECT id, player_id, client_bet_id, market_id, cell_id, stake, multiplier_bps, min_multiplier_bps, status, reason,
             result, payout, placed_at, confirmed_at, settled_at, updated_at
        FROM bets;
    COMMENT ON VIEW ledger_bet_view IS 'bet-ledger published read interface: bets as players see them';

    CREATE VIEW ledger_wallet_view AS
      SELECT player_id, balance, seq FROM wallets;
    COMMENT ON VIEW ledger_wallet_view IS 'bet-ledger published read interface: a player''s balance and wallet sequence';

    CREATE FUNCTION ledger_wallet_drift() RETURNS TABLE (checked integer, drift integer)
      LANGUAGE sql STABLE ROWS 1 SECURITY DEFINER SET search_path = pg_catalog, public AS $fn$
      SELECT count(*)::int,
             count(*) FILTER (WHERE w.balance <> w.archived_sum + coalesce(e.total, 0))::int
        FROM wallets w
        LEFT JOIN (SELECT wallet_id, sum(amount) AS total FROM wallet_entries GROUP BY wallet_id) e ON e.wallet_id = w.id
    $fn$;
    COMMENT ON FUNCTION ledger_wallet_drift() IS
      'bet-ledger published read interface: wallets checked, and wallets whose balance differs from archived_sum + sum(entries)';
  `);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only');
}
