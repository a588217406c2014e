import type { Play } from '@wagerflow/contracts';
import type { PoolClient } from '@wagerflow/db';

/** `slip_plays`: each bet once (primary key `bet_id`), whatever the number of deliveries of its play. */

/** Count bets into their slips; returns the bets that were new (a bet already counted, or voided before, is not). */
export async function insertBetPlays(client: PoolClient, rows: readonly { play: Play; slipId: string }[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const { rows: inserted } = await client.query<{ bet_id: string }>(
    `INSERT INTO slip_plays (bet_id, slip_id, player_id, stake, played_at, correlation_id)
     SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::bigint[], $5::bigint[], $6::text[])
     ON CONFLICT (bet_id) DO NOTHING RETURNING bet_id`,
    [
      rows.map((r) => r.play.betId),
      rows.map((r) => r.slipId),
      rows.map((r) => r.play.playerId),
      rows.map((r) => r.play.stake),
      rows.map((r) => r.play.at),
      rows.map((r) => r.play.correlationId),
    ],
  );
  return new Set(inserted.map((r) => r.bet_id));
}

/**
 * Void bets: those counted in a slip are marked voided (once) and returned with their slip; a void whose play has
 * not arrived leaves a row without a slip, so the late play is never counted.
 */
export async function voidPlays(client: PoolClient, voids: readonly Play[]): Promise<{ betId: string; slipId: string; stake: number }[]> {
  if (voids.length === 0) return [];
  const { rows } = await client.query<{ bet_id: string; slip_id: string | null; stake: string }>(
    `UPDATE slip_plays SET voided_at = v.at
       FROM unnest($1::text[], $2::bigint[]) AS v(bet_id, at)
      WHERE slip_plays.bet_id = v.bet_id AND slip_plays.voided_at IS NULL
     RETURNING slip_plays.bet_id, slip_plays.slip_id, slip_plays.stake`,
    [voids.map((v) => v.betId), voids.map((v) => v.at)],
  );
  await client.query(
    `INSERT INTO slip_plays (bet_id, slip_id, player_id, stake, voided_at, correlation_id)
     SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::bigint[], $5::bigint[], $6::text[])
     ON CONFLICT (bet_id) DO NOTHING`,
    [
      voids.map((v) => v.betId),
      voids.map(() => null),
      voids.map((v) => v.playerId),
      voids.map((v) => v.stake),
      voids.map((v) => v.at),
      voids.map((v) => v.correlationId),
    ],
  );
  return rows.filter((r) => r.slip_id !== null).map((r) => ({ betId: r.bet_id, slipId: r.slip_id!, stake: Number(r.stake) }));
}
