import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaffClient } from '@wagerflow/client';
import type { GridCell, RewardResponse } from '@wagerflow/contracts';
import { allEntries, chainIsUnbroken, createStaff, pointsFor, slipsWhen } from './support/loyalty.js';
import { betBody, createPlayer, decided, eventually, farCell, marketsHealthy, nearWindow, type TestPlayer } from './support/players.js';
import { startTestPlatform, type TestPlatform } from './support/platform.js';

const RATE = 10_000; // POINTS_PER_UNIT_BPS: 5 points per 100 wagered at ×1.00, so small stakes earn visible points
const WINDOW_MS = 4_000;
const PRICE = 100_010; // band 4000
const TZ = 'Asia/Kathmandu'; // UTC+05:45: a gaming day that is neither UTC nor on the hour
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `HH:MM` in `tz` of the first whole minute at least `aheadMs` from now, and that instant. */
function dayStartAhead(aheadMs: number, tz: string): { hhmm: string; at: number } {
  const at = Math.ceil((Date.now() + aheadMs) / 60_000) * 60_000;
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return { hhmm: `${get('hour')}:${get('minute')}`, at };
}

/**
 * SPEC 4.7 through the API only, on the whole platform with two gateway and two loyalty processes. The test is the
 * price feed (admin ticks), so that it can void a window. The gaming day starts a few minutes after the platform
 * does, in a non-UTC zone, so that a reward can be given on both sides of the boundary.
 */
