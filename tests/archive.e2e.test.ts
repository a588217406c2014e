import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GridCell } from '@wagerflow/contracts';
import { betBody, createPlayer, decided, eventually, farCell, marketsHealthy, nearWindow, type TestPlayer } from './support/players.js';
import { startTestPlatform, type TestPlatform } from './support/platform.js';

const WINDOW_MS = 3_000;
const PRICE = 100_010; // band 4000 = [100 000, 100 025)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The archive pipeline (SPEC 5, issue 12) through the started platform and SPEC 4 only: bets placed and settled,
 * one kept open, an admin run with ARCHIVE_RETENTION_DAYS=0, polled to success; archived bets answer 410, the open
 * one is still there, balances unchanged and reconciliation drift 0.
 */
describe('archive, end to end', () => {
  let platform: TestPlatform;
  let players: TestPlayer[];
  let feeding = true;
  let feeder: Promise<void>;
  const dir = mkdtempSync(join(tmpdir(), 'wf-archive-e2e-'));

  beforeAll(async () => {
    platform = await startTestPlatform(
      {
        FEED_SIMULATOR: 'off',
        WINDOW_MS: String(WINDOW_MS),
        LOCKOUT_MS: '500',
        GRID_WINDOWS: '8',
        SETTLE_GRACE_MS: '300',
        ARCHIVE_URL: pathToFileURL(dir).href,
        ARCHIVE_RETENTION_DAYS: '0',
        ARCHIVE_PARTITION_MAX_BETS: '3',
      },
      { awaitHealthy: false },
    );
    feeder = (async () => {
      while (feeding) {
        await platform.admin.tick('BTC-USD', PRICE).catch(() => undefined);
        await sleep(100);
      }
    })();
    await marketsHealthy(platform.baseUrl, { marketId: 'BTC-USD' });
    players = await Promise.all([0, 1, 2].map(() => createPlayer(platform.admin, platform.baseUrl, 50_000)));
  });
  afterAll(async () => {
    feeding = false;
    await feeder;
    await platform?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const admin = (method: string, path: string) =>
    fetch(`${platform.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${platform.adminToken}` } });

  it('archives settled bets: 410 archived (reads and a resubmitted clientBetId), open bets kept, balances unchanged, drift 0', async () => {
    const soon = await nearWindow(platform.baseUrl, 2_000); // a dozen placements, one after another
    const far = Number((await farCell(platform.baseUrl)).cellId.split(':')[1]);
    const cell = (ws: number, band: number) => ({ cellId: `BTC-USD:${ws}:${band}` }) as GridCell;
    const settledBets: { player: TestPlayer; clientBetId: string; betId: string }[] = [];
    const openBets: { player: TestPlayer; clientBetId: string }[] = [];
    for (const player of players) {
      for (const [band, stake] of [
        [4000, 300],
        [4001, 200],
        [4002, 100],
      ] as const) {
        const body = betBody(cell(soon, band), stake);
        const placed = await player.client.placeBet(body);
        expect(placed.status, JSON.stringify(placed.body)).toBe(202);
        settledBets.push({ player, clientBetId: body.clientBetId, betId: placed.body.betId });
      }
      const open = betBody(cell(far, 4000), 50);
      expect((await player.client.placeBet(open)).status).toBe(202);
      openBets.push({ player, clientBetId: open.clientBetId });
    }
    for (const b of settledBets) {
      expect((await decided(b.player, b.clientBetId)).status).toBe('confirmed');
      await eventually(
        async () => {
          const v = await b.player.client.betByClientId(b.clientBetId);
          return v.body.result && v.body.result !== 'open' ? v.body : undefined;
        },
        30_000,
        `settlement of ${b.clientBetId}`,
      );
    }
    for (const o of openBets) expect((await decided(o.player, o.clientBetId)).result).toBe('open');
    const balances = await Promise.all(players.map(async (p) => (await p.client.me()).body.balance));

    const started = await admin('POST', '/v1/admin/archive/run');
    expect(started.status).toBe(202);
    const { runId } = (await started.json()) as { runId: string };
    const run = await eventually(
      async () => {
        const res = await admin('GET', `/v1/admin/archive/runs/${runId}`);
        const body = (await res.json()) as { status: string; bets: number; partitions: number; files: unknown[]; error: string | null };
        return body.status === 'succeeded' || body.status === 'failed' ? body : undefined;
      },
      60_000,
      `archive run ${runId}`,
    );
    expect(run.error).toBeNull();
    expect(run.status).toBe('succeeded');
    expect(run.bets).toBeGreaterThanOrEqual(settledBets.length);
    expect(run.files.length).toBe(run.partitions);
    expect(readdirSync(join(dir, 'runs', runId)).length).toBe(run.partitions);

    for (const b of settledBets) {
      const byId = await b.player.client.request<{ error: { code: string } }>('GET', `/v1/bets/${b.betId}`);
      expect([byId.status, byId.body.error.code]).toEqual([410, 'archived']);
      const byClient = await b.player.client.request<{ error: { code: string } }>('GET', `/v1/bets?clientBetId=${b.clientBetId}`);
      expect([byClient.status, byClient.body.error.code]).toEqual([410, 'archived']);
    }
    // A resubmitted clientBetId of an archived bet is not placed again as a new bet.
    const again = settledBets[0]!;
    const resubmitted = await again.player.client.placeBet(betBody(cell(far, 4000), 300, again.clientBetId));
    expect([resubmitted.status, resubmitted.body.error?.code]).toEqual([410, 'archived']);
    for (const o of openBets) {
      const v = await o.player.client.betByClientId(o.clientBetId);
      expect([v.status, v.body.result]).toEqual([200, 'open']);
    }
    expect(await Promise.all(players.map(async (p) => (await p.client.me()).body.balance))).toEqual(balances);
    const recon = (await (await admin('GET', '/v1/admin/reconciliation')).json()) as { wallets: { checked: number; drift: number } };
    expect(recon.wallets.drift).toBe(0);
    expect(recon.wallets.checked).toBeGreaterThanOrEqual(players.length);
    // An unknown run is 404.
    expect((await admin('GET', '/v1/admin/archive/runs/no-such-run')).status).toBe(404);
  });
});
