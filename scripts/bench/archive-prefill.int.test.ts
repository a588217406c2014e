import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@wagerflow/testing';
import { checkAfterArchive, expectedSeedCounts, seedArchiveHistory, seedPlayersHistory } from './archive-prefill.js';
import { withClient } from './pg-wal.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 5);
const FROM = NOW - 36 * DAY;
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

/** Per wallet: its seq and balance against its entries' count, last seq and sum, and whether the chain is unbroken. */
async function chains(client: pg.Client, players: string[]) {
  const { rows } = await client.query<{ player_id: string; ok: boolean }>(
    `SELECT w.player_id,
            w.seq = max(e.seq) AND w.seq = count(*) AND w.balance = sum(e.amount)
            AND bool_and(e.balance_before = coalesce(p.balance_after, 0)) AS ok
       FROM wallets w JOIN wallet_entries e ON e.wallet_id = w.id
       LEFT JOIN wallet_entries p ON p.wallet_id = e.wallet_id AND p.seq = e.seq - 1
      WHERE w.player_id = ANY($1::text[]) GROUP BY w.player_id, w.seq, w.balance ORDER BY w.player_id`,
    [players],
  );
  return rows;
}

describe("the archive bench's seed", () => {
  it("writes the history of new wallets and then of existing ones (the bettors') that each chain on, drift 0", async () => {
    const seeded = await seedArchiveHistory(db.url, { bets: 230, wallets: 10, from: FROM, spanMs: 5 * DAY, playerPrefix: 'arch-' });
    expect(seeded).toMatchObject(expectedSeedCounts(230, 10));
    // Two bettors as the gateway's deposits leave them: a wallet with two deposits and their entries (seq 1, 2).
    const bettors = ['bettor-a', 'bettor-b'];
    await withClient(db.url, (c) =>
      c.query(
        `WITH w AS (INSERT INTO wallets (player_id, balance, seq, updated_at) SELECT p, 70000, 2, $2 FROM unnest($1::text[]) p RETURNING id, player_id),
              d AS (INSERT INTO deposits (id, player_id, reference, amount, correlation_id, created_at)
                    SELECT 'd-' || player_id || k, player_id, 'r' || k, 35000, 'c', $2 FROM w, generate_series(1, 2) k RETURNING id, player_id, reference)
         INSERT INTO wallet_entries (wallet_id, seq, kind, amount, balance_before, balance_after, deposit_id, correlation_id, created_at)
         SELECT w.id, k, 'deposit', 35000, 35000 * (k - 1), 35000 * k, d.id, 'c', $2
           FROM w JOIN d USING (player_id) CROSS JOIN LATERAL (SELECT substr(d.reference, 2)::int AS k) r`,
        [bettors, NOW],
      ),
    );
    const theirs = await seedPlayersHistory(db.url, bettors, { bets: 21, from: FROM, spanMs: 5 * DAY });
    expect(theirs).toMatchObject(expectedSeedCounts(21, 2));
    await withClient(db.url, async (c) => {
      expect(await chains(c, bettors)).toEqual(bettors.map((player_id) => ({ player_id, ok: true })));
      expect(await chains(c, ['arch-0', 'arch-9'])).toEqual([
        { player_id: 'arch-0', ok: true },
        { player_id: 'arch-9', ok: true },
      ]);
      const { rows } = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM bets WHERE player_id = ANY($1::text[])', [bettors]);
      expect(rows[0]!.n).toBe(21);
    });
    // Every seeded bet is older than a 30-day retention; the check counts them all, and the books balance.
    expect(await checkAfterArchive(db.url, NOW - 30 * DAY)).toEqual({ seededBetsLeft: 251, walletsChecked: 12, drift: 0 });
    expect(await checkAfterArchive(db.url, FROM - DAY)).toMatchObject({ seededBetsLeft: 0 });
  });
});