describe('loyalty, end to end', () => {
  let platform: TestPlatform;
  let feeding = true;
  let paused = false;
  let feeder: Promise<void>;
  let host: StaffClient & { staffId: string };
  let supervisor: StaffClient & { staffId: string };
  let secondGateway: string;
  const boundary = dayStartAhead(60_000, TZ);

  beforeAll(async () => {
    platform = await startTestPlatform(
      {
        FEED_SIMULATOR: 'off',
        WINDOW_MS: String(WINDOW_MS),
        LOCKOUT_MS: '500',
        GRID_WINDOWS: '3',
        SETTLE_GRACE_MS: '300',
        FEED_DEGRADED_MS: '1000',
        FEED_CRITICAL_MS: '2000',
        FEED_RECOVERY_MS: '300',
        POINTS_PER_UNIT_BPS: String(RATE),
        SLIP_IDLE_MS: '600000',
        SLIP_SWEEP_INTERVAL_MS: '200',
        GAMING_TZ: TZ,
        GAMING_DAY_START: boundary.hhmm,
      },
      { awaitHealthy: false },
    );
    feeder = (async () => {
      while (feeding) {
        if (!paused) await platform.admin.tick('BTC-USD', PRICE).catch(() => undefined);
        await sleep(100);
      }
    })();
    await healthy();
    await platform.startReplica('loyalty');
    secondGateway = (await platform.startReplica('gateway')).gatewayUrl;
    host = await createStaff(platform.admin, platform.baseUrl, 'host');
    supervisor = await createStaff(platform.admin, platform.baseUrl, 'supervisor');
  });
  afterAll(async () => {
    feeding = false;
    await feeder;
    await platform?.stop();
  });

  const healthy = () => marketsHealthy(platform.baseUrl, { marketId: 'BTC-USD' });
  async function confirmedBet(p: TestPlayer, cell: GridCell, stake: number) {
    const placed = await p.client.placeBet(betBody(cell, stake));
    expect(placed.status).toBe(202);
    expect((await decided(p, placed.body.clientBetId)).status).toBe('confirmed');
    return placed;
  }
  /** Pause the feed across the window that starts at `ws`: its bets settle void (no ticks, market CRITICAL). */
  async function voidWindow(ws: number) {
    await eventually(async () => (Date.now() >= ws - 100 ? true : undefined), 15_000);
    paused = true;
    await eventually(async () => (Date.now() >= ws + WINDOW_MS + 50 ? true : undefined), 15_000);
    paused = false;
    await healthy();
  }

  it('a reward before the gaming day turns: 201, then the same reward that day is 200 duplicate with the original entry', async () => {
    expect(Date.now(), 'the gaming-day boundary must still be ahead').toBeLessThan(boundary.at - 10_000);
    const p = await createPlayer(platform.admin, platform.baseUrl);
    const body = { playerId: p.playerId, points: 300, reason: 'Late-night  comp' };
    const first = await supervisor.reward(body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      playerId: p.playerId,
      points: 300,
      reason: 'Late-night  comp',
      staffId: supervisor.staffId,
      balanceBefore: 0,
      balanceAfter: 300,
      duplicate: false,
    });
    expect(first.body.correlationId).toBe(first.headers.get('x-request-id'));
    const again = await new StaffClient(secondGateway, supervisor.token).reward({ ...body, reason: ' late-night comp ' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, duplicate: true });
    boundaryPlayer = { player: p, first: first.body };
  });
  let boundaryPlayer: { player: TestPlayer; first: RewardResponse } | undefined;

  it('confirmed bets fill a slip; staff close accrues it once; the player sees points, tier and the entry', async () => {
    const p = await createPlayer(platform.admin, platform.baseUrl, 100_000);
    const cell = await farCell(platform.baseUrl);
    const first = await confirmedBet(p, cell, 1_000);
    await confirmedBet(p, cell, 2_000);
    await confirmedBet(p, cell, 3_000);
    const [open] = await slipsWhen(host, p.playerId, (s) => s[0]?.wagered === 6_000, 'the slip to count 3 bets');
    expect(open).toMatchObject({ status: 'open', wagered: 6_000, points: null, accrual: 'none', closedAt: null });

    expect((await host.recoverSlip(open!.slipId)).status).toBe(403); // a host has no award right
    expect((await supervisor.recoverSlip(open!.slipId)).body).toMatchObject({ error: { code: 'slip_open' } });
    const closed = await host.closeSlip(open!.slipId);
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({
      slipId: open!.slipId,
      status: 'closed',
      wagered: 6_000,
      points: pointsFor(6_000, RATE),
      accrual: 'done',
    });
    const again = await host.closeSlip(open!.slipId);
    expect([again.status, again.body]).toEqual([200, closed.body]);
    expect((await supervisor.recoverSlip(open!.slipId)).body).toEqual(closed.body);
    expect((await host.closeSlip(randomUUID())).body).toMatchObject({ error: { code: 'unknown_slip' } });

    const me = await p.client.me();
    expect(me.body.loyalty).toEqual({ points: pointsFor(6_000, RATE), tier: 'bronze' });
    const mine = await p.client.meLoyalty();
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ playerId: p.playerId, points: pointsFor(6_000, RATE), tier: 'bronze', nextCursor: null });
    expect(mine.body.entries).toEqual([
      expect.objectContaining({
        kind: 'accrual',
        points: pointsFor(6_000, RATE),
        balanceBefore: 0,
        balanceAfter: pointsFor(6_000, RATE),
        staffId: null,
        ratingSlipId: open!.slipId,
        // Traceable to the bet that opened the slip: its request's trace id.
        correlationId: first.headers.get('x-request-id'),
      }),
    ]);
    // Staff read the same account; players cannot read staff routes.
    expect((await host.playerLoyalty(p.playerId)).body).toEqual(mine.body);
    expect((await p.client.request('GET', `/v1/loyalty/players/${p.playerId}`)).status).toBe(403);
    expect((await host.playerLoyalty(randomUUID())).body).toMatchObject({ error: { code: 'unknown_player' } });
  });

  it('a bet voided while its slip is open is taken out; one voided after its slip accrued takes its points back', async () => {
    const before = await createPlayer(platform.admin, platform.baseUrl, 100_000);
    const after = await createPlayer(platform.admin, platform.baseUrl, 100_000);
    const far = await farCell(platform.baseUrl);
    const ws = await nearWindow(platform.baseUrl);
    const near = { cellId: `BTC-USD:${ws}:4000` } as GridCell;
    await confirmedBet(before, near, 1_000);
    await confirmedBet(before, far, 2_000);
    await confirmedBet(after, near, 1_000);
    await confirmedBet(after, far, 3_000);
    const [afterSlip] = await slipsWhen(host, after.playerId, (s) => s[0]?.wagered === 4_000, 'the second slip to count both bets');
    const accrued = await host.closeSlip(afterSlip!.slipId);
    expect(accrued.body).toMatchObject({ points: pointsFor(4_000, RATE), accrual: 'done' });
    await slipsWhen(host, before.playerId, (s) => s[0]?.wagered === 3_000, 'the first slip to count both bets');

    await voidWindow(ws);
    // Open slip: the void takes the stake out before any accrual.
    const [openSlip] = await slipsWhen(host, before.playerId, (s) => s[0]?.wagered === 2_000, 'the void to leave the open slip');
    expect(openSlip).toMatchObject({ status: 'open', accrual: 'none' });
    expect((await host.closeSlip(openSlip!.slipId)).body).toMatchObject({ wagered: 2_000, points: pointsFor(2_000, RATE) });
    // Accrued slip: a negative accrual entry on the same slip brings it to what it would have earned without the bet.
    const [corrected] = await slipsWhen(host, after.playerId, (s) => s[0]?.wagered === 3_000, 'the late void to reach the slip');
    expect(corrected).toMatchObject({ status: 'closed', accrual: 'done', points: pointsFor(3_000, RATE) });
    const entries = await eventually(
      async () => {
        const e = await allEntries(host, after.playerId);
        return e.length === 2 ? e : undefined;
      },
      15_000,
      'the correction entry',
    );
    expect(entries[0]).toMatchObject({
      kind: 'accrual',
      ratingSlipId: afterSlip!.slipId,
      points: pointsFor(3_000, RATE) - pointsFor(4_000, RATE),
    });
    expect(chainIsUnbroken(entries, pointsFor(3_000, RATE))).toBe(true);
    expect((await after.client.me()).body.loyalty.points).toBe(pointsFor(3_000, RATE));
  });

  it('manual rewards: Idempotency-Key, reused key, points cap, unknown player, who may award, malformed bodies; nothing written when refused', async () => {
    const p = await createPlayer(platform.admin, platform.baseUrl);
    const body = { playerId: p.playerId, points: 10_000, reason: 'VIP welcome' };
    const key = randomUUID();
    const granted = await supervisor.reward(body, key);
    expect([granted.status, granted.body.points, granted.body.balanceAfter]).toEqual([201, 10_000, 10_000]);
    const replay = await supervisor.reward(body, key);
    expect([replay.status, replay.body.entryId, replay.body.duplicate]).toEqual([200, granted.body.entryId, true]);
    // A deliberate second reward of the same body uses a new key.
    expect((await supervisor.reward(body, randomUUID())).status).toBe(201);
    expect((await supervisor.reward({ ...body, points: 5 }, key)).body).toMatchObject({ error: { code: 'idempotency_key_reused' } });
    expect((await supervisor.reward({ ...body, points: 10_001 })).body).toMatchObject({ error: { code: 'points_exceed_max' } });
    expect((await supervisor.reward({ ...body, playerId: randomUUID() })).body).toMatchObject({ error: { code: 'unknown_player' } });

    expect((await host.reward(body, randomUUID())).body).toMatchObject({ error: { code: 'forbidden' } });
    const asAdmin = await platform.admin.request('POST', '/v1/loyalty/rewards', body);
    expect([asAdmin.status, (asAdmin.body as { error: { code: string } }).error.code]).toEqual([403, 'forbidden']);
    expect((await p.client.request('POST', '/v1/loyalty/rewards', body)).status).toBe(403);
    const anonymous = await fetch(`${platform.baseUrl}/v1/loyalty/rewards`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    expect(anonymous.status).toBe(401);

    for (const bad of [
      { ...body, points: 0 },
      { ...body, points: 1.5 },
      { ...body, points: '10' },
      { ...body, reason: '   ' },
      { playerId: p.playerId, points: 10 },
      { ...body, extra: true },
    ]) {
      const r = await supervisor.reward(bad as typeof body, randomUUID());
      expect([r.status, (r.body as unknown as { error: { code: string } }).error.code], JSON.stringify(bad)).toEqual([
        400,
        'validation_failed',
      ]);
    }
    const notJson = await supervisor.request('POST', '/v1/loyalty/rewards', undefined, { 'content-type': 'text/plain' });
    expect(notJson.status).toBe(415);
    const badKey = await supervisor.reward({ ...body, points: 1 }, 'has spaces in it');
    expect(badKey.status).toBe(400);
    const account = (await supervisor.playerLoyalty(p.playerId)).body;
    expect([account.points, account.entries.length]).toEqual([20_000, 2]);
    expect(account.tier).toBe('platinum');
  });

  it('the 11th new award of a staff member within a minute is 429 with Retry-After across two gateways and two loyalty processes', async () => {
    const awarder = await createStaff(platform.admin, platform.baseUrl, 'admin');
    const other = new StaffClient(secondGateway, awarder.token);
    const p = await createPlayer(platform.admin, platform.baseUrl);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? awarder : other).reward({ playerId: p.playerId, points: 1 + i, reason: 'table game promo' }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    const eleventh = await other.reward({ playerId: p.playerId, points: 99, reason: 'table game promo' });
    expect(eleventh.status).toBe(429);
    expect(eleventh.body).toMatchObject({ error: { code: 'rate_limited' } });
    const retryAfter = Number(eleventh.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // A replay is answered before the limiter.
    expect((await awarder.reward({ playerId: p.playerId, points: 1, reason: 'table game promo' })).status).toBe(200);
    expect((await supervisor.reward({ playerId: p.playerId, points: 99, reason: 'table game promo' })).status).toBe(201);
    expect((await allEntries(host, p.playerId)).length).toBe(11);
  });

  it('50 concurrent awards and an accrual on one player: no lost update, an unbroken before/after chain', async () => {
    const p = await createPlayer(platform.admin, platform.baseUrl, 100_000);
    const staff = await Promise.all(Array.from({ length: 5 }, () => createStaff(platform.admin, platform.baseUrl, 'supervisor')));
    const cell = await farCell(platform.baseUrl);
    await confirmedBet(p, cell, 5_000);
    const [slip] = await slipsWhen(host, p.playerId, (s) => s[0]?.wagered === 5_000, 'the slip');
    const [awards, close] = await Promise.all([
      Promise.all(
        Array.from({ length: 50 }, (_, i) => staff[i % 5]!.reward({ playerId: p.playerId, points: 100 + i, reason: `promo ${i}` })),
      ),
      host.closeSlip(slip!.slipId),
    ]);
    expect(awards.every((a) => a.status === 201)).toBe(true);
    expect(close.body).toMatchObject({ accrual: 'done', points: pointsFor(5_000, RATE) });
    const expected = pointsFor(5_000, RATE) + Array.from({ length: 50 }, (_, i) => 100 + i).reduce((a, b) => a + b, 0);
    const entries = await allEntries(host, p.playerId);
    expect(entries).toHaveLength(51);
    expect(chainIsUnbroken(entries, expected)).toBe(true);
    expect((await p.client.me()).body.loyalty.points).toBe(expected);
  });

  it('reconciliation: loyalty drift 0 over every account', async () => {
    const recon = await platform.admin.request<{ loyalty: { checked: number; drift: number } }>('GET', '/v1/admin/reconciliation');
    expect(recon.status).toBe(200);
    expect(recon.body.loyalty.checked).toBeGreaterThanOrEqual(6);
    expect(recon.body.loyalty.drift).toBe(0);
  });

  it('after the gaming day turns, the same reward is credited again', async () => {
    const { player, first } = boundaryPlayer!;
    await eventually(async () => (Date.now() >= boundary.at + 1_000 ? true : undefined), 200_000, 'the gaming day to turn');
    const next = await supervisor.reward({ playerId: player.playerId, points: 300, reason: 'late-night comp' });
    expect(next.status).toBe(201);
    expect(next.body).toMatchObject({ duplicate: false, balanceBefore: 300, balanceAfter: 600 });
    expect(next.body.entryId).not.toBe(first.entryId);
    expect((await supervisor.reward({ playerId: player.playerId, points: 300, reason: 'Late-night comp' })).status).toBe(200);
  });
});
