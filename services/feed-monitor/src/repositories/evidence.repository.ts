import type { FeedStatus, VoidReason } from '@wagerflow/contracts';
import type { Pool } from '@wagerflow/db';

export interface WindowEvidence {
  low: number | null;
  high: number | null;
  tickCount: number;
  touchedBands: number[];
  voidReason: VoidReason | null;
}

export function evidenceRepository(pool: Pool) {
  return {
    async logStatus(marketId: string, status: FeedStatus, at: number): Promise<void> {
      await pool.query('INSERT INTO feed_status_log (market_id, status, at) VALUES ($1, $2, $3)', [marketId, status, at]);
    },
    /**
     * The evidence of [windowStart, windowEnd): low, high, tick count, the bands a tick was in, and
     * the void reason (no tick; or CRITICAL at the window's start or at any moment in it).
     */
    async windowEvidence(marketId: string, windowStart: number, windowEnd: number, priceStep: number): Promise<WindowEvidence> {
      const { rows } = await pool.query<{ low: string | null; high: string | null; n: number; bands: number[] | null; critical: boolean }>(
        `SELECT min(t.price) AS low, max(t.price) AS high, count(t.*)::int AS n,
                array_agg(DISTINCT floor(t.price / $4)::int) FILTER (WHERE t.id IS NOT NULL) AS bands,
                (coalesce((SELECT status FROM feed_status_log WHERE market_id = $1 AND at <= $2 ORDER BY at DESC, id DESC LIMIT 1), 'CRITICAL') = 'CRITICAL'
                 OR EXISTS (SELECT 1 FROM feed_status_log WHERE market_id = $1 AND at >= $2 AND at < $3 AND status = 'CRITICAL')) AS critical
           FROM (SELECT 1) one LEFT JOIN ticks t ON t.market_id = $1 AND t.ts >= $2 AND t.ts < $3`,
        [marketId, windowStart, windowEnd, priceStep],
      );
      const r = rows[0]!;
      const voidReason: VoidReason | null = r.n === 0 ? 'no_ticks' : r.critical ? 'market_critical' : null;
      return {
        low: r.low == null ? null : Number(r.low),
        high: r.high == null ? null : Number(r.high),
        tickCount: r.n,
        touchedBands: r.bands ?? [],
        voidReason,
      };
    },
  };
}
export type EvidenceRepository = ReturnType<typeof evidenceRepository>;
