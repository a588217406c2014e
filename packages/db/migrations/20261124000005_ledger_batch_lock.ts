import type { Knex } from 'knex';

/**
 * The ledger batch's locks in one round trip (they were three statements): the cells' advisory locks in the order
 * given (the caller sorts them; every batch takes them before any wallet lock, so batches never deadlock), then the
 * cells' liability, then the wallets FOR UPDATE in id order. One row per known cell ('cell') and per wallet
 * ('wallet'). Each statement of a round trip held the hot cell's lock that much longer.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION ledger_lock_batch(cells text[], players text[])
      RETURNS TABLE (kind text, key text, wallet_id bigint, amount bigint, seq bigint)
      LANGUAGE plpgsql AS $fn$
    BEGIN
      PERFORM pg_advisory_xact_lock(hashtextextended('cell:' || c, 0)) FROM unnest(cells) WITH ORDINALITY AS t(c, n) ORDER BY n;
      RETURN QUERY SELECT 'cell', x.cell_id, NULL::bigint, x.liability, NULL::bigint FROM cell_exposure x WHERE x.cell_id = ANY(cells);
      RETURN QUERY SELECT 'wallet', w.player_id, w.id, w.balance, w.seq
        FROM (SELECT * FROM wallets WHERE player_id = ANY(players) ORDER BY id FOR UPDATE) w;
    END
    $fn$;
  `);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only');
}
