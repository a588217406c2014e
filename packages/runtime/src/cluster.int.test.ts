import cluster from 'node:cluster';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { startClusterPrimary, type ClusterPrimary } from './cluster.js';

const WORKER = { exec: fileURLToPath(new URL('./cluster-worker.fixture.ts', import.meta.url)), execArgv: ['--import', 'tsx'] };
const logger = createLogger('cluster-test', 'silent');

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const workerPids = () => Object.values(cluster.workers ?? {}).flatMap((w) => (w && !w.isDead() ? [w.process.pid!] : []));

async function until<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function readyz(primary: ClusterPrimary): Promise<{ status: number; checks: Record<string, string> }> {
  const res = await fetch(`http://127.0.0.1:${primary.opsPort}/readyz`);
  const body = (await res.json()) as { checks?: Record<string, string> };
  return { status: res.status, checks: body.checks ?? {} };
}

describe('a service as a cluster primary and its workers (real processes)', () => {
  let primary: ClusterPrimary | undefined;
  afterEach(async () => {
    await primary?.stop('test over');
    primary = undefined;
    for (const name of ['FIXTURE_PORT', 'FIXTURE_CHECK_FAILS', 'FIXTURE_IGNORES_SIGTERM']) delete process.env[name];
  });

  it('deals connections to every worker, sums their metrics, is ready only with all of them, and replaces one that dies', async () => {
    const port = await freePort();
    process.env.FIXTURE_PORT = String(port);
    // The first restart waits 1 s (2 s for a worker that died young): long enough to see the gap.
    primary = await startClusterPrimary({
      processes: 2,
      opsPort: 0,
      logger,
      shutdownTimeoutMs: 2_000,
      restartDelayMs: 1_000,
      worker: WORKER,
    });
    const ready = await until(async () => {
      const r = await readyz(primary!);
      return r.status === 200 ? r : undefined;
    }, 'both workers ready');
    const [a, b] = workerPids();
    expect(ready.checks).toEqual({ workers: '2 of 2 running', [`worker ${a}`]: 'ok', [`worker ${b}`]: 'ok' });

    // Both workers listen on the one port; new connections go round-robin.
    const answers = await until(async () => {
      const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' } }).catch(() => undefined);
      return res ? res.text() : undefined;
    }, 'the port to answer');
    const pids = new Set([Number(answers)]);
    for (let i = 1; i < 10; i++)
      pids.add(Number(await (await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' } })).text()));
    expect([...pids].sort()).toEqual([a, b].sort());
    const metrics = await (await fetch(`http://127.0.0.1:${primary.opsPort}/metrics`)).text();
    expect(metrics).toMatch(/^fixture_requests_total\{service="fixture"\} 10$/m);

    process.kill(a!, 'SIGKILL');
    const gap = await until(async () => {
      const r = await readyz(primary!);
      return r.checks.workers === '1 of 2 running' ? r : undefined;
    }, 'one worker down');
    expect(gap.status).toBe(503);
    const replaced = await until(() => {
      const now = workerPids();
      return now.length === 2 && !now.includes(a!) ? now : undefined;
    }, 'a new worker');
    expect(replaced).toContain(b);
    await until(async () => ((await readyz(primary!)).status === 200 ? true : undefined), 'ready again');
  });

  it("names a worker's failing check; draining says so; a worker that ignores SIGTERM is killed at the deadline", async () => {
    process.env.FIXTURE_PORT = String(await freePort());
    process.env.FIXTURE_CHECK_FAILS = '1';
    process.env.FIXTURE_IGNORES_SIGTERM = '1';
    primary = await startClusterPrimary({ processes: 1, opsPort: 0, logger, shutdownTimeoutMs: 100, worker: WORKER });
    const failing = await until(async () => {
      const r = await readyz(primary!);
      const [pid] = workerPids();
      return r.checks[`worker ${pid}`]?.startsWith('dependency') ? r : undefined;
    }, 'the worker to answer');
    const [pid] = workerPids();
    expect(failing.status).toBe(503);
    expect(failing.checks[`worker ${pid}`]).toBe('dependency: down');

    const started = Date.now();
    const stopping = primary.stop('test');
    const draining = await fetch(`http://127.0.0.1:${primary.opsPort}/readyz`).catch(() => undefined);
    if (draining) expect(draining.status).toBe(503);
    await stopping;
    // shutdownTimeoutMs + 2 s of margin, then SIGKILL; nothing is restarted while stopping.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(workerPids()).toEqual([]);
    expect(() => process.kill(pid!, 0)).toThrow();
    primary = undefined;
  });
});
