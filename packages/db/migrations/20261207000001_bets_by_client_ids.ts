import type { Knex } from 'knex';

/**
 * `ledger_bets_by_client_ids(players, client_bet_ids)`: bet-ledger's published lookup of idempotency keys, the
 * gateway's one Postgres read per new bet. Each key answers with its bet (from `ledger_bet_view`), or with
 * `archived` when only the archive's tombstone holds it (`ledger_archived_bet_view`); keys on neither return no row.
 * One statement, so one snapshot sees a key on its bet or on the tombstone that replaced it, never on neither.
 *
 * Why a function: the pools plan every statement afresh (`plan_cache_mode=force_custom_plan`, see packages/db
 * pool.ts), and planning this join was 86 % of its server time (255 of 296 µs a call, pg_stat_statements during
 * `pnpm bench --mode e2e --profile postgres`). Here the plan is made once per connection and reused: the function
 * sets `force_generic_plan`. A generic plan cannot see the keys or the tables' current size, so the statement is
 * written to have one sane plan whatever the statistics say: each key probes the unique (player_id, client_bet_id)
 * indexes through a LATERAL subquery that LIMIT keeps from being flattened into a join (no hash join over a whole
 * table is possible), and `enable_seqscan = off` keeps a stale "table is empty" estimate from choosing a scan.
 *
 * Self-contained: reads only the views of 20261204000001 and 20261205000001.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION ledger_bets_by_client_ids(players text[], client_bet_ids text[])
      RETURNS TABLE (
        key_player text, key_client text, id text, client_bet_id text, market_id text, cell_id text, stake bigint,
        multiplier_bps integer, min_multiplier_bps integer, status text, reason text, result text, payout bigint,
        placed_at bigint, confirmed_at bigint, settled_at bigint, updated_at bigint, archived boolean
      )
      LANGUAGE plpgsql STABLE
      SET search_path = pg_catalog, public
      SET plan_cache_mode = force_generic_plan
      SET enable_seqscan = off
      AS $fn$
      BEGIN
        RETURN QUERY
          SELECT k.player_id, k.client_bet_id, b.id, b.client_bet_id, b.market_id, b.cell_id, b.stake, b.multiplier_bps,
                 b.min_multiplier_bps, b.status, b.reason, b.result, b.payout, b.placed_at, b.confirmed_at, b.settled_at,
                 b.updated_at, a.found IS NOT NULL
            FROM unnest(players, client_bet_ids) AS k (player_id, client_bet_id)
            LEFT JOIN LATERAL (
              SELECT v.* FROM ledger_bet_view v
               WHERE v.player_id = k.player_id AND v.client_bet_id = k.client_bet_id LIMIT 1
            ) b ON true
            LEFT JOIN LATERAL (
              SELECT true AS found FROM ledger_archived_bet_view t
               WHERE t.player_id = k.player_id AND t.client_bet_id = k.client_bet_id LIMIT 1
            ) a ON true
           WHERE b.id IS NOT NULL OR a.found IS NOT NULL;
      END
      $fn$;
    COMMENT ON FUNCTION ledger_bets_by_client_ids(text[], text[]) IS
      'bet-ledger published read interface: the bet (or archived = true) under each (player, clientBetId) key; unknown keys return no row';
  `);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only');
}
