import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BetIntent } from '@wagerflow/contracts';
import { createPool, withTransaction, type Pool } from '@wagerflow/db';
import { createTestDatabase, type TestDatabase } from '@wagerflow/testing';
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
function apply(bets: BetIntent[], tamper: (rows: BatchRow[]) => void = () => undefined) {
  return withTransaction(pool, async (client) => {
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
  });
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
});
