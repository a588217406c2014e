import type { Knex } from 'knex';

/** Price ticks, written by feed-monitor only. `ts` is the tick's (validated) time, epoch ms. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE ticks (
      id bigserial PRIMARY KEY,
      market_id text NOT NULL,
      price numeric NOT NULL CHECK (price > 0),
      ts bigint NOT NULL,
      received_at bigint NOT NULL,
      source text NOT NULL CHECK (source IN ('simulator', 'adapter', 'admin'))
    );
    CREATE INDEX ticks_market_ts ON ticks (market_id, ts);
  `);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only');
}
