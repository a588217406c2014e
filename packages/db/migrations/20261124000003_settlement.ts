import type { Knex } from 'knex';

/**
 * Settlement (SPEC 3). bet-ledger owns `settlements` (one row per settled market window, with its
 * evidence); feed-monitor owns `feed_status_log` (every breaker transition, to know whether a
 * market was CRITICAL at any moment of a window). Settlement wallet entries carry the settle job's
 * trace id beside the bet's correlation id.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE settlements (
      market_id text NOT NULL,
      window_start bigint NOT NULL,
      window_end bigint NOT NULL,
      low numeric,
      high numeric,
      tick_count integer NOT NULL,
      touched_bands integer[] NOT NULL,
      void_reason text CHECK (void_reason IN ('no_ticks', 'market_critical')),
      trace_id text NOT NULL,
      started_at bigint NOT NULL,
      PRIMARY KEY (market_id, window_start)
    );
    CREATE TABLE feed_status_log (
      id bigserial PRIMARY KEY,
      market_id text NOT NULL,
      status text NOT NULL CHECK (status IN ('HEALTHY', 'DEGRADED', 'CRITICAL')),
      at bigint NOT NULL
    );
    CREATE INDEX feed_status_log_market_at ON feed_status_log (market_id, at);
    ALTER TABLE wallet_entries ADD COLUMN trace_id text;
  `);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only');
}
