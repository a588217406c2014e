import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BetIntent } from '@wagerflow/contracts';
import { createPool, withTransaction, type Pool } from '@wagerflow/db';
import { createTestDatabase, tuplesRead, type TestDatabase } from '@wagerflow/testing';
import { decideFirstFit } from '../domain/first-fit.js';
import { applyDeposit } from './deposit.repository.js';
import { IdempotencyRaceError, lockBatch, toBatchRow, writeBatch, type BatchRow } from './bets.repository.js';

let db: TestDatabase;
let pool: Pool;
const CELL = 'ETH-USD:1000:7';
/** Accept order decides first-fit: strictly increasing, never a tie broken by the random bet id. */
let acceptedAt = Date.now();

function bet(playerId: string, stake: number): BetIntent {
  return {
    betId: randomUUID(),
    playerId,
    clientBetId: randomUUID(),
    marketId: 'ETH-USD',
    cellId: CELL,
    windowStart: 1000,
    bandIndex: 7,
    priceLow: 10,
    priceHigh: 11,
    stake,
    multiplierBps: 30_000,
    minMultiplierBps: null,
    lockoutAt: Date.now() + 60_000,
    acceptedAt: ++acceptedAt,
    correlationId: randomUUID(),
  };
}

async function counts(playerId: string) {
  const { rows } = await pool.query<{ bets: number; entries: number; balance: number; exposure: number | null }>(
    `SELECT (SELECT count(*) FROM bets WHERE player_id = $1)::int AS bets,
            (SELECT count(*) FROM wallet_entries e JOIN wallets w ON w.id = e.wallet_id WHERE w.player_id = $1 AND e.kind = 'stake')::int AS entries,
            (SELECT balance FROM wallets WHERE player_id = $1) AS balance,
            (SELECT liability FROM cell_exposure WHERE cell_id = $2) AS exposure`,
    [playerId, CELL],
  );
  return rows[0]!;
}

/** Decide under the batch's locks and write, in one transaction, optionally tampering with what gets written. */
function apply(bets: BetIntent[], tamper: (rows: BatchRow[]) => void = () => undefined, on: Pool = pool) {
  return withTransaction(
    on,
    async (client) => {
      const { cellLiability, wallets } = await lockBatch(
        client,
        bets.map((b) => b.cellId),
        bets.map((b) => b.playerId),
      );
      const { decisions } = decideFirstFit(bets, wallets, Date.now(), () => false, {
        cap: 1_000_000,
        current: cellLiability,
      });
      const rows = decisions.map(toBatchRow);
      tamper(rows);
      await writeBatch(client, rows, Date.now());
      return { cellLiability, wallets, decisions };
    },
    { cachedPlans: true }, // as the ledger's batches run (bet-batch.ts)
  );
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 4 });
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('ledger batch statements', () => {
  it('lockBatch reads the cells and wallets it locked; writeBatch stores bets, exposure, debit and entries at once', async () => {
    const player = randomUUID();
    await withTransaction(pool, (c) =>
      applyDeposit(c, { playerId: player, amount: 1_000, reference: 'r', correlationId: 't' }, Date.now()),
    );
    const first = await apply([bet(player, 100), bet(player, 200)]);
    expect(first.cellLiability.size).toBe(0);
    expect(first.wallets.get(player)).toMatchObject({ balance: 1_000, seq: 1 });
    expect(await counts(player)).toEqual({ bets: 2, entries: 2, balance: 700, exposure: 600 });

    const second = await apply([bet(player, 900), bet(player, 50)]);
    expect(second.cellLiability.get(CELL)).toBe(600);
    expect(second.wallets.get(player)).toMatchObject({ balance: 700, seq: 3 });
    expect(second.decisions.map((d) => d.status)).toEqual(['rejected', 'confirmed']);
    expect(await counts(player)).toEqual({ bets: 4, entries: 3, balance: 650, exposure: 700 });
  });

  it('a debit the wallet cannot cover aborts the whole statement: no bet, entry or exposure is written', async () => {
    const player = randomUUID();
    await withTransaction(pool, (c) => applyDeposit(c, { playerId: player, amount: 100, reference: 'r', correlationId: 't' }, Date.now()));
    const before = await counts(player);
    await expect(
      apply(
        [bet(player, 100)],
        (rows) => void Object.assign(rows[0]!, { stake: 101, balance_before: 101 }) /* its entry alone would be valid */,
      ),
    ).rejects.toThrow(/conditional debit applied to 0 of 1/);
    expect(await counts(player)).toEqual(before);
  });

  it('a key stored already is a conflict that rolls the batch back (never a silent skip)', async () => {
    const player = randomUUID();
    await withTransaction(pool, (c) => applyDeposit(c, { playerId: player, amount: 500, reference: 'r', correlationId: 't' }, Date.now()));
    const once = bet(player, 100);
    await apply([once]);
    const before = await counts(player);
    await expect(apply([{ ...once, betId: randomUUID() }])).rejects.toThrow(IdempotencyRaceError);
    // The same bet again (a redelivery): its primary key conflicts first, and that is the same race.
    await expect(apply([once])).rejects.toThrow(IdempotencyRaceError);
    expect(await counts(player)).toEqual(before);
  });

  it('plans cached while the tables were small still probe indexes once they have grown (no scan, no walk of an index)', async () => {
    // The batch runs with cached generic plans (withTransaction's cachedPlans): the lock function's queries, the write
    // statement and the foreign-key checks behind it. One connection, so the plans made now are the ones used later.
    const one = createPool(db.url, { max: 1 });
    const player = randomUUID();
    const read = () => tuplesRead(one, pool, ['wallets', 'bets', 'cell_exposure', 'wallet_entries']);
    try {
      await withTransaction(one, (c) =>
        applyDeposit(c, { playerId: player, amount: 100_000, reference: 'r', correlationId: 't' }, Date.now()),
      );
      for (let i = 0; i < 6; i++) await apply([bet(player, 10)], undefined, one);
      // 30,000 wallets, cells and bets of other players; not analyzed (a fresh deployment's first minute).
      await pool.query(
        `WITH w AS (INSERT INTO wallets (player_id, updated_at) SELECT 'grown-' || i, 1 FROM generate_series(1, 30000) AS i RETURNING 1),
              c AS (INSERT INTO cell_exposure (cell_id, liability) SELECT 'ETH-USD:9:' || i, 1 FROM generate_series(1, 30000) AS i RETURNING 1)
         INSERT INTO bets (id, player_id, client_bet_id, market_id, cell_id, window_start, band_index, price_low, price_high,
           stake, multiplier_bps, status, result, placed_at, confirmed_at, updated_at, correlation_id)
         SELECT 'grown-' || i, 'grown-' || (i % 30000), 'k-' || i, 'ETH-USD', 'ETH-USD:9:' || i, 9, 1, 10, 11, 1, 20000,
                'confirmed', 'open', 1, 2, 3, 'c'
           FROM generate_series(1, 30000) AS i`,
      );
      const before = await read();
      const { decisions } = await apply([bet(player, 10), bet(player, 20)], undefined, one);
      expect(decisions.map((d) => d.status)).toEqual(['confirmed', 'confirmed']);
      // Two bets of one wallet and one cell: a handful of tuples. A scan or a walk of a whole index reads 30,000.
      expect((await read()) - before).toBeLessThan(100);
    } finally {
      await one.end();
    }
  });
});
