import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoyaltyReply } from '@wagerflow/contracts';
import { waitUntil } from '@wagerflow/testing';
import { play, startLoyaltyHarness, type LoyaltyHarness } from './testing/loyalty-harness.js';

/** Points at POINTS_PER_UNIT_BPS 10 000 and a 5 % edge: one point per unit of theo, i.e. wagered × 5 % × tier. */
const points = (wagered: number, tierBps = 10_000) => Math.floor((wagered * 500 * tierBps) / 1e8);

async function slipsOf(h: LoyaltyHarness, playerId: string) {
  const { rows } = await h.pool.query<{
    id: string;
    status: string;
    wagered: string;
    accrual: string;
    points: string | null;
    bet_count: number;
  }>(
    `SELECT v.id, v.status, v.wagered, v.accrual, v.points, s.bet_count FROM loyalty_slip_view v JOIN rating_slips s USING (id)
      WHERE v.player_id = $1 ORDER BY v.opened_at`,
    [playerId],
  );
  return rows.map((r) => ({ ...r, wagered: Number(r.wagered), points: r.points === null ? null : Number(r.points) }));
}
async function entriesOf(h: LoyaltyHarness, playerId: string) {
  const { rows } = await h.pool.query<{
    kind: string;
    points: string;
    balance_before: string;
    balance_after: string;
    seq: string;
    correlation_id: string;
    rating_slip_id: string | null;
  }>(
    'SELECT kind, points, balance_before, balance_after, seq, correlation_id, rating_slip_id FROM loyalty_entry_view WHERE player_id = $1 ORDER BY seq',
    [playerId],
  );
  return rows.map((r) => ({
    ...r,
    points: Number(r.points),
    before: Number(r.balance_before),
    after: Number(r.balance_after),
    seq: Number(r.seq),
  }));
}
async function accountPoints(h: LoyaltyHarness, playerId: string): Promise<number> {
  const { rows } = await h.pool.query<{ points: string }>('SELECT points FROM loyalty_account_view WHERE player_id = $1', [playerId]);
  return Number(rows[0]?.points ?? 0);
}
async function drift(h: LoyaltyHarness) {
  const { rows } = await h.pool.query<{ checked: number; drift: number }>('SELECT * FROM loyalty_drift()');
  return rows[0]!;
}
const slipReply = (r: LoyaltyReply) => {
  if (r.kind !== 'slip') throw new Error(`expected a slip, got ${JSON.stringify(r)}`);
  return r;
};

