/**
 * Signed `POST /v1/bets` over a bounded keep-alive pool (http.Agent + http.request: no fetch overhead, at most
 * `connections` sockets, requests beyond that wait in the agent and that wait counts in their latency). Each
 * request is signed once, right before it is written (SPEC 4.2: fresh nonce, current timestamp).
 */
import http from 'node:http';
import { signedHeaders, type PlayerCredentials } from '@wagerflow/client';

export type SendResult =
  { kind: 'answer'; status: number; code: string | null; at: number } | { kind: 'timeout' | 'network'; message: string; at: number };

export interface BetSender {
  post(creds: PlayerCredentials, body: string, done: (r: SendResult) => void): void;
  close(): void;
}

const TARGET = '/v1/bets';

function errorCode(text: string): string | null {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown } };
    return typeof parsed.error?.code === 'string' ? parsed.error.code : null;
  } catch {
    return null;
  }
}

export function createBetSender(opts: { gatewayUrl: string; connections: number; timeoutMs: number }): BetSender {
  const url = new URL(opts.gatewayUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections, maxFreeSockets: opts.connections });
  return {
    post(creds, body, done) {
      let finished = false;
      const finish = (r: SendResult) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        done(r);
      };
      const req = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: TARGET,
          headers: {
            ...signedHeaders(creds, 'POST', TARGET, body),
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status === 202) {
            // The body (betId, multiplier) is not needed: the outcome is matched by our own clientBetId.
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
        },
      );
      // One deadline over everything (waiting for a pooled socket included), not the socket's idle timeout.
      const timer = setTimeout(() => {
        finish({ kind: 'timeout', message: `no answer within ${opts.timeoutMs} ms`, at: performance.now() });
        req.destroy();
      }, opts.timeoutMs);
      req.on('error', (err) => finish({ kind: 'network', message: err.message, at: performance.now() }));
      req.end(body);
    },
    close() {
      agent.destroy();
    },
  };
}
