import { bpsToMultiplier, type BetView } from '@wagerflow/contracts';
import { named, type Pool } from '@wagerflow/db';
import { Batcher } from '@wagerflow/queue';

/**
 * Reads of bet-ledger's data through its published read interface only (`ledger_bet_view`, `ledger_wallet_view`,
 * `ledger_wallet_drift()`, `ledger_bets_by_client_ids()`: the ledger's migrations), never its tables: the ledger may change
 * its tables, the interface keeps its shape. Reading here saves a service hop on every poll; the views are inlined,
 * so the plans are the tables' index scans. `ledger-read.repository.int.test.ts` runs these as a role without
 * privileges on the tables.
 */
interface BetRow {
  id: string;
  client_bet_id: string;
  market_id: string;
  cell_id: string;
  stake: number;
  multiplier_bps: number;
  min_multiplier_bps: number | null;
  status: 'confirmed' | 'rejected';
  reason: string | null;
  result: BetView['result'];
  payout: number | null;
  placed_at: number;
  confirmed_at: number | null;
  settled_at: number | null;
  updated_at: number;
}

const BET_COLUMNS = `id, client_bet_id, market_id, cell_id, stake, multiplier_bps, min_multiplier_bps, status, reason, result,
  payout, placed_at, confirmed_at, settled_at, updated_at`;
/** What a player's `clientBetId` names: the stored bet, a bet moved to the archive (SPEC 5), or nothing yet. */
export type ClientIdLookup = StoredBet | 'archived' | null;

export interface StoredBet {
  view: BetView;
  minMultiplierBps: number | null;
}

function toStored(r: BetRow): StoredBet {
  return {
    minMultiplierBps: r.min_multiplier_bps,
    view: {
      betId: r.id,
      clientBetId: r.client_bet_id,
      marketId: r.market_id,
      cellId: r.cell_id,
      stake: r.stake,
      multiplier: bpsToMultiplier(r.multiplier_bps),
      status: r.status,
      reason: r.reason,
      result: r.result,
      payout: r.payout,
      placedAt: r.placed_at,
      confirmedAt: r.confirmed_at,
      settledAt: r.settled_at,
      updatedAt: r.updated_at,
    },
  };
}

/** Most idempotency keys looked up in one query. */
const LOOKUP_BATCH_MAX = 500;
/** Lookups in flight at once (each holds a pooled connection). */
const LOOKUP_CONCURRENCY = 4;

export function ledgerReadRepository(pool: Pool) {
  /**
   * Every new bet looks its idempotency key up once: the lookups of one event-loop turn share one query, so Postgres
   * runs one statement per turn, not one per request: the ledger's `ledger_bets_by_client_ids`, whose plan Postgres
   * caches (planning the same join afresh was 86 % of its cost). It reads the archive's tombstones too (SPEC 5): one
   * snapshot sees a key either on its bet or on the tombstone that replaced it, never on neither (two statements could
   * read the tombstones before an archive commit and the bets after it, and place the key again).
   */
  const byClientId = new Batcher<{ playerId: string; clientBetId: string }, ClientIdLookup>({
    maxSize: LOOKUP_BATCH_MAX,
    maxWaitMs: 0,
    concurrency: LOOKUP_CONCURRENCY,
    async flush(keys) {
      const { rows } = await pool.query<Partial<BetRow> & { key_player: string; key_client: string; archived: boolean }>(
        named('gateway.bets-by-client-ids', `SELECT * FROM ledger_bets_by_client_ids($1::text[], $2::text[])`, [
          keys.map((k) => k.playerId),
          keys.map((k) => k.clientBetId),
        ]),
      );
      const found = new Map(
        rows.map((r): [string, ClientIdLookup] => [
          `${r.key_player}|${r.key_client}`,
          r.id !== null && r.id !== undefined ? toStored(r as BetRow) : r.archived ? 'archived' : null,
        ]),
      );
      return keys.map((k) => found.get(`${k.playerId}|${k.clientBetId}`) ?? null);
    },
  });

  return {
    /** This player's bet under `clientBetId`, or `'archived'` when the ledger moved it to the archive (410), or null. */
    lookupClientId(playerId: string, clientBetId: string): Promise<ClientIdLookup> {
      return byClientId.submit({ playerId, clientBetId });
    },
    /**
     * Every idempotency key of the player's stored and archived bets, for the player's key filter. One statement: one
     * snapshot sees a key on its bet or on the tombstone that replaced it, never on neither.
     */
    async storedClientBetIds(playerId: string): Promise<string[]> {
      const { rows } = await pool.query<{ client_bet_id: string }>(
        `SELECT client_bet_id FROM ledger_bet_view WHERE player_id = $1
          UNION ALL SELECT client_bet_id FROM ledger_archived_bet_view WHERE player_id = $1`,
        [playerId],
      );
      return rows.map((r) => r.client_bet_id);
    },
    async betById(playerId: string, betId: string): Promise<StoredBet | null> {
      const { rows } = await pool.query<BetRow>(`SELECT ${BET_COLUMNS} FROM ledger_bet_view WHERE id = $1 AND player_id = $2`, [
        betId,
        playerId,
      ]);
      return rows[0] ? toStored(rows[0]) : null;
    },
    /** Bets changed at or after `since`, oldest change first, keyset-paginated on (updated_at, id). */
    async betsSince(playerId: string, since: number, after: { updatedAt: number; id: string } | null, limit: number): Promise<BetView[]> {
      const { rows } = after
        ? await pool.query<BetRow>(
            `SELECT ${BET_COLUMNS} FROM ledger_bet_view WHERE player_id = $1 AND updated_at >= $2 AND (updated_at, id) > ($3, $4)
              ORDER BY updated_at, id LIMIT $5`,
            [playerId, since, after.updatedAt, after.id, limit],
          )
        : await pool.query<BetRow>(
            `SELECT ${BET_COLUMNS} FROM ledger_bet_view WHERE player_id = $1 AND updated_at >= $2 ORDER BY updated_at, id LIMIT $3`,
            [playerId, since, limit],
          );
      return rows.map((r) => toStored(r).view);
    },
    async wallet(playerId: string): Promise<{ balance: number; walletSeq: number }> {
      const { rows } = await pool.query<{ balance: number; seq: number }>(
        'SELECT balance, seq FROM ledger_wallet_view WHERE player_id = $1',
        [playerId],
      );
      return { balance: rows[0]?.balance ?? 0, walletSeq: rows[0]?.seq ?? 0 };
    },
    /** Whether the ledger moved this bet of this player to the archive (SPEC 5: 410 `archived`). */
    async isArchived(playerId: string, betId: string): Promise<boolean> {
      const { rows } = await pool.query('SELECT 1 FROM ledger_archived_bet_view WHERE bet_id = $1 AND player_id = $2', [betId, playerId]);
      return rows.length > 0;
    },
    /** Wallets whose balance breaks the ledger's invariant (the ledger's function defines it: entries, checkpoint). */
    async walletDrift(): Promise<{ checked: number; drift: number }> {
      const { rows } = await pool.query<{ checked: number; drift: number }>('SELECT checked, drift FROM ledger_wallet_drift()');
      return rows[0] ?? { checked: 0, drift: 0 };
    },
  };
}
export type LedgerReadRepository = ReturnType<typeof ledgerReadRepository>;