describe('loyalty service: slips from plays, the saga, recovery', () => {
  let h: LoyaltyHarness;
  beforeAll(async () => {
    h = await startLoyaltyHarness({ SLIP_IDLE_MS: '600', SLIP_SWEEP_INTERVAL_MS: '100', SLIP_RECOVERY_AFTER_MS: '300' });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('opens a slip on the first play, counts each bet once, takes a void back out, closes when idle and accrues once', async () => {
    const p = randomUUID();
    const now = Date.now();
    const bets = [
      play({ betId: randomUUID(), playerId: p, stake: 4_000, at: now - 1 }),
      play({ betId: randomUUID(), playerId: p, stake: 6_000, at: now }),
    ];
    await h.sendPlays(bets);
    await h.sendPlays(bets); // a redelivery: the same plays again
    await h.sendPlays([{ ...bets[0]!, kind: 'void' }]);
    const [slip] = await waitUntil(
      async () => {
        const s = await slipsOf(h, p);
        return s[0]?.accrual === 'done' ? s : undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(slip).toMatchObject({ status: 'closed', wagered: 6_000, bet_count: 1, points: points(6_000) });
    const entries = await entriesOf(h, p);
    expect(entries).toEqual([expect.objectContaining({ kind: 'accrual', points: points(6_000), before: 0, after: points(6_000), seq: 1 })]);
    // The entry carries the correlation id of the bet that opened the slip.
    expect(entries[0]!.correlation_id).toBe(`corr-${bets[0]!.betId}`);
    expect(await accountPoints(h, p)).toBe(points(6_000));
  });

  it('staff close runs both steps; again is no change; recover of an accrued slip is no change; open and unknown slips are refused', async () => {
    const p = randomUUID();
    await h.sendPlays([play({ betId: randomUUID(), playerId: p, stake: 20_000 })]);
    const [open] = await waitUntil(async () => {
      const s = await slipsOf(h, p);
      return s.length ? s : undefined;
    });
    const staffId = randomUUID();
    expect(await h.request('slip-recover', { slipId: open!.id, staffId, correlationId: 'c' })).toMatchObject({
      kind: 'error',
      code: 'slip_open',
    });
    const closed = slipReply(await h.request('slip-close', { slipId: open!.id, staffId, correlationId: 'c' }));
    expect(closed).toMatchObject({ changed: true, slip: { status: 'closed', accrual: 'done', points: points(20_000), wagered: 20_000 } });
    const again = slipReply(await h.request('slip-close', { slipId: open!.id, staffId, correlationId: 'c' }));
    expect(again).toMatchObject({ changed: false, slip: closed.slip });
    expect(await h.request('slip-recover', { slipId: open!.id, staffId, correlationId: 'c' })).toMatchObject({
      kind: 'slip',
      changed: false,
    });
    for (const slipId of [randomUUID(), 'not-a-uuid']) {
      expect(await h.request('slip-close', { slipId, staffId, correlationId: 'c' })).toMatchObject({ kind: 'error', code: 'unknown_slip' });
      expect(await h.request('slip-recover', { slipId, staffId, correlationId: 'c' })).toMatchObject({
        kind: 'error',
        code: 'unknown_slip',
      });
    }
    expect((await entriesOf(h, p)).length).toBe(1);
  });

  it('a slip closed without accrual (a crash between the steps) is recovered by the sweep, once', async () => {
    const p = randomUUID();
    await h.sendPlays([play({ betId: randomUUID(), playerId: p, stake: 10_000 })]);
    const [open] = await waitUntil(async () => {
      const s = await slipsOf(h, p);
      return s.length ? s : undefined;
    });
    // Step 1 alone, as a process killed right after it would leave it.
    await h.pool.query("UPDATE rating_slips SET status = 'closed', closed_at = $2, closed_by = 'test' WHERE id = $1", [
      open!.id,
      Date.now(),
    ]);
    expect((await slipsOf(h, p))[0]!.accrual).toBe('pending');
    await waitUntil(async () => ((await slipsOf(h, p))[0]!.accrual === 'done' ? true : undefined), { timeoutMs: 10_000 });
    const { rows } = await h.pool.query<{ recovered: boolean }>('SELECT recovered FROM loyalty_accruals WHERE rating_slip_id = $1', [
      open!.id,
    ]);
    expect(rows).toEqual([{ recovered: true }]);
    expect(await entriesOf(h, p)).toHaveLength(1);
  });

  it('a void before its play keeps the late play out; a void after the slip accrued takes the points back', async () => {
    const p = randomUUID();
    const early = play({ betId: randomUUID(), playerId: p, stake: 3_000 });
    await h.sendPlays([{ ...early, kind: 'void' }]);
    const kept = play({ betId: randomUUID(), playerId: p, stake: 10_000 });
    const late = play({ betId: randomUUID(), playerId: p, stake: 7_000 });
    await h.sendPlays([kept, late]);
    await h.sendPlays([early]);
    const [slip] = await waitUntil(
      async () => {
        const s = await slipsOf(h, p);
        return s[0]?.accrual === 'done' ? s : undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(slip).toMatchObject({ wagered: 17_000, points: points(17_000) });
    await h.sendPlays([{ ...late, kind: 'void', at: Date.now() }]);
    await h.sendPlays([{ ...late, kind: 'void', at: Date.now() }]); // redelivered: applied once
    const entries = await waitUntil(
      async () => {
        const e = await entriesOf(h, p);
        return e.length === 2 ? e : undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(entries[1]).toMatchObject({
      kind: 'accrual',
      points: points(10_000) - points(17_000),
      before: points(17_000),
      after: points(10_000),
    });
    expect((await slipsOf(h, p))[0]).toMatchObject({ wagered: 10_000, points: points(10_000) });
    await new Promise((r) => setTimeout(r, 300));
    expect(await entriesOf(h, p)).toHaveLength(2);
    expect(await drift(h)).toMatchObject({ drift: 0 });
  });
});
