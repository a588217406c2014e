import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * An in-process stand-in for the gateway's public surface, for the SDK's unit tests only: scripted
 * HTTP answers and a WebSocket endpoint whose frames the test writes (so it can skip a `seq`, go
 * silent or drop the connection). The platform itself is exercised by tests/sdk.e2e.test.ts.
 */
export interface FakeRequest {
  method: string;
  target: string;
  nonce: string | undefined;
  body: string;
}
/** `hang`: never answer (the client's deadline fires); `destroy`: reset the connection. */
export type FakeAnswer = { status: number; body?: unknown } | 'hang' | 'destroy';

export class FakeGateway {
  readonly requests: FakeRequest[] = [];
  /** Query strings of every upgrade attempt, in order. */
  readonly upgrades: URLSearchParams[] = [];
  readonly sockets: WebSocket[] = [];
  /** Answer upgrades with this status instead (e.g. 401) while set. */
  refuseWith: number | null = null;
  /** Send `hello` on connect; false to test a server that never says hello. */
  autoHello = true;
  hello = { playerId: 'p1', balance: 1_000, walletSeq: 1 };
  handle: (r: FakeRequest) => FakeAnswer | Promise<FakeAnswer> = () => ({ status: 404, body: { error: { code: 'not_found' } } });
  private readonly seqs = new Map<WebSocket, number>();
  private readonly hanging = new Set<IncomingMessage>();

  private constructor(
    private readonly server: Server,
    private readonly wss: WebSocketServer,
  ) {}

  static async start(): Promise<FakeGateway> {
    const server = createServer();
    const gw = new FakeGateway(server, new WebSocketServer({ noServer: true }));
    server.on('request', (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        const r: FakeRequest = {
          method: req.method ?? '',
          target: req.url ?? '',
          nonce: req.headers['x-nonce'] as string | undefined,
          body,
        };
        gw.requests.push(r);
        void Promise.resolve(gw.handle(r)).then((a) => {
          if (a === 'hang') return void gw.hanging.add(req);
          if (a === 'destroy') return void req.socket.destroy();
          res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body === undefined ? '' : JSON.stringify(a.body));
        });
      });
    });
    server.on('upgrade', (req, socket, head) => {
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      gw.upgrades.push(query);
      if (gw.refuseWith !== null)
        return void socket.end(`HTTP/1.1 ${gw.refuseWith} Refused\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
      gw.wss.handleUpgrade(req, socket, head, (ws) => {
        gw.sockets.push(ws);
        gw.seqs.set(ws, 0);
        if (gw.autoHello) gw.send(ws, { type: 'hello', ...gw.hello });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return gw;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  get lastSocket(): WebSocket {
    const ws = this.sockets[this.sockets.length - 1];
    if (!ws) throw new Error('no connection yet');
    return ws;
  }
  requestsTo(prefix: string): FakeRequest[] {
    return this.requests.filter((r) => r.target.startsWith(prefix));
  }

  /** Send with the socket's next `seq`, as the gateway does. */
  send(ws: WebSocket, message: Record<string, unknown>): void {
    const seq = (this.seqs.get(ws) ?? 0) + 1;
    this.seqs.set(ws, seq);
    ws.send(JSON.stringify({ ...message, seq }));
  }
  /** Send to the latest connection. */
  push(message: Record<string, unknown>): void {
    this.send(this.lastSocket, message);
  }
  /** Skip `n` sequence numbers on the latest connection (a lost message). */
  skip(n = 1): void {
    this.seqs.set(this.lastSocket, (this.seqs.get(this.lastSocket) ?? 0) + n);
  }

  async close(): Promise<void> {
    for (const req of this.hanging) req.socket.destroy();
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Resolve once `check` returns true, polling every 10 ms, or fail after `ms`. */
export async function until(check: () => boolean, ms = 3_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
