import type { SlipView } from '@wagerflow/contracts';
import type { PoolClient } from '@wagerflow/db';
import type { SlipDelta } from '../domain/slip-plays.js';

/** Rating slips: open, count into, close (saga step 1), mark accrued (step 2). Call with the account locked. */

export interface SlipRow {
  id: string;
  playerId: string;
  status: 'open' | 'closed';
  wagered: number;
  betCount: number;
  tier: string;
  tierMultiplierBps: number;
  openedAt: number;
  lastPlayAt: number;
  closedAt: number | null;
  points: number | null;
  accruedAt: number | null;
  correlationId: string;
  traceparent: string | null;
}

const SLIP_COLUMNS = `id, player_id, status, wagered, bet_count, tier, tier_multiplier_bps, opened_at, last_play_at, closed_at,
  points, accrued_at, correlation_id, traceparent`;

interface SlipDbRow {
  id: string;
  player_id: string;
  status: 'open' | 'closed';
  wagered: string;
  bet_count: number;
  tier: string;
  tier_multiplier_bps: number;
  opened_at: string;
  last_play_at: string;
  closed_at: string | null;
  points: string | null;
  accrued_at: string | null;
  correlation_id: string;
  traceparent: string | null;
}

const num = (v: string | null) => (v === null ? null : Number(v));
const toSlip = (r: SlipDbRow): SlipRow => ({
  id: r.id,
  playerId: r.player_id,
  status: r.status,
  wagered: Number(r.wagered),
  betCount: r.bet_count,
  tier: r.tier,
  tierMultiplierBps: r.tier_multiplier_bps,
  openedAt: Number(r.opened_at),
  lastPlayAt: Number(r.last_play_at),
  closedAt: num(r.closed_at),
  points: num(r.points),
  accruedAt: num(r.accrued_at),
  correlationId: r.correlation_id,
  traceparent: r.traceparent,
});

