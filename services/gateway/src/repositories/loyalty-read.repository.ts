import type { LoyaltyEntry, SlipView } from '@wagerflow/contracts';
import type { Pool } from '@wagerflow/db';

/**
 * Reads of loyalty's data through its published read interface only (`loyalty_account_view`, `loyalty_entry_view`,
 * `loyalty_slip_view`, `loyalty_drift()`, created in loyalty's migration 20261204000002), never its tables: loyalty may
 * change its tables, the interface keeps its shape. Writes go to loyalty as jobs (loyalty-requests).
 * `loyalty-read.repository.int.test.ts` runs these as a role without privileges on the tables.
 */
interface EntryRow {
  id: string;
  seq: number;
  kind: LoyaltyEntry['kind'];
  points: number;
  balance_before: number;
  balance_after: number;
  staff_id: string | null;
  rating_slip_id: string | null;
  reason: string;
  correlation_id: string;
  created_at: number;
}

type NullableEntryRow = { [K in keyof EntryRow]: EntryRow[K] | null };

export interface AccountPage {
  points: number;
  lifetimePoints: number;
  entries: (LoyaltyEntry & { seq: number })[];
}

interface SlipRow {
  id: string;
  status: SlipView['status'];
  wagered: number;
  opened_at: number;
  closed_at: number | null;
  points: number | null;
  accrual: SlipView['accrual'];
}

const toEntry = (r: EntryRow): LoyaltyEntry => ({
  entryId: r.id,
  kind: r.kind,
  points: r.points,
  balanceBefore: r.balance_before,
  balanceAfter: r.balance_after,
  staffId: r.staff_id,
  ratingSlipId: r.rating_slip_id,
  reason: r.reason,
  correlationId: r.correlation_id,
  createdAt: r.created_at,
});

const toSlipView = (r: SlipRow): SlipView => ({
  slipId: r.id,
  status: r.status,
  wagered: r.wagered,
  openedAt: r.opened_at,
  closedAt: r.closed_at,
  points: r.points,
  accrual: r.accrual,
});

/** The most slips one listing returns (newest first); SPEC 4.7's list has no paging. */
export const SLIPS_LIST_MAX = 1_000;

export function loyaltyReadRepository(pool: Pool) {
  return {
    /** A player's points (GET /v1/me); 0 and 0 for a player without an account yet. */
    async account(playerId: string): Promise<{ points: number; lifetimePoints: number }> {
      const { rows } = await pool.query<{ points: number; lifetime_points: number }>(
        'SELECT points, lifetime_points FROM loyalty_account_view WHERE player_id = $1',
        [playerId],
      );
      return { points: rows[0]?.points ?? 0, lifetimePoints: rows[0]?.lifetime_points ?? 0 };
    },
    /**
     * The account's points and a page of its entries, newest first by the account's `seq` (assigned under the account
     * lock: the order the changes were applied in), those below `beforeSeq` when given. One statement, so the points
     * and the entries come from one snapshot; keyset-paginated on the (player_id, seq) unique index. A player
     * without an account yet (no play, no reward) has 0 points and no entries.
     */
    async page(playerId: string, beforeSeq: number | null, limit: number): Promise<AccountPage> {
      const { rows } = await pool.query<{ account_points: number | null; account_lifetime_points: number | null } & NullableEntryRow>(
        `SELECT a.points AS account_points, a.lifetime_points AS account_lifetime_points, e.*
             FROM (SELECT 1) AS one
             LEFT JOIN loyalty_account_view a ON a.player_id = $1
             LEFT JOIN LATERAL (
               SELECT id, seq, kind, points, balance_before, balance_after, staff_id, rating_slip_id, reason, correlation_id, created_at
                 FROM loyalty_entry_view WHERE player_id = $1 AND ($2::bigint IS NULL OR seq < $2) ORDER BY seq DESC LIMIT $3
             ) e ON true
            ORDER BY e.seq DESC`,
        [playerId, beforeSeq, limit],
      );
      const first = rows[0];
      return {
        points: first?.account_points ?? 0,
        lifetimePoints: first?.account_lifetime_points ?? 0,
        entries: rows.flatMap((r) => (r.id === null ? [] : [{ ...toEntry(r as EntryRow), seq: r.seq as number }])),
      };
    },
    /** The player's slips, newest first, at most SLIPS_LIST_MAX. */
    async slips(playerId: string): Promise<SlipView[]> {
      const { rows } = await pool.query<SlipRow>(
        `SELECT id, status, wagered, opened_at, closed_at, points, accrual FROM loyalty_slip_view
          WHERE player_id = $1 ORDER BY opened_at DESC, id DESC LIMIT $2`,
        [playerId, SLIPS_LIST_MAX],
      );
      return rows.map(toSlipView);
    },
    /** Accounts whose points differ from the sum of their entries (loyalty's function defines it). */
    async drift(): Promise<{ checked: number; drift: number }> {
      const { rows } = await pool.query<{ checked: number; drift: number }>('SELECT checked, drift FROM loyalty_drift()');
      return rows[0] ?? { checked: 0, drift: 0 };
    },
  };
}
export type LoyaltyReadRepository = ReturnType<typeof loyaltyReadRepository>;
