import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, withTransaction, type Pool } from '@wagerflow/db';
import { createTestDatabase, tuplesRead, type TestDatabase } from '@wagerflow/testing';
import { applyDeposit } from './deposit.repository.js';

let db: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 4 });
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('applyDeposit on a grown ledger', () => {
  it('finds a replayed deposit through indexes, not by reading every wallet entry', async () => {
    // 40,000 deposits of other players, each with its entry: a ledger a few weeks old.
    await pool.query(
      `WITH w AS (INSERT INTO wallets (player_id, balance, seq, updated_at) SELECT 'grown-' || i, 100, 1, 1 FROM generate_series(1, 40000) AS i RETURNING id, player_id),
            d AS (INSERT INTO deposits (id, player_id, reference, amount, correlation_id, created_at)
                  SELECT 'dep-' || player_id, player_id, 'r', 100, 'c', 1 FROM w RETURNING id, player_id)
       INSERT INTO wallet_entries (wallet_id, seq, kind, amount, balance_before, balance_after, deposit_id, correlation_id, created_at)
       SELECT w.id, 1, 'deposit', 100, 0, 100, d.id, 'c', 1 FROM w JOIN d USING (player_id)`,
    );
    await pool.query('ANALYZE wallets, deposits, wallet_entries');
    const one = createPool(db.url, { max: 1 });
    const deposit = { playerId: 'p-replayed', amount: 700, reference: 'ref-1', correlationId: 'c' };
    const read = () => tuplesRead(one, pool, ['wallet_entries', 'deposits']);
    try {
      const first = await withTransaction(one, (c) => applyDeposit(c, deposit, Date.now()));
      const before = await read();
      const again = await withTransaction(one, (c) => applyDeposit(c, deposit, Date.now()));
      expect(again.result).toEqual({ ok: true, depositId: (first.result as { depositId: string }).depositId, balance: 700, replay: true });
      // The deposit and its entry: a few tuples. A scan of either table reads 40,000.
      expect((await read()) - before).toBeLessThan(20);
      const reused = await withTransaction(one, (c) => applyDeposit(c, { ...deposit, amount: 701 }, Date.now()));
      expect(reused.result).toEqual({ ok: false, code: 'idempotency_key_reused' });
    } finally {
      await one.end();
    }
  });
});
