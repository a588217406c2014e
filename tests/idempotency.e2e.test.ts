import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GridCell } from '@wagerflow/contracts';
import { betBody, createPlayer, eventually } from './support/players.js';
import { startTestPlatform, type TestPlatform } from './support/platform.js';

/** Deposits by reference and bets by clientBetId are idempotent, whatever happened since. */
describe('idempotency', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    // Short windows so that a cell closes within the test.
    platform = await startTestPlatform({ WINDOW_MS: '2000', LOCKOUT_MS: '1000', GRID_WINDOWS: '2' });
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('deposits: same reference → 200 with the original body; other amount → 422; nothing credited twice', async () => {
    const p = await createPlayer(platform.admin, platform.baseUrl);
    const first = await platform.admin.deposit(p.playerId, 2_500, 'dep-1');
    expect(first.status).toBe(201);
    expect(first.body.balance).toBe(2_500);
    const again = await platform.admin.deposit(p.playerId, 2_500, 'dep-1');
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const reused = await platform.admin.deposit(p.playerId, 2_600, 'dep-1');
    expect(reused.status).toBe(422);
    expect((reused.body as unknown as { error: { code: string } }).error.code).toBe('idempotency_key_reused');
    const concurrent = await Promise.all(Array.from({ length: 20 }, () => platform.admin.deposit(p.playerId, 100, 'dep-2')));
    expect(concurrent.filter((r) => r.status === 201)).toHaveLength(1);
    expect(concurrent.filter((r) => r.status === 200)).toHaveLength(19);
    const second = await platform.admin.deposit(p.playerId, 100, 'dep-3');
    expect(second.body.balance).toBe(2_700);
    expect((await p.client.me()).body).toMatchObject({ balance: 2_700, walletSeq: 3 });
  });

  it('bets: a retry with a new nonce returns the bet in any state, even after its cell closed; another body → 422', async () => {
    const p = await createPlayer(platform.admin, platform.baseUrl, 1_000);
    const grid = (await (await fetch(`${platform.baseUrl}/v1/markets/BTC-USD/grid`)).json()) as { cells: GridCell[] };
    // The later of the two open windows: up to 4 s before its lockout, ample for the ledger.
    const latest = Math.max(...grid.cells.map((c) => c.windowStart));
    const cell = grid.cells.find((c) => c.windowStart === latest)!;
    const body = betBody(cell, 50);
    const placed = await p.client.placeBet(body);
    expect(placed.status).toBe(202);
    expect(placed.body.status).toBe('pending');
    const retry = await p.client.placeBet(body);
    expect(retry.status).toBe(200);
    expect(retry.body.betId).toBe(placed.body.betId);
    // Concurrent retries all answer with the same bet.
    const many = await Promise.all(Array.from({ length: 10 }, () => p.client.placeBet(body)));
    for (const r of many) expect(r.body.betId).toBe(placed.body.betId);
    const confirmed = await eventually(async () => {
      const v = await p.client.betByClientId(body.clientBetId);
      return v.body.status === 'confirmed' ? v.body : undefined;
    });
    // Wait until the cell is past its lockout, then retry: still 200 with the stored bet.
    await eventually(async () => (Date.now() > cell.windowStart - 1_000 + 50 ? true : undefined), 10_000);
    const late = await p.client.placeBet(body);
    expect(late.status).toBe(200);
    expect(late.body).toMatchObject({ betId: placed.body.betId, status: 'confirmed', result: 'open' });
    const fresh = await p.client.placeBet(betBody(cell, 50));
    expect(fresh.status).toBe(422);
    const different = await p.client.placeBet({ ...body, stake: 60 });
    expect(different.status).toBe(422);
    expect((different.body as unknown as { error: { code: string } }).error.code).toBe('idempotency_key_reused');
    expect(confirmed.multiplier).toBe(placed.body.multiplier);
    expect((await p.client.me()).body.balance).toBe(950);
    // GET by betId and the since-listing show it too.
    const byId = await p.client.request<{ betId: string }>('GET', `/v1/bets/${placed.body.betId}`);
    expect(byId.body.betId).toBe(placed.body.betId);
    const list = await p.client.request<{ bets: { betId: string }[]; nextCursor: string | null }>('GET', '/v1/bets?since=0&limit=1');
    expect(list.body.bets.map((b) => b.betId)).toEqual([placed.body.betId]);
    expect(list.body.nextCursor).toBeNull();
  });

  it('bets: a burst of first attempts with one clientBetId queues one bet: one 202, the rest replay it, one debit', async () => {
    const p = await createPlayer(platform.admin, platform.baseUrl, 1_000);
    const grid = (await (await fetch(`${platform.baseUrl}/v1/markets/BTC-USD/grid`)).json()) as { cells: GridCell[] };
    const cell = grid.cells.reduce((x, y) => (y.windowStart > x.windowStart ? y : x));
    const body = betBody(cell, 40);
    const burst = await Promise.all(Array.from({ length: 20 }, () => p.client.placeBet(body)));
    expect(burst.filter((r) => r.status === 202)).toHaveLength(1);
    expect(burst.filter((r) => r.status === 200)).toHaveLength(19);
    const betId = burst.find((r) => r.status === 202)!.body.betId;
    for (const r of burst) expect(r.body.betId).toBe(betId);
    await eventually(async () => ((await p.client.betByClientId(body.clientBetId)).body.status === 'confirmed' ? true : undefined));
    expect((await p.client.request<{ betId: string }>('GET', `/v1/bets/${betId}`)).body.betId).toBe(betId);
    expect((await p.client.me()).body.balance).toBe(960);
  });

  it('bets: the since-listing shows a bet while it is pending, then its outcome, never twice', async () => {
    const p = await createPlayer(platform.admin, platform.baseUrl, 1_000);
    const grid = (await (await fetch(`${platform.baseUrl}/v1/markets/BTC-USD/grid`)).json()) as { cells: GridCell[] };
    const cell = grid.cells.reduce((x, y) => (y.windowStart > x.windowStart ? y : x));
    type Page = { bets: { betId: string; status: string }[]; nextCursor: string | null };
    const ledger = platform.platform.services.get('bet-ledger')!;
    ledger.kill('SIGSTOP');
    let placed: { betId: string }[];
    try {
      const answers = await Promise.all([10, 20, 30].map((stake) => p.client.placeBet(betBody(cell, stake))));
      placed = answers.map((a) => a.body);
      const listed = await p.client.request<Page>('GET', '/v1/bets?since=0');
      expect(listed.body.bets.map((b) => [b.betId, b.status]).sort()).toEqual(placed.map((b) => [b.betId, 'pending']).sort());
      // Pages of one: the cursor walks every pending bet, each once.
      const walked: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: Page } = await p.client.request<Page>('GET', `/v1/bets?since=0&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
        walked.push(...page.body.bets.map((b) => b.betId));
        cursor = page.body.nextCursor;
      } while (cursor && walked.length < 10);
      expect(walked.sort()).toEqual(placed.map((b) => b.betId).sort());
    } finally {
      ledger.kill('SIGCONT');
    }
    const decided = await eventually(async () => {
      const l = await p.client.request<Page>('GET', '/v1/bets?since=0');
      return l.body.bets.length === 3 && l.body.bets.every((b) => b.status === 'confirmed') ? l.body.bets : undefined;
    });
    expect(decided.map((b) => b.betId).sort()).toEqual(placed.map((b) => b.betId).sort());
  });

  it('a player sees only their own bets', async () => {
    const a = await createPlayer(platform.admin, platform.baseUrl, 1_000);
    const b = await createPlayer(platform.admin, platform.baseUrl, 1_000);
    const grid = (await (await fetch(`${platform.baseUrl}/v1/markets/BTC-USD/grid`)).json()) as { cells: GridCell[] };
    const cell = grid.cells.reduce((x, y) => (y.windowStart > x.windowStart ? y : x));
    const placed = await a.client.placeBet(betBody(cell, 10, randomUUID()));
    expect(placed.status).toBe(202);
    expect((await b.client.request('GET', `/v1/bets/${placed.body.betId}`)).status).toBe(404);
    expect((await b.client.betByClientId(placed.body.clientBetId)).status).toBe(404);
  });
});
