import { defaultSocketFactory } from '#stream-socket';
import { backoffDelay } from './backoff.js';
import type { PlayerCredentials } from './credentials.js';
import { Listeners } from './listeners.js';
import type { StreamSocket, StreamSocketFactory } from './stream-socket.js';
import { signStreamQuery } from './web-signing.js';
import { parseFrame, type HelloMessage, type ServerMessage } from './stream-messages.js';

export interface ReconnectingStreamOptions {
  baseUrl: string;
  creds: PlayerCredentials;
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  /** The server pings every 15 s: silence longer than this means a dead peer (a half-open TCP link). */
  heartbeatTimeoutMs?: number;
  /** Upgrade plus `hello` must complete within this. */
  connectTimeoutMs?: number;
  random?: () => number;
  /** How to open a WebSocket: `ws` in Node, the browser's WebSocket in a browser bundle (the default of each). */
  socketFactory?: StreamSocketFactory;
}

export type ResyncReason = 'reconnect' | 'gap';

export interface StreamEvents {
  message: ServerMessage;
  up: { hello: HelloMessage; reconnect: boolean };
  down: { code: number; reason: string };
  gap: { expected: number; got: number | null };
  /** Events may have been missed since `lastGoodAt` (client clock): fetch state changed since then. */
  resync: { reason: ResyncReason; lastGoodAt: number };
  error: Error;
}

/**
 * SPEC 4.5 stream that survives drops: each (re)connect signs a fresh query (new ts and nonce, or the
 * gateway refuses it as a replay), reconnects with jittered backoff, checks that `seq` is contiguous
 * from 1 (the hello) and asks for a resync after a reconnect or a gap, because `seq` is per connection
 * and nothing is replayed.
 */
export class ReconnectingStream {
  private readonly events = new Listeners<StreamEvents>();
  private ws: StreamSocket | null = null;
  private up = false;
  private expectedSeq = 1;
  private lastGoodAt = 0;
  private failures = 0;
  private closed = true;
  private connections = 0;
  private timers: { reconnect?: NodeJS.Timeout; heartbeat?: NodeJS.Timeout } = {};
  private firstConnect: { resolve: (h: HelloMessage) => void; reject: (e: Error) => void } | null = null;
  private lastError: Error | null = null;
  private readonly o: Required<ReconnectingStreamOptions>;

  constructor(options: ReconnectingStreamOptions) {
    this.o = {
      reconnectBaseMs: 250,
      reconnectMaxMs: 10_000,
      heartbeatTimeoutMs: 40_000,
      connectTimeoutMs: 10_000,
      random: Math.random,
      socketFactory: defaultSocketFactory,
      ...options,
    };
  }

  on<K extends keyof StreamEvents>(name: K, listener: (payload: StreamEvents[K]) => void): () => void {
    return this.events.on(name, listener);
  }

  /** True between a connection's `hello` and its close. */
  get isUp(): boolean {
    return this.up;
  }
  /** Counts connections that reached `hello`; a change tells a resync it straddled a reconnect. */
  get connectionCount(): number {
    return this.connections;
  }
  /** The current socket, for chaos tests (`socket.terminate()` is a network drop as the client sees it). */
  get socket(): StreamSocket | null {
    return this.ws;
  }

  /** Resolves with the first `hello`; rejects if that first attempt fails (bad credentials, no server). */
  connect(): Promise<HelloMessage> {
    if (!this.closed) return Promise.reject(new Error('already connected or connecting'));
    this.closed = false;
    return new Promise((resolve, reject) => {
      this.firstConnect = { resolve, reject };
      this.open();
    });
  }

