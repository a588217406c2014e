import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createLogger } from '@wagerflow/runtime';
import { waitUntil } from '@wagerflow/testing';
import type { MappedTick } from './domain/feed-mapping.js';
import { startFeedAdapter } from './feed-adapter.js';

/** A real WebSocket server on loopback plays the exchange. */
function exchange(port = 0): Promise<WebSocketServer> {
  return new Promise((resolve) => {
    const wss: WebSocketServer = new WebSocketServer({ port, host: '127.0.0.1' }, () => resolve(wss));
  });
}

describe('WebSocket JSON feed adapter', () => {
  const cleanups: (() => void | Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('subscribes, maps messages to ticks, drops bad ones, and reconnects after the feed drops', async () => {
    let wss = await exchange();
    const port = (wss.address() as AddressInfo).port;
    const subscriptions: string[] = [];
    const serve = (server: WebSocketServer) =>
      server.on('connection', (socket) => {
        socket.on('message', (m: Buffer) => {
          subscriptions.push(m.toString());
          socket.send(JSON.stringify({ data: { s: 'BTCUSDT', p: '100000.5', T: 1795500000000 } }));
          socket.send('not json');
          socket.send(JSON.stringify({ data: { s: 'DOGEUSDT', p: '0.1', T: 1795500000001 } }));
          socket.send(JSON.stringify({ data: { s: 'BTCUSDT', p: 100001, T: 1795500000002 } }));
        });
      });
    serve(wss);
    const ticks: MappedTick[] = [];
    const adapter = startFeedAdapter({
      url: `ws://127.0.0.1:${port}`,
      mapping: {
        priceField: 'data.p',
        tsField: 'data.T',
        tsUnit: 'ms',
        marketField: 'data.s',
        defaultMarket: 'BTC-USD',
        symbols: { BTCUSDT: 'BTC-USD' },
      },
      subscribeMessage: '{"op":"subscribe","args":["BTCUSDT"]}',
      logger: createLogger('test', 'silent'),
      onTick: async (t) => void ticks.push(t),
      maxBackoffMs: 200,
    });
    cleanups.push(() => adapter.close());
    await waitUntil(async () => (ticks.length >= 2 ? true : undefined), { timeoutMs: 5_000, description: 'two ticks' });
    expect(ticks).toEqual([
      { marketId: 'BTC-USD', price: 100000.5, ts: 1795500000000 },
      { marketId: 'BTC-USD', price: 100001, ts: 1795500000002 },
    ]);
    expect(subscriptions).toEqual(['{"op":"subscribe","args":["BTCUSDT"]}']);
    expect(adapter.stats()).toMatchObject({ received: 2, dropped: 2, connects: 1 });

    // The exchange goes away and comes back on the same port: the adapter reconnects and resubscribes.
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
    wss = await exchange(port);
    serve(wss);
    cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
    await waitUntil(async () => (ticks.length >= 4 ? true : undefined), { timeoutMs: 10_000, description: 'ticks after reconnecting' });
    expect(adapter.stats().connects).toBe(2);
    expect(subscriptions).toHaveLength(2);
  });
});
