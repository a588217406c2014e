import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { sign } from '@wagerflow/contracts';
import { browserSocketFactory } from './browser-socket.js';
import { ReconnectingStream, type StreamEvents } from './reconnecting-stream.js';
import type { StreamSocketFactory } from './stream-socket.js';
import { FakeGateway, until } from './testing/fake-gateway.js';
import { wsSocketFactory } from './ws-socket.js';

const creds = { apiKey: 'key-1', apiSecret: 'secret-1' };

/**
 * Both socket implementations: `ws` (Node) and the browser's WebSocket API, driven here through `ws`'s WHATWG
 * interface (addEventListener, no ping events; the real browser runs it in the play page's Chromium tests).
 */
const IMPLEMENTATIONS: [string, StreamSocketFactory, boolean][] = [
  ['ws (Node)', wsSocketFactory, true],
  ['browser WebSocket API', browserSocketFactory(WebSocket), false],
];

describe.each(IMPLEMENTATIONS)('ReconnectingStream on %s', (_name, socketFactory, seesPings) => {
  let gw: FakeGateway;
  let stream: ReconnectingStream;
  let seen: { [K in keyof StreamEvents]: StreamEvents[K][] };

  function open(extra: Partial<ConstructorParameters<typeof ReconnectingStream>[0]> = {}): ReconnectingStream {
    stream = new ReconnectingStream({ baseUrl: gw.baseUrl, creds, reconnectBaseMs: 10, reconnectMaxMs: 40, socketFactory, ...extra });
    // A local record: the previous test's stream still reports its close after `seen` is replaced.
    const record: typeof seen = { message: [], up: [], down: [], gap: [], resync: [], error: [] };
    for (const name of Object.keys(record) as (keyof StreamEvents)[]) stream.on(name, (p) => (record[name] as unknown[]).push(p));
    seen = record;
    return stream;
  }

  beforeEach(async () => {
    gw = await FakeGateway.start();
  });
  afterEach(async () => {
    stream?.close();
    await gw.close();
  });

  it('connects with a signed query and resolves with the hello', async () => {
    const hello = await open().connect();
    expect(hello).toEqual({ type: 'hello', seq: 1, playerId: 'p1', balance: 1_000, walletSeq: 1 });
    const q = gw.upgrades[0]!;
    expect(q.get('apiKey')).toBe('key-1');
    expect(q.get('sig')).toBe(sign('secret-1', q.get('ts')!, q.get('nonce')!, 'GET', '/v1/stream', ''));
    expect(stream.isUp).toBe(true);
    expect(seen.up).toEqual([{ hello, reconnect: false }]);
    expect(seen.resync).toEqual([]);
  });

  it('passes typed messages on and counts unknown ones without applying them', async () => {
    await open().connect();
    gw.push({ type: 'something:new', x: 1 });
    gw.push({ type: 'feed:status', marketId: 'BTC-USD', status: 'DEGRADED' });
    await until(() => seen.message.length === 2);
    expect(seen.message[1]).toEqual({ type: 'feed:status', marketId: 'BTC-USD', status: 'DEGRADED', seq: 3 });
    expect(seen.gap).toEqual([]);
  });

  it('a seq gap → gap and a resync from the last in-order message; the socket stays', async () => {
    await open().connect();
    gw.push({ type: 'feed:status', marketId: 'BTC-USD', status: 'HEALTHY' });
    await until(() => seen.message.length === 2);
    const before = Date.now();
    gw.skip(2);
    gw.push({ type: 'feed:status', marketId: 'BTC-USD', status: 'DEGRADED' });
    await until(() => seen.resync.length === 1);
    expect(seen.gap).toEqual([{ expected: 3, got: 5 }]);
    expect(seen.resync[0]!.reason).toBe('gap');
    expect(seen.resync[0]!.lastGoodAt).toBeLessThanOrEqual(before);
    // Counting resumes after the gap: the next message in order raises nothing.
    gw.push({ type: 'feed:status', marketId: 'BTC-USD', status: 'HEALTHY' });
    await until(() => seen.message.length === 4);
    expect(seen.gap).toHaveLength(1);
    expect(gw.sockets).toHaveLength(1);
  });

  it('a frame that is not JSON counts as a gap', async () => {
    await open().connect();
    gw.lastSocket.send('not json');
    await until(() => seen.resync.length === 1);
    expect(seen.gap).toEqual([{ expected: 2, got: null }]);
  });

  it('a hello out of order on the first connection asks for a resync', async () => {
    gw.autoHello = false;
    const connected = open().connect();
    await until(() => gw.sockets.length === 1);
    gw.skip();
    gw.push({ type: 'hello', ...gw.hello });
    await connected;
    expect(seen.resync.map((r) => r.reason)).toEqual(['gap']);
  });

  it('a dropped socket → down, a reconnect with a fresh signed query, up again and a resync', async () => {
    await open().connect();
    gw.push({ type: 'feed:status', marketId: 'BTC-USD', status: 'HEALTHY' });
    await until(() => seen.message.length === 2);
    gw.lastSocket.terminate();
    await until(() => seen.up.length === 2, 3_000, 'the reconnect');
    expect(seen.down).toHaveLength(1);
    expect(seen.up[1]!.reconnect).toBe(true);
    expect(seen.resync).toEqual([{ reason: 'reconnect', lastGoodAt: expect.any(Number) }]);
    expect(stream.connectionCount).toBe(2);
    const [first, second] = gw.upgrades;
    expect(second!.get('nonce')).not.toBe(first!.get('nonce'));
    expect(second!.get('sig')).toBe(sign('secret-1', second!.get('ts')!, second!.get('nonce')!, 'GET', '/v1/stream', ''));
  });

  it('keeps retrying refused reconnects with backoff, reporting each failure', async () => {
    await open().connect();
    gw.refuseWith = 503;
    stream.socket!.terminate(); // a drop as the client sees it
    await until(() => gw.upgrades.length >= 4, 3_000, 'retries');
    expect(seen.error[0]!.message).toContain('503');
    expect(stream.isUp).toBe(false);
    gw.refuseWith = null;
    await until(() => stream.isUp, 3_000, 'the stream to come back');
    expect(seen.up).toHaveLength(2);
  });

  it('the first connect rejects when the upgrade is refused, and may be tried again', async () => {
    gw.refuseWith = 401;
    await expect(open().connect()).rejects.toThrow('401');
    gw.refuseWith = null;
    await expect(stream.connect()).resolves.toMatchObject({ type: 'hello' });
  });

  it('connect twice is an error', async () => {
    const s = open();
    await s.connect();
    await expect(s.connect()).rejects.toThrow('already connected');
  });

  it('a connection without hello in time fails the first connect', async () => {
    gw.autoHello = false;
    await expect(open({ connectTimeoutMs: 100 }).connect()).rejects.toThrow();
  });

  it.runIf(seesPings)('a silent peer (no ping, no message) is dropped after the heartbeat timeout and reconnected', async () => {
    await open({ heartbeatTimeoutMs: 150 }).connect();
    await until(() => seen.down.length === 1, 2_000, 'the heartbeat timeout');
    await until(() => seen.up.length === 2, 2_000, 'the reconnect');
  });

  it.runIf(!seesPings)('without visible pings a quiet connection is kept (the browser watches the link)', async () => {
    await open({ heartbeatTimeoutMs: 150 }).connect();
    await new Promise((r) => setTimeout(r, 500));
    expect(seen.down).toEqual([]);
  });

  it.runIf(seesPings)('server pings keep a quiet connection alive', async () => {
    // Two heartbeat periods of pings; the period is long enough that a loaded CI run's stalls do not fake a silence.
    await open({ heartbeatTimeoutMs: 500 }).connect();
    const pinger = setInterval(() => gw.lastSocket.ping(), 30);
    await new Promise((r) => setTimeout(r, 1_000));
    clearInterval(pinger);
    expect(seen.down).toEqual([]);
  });

  it('close() stops for good: no reconnect, a pending connect rejects', async () => {
    await open().connect();
    stream.close();
    await until(() => seen.down.length === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(gw.upgrades).toHaveLength(1);
    gw.autoHello = false;
    const again = open().connect();
    stream.close();
    await expect(again).rejects.toThrow('stream closed');
  });
});
