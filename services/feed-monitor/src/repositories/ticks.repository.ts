import type { Pool } from '@wagerflow/db';

export function ticksRepository(pool: Pool) {
  return {
    async insert(t: {
      marketId: string;
      price: number;
      ts: number;
      receivedAt: number;
      source: 'simulator' | 'adapter' | 'admin';
    }): Promise<void> {
      await pool.query('INSERT INTO ticks (market_id, price, ts, received_at, source) VALUES ($1, $2, $3, $4, $5)', [
        t.marketId,
        t.price,
        t.ts,
        t.receivedAt,
        t.source,
      ]);
    },
    async latest(marketId: string): Promise<{ price: number; ts: number; receivedAt: number } | null> {
      const { rows } = await pool.query<{ price: string; ts: number; received_at: number }>(
        'SELECT price, ts, received_at FROM ticks WHERE market_id = $1 ORDER BY ts DESC, id DESC LIMIT 1',
        [marketId],
      );
      const r = rows[0];
      return r ? { price: Number(r.price), ts: r.ts, receivedAt: r.received_at } : null;
    },
  };
}
export type TicksRepository = ReturnType<typeof ticksRepository>;