  /** Close for good: no reconnect. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timers.reconnect);
    clearTimeout(this.timers.heartbeat);
    this.firstConnect?.reject(new Error('stream closed'));
    this.firstConnect = null;
    this.ws?.terminate();
  }

  private open(): void {
    // Signed when opened (WebCrypto is asynchronous): a fresh ts and nonce for every connection.
    signStreamQuery(this.o.creds).then(
      (query) => {
        if (!this.closed) this.openSigned(`${this.o.baseUrl.replace(/^http/, 'ws')}/v1/stream?${query}`);
      },
      (err: unknown) => this.fail(err instanceof Error ? err : new Error(String(err))),
    );
  }

  private openSigned(url: string): void {
    let ws: StreamSocket;
    try {
      ws = this.o.socketFactory(url);
    } catch (err) {
      return this.fail(err instanceof Error ? err : new Error(String(err)));
    }
    this.ws = ws;
    this.expectedSeq = 1;
    this.lastError = null;
    this.watch(ws, this.o.connectTimeoutMs);
    ws.onMessage((text) => this.onFrame(ws, text));
    ws.onPing(() => this.watch(ws, this.o.heartbeatTimeoutMs));
    ws.onError((err) => (this.lastError = err));
    ws.onClose((code, reason) => this.onClose(ws, code, reason));
  }

  /** A connection that could not even be attempted: reported like a refused one. */
  private fail(err: Error): void {
    if (this.firstConnect) {
      this.firstConnect.reject(err);
      this.firstConnect = null;
      this.closed = true;
      return;
    }
    if (this.closed) return;
    this.events.emit('error', err);
    const delay = backoffDelay(this.failures++, { baseMs: this.o.reconnectBaseMs, maxMs: this.o.reconnectMaxMs }, this.o.random);
    this.timers.reconnect = setTimeout(() => this.open(), delay);
  }

  /** (Re)arm the dead-peer timer: terminate the socket if nothing arrives in `ms`. */
  private watch(ws: StreamSocket, ms: number): void {
    clearTimeout(this.timers.heartbeat);
    this.timers.heartbeat = setTimeout(() => ws.terminate(), ms);
  }

  private onFrame(ws: StreamSocket, text: string): void {
    if (ws !== this.ws) return;
    // Where pings are invisible (browsers) a quiet connection is normal: only the connect deadline applies.
    if (ws.seesPings) this.watch(ws, this.o.heartbeatTimeoutMs);
    else clearTimeout(this.timers.heartbeat);
    const { seq, message } = parseFrame(text);
    const expected = this.expectedSeq;
    const gap = seq !== expected;
    const lastGoodAt = this.lastGoodAt;
    this.lastGoodAt = Date.now();
    if (seq !== null) this.expectedSeq = seq + 1;
    if (gap) this.events.emit('gap', { expected, got: seq });
    if (message?.type === 'hello' && !this.up) {
      this.onHello(message, gap, lastGoodAt);
      return;
    }
    if (message) this.events.emit('message', message);
    if (gap && this.up) this.events.emit('resync', { reason: 'gap', lastGoodAt });
  }

  private onHello(hello: HelloMessage, gap: boolean, lastGoodAt: number): void {
    const reconnect = this.connections > 0;
    this.up = true;
    this.failures = 0;
    this.connections += 1;
    this.events.emit('message', hello);
    this.events.emit('up', { hello, reconnect });
    this.firstConnect?.resolve(hello);
    this.firstConnect = null;
    // A first connection has nothing to catch up on unless its own hello was out of order.
    if (reconnect || gap) this.events.emit('resync', { reason: reconnect ? 'reconnect' : 'gap', lastGoodAt: lastGoodAt || Date.now() });
  }

  private onClose(ws: StreamSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    this.ws = null;
    clearTimeout(this.timers.heartbeat);
    const wasUp = this.up;
    this.up = false;
    if (wasUp) this.events.emit('down', { code, reason });
    if (this.firstConnect) {
      // The first attempt failed: report it rather than retry a bad URL or bad credentials forever.
      this.firstConnect.reject(this.lastError ?? new Error(`stream closed before hello (${code})`));
      this.firstConnect = null;
      this.closed = true;
      return;
    }
    if (this.closed) return;
    if (this.lastError) this.events.emit('error', this.lastError);
    const delay = backoffDelay(this.failures++, { baseMs: this.o.reconnectBaseMs, maxMs: this.o.reconnectMaxMs }, this.o.random);
    this.timers.reconnect = setTimeout(() => this.open(), delay);
  }
}
