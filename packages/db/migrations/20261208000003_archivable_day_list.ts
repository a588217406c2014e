import type { Knex } from 'knex';

/**
 * `ledger_archivable_day_list(cutoff)`: the UTC days that hold final bets older than the cutoff, which is all the
 * archiver's planner needs (it archives each day chunk by chunk until a chunk comes back short). Published by
 * bet-ledger beside `ledger_archivable_days`, whose per-day counts read every archivable bet: 1.3 s of one core at the
 * start of a run over 300,000 bets (pg_stat_statements, `pnpm bench --mode archive --bets 300000 --profile postgres`),
 * in a Postgres backend at normal priority, beside the bet path. Here each day costs one probe of `bets_final_at`:
 * the first final time at or after the day before it ends (a loose index scan), whatever the table's size.
 * SECURITY DEFINER like the other planner function: the archiver needs EXECUTE only.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION ledger_archivable_day_list(cutoff bigint) RETURNS TABLE (day text)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $fn$
      WITH RECURSIVE d (at) AS (
        SELECT min(coalesce(settled_at, updated_at)) FROM bets
         WHERE (status = 'rejected' OR result IN ('won', 'lost', 'void')) AND coalesce(settled_at, updated_at) < cutoff
        UNION ALL
        SELECT (SELECT min(coalesce(b.settled_at, b.updated_at)) FROM bets b
                 WHERE (b.status = 'rejected' OR b.result IN ('won', 'lost', 'void'))
                   AND coalesce(b.settled_at, b.updated_at) >= (d.at / 86400000 + 1) * 86400000
                   AND coalesce(b.settled_at, b.updated_at) < cutoff)
          FROM d WHERE d.at IS NOT NULL
      )
      SELECT to_char(to_timestamp(at / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM d WHERE at IS NOT NULL ORDER BY at
    $fn$;
    COMMENT ON FUNCTION ledger_archivable_day_list(bigint) IS
      'bet-ledger published read interface: UTC days holding final bets older than the cutoff, one index probe a day (the archiver plans by it)';
  `);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only');
}
