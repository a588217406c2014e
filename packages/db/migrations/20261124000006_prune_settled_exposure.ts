import type { Knex } from 'knex';

/**
 * Settlement now drops the exposure rows of the cells it settles (their bets closed at the lockout, so nothing reads
 * them again). This removes the rows that windows settled before that change left behind. Only a DELETE of dead rows:
 * safe with ledgers running. A cell id is `{marketId}:{windowStart}:{bandIndex}` (contracts' grid.ts); a row that
 * does not parse as one is kept.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    DELETE FROM cell_exposure x
     USING settlements s
     WHERE x.cell_id ~ '^[^:]+:[0-9]{1,16}:[0-9]{1,16}$'
       AND s.market_id = split_part(x.cell_id, ':', 1)
       AND s.window_start = split_part(x.cell_id, ':', 2)::bigint
  `);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only');
}
