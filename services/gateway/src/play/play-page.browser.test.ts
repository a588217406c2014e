import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '@wagerflow/client';
import { createTestDatabase, testRedisUrl, uniquePrefix, waitUntil, type TestDatabase } from '@wagerflow/testing';
import { startInProcessStack, type InProcessStack } from '../testing/in-process-stack.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** Screenshots of each state (gitignored test artifacts). */
const SHOTS = `${ROOT}test-artifacts/play`;
/** Debian's chromium package (`.ci/run` installs it when missing). */
const CHROMIUM = '/usr/bin/chromium';

/**
 * The play page in Debian's Chromium (playwright-core, no browser download), on the in-process stack: the page the
 * gateway serves at /play, built by Vite, the SDK's browser bundle signing with WebCrypto over the browser WebSocket.
 */
describe('the play page in Chromium', () => {
  let db: TestDatabase;
  let stack: InProcessStack;
  let browser: Browser;
  let admin: AdminClient;
  const ADMIN_TOKEN = 'admin-token-for-tests-0001';
  /** Console errors and uncaught exceptions of the page opened last. */
  let errors: string[] = [];
  let uncaught: string[] = [];
  /** The test is the feed (admin ticks, SPEC 4.6), so it can stop it. */
  let ticker: NodeJS.Timeout | undefined;
  let price = 100_000;

  async function openPage(balance: number): Promise<Page> {
    const { body } = await admin.createPlayer('browser');
    if (balance > 0) await admin.deposit(body.playerId, balance, `dep-${body.playerId}`);
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } }); // a phone
    const pageErrors: string[] = [];
    const pageUncaught: string[] = [];
    errors = pageErrors;
    uncaught = pageUncaught;
    page.on('console', (m) => void (m.type() === 'error' && pageErrors.push(m.text())));
    page.on('pageerror', (e) => void pageUncaught.push(e.message));
    await page.goto(`${stack.base}/play/#${new URLSearchParams({ apiKey: body.apiKey, apiSecret: body.apiSecret }).toString()}`);
    await page.getByText('Live', { exact: true }).waitFor({ timeout: 10_000 });
    return page;
  }
  /** An open cell: in the last window column (open for a while yet), or the earliest open window (`soon`: settles first). */
  async function tapCell(page: Page, stake: number, soon = false) {
    await page.fill('#stake', String(stake));
    const open = page.locator('#grid button[data-cell-id]:not([disabled])');
    const cell = soon ? open.first() : open.last();
    await cell.waitFor({ timeout: 10_000 });
    await cell.click();
  }

  beforeAll(async () => {
    const build = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build'], {
      cwd: `${ROOT}packages/play`,
      encoding: 'utf8',
    });
    if (build.status !== 0) throw new Error(`vite build failed: ${build.stderr}`);
    mkdirSync(SHOTS, { recursive: true });
    db = await createTestDatabase();
    stack = await startInProcessStack({
      databaseUrl: db.url,
      redisUrl: testRedisUrl(),
      prefix: uniquePrefix('play'),
      adminToken: ADMIN_TOKEN,
      env: { FEED_SIMULATOR: 'off' },
      waitFor: 'started',
    });
    admin = new AdminClient(stack.base, ADMIN_TOKEN);
    ticker = setInterval(() => {
      price = Math.round((price + (Math.random() - 0.5) * 20) * 100) / 100;
      void admin.tick('BTC-USD', price).catch(() => undefined);
    }, 200);
    await waitUntil(
      async () =>
        ((await (await fetch(`${stack.base}/v1/markets`)).json()) as { feedStatus: string }[])[0]?.feedStatus === 'HEALTHY' || undefined,
      { timeoutMs: 20_000, description: 'a HEALTHY feed' },
    );
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    clearInterval(ticker);
    await browser?.close();
    await stack?.stop();
    await db?.drop();
  });

  it('loads with no console error; a tap goes PENDING then CONFIRMED and the balance drops', async () => {
    const page = await openPage(100_000);
    await expect.poll(() => page.locator('#balance').textContent()).toBe('1000.00');
    await page.locator('#price').filter({ hasText: /^\d/ }).waitFor();
    await tapCell(page, 500);
    const bet = page.locator('#bets li').first();
    await expect.poll(() => bet.getAttribute('data-phase'), { timeout: 10_000 }).toMatch(/PENDING|CONFIRMED/);
    await page.screenshot({ path: `${SHOTS}/pending-or-confirmed.png`, fullPage: true });
    await expect.poll(() => bet.getAttribute('data-phase'), { timeout: 10_000 }).toBe('CONFIRMED');
    await expect.poll(() => page.locator('#balance').textContent()).toBe('995.00');
    await page.screenshot({ path: `${SHOTS}/confirmed.png`, fullPage: true });
    expect([...errors, ...uncaught], errors.join('\n')).toEqual([]);
    await page.close();
  });

  it('a bet above the balance shows REJECTED insufficient_funds', async () => {
    const page = await openPage(1_000);
    await tapCell(page, 5_000);
    const bet = page.locator('#bets li').first();
    await expect.poll(() => bet.getAttribute('data-phase'), { timeout: 10_000 }).toBe('REJECTED');
    expect(await bet.textContent()).toContain('insufficient_funds');
    await page.screenshot({ path: `${SHOTS}/rejected.png`, fullPage: true });
    await page.close();
  });

  it('a network cut while pending shows UNKNOWN, then the final state once back', async () => {
    const page = await openPage(100_000);
    const context = page.context();
    // Cut the network as the POST leaves: the request is not sent, the stream drops.
    await context.setOffline(true);
    await tapCell(page, 700);
    const bet = page.locator('#bets li').first();
    await expect.poll(() => bet.getAttribute('data-phase'), { timeout: 15_000 }).toBe('UNKNOWN');
    await page.screenshot({ path: `${SHOTS}/unknown.png`, fullPage: true });
    await context.setOffline(false);
    await expect.poll(() => bet.getAttribute('data-phase'), { timeout: 30_000 }).toMatch(/CONFIRMED|REJECTED/);
    await page.close();
  });

  it('a settled bet shows its result and payout', async () => {
    const page = await openPage(100_000);
    await tapCell(page, 300, true);
    const bet = page.locator('#bets li').first();
    await expect.poll(() => bet.getAttribute('data-phase'), { timeout: 10_000 }).toBe('CONFIRMED');
    // The earliest open window ends within about 12 s, then the settle grace (2 s).
    await waitUntil(async () => ((await bet.getAttribute('data-result')) || 'open') !== 'open' || undefined, {
      timeoutMs: 40_000,
      description: 'the settlement',
    });
    expect(await bet.textContent()).toMatch(/(WON|LOST|VOID) · payout \d+\.\d\d/);
    await page.screenshot({ path: `${SHOTS}/settled.png`, fullPage: true });
    await page.close();
  });

  // Runs last: it stops the feed.
  it('admin ticks stopped: the DEGRADED banner, then CRITICAL with every cell disabled', async () => {
    const page = await openPage(100_000);
    await page.locator('#grid button[data-cell-id]:not([disabled])').first().waitFor();
    clearInterval(ticker);
    const banner = page.locator('#banner');
    await expect.poll(() => banner.getAttribute('class'), { timeout: 8_000 }).toBe('DEGRADED');
    expect(await banner.isVisible()).toBe(true);
    expect(await page.locator('#grid button[data-cell-id]:not([disabled])').count()).toBeGreaterThan(0);
    await page.screenshot({ path: `${SHOTS}/degraded.png`, fullPage: true });
    await expect.poll(() => banner.getAttribute('class'), { timeout: 15_000 }).toBe('CRITICAL');
    const cells = page.locator('#grid button[data-cell-id]');
    expect(await cells.count()).toBeGreaterThan(0);
    expect(await page.locator('#grid button[data-cell-id]:not([disabled])').count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}/critical.png`, fullPage: true });
    // The browser logs the grid's refused reads (503 while CRITICAL) as console errors; the page itself throws nothing.
    expect(uncaught).toEqual([]);
    await page.close();
  });
});
