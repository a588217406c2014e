import type { Knex } from 'knex';

/**
 * Archive pipeline (SPEC 5, issue 12). Owners: the archiver writes `archive_runs`; bet-ledger writes
 * `archive_manifests` and `archived_bets` (in the same transaction that deletes the archived rows and moves their
 * entries' sum into `wallets.archived_sum`, so `ledger_wallet_drift()` stays 0 without being replaced).
 *
 * - `archive_runs`: one row per run. The unique partial index on the running run is the one-run-at-a-time lock: it
 *   survives a crash (a run left `running` by a dead archiver is taken over and finished by the next start, never
 *   run twice at once).
 * - `archive_manifests`: one row per (run, partition) whose file was read back, verified and whose rows were
 *   deleted. A file without a manifest row is not trusted (a rerun overwrites it).
 * - `archived_bets`: tombstones (bet id, player, clientBetId) so that `GET /v1/bets/{id}` answers 410 `archived` and a
 *   resubmitted `clientBetId` of an archived bet is not placed again. Narrow: ~100 bytes a bet instead of the bet row,
 *   its entries and their indexes.
 * - `bets_final_at`: the partial index the planner and the executor select archivable bets by (settled, or
 *   rejected, ordered by the time they became final).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE archive_runs (
      id text PRIMARY KEY,
      status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
      trigger text NOT NULL CHECK (trigger IN ('schedule', 'admin', 'resume')),
      requested_by text,
      cutoff bigint NOT NULL,
      started_at bigint NOT NULL,
      finished_at bigint,
      error text,
      partitions integer NOT NULL DEFAULT 0,
      bets bigint NOT NULL DEFAULT 0,
      wallet_entries bigint NOT NULL DEFAULT 0,
      bytes bigint NOT NULL DEFAULT 0
    );
    CREATE UNIQUE INDEX archive_runs_one_running ON archive_runs ((true)) WHERE status = 'running';
    CREATE INDEX archive_runs_succeeded ON archive_runs (finished_at) WHERE status = 'succeeded';

    CREATE TABLE archive_manifests (
      run_id text NOT NULL,
      partition_key text NOT NULL,
      object_key text NOT NULL UNIQUE,
      schema_version integer NOT NULL,
      bets integer NOT NULL,
      wallet_entries integer NOT NULL,
      sha256 text NOT NULL,
      bytes bigint NOT NULL,
      min_bet_id text NOT NULL,
      max_bet_id text NOT NULL,
      min_entry_id bigint,
      max_entry_id bigint,
      min_final_at bigint NOT NULL,
      max_final_at bigint NOT NULL,
      stake_total bigint NOT NULL,
      payout_total bigint NOT NULL,
      entry_amount_total bigint NOT NULL,
      created_at bigint NOT NULL,
      PRIMARY KEY (run_id, partition_key)
    );

    CREATE TABLE archived_bets (
      bet_id text PRIMARY KEY,
      player_id text NOT NULL,
      client_bet_id text NOT NULL,
      archived_at bigint NOT NULL,
      UNIQUE (player_id, client_bet_id)
    );

    CREATE INDEX bets_final_at ON bets ((coalesce(settled_at, updated_at)), id)
      WHERE status = 'rejected' OR result IN ('won', 'lost', 'void');

    CREATE VIEW ledger_archived_bet_view AS
      SELECT bet_id, player_id, client_bet_id, archived_at FROM archived_bets;
    COMMENT ON VIEW ledger_archived_bet_view IS 'bet-ledger published read interface: bets moved to the archive (410 archived)';

    CREATE VIEW archive_run_view AS
      SELECT r.id, r.status, r.trigger, r.requested_by, r.cutoff, r.started_at, r.finished_at, r.error,
             r.partitions, r.bets, r.wallet_entries, r.bytes
        FROM archive_runs r;
    COMMENT ON VIEW archive_run_view IS 'archiver published read interface: archive runs';

    CREATE VIEW archive_manifest_view AS
      SELECT run_id, partition_key, object_key, schema_version, bets, wallet_entries, sha256, bytes, min_bet_id,
             max_bet_id, min_entry_id, max_entry_id, min_final_at, max_final_at, stake_total, payout_total,
             entry_amount_total, created_at
        FROM archive_manifests;
    COMMENT ON VIEW archive_manifest_view IS 'bet-ledger published read interface: verified archive files';
  `);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only');
}
