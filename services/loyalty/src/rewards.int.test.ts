import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoyaltyReply } from '@wagerflow/contracts';
import { waitUntil } from '@wagerflow/testing';
import { play, startLoyaltyHarness, type LoyaltyHarness } from './testing/loyalty-harness.js';

const entryOf = (r: LoyaltyReply) => {
  if (r.kind !== 'reward') throw new Error(`expected a reward, got ${JSON.stringify(r)}`);
  return r;
};
const count = async (h: LoyaltyHarness, playerId: string) =>
  Number((await h.pool.query<{ n: string }>('SELECT count(*) AS n FROM loyalty_entries WHERE player_id = $1', [playerId])).rows[0]!.n);

describe('manual rewards (SPEC 4.7)', () => {
  let h: LoyaltyHarness;
  beforeAll(async () => {
    // Two replicas: the limit holds across them (Redis, on Redis's clock). A gaming day that starts at 06:00 in Malta.
    h = await startLoyaltyHarness({
      GAMING_TZ: 'Europe/Malta',
      GAMING_DAY_START: '06:00',
      SLIP_IDLE_MS: '1000',
      SLIP_SWEEP_INTERVAL_MS: '100',
    });
    await h.startReplica();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('grants, answers a same-day repeat as a duplicate with the original entry, and credits the same reward the next gaming day', async () => {
    const playerId = randomUUID();
    const staffId = randomUUID();
    // 2026-12-04 04:30 UTC is 05:30 in Malta: still the gaming day of 2026-12-03; 05:30 UTC (06:30 Malta) is the next one.
    const before = Date.UTC(2026, 11, 4, 4, 30);
    const after = Date.UTC(2026, 11, 4, 5, 30);
    const first = entryOf(
      await h.reward({ playerId, staffId, points: 250, reason: 'Birthday  bonus', requestedAt: before, correlationId: 'corr-1' }),
    );
    expect(first).toMatchObject({
      duplicate: false,
      entry: {
        playerId,
        kind: 'manual',
        points: 250,
        balanceBefore: 0,
        balanceAfter: 250,
        staffId,
        reason: 'Birthday  bonus',
        correlationId: 'corr-1',
      },
    });
    const repeat = entryOf(await h.reward({ playerId, staffId, points: 250, reason: ' birthday bonus ', requestedAt: before - 3_600_000 }));
    expect(repeat).toEqual({ ...first, duplicate: true });
    const nextDay = entryOf(await h.reward({ playerId, staffId, points: 250, reason: 'birthday bonus', requestedAt: after }));
    expect(nextDay).toMatchObject({ duplicate: false, entry: { balanceBefore: 250, balanceAfter: 500 } });
    expect(await count(h, playerId)).toBe(2);
  });

  it('an Idempotency-Key makes a deliberate second reward; the same key with another body is refused', async () => {
    const playerId = randomUUID();
    const staffId = randomUUID();
    const a = entryOf(await h.reward({ playerId, staffId, idempotencyKey: 'k-1' }));
    const b = entryOf(await h.reward({ playerId, staffId, idempotencyKey: 'k-2' }));
    expect(a.duplicate || b.duplicate).toBe(false);
    expect(entryOf(await h.reward({ playerId, staffId, idempotencyKey: 'k-1' }))).toMatchObject({
      duplicate: true,
      entry: { entryId: a.entry.entryId },
    });
    expect(await h.reward({ playerId, staffId, idempotencyKey: 'k-1', points: 101 })).toMatchObject({
      kind: 'error',
      code: 'idempotency_key_reused',
    });
    // Another staff member's key of the same name is theirs.
    expect(entryOf(await h.reward({ playerId, staffId: randomUUID(), idempotencyKey: 'k-1' })).duplicate).toBe(false);
    expect(await count(h, playerId)).toBe(3);
  });

  it('refuses an unknown player and more than 10 000 points, writing nothing', async () => {
    const playerId = randomUUID();
    const staffId = randomUUID();
    expect(await h.reward({ playerId, staffId, playerKnown: false })).toMatchObject({ kind: 'error', code: 'unknown_player' });
    expect(await h.reward({ playerId, staffId, points: 10_001 })).toMatchObject({ kind: 'error', code: 'points_exceed_max' });
    expect(entryOf(await h.reward({ playerId, staffId, points: 10_000 })).entry.points).toBe(10_000);
    expect(await count(h, playerId)).toBe(1);
  });

  it('the 11th new award of a staff member within a minute is rate limited across replicas; replays are answered and not counted', async () => {
    const staffId = randomUUID();
    const playerId = randomUUID();
    const granted = await Promise.all(Array.from({ length: 10 }, (_, i) => h.reward({ playerId, staffId, points: i + 1 })));
    expect(granted.every((r) => r.kind === 'reward' && !r.duplicate)).toBe(true);
    const limited = await h.reward({ playerId, staffId, points: 11 });
    expect(limited).toMatchObject({ kind: 'error', code: 'rate_limited' });
    expect(limited.kind === 'error' && limited.retryAfterS! >= 1 && limited.retryAfterS! <= 60).toBe(true);
    expect(entryOf(await h.reward({ playerId, staffId, points: 1 })).duplicate).toBe(true);
    // Another staff member is not limited by this one.
    expect(entryOf(await h.reward({ playerId, staffId: randomUUID(), points: 11 })).duplicate).toBe(false);
    expect(await count(h, playerId)).toBe(11);
  });

  it('a redelivered request that already wrote its entry answers it as new, not as a duplicate of itself', async () => {
    const playerId = randomUUID();
    const staffId = randomUUID();
    const jobId = randomUUID();
    const data = {
      playerId,
      staffId,
      playerKnown: true,
      points: 5,
      reason: 'r',
      idempotencyKey: 'redeliver',
      requestedAt: Date.now(),
      correlationId: 'c',
    };
    const first = entryOf(await h.request('reward', data, jobId));
    // Run the same job (id) again, as BullMQ redelivers a job whose worker died after the commit.
    const done = await h.requests.queue.getJob(`reward-${jobId}`);
    expect(await done!.isCompleted()).toBe(true);
    await done!.remove();
    const again = entryOf(await h.request('reward', data, jobId));
    expect(again).toEqual(first);
  });

  it('50 concurrent awards and plays on one player: no lost update, an unbroken before/after chain, drift 0', async () => {
    const playerId = randomUUID();
    const staff = Array.from({ length: 5 }, () => randomUUID());
    const plays = Array.from({ length: 50 }, () => play({ betId: randomUUID(), playerId, stake: 10_000 }));
    const [rewards] = await Promise.all([
      Promise.all(Array.from({ length: 50 }, (_, i) => h.reward({ playerId, staffId: staff[i % 5]!, points: 100 + i }))),
      Promise.all(plays.map((p) => h.sendPlays([p]))),
    ]);
    expect(rewards.every((r) => r.kind === 'reward' && !r.duplicate)).toBe(true);
    // The plays' slip closes when idle and accrues (a slow batch may land in a second slip: both count).
    const slips = await waitUntil(
      async () => {
        const { rows } = await h.pool.query<{ wagered: string; points: string | null }>(
          'SELECT wagered, points FROM rating_slips WHERE player_id = $1',
          [playerId],
        );
        const wagered = rows.reduce((a, r) => a + Number(r.wagered), 0);
        return wagered === 500_000 && rows.every((r) => r.points !== null) ? rows : undefined;
      },
      { timeoutMs: 15_000 },
    );
    const accrued = slips.reduce((a, r) => a + Number(r.points), 0);
    expect(accrued).toBe(slips.length === 1 ? 25_000 : accrued);
    const { rows } = await h.pool.query<{ kind: string; points: string; balance_before: string; balance_after: string; seq: string }>(
      'SELECT kind, points, balance_before, balance_after, seq FROM loyalty_entries WHERE player_id = $1 ORDER BY seq',
      [playerId],
    );
    expect(rows).toHaveLength(50 + slips.length);
    let balance = 0;
    for (const [i, r] of rows.entries()) {
      expect(Number(r.seq)).toBe(i + 1);
      expect(Number(r.balance_before)).toBe(balance);
      balance = Number(r.balance_after);
      expect(balance).toBe(Number(r.balance_before) + Number(r.points));
    }
    const manual = Array.from({ length: 50 }, (_, i) => 100 + i).reduce((a, b) => a + b, 0);
    expect(balance).toBe(manual + accrued);
    const { rows: drift } = await h.pool.query<{ drift: number }>('SELECT drift FROM loyalty_drift()');
    expect(drift[0]!.drift).toBe(0);
  });
});
