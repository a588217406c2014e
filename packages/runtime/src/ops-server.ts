import cluster from 'node:cluster';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerPrimary } from './cluster-worker.js';
import type { Metrics } from './metrics.js';
import { runChecks, type ReadinessCheck } from './readiness.js';

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/** What an ops port answers from: the process itself, or (cluster primary) its workers. */
export interface OpsSource {
  isDraining: () => boolean;
  readiness: () => Promise<{ ok: boolean; checks: Record<string, string> }>;
  metrics: () => Promise<string>;
  contentType: string;
}

/** `/healthz` (process alive), `/readyz` (dependencies answer, not draining), `/metrics`. */
export async function serveOps(port: number, source: OpsSource): Promise<OpsServer> {
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const url = (req.url ?? '/').split('?')[0];
    if (url === '/healthz') return send(200, { status: 'ok' });
    if (url === '/readyz') {
      if (source.isDraining()) return send(503, { status: 'draining' });
      void source.readiness().then((r) => send(r.ok ? 200 : 503, { status: r.ok ? 'ok' : 'unavailable', checks: r.checks }));
      return;
    }
    if (url === '/metrics') {
      void source.metrics().then(
        (text) => send(200, text, source.contentType),
        (err: unknown) => send(500, String(err), 'text/plain'),
      );
      return;
    }
    send(404, { error: { code: 'not_found', message: 'not found' } });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', resolve);
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

/**
 * The service's ops port. In a cluster worker (several processes of one service, see cluster.ts) the primary owns
 * that port: the worker answers the primary's readiness and metrics requests instead of listening.
 */
export async function startOpsServer(opts: {
  port: number;
  metrics: Metrics;
  checks: Record<string, ReadinessCheck>;
  isDraining: () => boolean;
}): Promise<OpsServer> {
  if (cluster.isWorker) return answerPrimary(opts);
  return serveOps(opts.port, {
    isDraining: opts.isDraining,
    readiness: () => runChecks(opts.checks),
    metrics: () => opts.metrics.registry.metrics(),
    contentType: opts.metrics.registry.contentType,
  });
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
