import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '@wagerflow/db';
import { publishedReader } from '../testing/published-reader.js';
import { createTestDatabase, type TestDatabase } from '@wagerflow/testing';
import { ledgerReadRepository, type LedgerReadRepository } from './ledger-read.repository.js';

/**
 * The gateway reads bet-ledger's data only through the ledger's published views and functions: every query of the
 * repository runs here as a role that may read those and nothing of the ledger's tables. A query that reached a
 * table directly fails with "permission denied".
 */
let db: TestDatabase;
/** Superuser: plays the ledger (writes its tables) and manages the role. */
let admin: Pool;
/** Connects as `role`. */
let reader: Pool;
let ledger: LedgerReadRepository;
let role: string;
let dropReader: () => Promise<void>;
const PUBLISHED = {
  views: ['ledger_bet_view', 'ledger_wallet_view', 'ledger_archived_bet_view'],
  functions: ['ledger_wallet_drift()', 'ledger_bets_by_client_ids(text[], text[])'],
};
const LEDGER_TABLES = ['wallets', 'wallet_entries', 'deposits', 'bets', 'settlements', 'cell_exposure', 'archived_bets'];
const player = `p-${randomUUID()}`;

async function insertBet(id: string, clientBetId: string, updatedAt: number, result: 'open' | 'won'): Promise<void> {
  await admin.query(
    `INSERT INTO bets (id, player_id, client_bet_id, market_id, cell_id, window_start, band_index, price_low, price_high, stake,
       multiplier_bps, min_multiplier_bps, status, result, payout, placed_at, confirmed_at, settled_at, updated_at, correlation_id)
     VALUES ($1, $2, $3, 'BTC-USD', 'BTC-USD:1000:3', 1000, 3, 10, 11, 100, 25000, 20000, 'confirmed', $4, $5, 1, 2, $6, $7, 'c')`,
    [id, player, clientBetId, result, result === 'won' ? 250 : null, result === 'won' ? updatedAt : null, updatedAt],
  );
}

beforeAll(async () => {
  db = await createTestDatabase();
  admin = createPool(db.url, { max: 2 });
  const { rows } = await admin.query<{ id: number }>(
    'INSERT INTO wallets (player_id, balance, seq, updated_at) VALUES ($1, 900, 3, 0) RETURNING id',
    [player],
  );
  const walletId = rows[0]!.id;
  await admin.query('INSERT INTO wallet_archive_checkpoints (wallet_id, archived_sum, updated_at) VALUES ($1, 400, 0)', [walletId]);
  // 400 archived + 600 deposited − 100 staked = 900: no drift.
  await admin.query(
    `INSERT INTO wallet_entries (wallet_id, seq, kind, amount, balance_before, balance_after, correlation_id, created_at)
     VALUES ($1, 2, 'deposit', 600, 400, 1000, 'c', 0), ($1, 3, 'stake', -100, 1000, 900, 'c', 0)`,
    [walletId],
  );
  await insertBet('b-1', 'c-1', 10, 'won');
  await insertBet('b-2', 'c-2', 20, 'open');
  await insertBet('b-3', 'c-3', 20, 'open');
  // A bet the ledger moved to the archive: only its tombstone is left.
  await admin.query(`INSERT INTO archived_bets (bet_id, player_id, client_bet_id, archived_at) VALUES ('b-old', $1, 'c-old', 5)`, [player]);

  ({ role, pool: reader, drop: dropReader } = await publishedReader(admin, db.url, PUBLISHED));
  ledger = ledgerReadRepository(reader);
});

afterAll(async () => {
  await dropReader?.();
  await admin?.end();
  await db?.drop();
});

