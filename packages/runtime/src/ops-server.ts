import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from './metrics.js';

/** Resolves when the dependency answers; rejects (or times out) otherwise. */
export type ReadinessCheck = () => Promise<void>;

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 1_000;

function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<void>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Run every readiness check; the result names the failing ones. */
export async function runChecks(checks: Record<string, ReadinessCheck>): Promise<{ ok: boolean; checks: Record<string, string> }> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await withTimeout(check(), CHECK_TIMEOUT_MS);
        return [name, 'ok'] as const;
      } catch (err) {
        return [name, err instanceof Error ? err.message : String(err)] as const;
      }
    }),
  );
  return { ok: entries.every(([, v]) => v === 'ok'), checks: Object.fromEntries(entries) };
}

/** `/healthz` (process alive), `/readyz` (dependencies answer, not draining), `/metrics`. */
export async function startOpsServer(opts: {
  port: number;
  metrics: Metrics;
  checks: Record<string, ReadinessCheck>;
  isDraining: () => boolean;
}): Promise<OpsServer> {
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const url = (req.url ?? '/').split('?')[0];
    if (url === '/healthz') return send(200, { status: 'ok' });
    if (url === '/readyz') {
      if (opts.isDraining()) return send(503, { status: 'draining' });
      void runChecks(opts.checks).then((r) => send(r.ok ? 200 : 503, { status: r.ok ? 'ok' : 'unavailable', checks: r.checks }));
      return;
    }
    if (url === '/metrics') {
      void opts.metrics.registry.metrics().then(
        (text) => send(200, text, opts.metrics.registry.contentType),
        (err: unknown) => send(500, String(err), 'text/plain'),
      );
      return;
    }
    send(404, { error: { code: 'not_found', message: 'not found' } });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '0.0.0.0', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The readiness checks every service runs: Postgres answers `SELECT 1`, Redis answers `PING`. */
export function dependencyChecks(deps: {
  postgres: { query(sql: string): Promise<unknown> };
  redis: { ping(): Promise<unknown> };
}): Record<string, ReadinessCheck> {
  return {
    postgres: async () => void (await deps.postgres.query('SELECT 1')),
    redis: async () => void (await deps.redis.ping()),
  };
}
