/**
 * Several processes of one service behind one port (node:cluster), so that one event loop is not the service's
 * ceiling. The primary forks the workers (they listen on the service's port through it: new connections are dealt
 * round-robin), restarts a worker that dies, forwards SIGTERM/SIGINT and waits for the workers to drain, and owns the
 * ops port for all of them: `/metrics` is the workers' registries aggregated by prom-client's AggregatorRegistry
 * (counters and histograms summed), `/readyz` is ready only while every worker answers ready.
 */
import cluster, { type Worker } from 'node:cluster';
import client from 'prom-client';
import { READY_REPLY, READY_REQUEST, type ReadyReply, type ReadyRequest } from './cluster-worker.js';
import type { Logger } from './logger.js';
import { serveOps, type OpsServer } from './ops-server.js';

export interface ClusterOptions {
  processes: number;
  opsPort: number;
  logger: Logger;
  /** How long the workers get to drain after SIGTERM before they are killed (their own shutdown bound, plus margin). */
  shutdownTimeoutMs: number;
  /** First delay before a dead worker is replaced; doubles while workers keep dying young, at most 30 s. */
  restartDelayMs?: number;
  /** What the workers run. Default: this process's own script and Node flags (the service's main, which branches). */
  worker?: { exec: string; execArgv?: string[] };
}

export interface ClusterPrimary {
  opsPort: number;
  /** SIGTERM every worker, wait for them (killing the late ones), close the ops port. */
  stop(reason: string): Promise<void>;
}

/** True in the process that should fork: a service started with N > 1 processes and not itself a worker. */
export const shouldRunClusterPrimary = (processes: number): boolean => processes > 1 && cluster.isPrimary;

const READY_TIMEOUT_MS = 1_500;
const YOUNG_MS = 10_000;
const MAX_RESTART_DELAY_MS = 30_000;

export async function startClusterPrimary(opts: ClusterOptions): Promise<ClusterPrimary> {
  const { logger } = opts;
  const aggregator = new client.AggregatorRegistry();
  let stopping: Promise<void> | undefined;
  let nextRequest = 0;
  const pendingReady = new Map<number, (r: ReadyReply) => void>();
  const bornAt = new Map<Worker, number>();
  let restartDelay = opts.restartDelayMs ?? 1_000;

  if (opts.worker) cluster.setupPrimary({ exec: opts.worker.exec, execArgv: opts.worker.execArgv ?? process.execArgv });
  const fork = () => bornAt.set(cluster.fork(), Date.now());
  cluster.on('message', (_worker, m: ReadyReply) => {
    if (m?.type === READY_REPLY) pendingReady.get(m.id)?.(m);
  });
  cluster.on('listening', (worker, address) => {
    logger.info({ worker: worker.process.pid, port: address.port }, 'worker listening');
  });
  cluster.on('exit', (worker, code, signal) => {
    const age = Date.now() - (bornAt.get(worker) ?? 0);
    bornAt.delete(worker);
    if (stopping) return;
    // A worker dying young again and again (Redis down at start, a bad deploy) is retried ever more slowly.
    restartDelay = age < YOUNG_MS ? Math.min(restartDelay * 2, MAX_RESTART_DELAY_MS) : (opts.restartDelayMs ?? 1_000);
    logger.error({ worker: worker.process.pid, code, signal, restartInMs: restartDelay }, 'worker died; starting a new one');
    setTimeout(() => {
      if (!stopping) fork();
    }, restartDelay).unref();
  });

  /** Each live worker's own readiness; ready only when all `processes` answer ok. */
  async function readiness(): Promise<{ ok: boolean; checks: Record<string, string> }> {
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w?.isConnected());
    const answers = await Promise.all(
      workers.map(
        (w) =>
          new Promise<[string, string]>((resolve) => {
            const id = nextRequest++;
            const timer = setTimeout(
              () => settle({ type: READY_REPLY, id, ok: false, checks: { process: 'no answer' } }),
              READY_TIMEOUT_MS,
            );
            function settle(r: ReadyReply) {
              clearTimeout(timer);
              pendingReady.delete(id);
              resolve([
                `worker ${w.process.pid}`,
                r.ok
                  ? 'ok'
                  : Object.entries(r.checks)
                      .map(([k, v]) => `${k}: ${v}`)
                      .join('; '),
              ]);
            }
            pendingReady.set(id, settle);
            // A worker that died since the filter: the callback gets the closed channel's error (no 'error' event).
            w.send({ type: READY_REQUEST, id } satisfies ReadyRequest, undefined, undefined, (err) => {
              if (err) settle({ type: READY_REPLY, id, ok: false, checks: { process: err.message } });
            });
          }),
      ),
    );
    const checks = Object.fromEntries(answers);
    checks.workers = `${workers.length} of ${opts.processes} running`;
    return { ok: workers.length === opts.processes && answers.every(([, v]) => v === 'ok'), checks };
  }

  for (let i = 0; i < opts.processes; i++) fork();
  const ops: OpsServer = await serveOps(opts.opsPort, {
    isDraining: () => stopping !== undefined,
    readiness,
    metrics: () => aggregator.clusterMetrics(),
    contentType: aggregator.contentType,
  });
  logger.info({ processes: opts.processes, opsPort: ops.port }, 'cluster primary started');

  async function stopWorkers(reason: string): Promise<void> {
    logger.info({ reason }, 'stopping workers');
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            const late = setTimeout(() => {
              logger.error({ worker: w.process.pid }, 'worker did not drain in time; killing it');
              w.process.kill('SIGKILL');
            }, opts.shutdownTimeoutMs + 2_000);
            w.once('exit', () => {
              clearTimeout(late);
              resolve();
            });
            w.process.kill('SIGTERM');
          }),
      ),
    );
    await ops.close();
  }

  return {
    opsPort: ops.port,
    stop: (reason) => (stopping ??= stopWorkers(reason)),
  };
}

/** The primary of a service run as `processes` workers: it starts them and exits once they have drained on a signal. */
export async function runClusterPrimary(opts: ClusterOptions): Promise<void> {
  const primary = await startClusterPrimary(opts);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void primary.stop(signal).then(() => process.exit(0));
    });
  }
}