describe('ledger read repository (published interface only)', () => {
  it('runs as a role that cannot read any of the ledger tables directly', async () => {
    const { rows } = await reader.query<{ current_user: string }>('SELECT current_user');
    expect(rows[0]!.current_user).toBe(role);
    for (const table of LEDGER_TABLES) {
      await expect(reader.query(`SELECT 1 FROM ${table} LIMIT 1`), table).rejects.toMatchObject({ code: '42501' });
    }
  });

  it('reads bets by id, by client id (batched) and by change time', async () => {
    const byId = await ledger.betById(player, 'b-1');
    expect(byId).toEqual({
      minMultiplierBps: 20_000,
      view: {
        betId: 'b-1',
        clientBetId: 'c-1',
        marketId: 'BTC-USD',
        cellId: 'BTC-USD:1000:3',
        stake: 100,
        multiplier: 2.5,
        status: 'confirmed',
        reason: null,
        result: 'won',
        payout: 250,
        placedAt: 1,
        confirmedAt: 2,
        settledAt: 10,
        updatedAt: 10,
      },
    });
    expect(await ledger.betById('someone-else', 'b-1')).toBeNull();

    // One batched statement for the keys of one turn: stored bets, a tombstone, nothing.
    const [c2, missing, c1, old, othersOld] = await Promise.all([
      ledger.lookupClientId(player, 'c-2'),
      ledger.lookupClientId(player, 'nope'),
      ledger.lookupClientId(player, 'c-1'),
      ledger.lookupClientId(player, 'c-old'),
      ledger.lookupClientId('someone-else', 'c-old'),
    ]);
    expect(c2 !== 'archived' && c2?.view.betId).toBe('b-2');
    expect(missing).toBeNull();
    expect(c1).toEqual(byId);
    expect(old).toBe('archived');
    expect(othersOld).toBeNull();
    expect(await ledger.isArchived(player, 'b-old')).toBe(true);
    expect(await ledger.isArchived('someone-else', 'b-old')).toBe(false);
    expect(await ledger.isArchived(player, 'b-1')).toBe(false);

    expect((await ledger.betsSince(player, 0, null, 10)).map((b) => b.betId)).toEqual(['b-1', 'b-2', 'b-3']);
    expect((await ledger.betsSince(player, 15, null, 10)).map((b) => b.betId)).toEqual(['b-2', 'b-3']);
    expect((await ledger.betsSince(player, 0, { updatedAt: 20, id: 'b-2' }, 10)).map((b) => b.betId)).toEqual(['b-3']);
    expect((await ledger.betsSince(player, 0, null, 1)).map((b) => b.betId)).toEqual(['b-1']);
  });

  it("lists every key of a player's stored and archived bets (the key filter's build), none of another player's", async () => {
    expect((await ledger.storedClientBetIds(player)).sort()).toEqual(['c-1', 'c-2', 'c-3', 'c-old']);
    expect(await ledger.storedClientBetIds(`p-${randomUUID()}`)).toEqual([]);
  });

  it("reads a wallet, zero for a player with none, and the ledger's drift check", async () => {
    expect(await ledger.wallet(player)).toEqual({ balance: 900, walletSeq: 3 });
    expect(await ledger.wallet('no-wallet')).toEqual({ balance: 0, walletSeq: 0 });
    expect(await ledger.walletDrift()).toEqual({ checked: 1, drift: 0 });
    await admin.query('UPDATE wallets SET balance = balance + 1 WHERE player_id = $1', [player]);
    expect(await ledger.walletDrift()).toEqual({ checked: 1, drift: 1 });
    await admin.query('UPDATE wallets SET balance = balance - 1 WHERE player_id = $1', [player]);
  });

  it('looks keys up by index with a plan cached while bets was small, and by the unique key once analyzed', async () => {
    // The lookup's plan is cached per connection (ledger_bets_by_client_ids sets force_generic_plan). A plan made
    // while `bets` held three rows must not scan it once it is large and not yet analyzed (a fresh deployment's first
    // minute, before autovacuum's first ANALYZE): a scan is what made a bench read 47.6M tuples in 15 s. Until then
    // the cached plan may walk the player's own bets (an index on player_id); the ANALYZE invalidates it.
    const client = await reader.connect();
    const lookup = 'SELECT * FROM ledger_bets_by_client_ids($1::text[], $2::text[])';
    const keys = [player, 'bulk-player-7', 'bulk-player-7'];
    const clientIds = ['c-1', 'k-7', 'k-missing'];
    const pagesRead = async () => {
      const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: { 'Shared Hit Blocks': number; 'Shared Read Blocks': number } }] }>(
        `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${lookup}`,
        [keys, clientIds],
      );
      const plan = rows[0]!['QUERY PLAN'][0].Plan;
      return plan['Shared Hit Blocks'] + plan['Shared Read Blocks'];
    };
    try {
      for (let i = 0; i < 6; i++) await client.query(lookup, [[player], ['c-1']]);
      // 30,000 bets of 500 players, interleaved: reading them all touches about 750 pages, one player's about 60.
      await admin.query(
        `INSERT INTO bets (id, player_id, client_bet_id, market_id, cell_id, window_start, band_index, price_low, price_high,
           stake, multiplier_bps, status, result, placed_at, confirmed_at, updated_at, correlation_id)
         SELECT 'bulk-' || i, 'bulk-player-' || (i % 500), 'k-' || i, 'BTC-USD', 'BTC-USD:1000:3', 1000, 3, 10, 11, 100, 25000,
                'confirmed', 'open', 1, 2, 3, 'c'
           FROM generate_series(1, 30000) AS i`,
      );
      expect(await pagesRead()).toBeLessThan(300);
      const found = await client.query<{ id: string }>(lookup, [keys, clientIds]);
      expect(found.rows.map((r) => r.id).sort()).toEqual(['b-1', 'bulk-7']);

      await admin.query('ANALYZE bets');
      await client.query(lookup, [keys, clientIds]); // replans (the ANALYZE invalidated the cached plan)
      // Three keys, each one probe of each unique index.
      expect(await pagesRead()).toBeLessThan(30);
    } finally {
      client.release();
    }
  });
});
