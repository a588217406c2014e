import WebSocket from 'ws';
import type { Logger } from '@wagerflow/runtime';
import { mapFeedMessage, type FeedMapping, type MappedTick } from './domain/feed-mapping.js';

export interface FeedAdapterOptions {
  url: string;
  mapping: FeedMapping;
  /** Sent once after every (re)connection, for feeds that need a subscription message. */
  subscribeMessage: string | null;
  logger: Logger;
  onTick: (tick: MappedTick, receivedAt: number) => Promise<void>;
  maxBackoffMs?: number;
}

/**
 * A real price feed over WebSocket JSON: maps each message to a tick, reconnects with capped
 * exponential backoff, and never lets a bad message stop the stream (it is dropped and counted).
 */
export function startFeedAdapter(o: FeedAdapterOptions): {
  close(): void;
  stats(): { received: number; dropped: number; connects: number };
} {
  let ws: WebSocket | undefined;
  let closed = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;
  const stats = { received: 0, dropped: 0, connects: 0 };
  const maxBackoff = o.maxBackoffMs ?? 10_000;

  function connect(): void {
    if (closed) return;
    ws = new WebSocket(o.url);
    ws.on('open', () => {
      attempt = 0;
      stats.connects += 1;
      o.logger.info({ url: o.url }, 'feed adapter connected');
      if (o.subscribeMessage) ws?.send(o.subscribeMessage);
    });
    ws.on('message', (data: Buffer) => {
      const receivedAt = Date.now();
      const tick = mapFeedMessage(data.toString('utf8'), o.mapping);
      if (!tick) {
        stats.dropped += 1;
        return;
      }
      stats.received += 1;
      o.onTick(tick, receivedAt).catch((err: unknown) => o.logger.warn({ err }, 'feed adapter tick failed'));
    });
    ws.on('error', (err) => o.logger.warn({ err: err.message, url: o.url }, 'feed adapter error'));
    ws.on('close', () => {
      if (closed) return;
      const delay = Math.min(maxBackoff, 100 * 2 ** attempt++);
      o.logger.warn({ url: o.url, retryInMs: delay }, 'feed adapter disconnected; reconnecting');
      timer = setTimeout(connect, delay);
    });
  }

  connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      ws?.terminate();
    },
    stats: () => ({ ...stats }),
  };
}
