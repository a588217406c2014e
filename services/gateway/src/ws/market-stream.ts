import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CHANNELS, feedStatusEvent, priceEvent, type RedisKeys } from '@wagerflow/contracts';
import type { Redis } from '@wagerflow/queue';
import type { Logger, Metrics } from '@wagerflow/runtime';
import type { MarketState } from '../repositories/redis-state.js';
import { createHeartbeat } from './heartbeat.js';

export const MARKET_STREAM_PATH = '/v1/markets/stream';
/** SPEC 4.3: at most one price message per market every 100 ms on a socket; the latest tick wins. */
export const PRICE_INTERVAL_MS = 100;

/** Per socket and market: when the last price went out, and the newest one held back until the interval has passed. */
interface PriceSlot {
  sentAt: number;
  sentTs: number;
  held: string | null;
  heldTs: number;
  timer: NodeJS.Timeout | null;
}

interface Connection {
  ws: WebSocket;
  /** Live events that arrive while the snapshot is read: sent after it (the newest of each kind per market). */
  early: Map<string, MarketMessage> | null;
  prices: Map<string, PriceSlot>;
}

export interface MarketStreamOptions {
  subscriber: Redis;
  keys: RedisKeys;
  markets: readonly string[];
  /** The current price and status of a market (the same read as `GET /v1/markets`). */
  market: (marketId: string) => Promise<MarketState>;
  logger: Logger;
  metrics: Metrics;
  maxBufferedBytes: number;
  pingIntervalMs: number;
}

interface MarketMessage {
  kind: 'price' | 'status';
  marketId: string;
  /** The tick's ts (prices). */
  ts: number;
  text: string;
}

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, requestId: string) => void;

/**
 * `GET /v1/markets/stream` (SPEC 4.3): public market data, unsigned. On upgrade the current price and status of every
 * market; then `feed:status` as published and prices throttled per socket and market (the latest tick wins). No
 * `seq`: a client that reconnects reads `GET /v1/markets`. A socket that cannot keep up is closed (1013). Prices and
 * statuses come from feed-monitor through Redis pub/sub, so every replica serves every market.
 */
export function attachMarketStream(o: MarketStreamOptions) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  const heartbeat = createHeartbeat(o.pingIntervalMs);
  const connections = new Set<Connection>();
  const connected = o.metrics.gauge('wagerflow_market_stream_connections', 'Open public market stream sockets');
  const slowClosed = o.metrics.counter('wagerflow_market_stream_slow_closed_total', 'Market stream sockets closed for not keeping up');
  const requestIds = new WeakMap<IncomingMessage, string>();
  wss.on('headers', (headers: string[], req: IncomingMessage) => {
    const id = requestIds.get(req);
    if (id) headers.push(`x-request-id: ${id}`);
  });

  function send(c: Connection, text: string): void {
    if (c.ws.readyState !== c.ws.OPEN) return;
    if (c.ws.bufferedAmount > o.maxBufferedBytes) {
      slowClosed.inc();
      c.ws.close(1013, 'slow consumer: reconnect and read GET /v1/markets');
      return;
    }
    c.ws.send(text);
  }

  function sendPrice(c: Connection, marketId: string, text: string, ts: number, now: number): void {
    let slot = c.prices.get(marketId);
    if (!slot) c.prices.set(marketId, (slot = { sentAt: -Infinity, sentTs: -Infinity, held: null, heldTs: 0, timer: null }));
    if (ts < slot.sentTs || (slot.held !== null && ts < slot.heldTs)) return; // never show an older price after a newer one
    if (now - slot.sentAt >= PRICE_INTERVAL_MS) {
      // A due timer may not have run yet (I/O before timers): this newer tick replaces what it held.
      if (slot.timer) clearTimeout(slot.timer);
      slot.timer = null;
      slot.held = null;
      slot.sentAt = now;
      slot.sentTs = ts;
      send(c, text);
      return;
    }
    slot.held = text;
    slot.heldTs = ts;
    if (slot.timer) return;
    const s = slot;
    s.timer = setTimeout(
      () => {
        s.timer = null;
        if (s.held === null) return;
        const held = s.held;
        s.held = null;
        s.sentAt = Date.now();
        s.sentTs = s.heldTs;
        send(c, held);
      },
      s.sentAt + PRICE_INTERVAL_MS - now,
    );
  }

  function drop(c: Connection): void {
    if (!connections.delete(c)) return;
    connected.dec();
    for (const slot of c.prices.values()) if (slot.timer) clearTimeout(slot.timer);
  }

  const handleUpgrade: UpgradeHandler = (req, socket, head, requestId) => {
    requestIds.set(req, requestId);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const c: Connection = { ws, early: new Map(), prices: new Map() };
      connections.add(c);
      connected.inc();
      heartbeat.watch(ws);
      ws.on('error', () => ws.terminate());
      ws.on('close', () => drop(c));
      // Registered before the read: an event published meanwhile is held in `early` and sent after the snapshot.
      void Promise.all(o.markets.map(async (marketId) => ({ marketId, state: await o.market(marketId) })))
        .then((snapshot) => {
          const now = Date.now();
          for (const { marketId, state } of snapshot) {
            if (state.price != null && state.lastTickAt != null) {
              const text = JSON.stringify({ type: 'price', marketId, price: state.price, ts: state.lastTickAt });
              sendPrice(c, marketId, text, state.lastTickAt, now);
            }
            send(c, JSON.stringify({ type: 'feed:status', marketId, status: state.status }));
          }
          const early = c.early;
          c.early = null;
          for (const m of early?.values() ?? []) deliver(c, m, now);
        })
        .catch((err: unknown) => {
          o.logger.warn({ err }, 'market stream snapshot failed');
          ws.close(1011, 'market data unavailable: reconnect');
        });
    });
  };

  function deliver(c: Connection, m: MarketMessage, now: number): void {
    if (c.early) c.early.set(`${m.kind}:${m.marketId}`, m);
    else if (m.kind === 'price') sendPrice(c, m.marketId, m.text, m.ts, now);
    else send(c, m.text);
  }

  const priceChannel = o.keys.channel(CHANNELS.prices);
  const statusChannel = o.keys.channel(CHANNELS.feedStatus);
  o.subscriber.on('message', (channel: string, raw: string) => {
    if (channel !== priceChannel && channel !== statusChannel) return;
    if (connections.size === 0) return;
    try {
      let m: MarketMessage;
      if (channel === priceChannel) {
        const { marketId, price, ts } = priceEvent.parse(JSON.parse(raw));
        m = { kind: 'price', marketId, ts, text: JSON.stringify({ type: 'price', marketId, price, ts }) };
      } else {
        const { marketId, status } = feedStatusEvent.parse(JSON.parse(raw));
        m = { kind: 'status', marketId, ts: 0, text: JSON.stringify({ type: 'feed:status', marketId, status }) };
      }
      if (!o.markets.includes(m.marketId)) return; // not a market of this platform's configuration
      const now = Date.now();
      for (const c of connections) deliver(c, m, now);
    } catch (err) {
      o.logger.warn({ err, channel }, 'dropped a market event that does not parse');
    }
  });

  return {
    handleUpgrade,
    async start() {
      await o.subscriber.subscribe(priceChannel, statusChannel);
    },
    close() {
      heartbeat.stop();
      for (const c of [...connections]) {
        c.ws.close(1001, 'server shutting down');
        drop(c);
      }
      wss.close();
    },
  };
}
