import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';
import { createTestDatabase, freePort, testRedisUrl, uniquePrefix, waitUntil, type TestDatabase } from '@wagerflow/testing';
import { loadConfig as gatewayConfig } from '../config.js';
import { createService as createGateway } from '../service.js';
import { startInProcessStack, type InProcessStack } from '../testing/in-process-stack.js';
import { PRICE_INTERVAL_MS } from './market-stream.js';

interface Received {
  at: number;
  msg: { type: string; marketId: string; price?: number; ts?: number; status?: string; seq?: number };
}

/** A market stream socket that records every message with its arrival time. */
async function openMarketStream(base: string) {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/v1/markets/stream`);
  const messages: Received[] = [];
  let requestId: string | undefined;
  ws.on('upgrade', (res) => (requestId = res.headers['x-request-id'] as string | undefined));
  ws.on('message', (data: Buffer) => messages.push({ at: Date.now(), msg: JSON.parse(data.toString('utf8')) as Received['msg'] }));
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const waitFor = (pred: (m: Received['msg']) => boolean, description: string, timeoutMs = 5_000) =>
    waitUntil(() => messages.find((r) => pred(r.msg))?.msg, { timeoutMs, description });
  return { ws, messages, closed, waitFor, requestId: () => requestId };
}

/**
 * SPEC 4.3's public market stream on the in-process stack (real Redis and Postgres, the real feed-monitor simulator
 * for BTC-USD). A second gateway replica also configures `ETH-USD`, which no feed drives: the test publishes its prices
 * and statuses on the channels feed-monitor uses, so it controls their timing.
 */
describe('GET /v1/markets/stream', () => {
  let db: TestDatabase;
  let stack: InProcessStack;
  let publisher: Redis;
  let replicaBase: string;
  const ADMIN_TOKEN = 'admin-token-for-tests-0001';

  async function replica(over: Record<string, string>) {
    const [port, opsPort] = await Promise.all([freePort(), freePort()]);
    const gateway = await createGateway(
      gatewayConfig({ ...stack.env, GATEWAY_PORT: String(port), GATEWAY_OPS_PORT: String(opsPort), ...over }),
    );
    await gateway.start();
    stack.onStop(() => gateway.shutdown.shutdown('test over'));
    return Object.assign(`http://127.0.0.1:${port}`, { ops: `http://127.0.0.1:${opsPort}` });
  }
  const channel = (name: string) => `${stack.env.REDIS_PREFIX}:${name}`;
  const publishPrice = (marketId: string, price: number, ts: number) =>
    publisher.publish(channel('price'), JSON.stringify({ marketId, price, ts }));

  beforeAll(async () => {
    db = await createTestDatabase();
    const redisUrl = testRedisUrl();
    stack = await startInProcessStack({ databaseUrl: db.url, redisUrl, prefix: uniquePrefix('mkt'), adminToken: ADMIN_TOKEN });
    publisher = new Redis(redisUrl);
    replicaBase = await replica({ MARKETS: 'BTC-USD,ETH-USD' });
  });
  afterAll(async () => {
    await publisher?.quit();
    await stack?.stop();
    await db?.drop();
  });

  it('sends the current price and status of every market right after the upgrade, with x-request-id and no seq', async () => {
    const s = await openMarketStream(replicaBase);
    const price = await s.waitFor((m) => m.type === 'price' && m.marketId === 'BTC-USD', 'the BTC-USD price');
    expect(price).toEqual({ type: 'price', marketId: 'BTC-USD', price: expect.any(Number), ts: expect.any(Number) });
    expect(await s.waitFor((m) => m.type === 'feed:status' && m.marketId === 'BTC-USD', 'BTC-USD status')).toEqual({
      type: 'feed:status',
      marketId: 'BTC-USD',
      status: 'HEALTHY',
    });
    // A configured market without a tick yet: no price, status CRITICAL (SPEC 3).
    expect(await s.waitFor((m) => m.type === 'feed:status' && m.marketId === 'ETH-USD', 'ETH-USD status')).toMatchObject({
      status: 'CRITICAL',
    });
    expect(s.messages.slice(0, 3).map((r) => r.msg.type)).toEqual(['price', 'feed:status', 'feed:status']);
    expect(s.requestId()).toMatch(/^[0-9a-f]{32}$/);
    for (const r of s.messages) expect(r.msg).not.toHaveProperty('seq');
    s.ws.close();
  });

  it("carries feed-monitor's ticks: BTC-USD prices keep coming, ts never going back", async () => {
    const s = await openMarketStream(stack.base);
    await waitUntil(() => (s.messages.filter((r) => r.msg.type === 'price').length >= 6 ? true : undefined), {
      timeoutMs: 5_000,
      description: 'six BTC-USD prices',
    });
    const ts = s.messages.filter((r) => r.msg.type === 'price').map((r) => r.msg.ts!);
    expect([...ts].sort((a, b) => a - b)).toEqual(ts);
    s.ws.close();
  });

  it('throttles a burst of ticks to one price per 100 ms per market, the latest tick winning', async () => {
    const s = await openMarketStream(replicaBase);
    await s.waitFor((m) => m.type === 'feed:status' && m.marketId === 'ETH-USD', 'the snapshot');
    const t0 = Date.now();
    // 60 ticks over about 600 ms, then one last tick after a pause.
    for (let i = 1; i <= 60; i++) {
      await publishPrice('ETH-USD', 3_000 + i, t0 + i);
      await new Promise((r) => setTimeout(r, 10));
    }
    // The held tick goes out once its interval has passed (a later tick meanwhile would replace it: latest wins).
    await s.waitFor((m) => m.type === 'price' && m.price === 3_060, 'the last tick of the burst');
    await publishPrice('ETH-USD', 4_000, t0 + 1_000);
    await s.waitFor((m) => m.type === 'price' && m.marketId === 'ETH-USD' && m.price === 4_000, 'the last tick');
    const eth = s.messages.filter((r) => r.msg.type === 'price' && r.msg.marketId === 'ETH-USD');
    expect(eth.length).toBeGreaterThanOrEqual(4);
    expect(eth.length).toBeLessThan(15);
    // Arrival times carry this process's event-loop jitter (the server runs here too): a margin per gap, none over the run.
    for (let i = 1; i < eth.length; i++) expect(eth[i]!.at - eth[i - 1]!.at).toBeGreaterThanOrEqual(PRICE_INTERVAL_MS - 30);
    expect(eth.at(-1)!.at - eth[0]!.at).toBeGreaterThanOrEqual((eth.length - 1) * PRICE_INTERVAL_MS - 30);
    // Prices only move forward in ts.
    const prices = eth.map((r) => r.msg.price!);
    expect([...prices].sort((a, b) => a - b)).toEqual(prices);
    // An older tick than one already sent is never shown.
    await publishPrice('ETH-USD', 1, t0 + 500);
    await publishPrice('ETH-USD', 4_001, t0 + 1_001);
    await s.waitFor((m) => m.type === 'price' && m.price === 4_001, 'the next tick');
    expect(s.messages.some((r) => r.msg.price === 1)).toBe(false);
    // A market this gateway does not configure is not forwarded.
    await publishPrice('DOGE-USD', 1, Date.now());
    await publisher.publish(channel('feed:status'), JSON.stringify({ type: 'feed:status', marketId: 'ETH-USD', status: 'DEGRADED' }));
    await s.waitFor((m) => m.type === 'feed:status' && m.status === 'DEGRADED', 'the status change');
    expect(s.messages.some((r) => r.msg.marketId === 'DOGE-USD')).toBe(false);
    s.ws.close();
  });

  it('a new socket after the burst gets the current state, not a replay', async () => {
    const s = await openMarketStream(stack.base);
    await s.waitFor((m) => m.type === 'feed:status', 'the snapshot');
    const markets = (await (await fetch(`${stack.base}/v1/markets`)).json()) as { marketId: string; feedStatus: string }[];
    expect(s.messages.find((r) => r.msg.type === 'feed:status')?.msg.status).toBe(markets[0]!.feedStatus);
    s.ws.close();
  });

  it('closes a socket that cannot keep up (1013)', async () => {
    const slowBase = await replica({ WS_MAX_BUFFERED_BYTES: '16384', WS_PING_INTERVAL_MS: '60000' });
    const s = await openMarketStream(slowBase);
    await s.waitFor((m) => m.type === 'feed:status', 'the snapshot');
    s.ws.pause();
    const event = JSON.stringify({ type: 'feed:status', marketId: 'BTC-USD', status: 'HEALTHY' });
    const slowClosed = async () => {
      const text = await (await fetch(`${slowBase.ops}/metrics`)).text();
      return /^wagerflow_market_stream_slow_closed_total\{[^}]*\} ([1-9])/m.test(text);
    };
    for (let round = 0; round < 100 && !(await slowClosed()); round++) {
      const pipeline = publisher.pipeline();
      for (let i = 0; i < 5_000; i++) pipeline.publish(channel('feed:status'), event);
      await pipeline.exec();
    }
    expect(await slowClosed()).toBe(true);
    s.ws.resume();
    expect(await s.closed).toBe(1013);
  });
});
