import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '@wagerflow/db';
import { createMetrics } from '@wagerflow/runtime';
import { createTestDatabase, randomId, type TestDatabase } from '@wagerflow/testing';
import { registerDriftMetric } from './drift-metric.js';
import { applyDeposit } from './repositories/deposit.repository.js';

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

async function driftValue(metrics: ReturnType<typeof createMetrics>): Promise<number | undefined> {
  const metric = await metrics.registry.getSingleMetric('wagerflow_reconciliation_drift')?.get();
  return metric?.values.find((v) => v.labels.ledger === 'wallets')?.value;
}

describe('wagerflow_reconciliation_drift{ledger="wallets"}', () => {
  it('is 0 for a consistent ledger and counts a wallet whose balance no longer matches its entries', async () => {
    const playerId = `p-${randomId()}`;
    const client = await pool.connect();
    try {
      await applyDeposit(client, { playerId, reference: `r-${randomId()}`, amount: 500, correlationId: 'c' }, Date.now());
    } finally {
      client.release();
    }
    const consistent = createMetrics('bet-ledger');
    registerDriftMetric(consistent, pool, 0);
    expect(await driftValue(consistent)).toBe(0);

    // A balance changed outside the ledger's transactions (the bug the alert exists for).
    await pool.query('UPDATE wallets SET balance = balance + 1 WHERE player_id = $1', [playerId]);
    expect(await driftValue(consistent)).toBe(1);
  });

  it('checks at most once per interval (the sum over every entry is not run on each scrape)', async () => {
    const metrics = createMetrics('bet-ledger');
    registerDriftMetric(metrics, pool, 60_000);
    const first = await driftValue(metrics);
    await pool.query('UPDATE wallets SET balance = balance + 1 WHERE id = (SELECT min(id) FROM wallets)');
    expect(await driftValue(metrics)).toBe(first);
  });
});