export const slipView = (s: SlipRow): SlipView => ({
  slipId: s.id,
  status: s.status,
  wagered: s.wagered,
  openedAt: s.openedAt,
  closedAt: s.closedAt,
  points: s.points,
  accrual: s.status === 'open' ? 'none' : s.accruedAt === null ? 'pending' : 'done',
});

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A slip by id, no lock (null for an id that is not a slip's, a malformed one included). */
export async function findSlip(db: Pick<PoolClient, 'query'>, slipId: string): Promise<SlipRow | null> {
  if (!UUID_RE.test(slipId)) return null;
  const { rows } = await db.query<SlipDbRow>(`SELECT ${SLIP_COLUMNS} FROM rating_slips WHERE id = $1`, [slipId]);
  return rows[0] ? toSlip(rows[0]) : null;
}

/** The slip, locked; its account must be locked first. */
export async function lockSlip(client: PoolClient, slipId: string): Promise<SlipRow | null> {
  const { rows } = await client.query<SlipDbRow>(`SELECT ${SLIP_COLUMNS} FROM rating_slips WHERE id = $1 FOR UPDATE`, [slipId]);
  return rows[0] ? toSlip(rows[0]) : null;
}

/** Open slips of these players, by player. */
export async function openSlipsOf(client: PoolClient, playerIds: readonly string[]): Promise<Map<string, string>> {
  const { rows } = await client.query<{ id: string; player_id: string }>(
    `SELECT id, player_id FROM rating_slips WHERE player_id = ANY($1::text[]) AND status = 'open'`,
    [playerIds],
  );
  return new Map(rows.map((r) => [r.player_id, r.id]));
}

export interface NewSlip {
  id: string;
  playerId: string;
  tier: string;
  tierMultiplierBps: number;
  openedAt: number;
  correlationId: string;
  traceparent: string | null;
}

export async function insertSlips(client: PoolClient, slips: readonly NewSlip[]): Promise<void> {
  if (slips.length === 0) return;
  await client.query(
    `INSERT INTO rating_slips (id, player_id, status, tier, tier_multiplier_bps, opened_at, last_play_at, correlation_id, traceparent)
     SELECT id, player_id, 'open', tier, mult, opened_at, opened_at, corr, tp
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::bigint[], $6::text[], $7::text[])
         AS t(id, player_id, tier, mult, opened_at, corr, tp)`,
    [
      slips.map((s) => s.id),
      slips.map((s) => s.playerId),
      slips.map((s) => s.tier),
      slips.map((s) => s.tierMultiplierBps),
      slips.map((s) => s.openedAt),
      slips.map((s) => s.correlationId),
      slips.map((s) => s.traceparent),
    ],
  );
}

/** Apply one change per slip; returns the changed slips as they are now. */
export async function applySlipDeltas(client: PoolClient, deltas: readonly SlipDelta[]): Promise<SlipRow[]> {
  if (deltas.length === 0) return [];
  const { rows } = await client.query<SlipDbRow>(
    `UPDATE rating_slips s
        SET wagered = s.wagered + d.wagered, bet_count = s.bet_count + d.n,
            last_play_at = CASE WHEN d.last IS NULL THEN s.last_play_at ELSE greatest(s.last_play_at, d.last) END
       FROM unnest($1::uuid[], $2::bigint[], $3::int[], $4::bigint[]) AS d(id, wagered, n, last)
      WHERE s.id = d.id
     RETURNING s.id, s.player_id, s.status, s.wagered, s.bet_count, s.tier, s.tier_multiplier_bps, s.opened_at, s.last_play_at,
               s.closed_at, s.points, s.accrued_at, s.correlation_id, s.traceparent`,
    [deltas.map((d) => d.slipId), deltas.map((d) => d.wagered), deltas.map((d) => d.betCount), deltas.map((d) => d.lastPlayAt)],
  );
  return rows.map(toSlip);
}

/** Saga step 1 for one slip, open and locked: closed now. */
export async function closeSlip(client: PoolClient, slipId: string, by: string, now: number): Promise<SlipRow> {
  const { rows } = await client.query<SlipDbRow>(
    `UPDATE rating_slips SET status = 'closed', closed_at = $2, closed_by = $3 WHERE id = $1 RETURNING ${SLIP_COLUMNS}`,
    [slipId, now, by],
  );
  return toSlip(rows[0]!);
}

/** Saga step 1 for idle slips: those still idle once their accounts are locked. */
export async function closeIdleSlips(client: PoolClient, slipIds: readonly string[], idleBefore: number, now: number): Promise<SlipRow[]> {
  const { rows } = await client.query<SlipDbRow>(
    `UPDATE rating_slips SET status = 'closed', closed_at = $3, closed_by = 'idle'
      WHERE id = ANY($1::uuid[]) AND status = 'open' AND last_play_at <= $2
     RETURNING ${SLIP_COLUMNS}`,
    [slipIds, idleBefore, now],
  );
  return rows.map(toSlip);
}

/** Open slips without play since `idleBefore`, oldest first. */
export async function idleSlips(
  db: Pick<PoolClient, 'query'>,
  idleBefore: number,
  limit: number,
): Promise<{ id: string; playerId: string }[]> {
  const { rows } = await db.query<{ id: string; player_id: string }>(
    `SELECT id, player_id FROM rating_slips WHERE status = 'open' AND last_play_at <= $1 ORDER BY last_play_at LIMIT $2`,
    [idleBefore, limit],
  );
  return rows.map((r) => ({ id: r.id, playerId: r.player_id }));
}

/** Closed slips still without accrual, closed at or before `closedBefore`: the recovery job's work. */
export async function unaccruedSlips(
  db: Pick<PoolClient, 'query'>,
  closedBefore: number,
  limit: number,
): Promise<{ id: string; playerId: string }[]> {
  const { rows } = await db.query<{ id: string; player_id: string }>(
    `SELECT id, player_id FROM rating_slips WHERE status = 'closed' AND accrued_at IS NULL AND closed_at <= $1 ORDER BY closed_at LIMIT $2`,
    [closedBefore, limit],
  );
  return rows.map((r) => ({ id: r.id, playerId: r.player_id }));
}

/**
 * Saga step 2's guard and record: the accrual row (primary key `rating_slip_id`) and the slip's points. False when the
 * slip had accrued already (a redelivery or a concurrent recovery): nothing is written then.
 */
export async function recordAccrual(
  client: PoolClient,
  a: { slipId: string; entryId: string | null; wagered: number; points: number; recovered: boolean; correlationId: string; now: number },
): Promise<boolean> {
  const { rowCount } = await client.query(
    `INSERT INTO loyalty_accruals (rating_slip_id, entry_id, wagered, points, recovered, correlation_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (rating_slip_id) DO NOTHING`,
    [a.slipId, a.entryId, a.wagered, a.points, a.recovered, a.correlationId, a.now],
  );
  if ((rowCount ?? 0) === 0) return false;
  await client.query(`UPDATE rating_slips SET points = $2, accrued_at = $3 WHERE id = $1`, [a.slipId, a.points, a.now]);
  return true;
}

/** A late void's correction: the slip's credited points now. */
export async function setSlipPoints(client: PoolClient, slipId: string, points: number): Promise<void> {
  await client.query(`UPDATE rating_slips SET points = $2 WHERE id = $1`, [slipId, points]);
}

/** Slips opened by this transaction that counted nothing. */
export async function deleteEmptySlips(client: PoolClient, slipIds: readonly string[]): Promise<void> {
  if (slipIds.length === 0) return;
  await client.query(`DELETE FROM rating_slips WHERE id = ANY($1::uuid[]) AND bet_count = 0`, [slipIds]);
}
