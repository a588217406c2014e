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
  };
}
export type TicksRepository = ReturnType<typeof ticksRepository>;
