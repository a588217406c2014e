import type { Knex } from 'knex';

/**
 * Money path schema. Owners: gateway writes players and staff; bet-ledger writes wallets,
 * wallet_entries, deposits and bets. Times are epoch milliseconds (bigint), money integer cents.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE players (
      id text PRIMARY KEY,
      display_name text NOT NULL,
      api_key text NOT NULL UNIQUE,
      api_secret_enc text NOT NULL,
      created_at bigint NOT NULL
    );
    CREATE TABLE staff (
      id text PRIMARY KEY,
      name text NOT NULL,
      role text NOT NULL CHECK (role IN ('host', 'supervisor', 'admin')),
      token_hash text NOT NULL UNIQUE,
      created_at bigint NOT NULL
    );
    CREATE TABLE wallets (
      id bigserial PRIMARY KEY,
      player_id text NOT NULL UNIQUE,
      balance bigint NOT NULL DEFAULT 0 CHECK (balance >= 0),
      seq bigint NOT NULL DEFAULT 0,
      archived_sum bigint NOT NULL DEFAULT 0,
      updated_at bigint NOT NULL
    );
    CREATE TABLE deposits (
      id text PRIMARY KEY,
      player_id text NOT NULL,
      reference text NOT NULL,
      amount bigint NOT NULL CHECK (amount > 0),
      correlation_id text NOT NULL,
      created_at bigint NOT NULL,
      UNIQUE (player_id, reference)
    );
    CREATE TABLE bets (
      id text PRIMARY KEY,
      player_id text NOT NULL,
      client_bet_id text NOT NULL,
      market_id text NOT NULL,
      cell_id text NOT NULL,
      window_start bigint NOT NULL,
      band_index integer NOT NULL,
      price_low numeric NOT NULL,
      price_high numeric NOT NULL,
      stake bigint NOT NULL CHECK (stake > 0),
      multiplier_bps integer NOT NULL CHECK (multiplier_bps > 0),
      min_multiplier_bps integer,
      status text NOT NULL CHECK (status IN ('confirmed', 'rejected')),
      reason text,
      result text CHECK (result IN ('open', 'won', 'lost', 'void')),
      payout bigint,
      placed_at bigint NOT NULL,
      confirmed_at bigint,
      settled_at bigint,
      updated_at bigint NOT NULL,
      correlation_id text NOT NULL,
      UNIQUE (player_id, client_bet_id),
      CHECK ((status = 'confirmed') = (result IS NOT NULL))
    );
    CREATE INDEX bets_player_updated ON bets (player_id, updated_at, id);
    CREATE INDEX bets_open_window ON bets (market_id, window_start) WHERE result = 'open';
    CREATE TABLE wallet_entries (
      id bigserial PRIMARY KEY,
      wallet_id bigint NOT NULL REFERENCES wallets (id),
      seq bigint NOT NULL,
      kind text NOT NULL CHECK (kind IN ('deposit', 'stake', 'payout', 'refund')),
      amount bigint NOT NULL,
      balance_before bigint NOT NULL,
      balance_after bigint NOT NULL CHECK (balance_after >= 0),
      bet_id text,
      deposit_id text,
      correlation_id text NOT NULL,
      created_at bigint NOT NULL,
      UNIQUE (wallet_id, seq),
      CHECK (balance_after = balance_before + amount)
    );
    CREATE INDEX wallet_entries_bet ON wallet_entries (bet_id) WHERE bet_id IS NOT NULL;
  `);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only');
}
