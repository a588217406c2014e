import type { Knex } from 'knex';

/**
 * bet-ledger's published read interface for the archiver's planner (SPEC 5: the archiver plans, bet-ledger executes):
 * archivable bets a UTC day of their final time (settled, or rejected), before a cutoff. SECURITY DEFINER like
 * `ledger_wallet_drift()`: the archiver needs EXECUTE only, never SELECT on `bets`. Uses `bets_final_at` (0001_archive).
 * `archive_last_success()`: the dead man's switch value, persisted as the latest succeeded run's finish time.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION ledger_archivable_days(cutoff bigint) RETURNS TABLE (day text, bets integer)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $fn$
      SELECT to_char(to_timestamp(coalesce(settled_at, updated_at) / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD'), count(*)::int
        FROM bets
       WHERE (status = 'rejected' OR result IN ('won', 'lost', 'void')) AND coalesce(settled_at, updated_at) < cutoff
       GROUP BY 1 ORDER BY 1
    $fn$;
    COMMENT ON FUNCTION ledger_archivable_days(bigint) IS
      'bet-ledger published read interface: final bets older than the cutoff, per UTC day (the archiver plans partitions by it)';
  `);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only');
}
