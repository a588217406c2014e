import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  CHANNELS,
  ERROR_STATUS,
  feedStatusEvent,
  playerEvent,
  type FeedStatusEvent,
  type PlayerEvent,
  type RedisKeys,
} from '@wagerflow/contracts';
import type { Redis } from '@wagerflow/queue';
import { extractTraceContext, getTracer, type Logger, type Metrics } from '@wagerflow/runtime';
import { ApiError } from '../http/api-error.js';
import type { Auth } from '../http/auth.js';
import type { LedgerReadRepository } from '../repositories/ledger-read.repository.js';
import type { UpgradeHandler } from './market-stream.js';
import { createHeartbeat } from './heartbeat.js';
import { createSlicedQueue } from './sliced-queue.js';

interface Connection {
  ws: WebSocket;
  playerId: string;
  seq: number;
}

export interface StreamOptions {
  server: Server;
  subscriber: Redis;
  keys: RedisKeys;
  auth: Auth;
  ledger: LedgerReadRepository;
  logger: Logger;
  metrics: Metrics;
  maxBufferedBytes: number;
  pingIntervalMs: number;
  /** Longest the fan-out of events may hold the event loop before HTTP requests get their turn (ms; 0: no limit). */
  eventSliceMs?: number;
  /** Other WebSocket routes on the same server, by path (the public market stream). */
  upgrades?: Readonly<Record<string, UpgradeHandler>>;
}

/** Strip internal routing and trace fields: clients get SPEC 4.5's shapes only. */
function publicShape(event: Record<string, unknown>): Record<string, unknown> {
  const { playerId: _p, traceparent: _t, tracestate: _s, ...rest } = event;
  return rest;
}

/**
 * `GET /v1/stream` (SPEC 4.5): a signed upgrade, a contiguous per-connection `seq` from 1, ping/pong
 * every 15 s, and a socket that cannot keep up is closed (never skipped). Events arrive through
 * Redis pub/sub, so every replica delivers every event of the players connected to it.
 */
