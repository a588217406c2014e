import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BetView, GridCell } from '@wagerflow/contracts';
import { betBody, createPlayer, decided, eventually, marketsHealthy, nearWindow, openStream, type TestPlayer } from './support/players.js';
import { startTestPlatform, type TestPlatform } from './support/platform.js';

const WINDOW_MS = 4_000;
const LOCKOUT_MS = 500;
const PRICE = 100_010; // band 4000 = [100 000, 100 025)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Bets resolve (SPEC 3), observed through the API only. The test is the price feed (admin ticks,
 * simulator off), with 4 s windows and short breaker thresholds so that each case takes seconds.
 */
describe('settlement, end to end', () => {
  let platform: TestPlatform;
  let player: TestPlayer;
  let feeding = true;
  let paused = false;
  let feeder: Promise<void>;
  const deposit = 100_000;

  beforeAll(async () => {
    platform = await startTestPlatform(
      {
        FEED_SIMULATOR: 'off',
        WINDOW_MS: String(WINDOW_MS),
        LOCKOUT_MS: String(LOCKOUT_MS),
        GRID_WINDOWS: '3',
        SETTLE_GRACE_MS: '300',
        FEED_DEGRADED_MS: '1000',
        FEED_CRITICAL_MS: '2000',
        FEED_RECOVERY_MS: '300',
      },
      { awaitHealthy: false },
    );
    feeder = (async () => {
      while (feeding) {
        if (!paused) await platform.admin.tick('BTC-USD', PRICE);
        await sleep(100);
      }
    })();
    await marketsHealthy(platform.baseUrl, { marketId: 'BTC-USD' });
    player = await createPlayer(platform.admin, platform.baseUrl, deposit);
  });
  afterAll(async () => {
    feeding = false;
    await feeder;
    await platform?.stop();
  });

  const cell = (windowStart: number, band: number) => ({ cellId: `BTC-USD:${windowStart}:${band}` }) as GridCell;

  async function settled(clientBetId: string): Promise<BetView> {
    return eventually(
      async () => {
        const v = await player.client.betByClientId(clientBetId);
        return v.body.result && v.body.result !== 'open' ? v.body : undefined;
      },
      30_000,
      `settlement of ${clientBetId}`,
    );
  }

  it('won pays stake × multiplier rounded down, lost pays 0, on the stream and in the bet view; settling is exactly once', async () => {
    const stream = await openStream(platform.baseUrl, player);
    const ws = await nearWindow(platform.baseUrl);
    const win = await player.client.placeBet(betBody(cell(ws, 4000), 1_000));
    const lose = await player.client.placeBet(betBody(cell(ws, 4001), 500)); // [100 025, 100 050): never touched
    expect([win.status, lose.status]).toEqual([202, 202]);
    const won = await settled(win.body.clientBetId);
    const lost = await settled(lose.body.clientBetId);
    const multiplierBps = Math.round(win.body.multiplier * 100) * 100;
    expect(won).toMatchObject({ status: 'confirmed', result: 'won', payout: Math.floor((1_000 * multiplierBps) / 10_000) });
    expect(won.settledAt).toBeGreaterThanOrEqual(ws + WINDOW_MS);
    expect(lost).toMatchObject({ result: 'lost', payout: 0 });
    const events = await eventually(
      async () => {
        const e = stream.messages.filter((m) => m.type === 'bet:settled');
        return e.length >= 2 ? e : undefined;
      },
      10_000,
      'bet:settled events',
    );
    expect(events.find((e) => e.betId === win.body.betId)).toMatchObject({ result: 'won', payout: won.payout });
    const me = await player.client.me();
    expect(me.body.balance).toBe(deposit - 1_500 + won.payout!);
    // The stream's last balance agrees with the wallet.
    expect(stream.messages.filter((m) => m.type === 'bet:settled').at(-1)!.walletSeq).toBeLessThanOrEqual(me.body.walletSeq);
    stream.close();
  });

  it('void: a window without ticks refunds the stake; a window where the market went CRITICAL refunds too', async () => {
    const before = (await player.client.me()).body.balance;
    // No tick at all during a window.
    const ws = await nearWindow(platform.baseUrl);
    const quiet = await player.client.placeBet(betBody(cell(ws, 4000), 300));
    expect(quiet.status).toBe(202);
    await eventually(async () => (Date.now() >= ws - 100 ? true : undefined), 10_000);
    paused = true;
    await eventually(async () => (Date.now() >= ws + WINDOW_MS + 50 ? true : undefined), 10_000);
    paused = false;
    const voidNoTicks = await settled(quiet.body.clientBetId);
    expect(voidNoTicks).toMatchObject({ result: 'void', payout: 300 });

    // Ticks in the window, but a 2.4 s gap trips CRITICAL inside it.
    await eventually(
      async () => {
        const m = (await (await fetch(`${platform.baseUrl}/v1/markets`)).json()) as { feedStatus: string }[];
        return m[0]!.feedStatus === 'HEALTHY' ? true : undefined;
      },
      10_000,
      'HEALTHY again',
    );
    const ws2 = await nearWindow(platform.baseUrl);
    const shaky = await player.client.placeBet(betBody(cell(ws2, 4000), 200));
    expect(shaky.status).toBe(202);
    await eventually(async () => (Date.now() >= ws2 - 400 ? true : undefined), 10_000);
    paused = true;
    await eventually(async () => (Date.now() >= ws2 + 2_000 ? true : undefined), 10_000);
    paused = false;
    const voidCritical = await settled(shaky.body.clientBetId);
    expect(voidCritical).toMatchObject({ result: 'void', payout: 200 });
    expect((await player.client.me()).body.balance).toBe(before);
  });

  it('a bet the ledger takes after its lockout is rejected cell_closed, moves no money and is never settled', async () => {
    const late = await createPlayer(platform.admin, platform.baseUrl, 1_000);
    // A window whose lockout is far enough ahead for the gateway to accept, near enough to pass while the ledger is stopped.
    const ws = await nearWindow(platform.baseUrl, 800);
    const ledger = platform.platform.services.get('bet-ledger')!;
    ledger.kill('SIGSTOP');
    let placed;
    try {
      placed = await late.client.placeBet(betBody(cell(ws, 4000), 100));
      expect(placed.status).toBe(202);
      await eventually(async () => (Date.now() > ws - LOCKOUT_MS + 200 ? true : undefined), 10_000, 'the lockout to pass');
    } finally {
      ledger.kill('SIGCONT');
    }
    expect(await decided(late, placed.body.clientBetId)).toMatchObject({
      status: 'rejected',
      reason: 'cell_closed',
      result: null,
      payout: null,
    });
    // Past the window's settlement: still rejected, never settled, balance untouched.
    await eventually(async () => (Date.now() > ws + WINDOW_MS + 1_500 ? true : undefined), 15_000, 'the window to settle');
    expect((await late.client.betByClientId(placed.body.clientBetId)).body).toMatchObject({
      status: 'rejected',
      result: null,
      settledAt: null,
    });
    expect((await late.client.me()).body.balance).toBe(1_000);
  });

  it('per-player invariant and reconciliation hold with payouts and refunds in the books', async () => {
    const list = await player.client.request<{ bets: BetView[] }>('GET', '/v1/bets?since=0&limit=1000');
    const confirmed = list.body.bets.filter((b) => b.status === 'confirmed');
    const stakes = confirmed.reduce((s, b) => s + b.stake, 0);
    const returns = confirmed.reduce((s, b) => s + (b.payout ?? 0), 0);
    expect((await player.client.me()).body.balance).toBe(deposit - stakes + returns);
    const recon = await platform.admin.request<{ wallets: { drift: number } }>('GET', '/v1/admin/reconciliation');
    expect(recon.body.wallets.drift).toBe(0);
  });
});
