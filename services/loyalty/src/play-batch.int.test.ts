import { randomUUID } from 'node:crypto';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TIERS, parseTiers, type Play } from '@wagerflow/contracts';
import { createPool, type Pool } from '@wagerflow/db';
import { createTestDatabase, tuplesRead, type TestDatabase } from '@wagerflow/testing';
import { createPlayBatchFlush } from './play-batch.js';

let db: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 2 });
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const play = (kind: Play['kind'], playerId: string, betId = randomUUID()): Play => ({
  kind,
  betId,
  playerId,
  stake: 100,
  at: Date.now(),
  correlationId: 'c',
});

describe('loyalty play batches', () => {
  it('plans cached while the tables were small still probe indexes once they have grown (no scan, no walk of an index)', async () => {
    // The batch runs with cached generic plans (withTransaction's cachedPlans), its foreign-key checks included. One
    // connection, so the plans made now are the ones used after the tables grew.
    const one = createPool(db.url, { max: 1 });
    const flush = createPlayBatchFlush({
      pool: one,
      rates: { pointsPerUnitBps: 10_000, houseEdgeBps: 500 },
      tiers: parseTiers(DEFAULT_TIERS),
    });
    const run = (plays: Play[]) => flush(plays.map((p) => ({ play: p, ctx: ROOT_CONTEXT })));
    const player = randomUUID();
    const read = () => tuplesRead(one, pool, ['loyalty_accounts', 'rating_slips', 'slip_plays', 'loyalty_entries']);
    try {
      for (let i = 0; i < 6; i++) {
        const bet = play('bet', player);
        await run([bet, play('bet', player), { ...bet, kind: 'void' }]);
      }
      // 30,000 accounts, each with a closed slip and a play; not analyzed (a fresh deployment's first minute).
      await pool.query(
        `WITH a AS (INSERT INTO loyalty_accounts (player_id, created_at, updated_at)
                    SELECT 'grown-' || i, 1, 1 FROM generate_series(1, 30000) AS i RETURNING player_id),
              s AS (INSERT INTO rating_slips (id, player_id, status, tier, tier_multiplier_bps, opened_at, last_play_at, closed_at, correlation_id)
                    SELECT gen_random_uuid(), player_id, 'closed', 'bronze', 10000, 1, 1, 2, 'c' FROM a RETURNING id, player_id)
         INSERT INTO slip_plays (bet_id, slip_id, player_id, stake, played_at, correlation_id)
         SELECT 'grown-' || player_id, id, player_id, 1, 1, 'c' FROM s`,
      );
      const before = await read();
      const bet = play('bet', player);
      await run([bet, play('bet', player), play('bet', randomUUID()), { ...bet, kind: 'void' }]);
      // Two players' accounts, slips and plays: a handful of tuples. A scan or a walk of a whole index reads 30,000.
      expect((await read()) - before).toBeLessThan(100);
      const { rows } = await pool.query<{ bet_count: number }>(
        "SELECT bet_count FROM rating_slips WHERE player_id = $1 AND status = 'open'",
        [player],
      );
      expect(rows).toEqual([{ bet_count: 6 + 1 }]);
    } finally {
      await one.end();
    }
  });
});
