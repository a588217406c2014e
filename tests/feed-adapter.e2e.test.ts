import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { eventually } from './support/players.js';
import { startTestPlatform, type TestPlatform } from './support/platform.js';

/** feed-monitor on a real WebSocket JSON feed (a local server plays the exchange), simulator off. */
describe('real feed adapter, end to end', () => {
  let platform: TestPlatform;
  let exchange: WebSocketServer;
  let price = 100_000;
  let timer: NodeJS.Timeout;
  beforeAll(async () => {
    exchange = await new Promise<WebSocketServer>((resolve) => {
      const wss: WebSocketServer = new WebSocketServer({ port: 0, host: '127.0.0.1' }, () => resolve(wss));
    });
    timer = setInterval(() => {
      price += 1.25;
      const msg = JSON.stringify({ stream: 'trades', data: { s: 'BTCUSDT', p: String(price), T: Date.now() } });
      for (const c of exchange.clients) c.send(msg);
    }, 100);
    platform = await startTestPlatform(
      {
        FEED_SIMULATOR: 'off',
        FEED_ADAPTER_URL: `ws://127.0.0.1:${(exchange.address() as AddressInfo).port}`,
        FEED_ADAPTER_PRICE_FIELD: 'data.p',
        FEED_ADAPTER_TS_FIELD: 'data.T',
        FEED_ADAPTER_MARKET_FIELD: 'data.s',
        FEED_ADAPTER_SYMBOLS: 'BTCUSDT=BTC-USD',
      },
      { awaitHealthy: false },
    );
  });
  afterAll(async () => {
    clearInterval(timer);
    await platform?.stop();
    await new Promise<void>((r) => exchange.close(() => r()));
  });

  it('prices and feed status come from the exchange', async () => {
    const market = await eventually(
      async () => {
        const m = (
          (await (await fetch(`${platform.baseUrl}/v1/markets`)).json()) as {
            price: number | null;
            feedStatus: string;
            lastTickAt: number | null;
          }[]
        )[0]!;
        return m.feedStatus === 'HEALTHY' ? m : undefined;
      },
      20_000,
      'HEALTHY on the adapter feed',
    );
    expect(market.price).toBeGreaterThan(100_000);
    expect(market.price! % 1.25).toBe(0);
    expect(Date.now() - market.lastTickAt!).toBeLessThan(3_000);
  });
});
