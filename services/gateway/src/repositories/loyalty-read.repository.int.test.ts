import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '@wagerflow/db';
import { publishedReader } from '../testing/published-reader.js';
import { createTestDatabase, type TestDatabase } from '@wagerflow/testing';
import { loyaltyReadRepository, type LoyaltyReadRepository } from './loyalty-read.repository.js';

/**
 * The gateway reads loyalty's data only through loyalty's published views and function: every query of the repository
 * runs here as a role that may read those and nothing of loyalty's tables ("permission denied" otherwise). The test
 * plays loyalty: it writes loyalty's tables directly as the superuser.
 */
let db: TestDatabase;
let admin: Pool;
let reader: Pool;
let loyalty: LoyaltyReadRepository;
let role: string;
let dropReader: () => Promise<void>;
const PUBLISHED = { views: ['loyalty_account_view', 'loyalty_entry_view', 'loyalty_slip_view'], functions: ['loyalty_drift()'] };
const LOYALTY_TABLES = ['loyalty_accounts', 'rating_slips', 'slip_plays', 'loyalty_accruals', 'loyalty_entries'];
const player = `p-${randomUUID()}`;
const slips = { accrued: randomUUID(), pending: randomUUID(), open: randomUUID() };
const entryIds = [randomUUID(), randomUUID(), randomUUID()] as const;

async function insertSlip(id: string, openedAt: number, state: 'open' | 'pending' | 'accrued'): Promise<void> {
  const closedAt = state === 'open' ? null : openedAt + 1_000;
  const points = state === 'accrued' ? 120 : null;
  await admin.query(
    `INSERT INTO rating_slips (id, player_id, status, wagered, tier, tier_multiplier_bps, opened_at, last_play_at, closed_at, points,
       accrued_at, correlation_id)
     VALUES ($1, $2, $3, 5000, 'silver', 12500, $4, $4, $5, $6, $7, 'c-slip')`,
    [id, player, state === 'open' ? 'open' : 'closed', openedAt, closedAt, points, points === null ? null : openedAt + 1_001],
  );
}

async function insertEntry(seq: number, kind: 'manual' | 'accrual', points: number, before: number): Promise<void> {
  await admin.query(
    `INSERT INTO loyalty_entries (id, player_id, seq, kind, points, balance_before, balance_after, staff_id, rating_slip_id, reason,
       correlation_id, idempotency_key, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      entryIds[seq - 1],
      player,
      seq,
      kind,
      points,
      before,
      before + points,
      kind === 'manual' ? 'st-1' : null,
      kind === 'accrual' ? slips.accrued : null,
      kind === 'manual' ? 'welcome' : 'slip accrual',
      `c-${seq}`,
      `key-${player}-${seq}`,
      1_700_000_000_000 + seq,
    ],
  );
}

beforeAll(async () => {
  db = await createTestDatabase();
  admin = createPool(db.url, { max: 2 });
  await admin.query(
    `INSERT INTO loyalty_accounts (player_id, points, lifetime_points, seq, created_at, updated_at) VALUES ($1, 150, 1200, 3, 0, 0)`,
    [player],
  );
  await insertSlip(slips.accrued, 1_000, 'accrued');
  await insertSlip(slips.pending, 3_000, 'pending');
  await insertSlip(slips.open, 5_000, 'open');
  // 0 → 50 (manual) → 170 (accrual) → 150 (a voided bet taken back out of an accrued slip): the sum is the balance.
  await insertEntry(1, 'manual', 50, 0);
  await insertEntry(2, 'accrual', 120, 50);
  await insertEntry(3, 'accrual', -20, 170);

  ({ role, pool: reader, drop: dropReader } = await publishedReader(admin, db.url, PUBLISHED));
  loyalty = loyaltyReadRepository(reader);
});

afterAll(async () => {
  await dropReader?.();
  await admin?.end();
  await db?.drop();
});

describe('loyalty read repository (published interface only)', () => {
  it('runs as a role that cannot read any of the loyalty tables directly', async () => {
    const { rows } = await reader.query<{ current_user: string }>('SELECT current_user');
    expect(rows[0]!.current_user).toBe(role);
    for (const table of LOYALTY_TABLES) {
      await expect(reader.query(`SELECT 1 FROM ${table} LIMIT 1`), table).rejects.toMatchObject({ code: '42501' });
    }
  });

  it('reads the points of an account, and 0 for a player without one', async () => {
    expect(await loyalty.account(player)).toEqual({ points: 150, lifetimePoints: 1200 });
    expect(await loyalty.account('no-account')).toEqual({ points: 0, lifetimePoints: 0 });
  });

  it("pages the entries newest first by the account's seq, with the points from the same statement", async () => {
    const all = await loyalty.page(player, null, 10);
    expect(all.points).toBe(150);
    expect(all.lifetimePoints).toBe(1200);
    expect(all.entries.map((e) => e.seq)).toEqual([3, 2, 1]);
    expect(all.entries[0]).toEqual({
      seq: 3,
      entryId: entryIds[2],
      kind: 'accrual',
      points: -20,
      balanceBefore: 170,
      balanceAfter: 150,
      staffId: null,
      ratingSlipId: slips.accrued,
      reason: 'slip accrual',
      correlationId: 'c-3',
      createdAt: 1_700_000_000_003,
    });
    expect(all.entries[2]).toMatchObject({ kind: 'manual', points: 50, staffId: 'st-1', ratingSlipId: null, reason: 'welcome' });

    expect((await loyalty.page(player, null, 2)).entries.map((e) => e.seq)).toEqual([3, 2]);
    const below2 = await loyalty.page(player, 2, 2);
    expect(below2.entries.map((e) => e.seq)).toEqual([1]);
    expect(below2.points).toBe(150);
    expect((await loyalty.page(player, 1, 2)).entries).toEqual([]);
    expect(await loyalty.page('no-account', null, 10)).toEqual({ points: 0, lifetimePoints: 0, entries: [] });
  });

  it('lists the slips newest first, with their accrual state', async () => {
    expect(await loyalty.slips(player)).toEqual([
      { slipId: slips.open, status: 'open', wagered: 5000, openedAt: 5_000, closedAt: null, points: null, accrual: 'none' },
      { slipId: slips.pending, status: 'closed', wagered: 5000, openedAt: 3_000, closedAt: 4_000, points: null, accrual: 'pending' },
      { slipId: slips.accrued, status: 'closed', wagered: 5000, openedAt: 1_000, closedAt: 2_000, points: 120, accrual: 'done' },
    ]);
    expect(await loyalty.slips('no-account')).toEqual([]);
  });

  it("reads loyalty's drift check", async () => {
    expect(await loyalty.drift()).toEqual({ checked: 1, drift: 0 });
    await admin.query('UPDATE loyalty_accounts SET points = points + 1 WHERE player_id = $1', [player]);
    try {
      expect(await loyalty.drift()).toEqual({ checked: 1, drift: 1 });
    } finally {
      await admin.query('UPDATE loyalty_accounts SET points = points - 1 WHERE player_id = $1', [player]);
    }
  });
});
