import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlayerStream } from '@wagerflow/client';
import type { GridCell } from '@wagerflow/contracts';
import { betBody, createPlayer, decided, eventually, openStream, type TestPlayer } from './support/players.js';
import { startTestPlatform, type TestPlatform } from './support/platform.js';

const statusOf = async (platform: TestPlatform): Promise<string> => {
  const markets = (await (await fetch(`${platform.baseUrl}/v1/markets`)).json()) as { feedStatus: string }[];
  return markets[0]!.feedStatus;
};
const tick = (platform: TestPlatform, price = 100_000) => platform.admin.tick('BTC-USD', price);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Feeds the market by hand through the admin tick endpoint and watches the breaker from outside. */
async function feedFor(platform: TestPlatform, ms: number, everyMs: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    expect((await tick(platform)).status).toBe(202);
    await sleep(everyMs);
  }
}

function statuses(stream: PlayerStream): string[] {
  return stream.messages.filter((m) => m.type === 'feed:status').map((m) => String(m.status));
}

describe('feed circuit breaker, end to end (short thresholds)', () => {
  let platform: TestPlatform;
  let player: TestPlayer;
  beforeAll(async () => {
    platform = await startTestPlatform(
      { FEED_SIMULATOR: 'off', FEED_DEGRADED_MS: '400', FEED_CRITICAL_MS: '1200', FEED_RECOVERY_MS: '1500' },
      { awaitHealthy: false },
    );
    player = await createPlayer(platform.admin, platform.baseUrl, 10_000);
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('no tick yet: CRITICAL, bets refused with 503 market_suspended', async () => {
    expect(await statusOf(platform)).toBe('CRITICAL');
    const ws = Math.ceil((Date.now() + 30_000) / 10_000) * 10_000; // an open window of the default grid
    const r = await player.client.placeBet(betBody({ cellId: `BTC-USD:${ws}:4000` } as GridCell, 10));
    expect(r.status).toBe(503);
    expect((r.body as unknown as { error: { code: string } }).error.code).toBe('market_suspended');
  });

  it('recovers to HEALTHY only after ticks stayed fresh for the recovery period, then degrades and trips', async () => {
    const stream = await openStream(platform.baseUrl, player);
    const started = Date.now();
    await feedFor(platform, 1_000, 100);
    expect(await statusOf(platform)).toBe('CRITICAL'); // 1 s < 1.5 s of recovery
    await eventually(
      async () => {
        await tick(platform);
        return (await statusOf(platform)) === 'HEALTHY' ? true : undefined;
      },
      10_000,
      'HEALTHY',
    );
    expect(Date.now() - started).toBeGreaterThan(1_500);
    // A bet is accepted now; while DEGRADED too.
    const grid = (await (await fetch(`${platform.baseUrl}/v1/markets/BTC-USD/grid`)).json()) as { cells: GridCell[] };
    expect(grid.cells.length).toBeGreaterThan(0);
    const cell = grid.cells.reduce((a, b) => (b.windowStart > a.windowStart ? b : a));
    expect((await player.client.placeBet(betBody(cell, 10))).status).toBe(202);
    await eventually(async () => ((await statusOf(platform)) === 'DEGRADED' ? true : undefined), 5_000, 'DEGRADED');
    expect((await player.client.placeBet(betBody(cell, 10))).status).toBe(202);
    await eventually(async () => ((await statusOf(platform)) === 'CRITICAL' ? true : undefined), 5_000, 'CRITICAL');
    const refused = await player.client.placeBet(betBody(cell, 10));
    expect(refused.status).toBe(503);
    await eventually(
      async () => (statuses(stream).slice(-3).join() === 'HEALTHY,DEGRADED,CRITICAL' ? true : undefined),
      5_000,
      'feed:status events on the stream',
    );
    stream.close();
  });

  it('a gap above the DEGRADED threshold during recovery restarts it', async () => {
    await feedFor(platform, 1_000, 100);
    await sleep(600); // > 400 ms: a break
    await feedFor(platform, 1_000, 100);
    expect(await statusOf(platform)).toBe('CRITICAL'); // 1 s since the break < 1.5 s
    await feedFor(platform, 800, 100);
    expect(await statusOf(platform)).toBe('HEALTHY');
  });

  it('bets queued while HEALTHY are rejected market_suspended when the market is CRITICAL by the time the ledger takes them', async () => {
    await feedFor(platform, 1_800, 100);
    expect(await statusOf(platform)).toBe('HEALTHY');
    const grid = (await (await fetch(`${platform.baseUrl}/v1/markets/BTC-USD/grid`)).json()) as { cells: GridCell[] };
    const cell = grid.cells.reduce((a, b) => (b.windowStart > a.windowStart ? b : a));
    const ledger = platform.platform.services.get('bet-ledger')!;
    ledger.kill('SIGSTOP');
    let placed;
    try {
      placed = await player.client.placeBet(betBody(cell, 10, randomUUID()));
      expect(placed.status).toBe(202);
      await eventually(async () => ((await statusOf(platform)) === 'CRITICAL' ? true : undefined), 5_000, 'CRITICAL');
    } finally {
      ledger.kill('SIGCONT');
    }
    expect(await decided(player, placed.body.clientBetId)).toMatchObject({ status: 'rejected', reason: 'market_suspended', result: null });
  });
});

describe("feed circuit breaker at the seed's thresholds (3 s / 10 s / 30 s)", () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ FEED_SIMULATOR: 'off', FEED_RECOVERY_MS: '30000' }, { awaitHealthy: false });
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it("the seed's flapping feed (gaps of 9 s, 11 s, 9 s) goes DEGRADED, CRITICAL and stays CRITICAL", async () => {
    const player = await createPlayer(platform.admin, platform.baseUrl);
    const stream = await openStream(platform.baseUrl, player);
    // A new market is CRITICAL until its ticks have stayed fresh for 30 s.
    await feedFor(platform, 29_000, 500);
    expect(await statusOf(platform)).toBe('CRITICAL');
    await eventually(
      async () => {
        await tick(platform);
        return (await statusOf(platform)) === 'HEALTHY' ? true : undefined;
      },
      5_000,
      'HEALTHY after 30 s of fresh ticks',
    );
    const seen: string[] = ['HEALTHY'];
    const watch = setInterval(() => {
      void statusOf(platform).then((s) => {
        if (seen[seen.length - 1] !== s) seen.push(s);
      });
    }, 200);
    try {
      for (const gap of [9_000, 11_000, 9_000]) {
        await sleep(gap);
        await tick(platform);
      }
      await sleep(500);
    } finally {
      clearInterval(watch);
    }
    // 9 s: DEGRADED (the tick then restores HEALTHY); 11 s: DEGRADED then CRITICAL; 9 s: CRITICAL stays.
    expect(seen).toEqual(['HEALTHY', 'DEGRADED', 'HEALTHY', 'DEGRADED', 'CRITICAL']);
    expect(statuses(stream)).toEqual(['HEALTHY', 'DEGRADED', 'HEALTHY', 'DEGRADED', 'CRITICAL']);
    expect(await statusOf(platform)).toBe('CRITICAL');
    stream.close();
  });
});
