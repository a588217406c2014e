import type { Knex } from 'knex';

/**
 * Loyalty schema (SPEC 4.7). Owner and only writer: the loyalty service. Times are epoch milliseconds, points integers.
 *
 * - `loyalty_accounts`: one row per player with points, locked `FOR UPDATE` for every change (plays, accruals and
 *   rewards all lock the account first, then the slip: one order, no deadlock).
 * - `rating_slips`: a play session; at most one open per player (partial unique index). The tier and its multiplier
 *   are snapshotted at open. `points` / `accrued_at` are set by step 2 of the saga, in the same transaction as the
 *   `loyalty_accruals` row.
 * - `slip_plays`: each bet once (primary key `bet_id`, which implies SPEC's UNIQUE (slip, bet) and is stronger: a bet
 *   counts in one slip only, even when its play is redelivered after its slip closed). A void that arrives before its
 *   play leaves a row with no slip, so the late play is not counted.
 * - `loyalty_accruals`: step 2 of the saga, `rating_slip_id` its primary key: a slip accrues once. A slip worth 0
 *   points is accrued with no ledger entry (`entry_id` null).
 * - `loyalty_entries`: the loyalty ledger. Every row: kind, points, balance before/after (a per-account `seq` assigned
 *   under the account lock), staff id (manual), slip (accrual), reason, correlation id, idempotency key (unique:
 *   `accrual:<slip>`, `void:<slip>:<bet>`, or a manual reward's header or date-bucket key), the body's fingerprint and
 *   the request (job) that wrote it, so a redelivered request knows its own entry from a duplicate.
 *
 * Published read interface (the gateway reads only these): `loyalty_account_view`, `loyalty_entry_view`,
 * `loyalty_slip_view` and `loyalty_drift()`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE loyalty_accounts (
      player_id text PRIMARY KEY,
      points bigint NOT NULL DEFAULT 0 CHECK (points >= 0),
      lifetime_points bigint NOT NULL DEFAULT 0 CHECK (lifetime_points >= 0),
      seq bigint NOT NULL DEFAULT 0,
      created_at bigint NOT NULL,
      updated_at bigint NOT NULL
    );
    CREATE TABLE rating_slips (
      id uuid PRIMARY KEY,
      player_id text NOT NULL REFERENCES loyalty_accounts (player_id),
      status text NOT NULL CHECK (status IN ('open', 'closed')),
      wagered bigint NOT NULL DEFAULT 0 CHECK (wagered >= 0),
      bet_count integer NOT NULL DEFAULT 0 CHECK (bet_count >= 0),
      tier text NOT NULL,
      tier_multiplier_bps integer NOT NULL CHECK (tier_multiplier_bps >= 10000),
      opened_at bigint NOT NULL,
      last_play_at bigint NOT NULL,
      closed_at bigint,
      closed_by text,
      points bigint,
      accrued_at bigint,
      correlation_id text NOT NULL,
      traceparent text,
      CHECK ((status = 'open') = (closed_at IS NULL)),
      CHECK ((points IS NULL) = (accrued_at IS NULL)),
      CHECK (accrued_at IS NULL OR status = 'closed')
    );
    CREATE UNIQUE INDEX rating_slips_one_open ON rating_slips (player_id) WHERE status = 'open';
    CREATE INDEX rating_slips_player ON rating_slips (player_id, opened_at DESC);
    CREATE INDEX rating_slips_idle ON rating_slips (last_play_at) WHERE status = 'open';
    CREATE INDEX rating_slips_unaccrued ON rating_slips (closed_at) WHERE status = 'closed' AND accrued_at IS NULL;

    CREATE TABLE slip_plays (
      bet_id text PRIMARY KEY,
      slip_id uuid REFERENCES rating_slips (id),
      player_id text NOT NULL,
      stake bigint NOT NULL CHECK (stake > 0),
      played_at bigint,
      voided_at bigint,
      correlation_id text NOT NULL,
      CHECK (slip_id IS NOT NULL OR voided_at IS NOT NULL)
    );

    CREATE TABLE loyalty_accruals (
      rating_slip_id uuid PRIMARY KEY REFERENCES rating_slips (id),
      entry_id uuid,
      wagered bigint NOT NULL,
      points bigint NOT NULL CHECK (points >= 0),
      recovered boolean NOT NULL,
      correlation_id text NOT NULL,
      created_at bigint NOT NULL
    );

    CREATE TABLE loyalty_entries (
      id uuid PRIMARY KEY,
      player_id text NOT NULL REFERENCES loyalty_accounts (player_id),
      seq bigint NOT NULL,
      kind text NOT NULL CHECK (kind IN ('accrual', 'manual')),
      points bigint NOT NULL,
      balance_before bigint NOT NULL CHECK (balance_before >= 0),
      balance_after bigint NOT NULL CHECK (balance_after >= 0),
      staff_id text,
      rating_slip_id uuid REFERENCES rating_slips (id),
      reason text NOT NULL,
      correlation_id text NOT NULL,
      idempotency_key text NOT NULL UNIQUE,
      request_fingerprint text,
      request_id text,
      created_at bigint NOT NULL,
      UNIQUE (player_id, seq),
      CHECK (balance_after = balance_before + points),
      CHECK ((kind = 'manual' AND staff_id IS NOT NULL AND points > 0) OR (kind = 'accrual' AND rating_slip_id IS NOT NULL))
    );
    CREATE INDEX loyalty_entries_correlation ON loyalty_entries (correlation_id);
    CREATE INDEX loyalty_entries_staff ON loyalty_entries (staff_id, created_at) WHERE staff_id IS NOT NULL;

    CREATE VIEW loyalty_account_view AS
      SELECT player_id, points, lifetime_points FROM loyalty_accounts;
    COMMENT ON VIEW loyalty_account_view IS 'loyalty published read interface: a player''s points';

    CREATE VIEW loyalty_entry_view AS
      SELECT id, player_id, seq, kind, points, balance_before, balance_after, staff_id, rating_slip_id, reason,
             correlation_id, created_at
        FROM loyalty_entries;
    COMMENT ON VIEW loyalty_entry_view IS 'loyalty published read interface: the loyalty ledger';

    CREATE VIEW loyalty_slip_view AS
      SELECT id, player_id, status, wagered, opened_at, closed_at, points,
             CASE WHEN status = 'open' THEN 'none' WHEN accrued_at IS NULL THEN 'pending' ELSE 'done' END AS accrual
        FROM rating_slips;
    COMMENT ON VIEW loyalty_slip_view IS 'loyalty published read interface: rating slips';

    CREATE FUNCTION loyalty_drift() RETURNS TABLE (checked integer, drift integer)
      LANGUAGE sql STABLE ROWS 1 SECURITY DEFINER SET search_path = pg_catalog, public AS $fn$
      SELECT count(*)::int,
             count(*) FILTER (WHERE a.points <> coalesce(e.total, 0) OR a.seq <> coalesce(e.n, 0))::int
        FROM loyalty_accounts a
        LEFT JOIN (SELECT player_id, sum(points) AS total, count(*) AS n FROM loyalty_entries GROUP BY player_id) e
          ON e.player_id = a.player_id
    $fn$;
    COMMENT ON FUNCTION loyalty_drift() IS
      'loyalty published read interface: accounts checked, and accounts whose points differ from the sum of their entries';
  `);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only');
}