export function attachStream(o: StreamOptions) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const heartbeat = createHeartbeat(o.pingIntervalMs);
  const byPlayer = new Map<string, Set<Connection>>();
  const tracer = getTracer();
  const connected = o.metrics.gauge('wagerflow_ws_connections', 'Open WebSocket connections');
  const slowClosed = o.metrics.counter('wagerflow_ws_slow_closed_total', 'Sockets closed for not keeping up');

  function send(c: Connection, message: Record<string, unknown>): void {
    if (c.ws.readyState !== c.ws.OPEN) return;
    if (c.ws.bufferedAmount > o.maxBufferedBytes) {
      slowClosed.inc();
      c.ws.close(1013, 'slow consumer: resync with GET /v1/bets?since= and GET /v1/me');
      return;
    }
    c.seq += 1;
    c.ws.send(JSON.stringify({ ...message, seq: c.seq }));
  }

  function refuse(socket: Duplex, err: unknown, requestId: string): void {
    const apiErr = err instanceof ApiError ? err : new ApiError('service_unavailable', 'stream unavailable');
    const body = JSON.stringify({ error: { code: apiErr.code, message: apiErr.message } });
    const status = ERROR_STATUS[apiErr.code];
    socket.end(
      `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Error'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
    );
  }

  // SPEC 4: every response carries x-request-id, the upgrade's (101 or refusal) too: a root span's trace id, as for HTTP.
  const requestIds = new WeakMap<IncomingMessage, string>();
  wss.on('headers', (headers: string[], req: IncomingMessage) => {
    const id = requestIds.get(req);
    if (id) headers.push(`x-request-id: ${id}`);
  });

  o.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const span = tracer.startSpan('WS upgrade', { kind: SpanKind.SERVER, root: true }, ROOT_CONTEXT);
    span.end();
    const requestId = span.spanContext().traceId;
    requestIds.set(req, requestId);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const other = o.upgrades?.[url.pathname];
    if (other) return other(req, socket, head, requestId);
    if (url.pathname !== '/v1/stream') return refuse(socket, new ApiError('not_found', 'no such stream'), requestId);
    const q = Object.fromEntries(url.searchParams) as Record<string, string>;
    void o.auth
      .verifyStreamQuery({ apiKey: q.apiKey, ts: q.ts, nonce: q.nonce, sig: q.sig })
      .then(async (principal) => {
        if (principal.kind !== 'player') throw new ApiError('forbidden', 'players only');
        const wallet = await o.ledger.wallet(principal.playerId);
        wss.handleUpgrade(req, socket, head, (ws) => {
          const c: Connection = { ws, playerId: principal.playerId, seq: 0 };
          let set = byPlayer.get(c.playerId);
          if (!set) byPlayer.set(c.playerId, (set = new Set()));
          set.add(c);
          connected.inc();
          heartbeat.watch(ws);
          ws.on('error', () => ws.terminate());
          ws.on('close', () => {
            connected.dec();
            set.delete(c);
            if (set.size === 0) byPlayer.delete(c.playerId);
          });
          send(c, { type: 'hello', playerId: c.playerId, balance: wallet.balance, walletSeq: wallet.walletSeq });
        });
      })
      .catch((err: unknown) => refuse(socket, err, requestId));
  });

  /** One event to deliver: a player's (validated when its turn comes) or a feed status for every socket. */
  type Delivery = { channel: 'player'; event: unknown } | { channel: 'feed'; event: FeedStatusEvent };
  const deliver = (d: Delivery) => {
    if (d.channel === 'feed') {
      for (const set of byPlayer.values()) for (const c of set) send(c, publicShape(d.event));
      return;
    }
    const event: PlayerEvent = playerEvent.parse(d.event);
    const set = byPlayer.get(event.playerId);
    if (!set || event.type === 'balance') return;
    const span = tracer.startSpan(
      'ws.push',
      { kind: SpanKind.PRODUCER, attributes: { 'event.type': event.type, 'bet.id': event.betId } },
      extractTraceContext(event),
    );
    for (const c of set) send(c, publicShape(event));
    span.end();
  };
  const deliveries = createSlicedQueue(deliver, {
    sliceMs: o.eventSliceMs === 0 ? Infinity : (o.eventSliceMs ?? 2),
    onError: (err) => o.logger.warn({ err }, 'dropped an event that does not parse or could not be sent'),
  });
  // Events received and not yet sent: a backlog that grows while the gateway is busy with requests (each turn of the
  // loop gives the fan-out at most eventSliceMs) is a delay every client sees on its stream.
  o.metrics.gauge('wagerflow_ws_event_backlog', 'Events received from Redis and not yet sent to their sockets', [], function () {
    this.set(deliveries.size);
  });

  const playerChannel = o.keys.channel(CHANNELS.playerEvents);
  const feedChannel = o.keys.channel(CHANNELS.feedStatus);
  o.subscriber.on('message', (channel: string, raw: string) => {
    try {
      if (channel === playerChannel) {
        // A message is an array of events (contracts: playerEventMessage); each is checked when its turn comes.
        const events: unknown = JSON.parse(raw);
        if (!Array.isArray(events) || events.length === 0) throw new Error('a player events message is not a non-empty array');
        deliveries.push(events.map((event: unknown): Delivery => ({ channel: 'player', event })));
      } else if (channel === feedChannel) {
        deliveries.push([{ channel: 'feed', event: feedStatusEvent.parse(JSON.parse(raw)) }]);
      }
    } catch (err) {
      o.logger.warn({ err, channel }, 'dropped an event that does not parse');
    }
  });

  return {
    async start() {
      await o.subscriber.subscribe(playerChannel, feedChannel);
    },
    async close() {
      heartbeat.stop();
      for (const set of byPlayer.values()) for (const c of set) c.ws.close(1001, 'server shutting down');
      wss.close();
      await o.subscriber.quit().catch(() => undefined);
    },
  };
}
