/**
 * Plain HTTP requests over a bounded keep-alive pool (http.Agent + http.request: no fetch overhead): at most
 * `connections` sockets, requests beyond that wait in the agent and that wait counts in their latency; one deadline
 * per request over everything. The answer's error code (`{"error":{"code"}}`) is read for non-2xx answers.
 */
import http from 'node:http';

export type HttpAnswer =
  { kind: 'answer'; status: number; code: string | null; at: number } | { kind: 'timeout' | 'network'; message: string; at: number };

export interface HttpRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpPool {
  send(req: HttpRequest, done: (a: HttpAnswer) => void): void;
  /**
   * Opens the pool's sockets before a measured step (`count` concurrent `GET /v1/time`, kept alive), as clients of a
   * real platform hold theirs: otherwise the first second of a step measures a thousand connects on a busy server.
   * Answers how many came back 200.
   */
  warmConnections(count: number): Promise<number>;
  close(): void;
}

function errorCode(text: string): string | null {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown } };
    return typeof parsed.error?.code === 'string' ? parsed.error.code : null;
  } catch {
    return null;
  }
}

export function createHttpPool(opts: { baseUrl: string; connections: number; timeoutMs: number }): HttpPool {
  const url = new URL(opts.baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections, maxFreeSockets: opts.connections });
  const pool: HttpPool = {
    warmConnections: (count) =>
      Promise.all(
        Array.from(
          { length: Math.min(count, opts.connections) },
          () =>
            new Promise<boolean>((resolve) =>
              pool.send({ method: 'GET', path: '/v1/time' }, (a) => resolve(a.kind === 'answer' && a.status === 200)),
            ),
        ),
      ).then((oks) => oks.filter(Boolean).length),
    send(r, done) {
      let finished = false;
      const finish = (a: HttpAnswer) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        done(a);
      };
      const headers: Record<string, string | number> = { ...r.headers };
      if (r.body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(r.body);
      }
      const req = http.request({ agent, host: url.hostname, port: url.port, method: r.method, path: r.path, headers }, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          res.resume();
          res.on('end', () => finish({ kind: 'answer', status, code: null, at: performance.now() }));
        } else {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            finish({ kind: 'answer', status, code: errorCode(Buffer.concat(chunks).toString('utf8')), at: performance.now() }),
          );
        }
        res.on('error', (err) => finish({ kind: 'network', message: err.message, at: performance.now() }));
      });
      const timer = setTimeout(() => {
        finish({ kind: 'timeout', message: `no answer within ${opts.timeoutMs} ms`, at: performance.now() });
        req.destroy();
      }, opts.timeoutMs);
      req.on('error', (err) => finish({ kind: 'network', message: err.message, at: performance.now() }));
      req.end(r.body);
    },
    close() {
      agent.destroy();
    },
  };
  return pool;
}
