import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from 'bullmq';
import { QUEUES } from '@wagerflow/contracts';
import { createMetrics, type Metrics } from '@wagerflow/runtime';
import { testRedisUrl, uniquePrefix } from '@wagerflow/testing';
import {
  createQueue,
  createRedis,
  createWorker,
  instrumentQueue,
  UnrecoverableError,
  type Redis,
  type TypedQueue,
  type TypedWorker,
} from './index.js';

/** Value of one series in the registry's exposition text, undefined when absent. */
async function sample(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number | undefined> {
  for (const line of (await metrics.registry.metrics()).split('\n')) {
    const m = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = new Map([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) return Number(m[3]);
  }
  return undefined;
}

async function until(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const deposit = (reference: string) => ({ playerId: 'p1', amount: 100, reference, correlationId: 'c' });
const noRetryDelay = { type: 'fixed', delay: 10 } as const;

describe('instrumentQueue: job counts and final failures', () => {
  const prefix = uniquePrefix('qmetrics');
  const metrics = createMetrics('test');
  const jobs = (state: string) => sample(metrics, 'wagerflow_queue_jobs', { queue: 'ledger', state });
  const finalFailures = (job: string) => sample(metrics, 'wagerflow_queue_failed_total', { queue: 'ledger', job });
  let redis: Redis;
  let workerRedis: Redis;
  let queue: TypedQueue<'ledger'>;
  let worker: TypedWorker;
  let failedEvents = 0;

  beforeAll(() => {
    redis = createRedis(testRedisUrl(), 'blocking');
    workerRedis = createRedis(testRedisUrl(), 'blocking');
    queue = createQueue(QUEUES.ledger, redis, prefix);
    worker = createWorker(
      QUEUES.ledger,
      workerRedis,
      prefix,
      {
        'place-bets': () => Promise.resolve(),
        settle: () => Promise.resolve(),
        deposit: (data) => {
          if (data.reference.startsWith('fail')) return Promise.reject(new Error(`boom ${data.reference}`));
          if (data.reference.startsWith('unrecoverable')) return Promise.reject(new UnrecoverableError('no retry'));
          return Promise.resolve();
        },
      },
      { concurrency: 4, lockDurationMs: 5_000, stalledIntervalMs: 5_000 },
    );
    worker.worker.on('failed', () => void failedEvents++);
    instrumentQueue(metrics, queue.queue, worker.worker);
  });
  afterAll(async () => {
    await worker?.close(5_000);
    await queue?.close();
    await Promise.all([redis?.quit(), workerRedis?.quit()]);
  });

  it('reports waiting jobs at scrape time, and every series from the first scrape', async () => {
    for (const ref of ['ok-1', 'ok-2', 'ok-3']) await queue.add('deposit', deposit(ref));
    expect(await jobs('waiting')).toBe(3);
    for (const state of ['active', 'delayed', 'failed', 'completed', 'prioritized', 'waiting-children'])
      expect(await jobs(state), state).toBe(0);
    // Counters start at 0 for every job of the queue, so that increase() sees the first event.
    expect(await finalFailures('place-bets')).toBe(0);
    expect(await sample(metrics, 'wagerflow_queue_stalled_total', { queue: 'ledger' })).toBe(0);
  });

  it('counts failed jobs, and only final failures in the counter', async () => {
    void worker.worker.run();
    // 3 attempts → 3 'failed' events, 1 final failure.
    const retried = await queue.add('deposit', deposit('fail-retried'), { attempts: 3, backoff: noRetryDelay });
    // attempts 1 → final at once.
    await queue.add('deposit', deposit('fail-once'), { attempts: 1 });
    // UnrecoverableError → final although attempts remain.
    await queue.add('deposit', deposit('unrecoverable'), { attempts: 5, backoff: noRetryDelay });
    // A payload that does not parse is failed by createWorker with UnrecoverableError.
    await queue.queue.add('settle', { not: 'a settle job' }, { attempts: 5, backoff: noRetryDelay });

    // Redis shows a job failed before the worker emits its 'failed' event: wait for both.
    await until('4 failed and 3 completed jobs, 6 failed events', async () => {
      const counts = await queue.queue.getJobCounts('failed', 'completed');
      return counts.failed === 4 && counts.completed === 3 && failedEvents >= 6;
    });
    expect(failedEvents).toBe(6);
    expect((await queue.queue.getJob(retried.id!))?.attemptsMade).toBe(3);

    expect(await jobs('failed')).toBe(4);
    expect(await jobs('completed')).toBe(3);
    expect(await jobs('waiting')).toBe(0);
    expect(await finalFailures('deposit')).toBe(3);
    expect(await finalFailures('settle')).toBe(1);
    expect(await finalFailures('place-bets')).toBe(0);
  });
});

describe('instrumentQueue: stalled jobs', () => {
  const prefix = uniquePrefix('qstalled');
  const metrics = createMetrics('test');
  const stalled = () => sample(metrics, 'wagerflow_queue_stalled_total', { queue: 'ledger' });
  let redis: Redis;
  let workerRedis: Redis;
  let queue: TypedQueue<'ledger'>;
  let dying: Worker;
  let worker: TypedWorker;

  beforeAll(() => {
    redis = createRedis(testRedisUrl(), 'blocking');
    workerRedis = createRedis(testRedisUrl(), 'blocking');
    queue = createQueue(QUEUES.ledger, redis, prefix);
    // A worker without a processor fetches jobs by hand and never extends their lock: like a process that died.
    dying = new Worker(QUEUES.ledger, null, { connection: redis, prefix, lockDuration: 500 });
    worker = createWorker(
      QUEUES.ledger,
      workerRedis,
      prefix,
      { 'place-bets': () => Promise.resolve(), settle: () => Promise.resolve(), deposit: () => Promise.resolve() },
      { concurrency: 1, lockDurationMs: 5_000, stalledIntervalMs: 300 },
    );
    instrumentQueue(metrics, queue.queue, worker.worker);
  });
  afterAll(async () => {
    await worker?.close(5_000);
    await dying?.close(true);
    await queue?.close();
    await Promise.all([redis?.quit(), workerRedis?.quit()]);
  });

  it("counts a job whose worker died holding it, found by another worker's stalled check", async () => {
    const job = await queue.add('deposit', deposit('stalls'));
    const taken = await dying.getNextJob('dead-token');
    expect(taken?.id).toBe(job.id);
    expect(await stalled()).toBe(0);

    void worker.worker.run();
    await until('the stalled counter', async () => (await stalled()) === 1);
    // The job was redelivered, not lost.
    await until('the stalled job to complete', async () => (await queue.queue.getJobState(job.id!)) === 'completed');
    expect(await stalled()).toBe(1);
  });
});

/** A TCP proxy to Redis that can hold traffic back (a hung Redis), then deliver it in order. */
async function startHoldingProxy(target: URL): Promise<{ url: string; hold(on: boolean): void; close(): Promise<void> }> {
  let holding = false;
  const held: { to: Socket; data: Buffer }[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (data) => (holding ? held.push({ to: upstream, data }) : upstream.write(data)));
    upstream.on('data', (data) => client.write(data));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy has no port');
  return {
    url: `redis://127.0.0.1:${address.port}${target.pathname}`,
    hold(on) {
      holding = on;
      if (!on) for (const { to, data } of held.splice(0)) to.write(data);
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('instrumentQueue: a scrape with Redis hung or down is bounded', () => {
  const prefix = uniquePrefix('qhung');
  const metrics = createMetrics('test');
  const jobs = (queue: string, state: string) => sample(metrics, 'wagerflow_queue_jobs', { queue, state });
  let proxy: Awaited<ReturnType<typeof startHoldingProxy>>;
  let direct: Redis;
  let viaProxy: Redis;
  let down: Redis;
  let queue: TypedQueue<'ledger'>;
  let producer: TypedQueue<'ledger'>;
  let deadQueue: TypedQueue<'feed'>;

  beforeAll(async () => {
    proxy = await startHoldingProxy(new URL(testRedisUrl()));
    direct = createRedis(testRedisUrl(), 'blocking');
    viaProxy = createRedis(proxy.url, 'blocking');
    // Nothing listens on port 1: connection refused, retried forever, commands wait in the offline queue.
    down = createRedis('redis://127.0.0.1:1', 'blocking');
    down.on('error', () => undefined);
    queue = createQueue(QUEUES.ledger, viaProxy, prefix);
    producer = createQueue(QUEUES.ledger, direct, prefix);
    deadQueue = createQueue(QUEUES.feed, down, prefix);
    deadQueue.queue.on('error', () => undefined);
    instrumentQueue(metrics, queue.queue);
    instrumentQueue(metrics, deadQueue.queue);
  });
  afterAll(async () => {
    proxy?.hold(false);
    await Promise.allSettled([queue?.close(), producer?.close()]);
    down?.disconnect();
    await Promise.allSettled([direct?.quit(), viaProxy?.quit()]);
    await proxy?.close();
  });

  const timedScrape = async () => {
    const started = Date.now();
    const text = await metrics.registry.metrics();
    return { ms: Date.now() - started, text };
  };

  it('answers within the 1 s bound, keeps the last values, and catches up once Redis answers', async () => {
    await producer.add('deposit', deposit('a'));
    await producer.add('deposit', deposit('b'));
    const healthy = await timedScrape();
    expect(healthy.text).toContain('wagerflow_queue_jobs{queue="ledger",state="waiting"');
    expect(await jobs('ledger', 'waiting')).toBe(2);
    // The queue on a refused connection has no series (never read), and does not hold the scrape past the bound.
    expect(healthy.text).not.toContain('queue="feed"');
    expect(healthy.ms).toBeLessThan(2_500);

    proxy.hold(true);
    await producer.add('deposit', deposit('c'));
    for (let i = 0; i < 2; i++) {
      const hung = await timedScrape();
      expect(hung.ms).toBeGreaterThanOrEqual(900); // it did wait for Redis, up to the bound
      expect(hung.ms).toBeLessThan(2_500);
      expect(hung.text).toMatch(/wagerflow_queue_jobs\{queue="ledger",state="waiting"[^}]*\} 2\n/);
    }

    proxy.hold(false);
    await until('the count read after Redis answers', async () => (await jobs('ledger', 'waiting')) === 3);
  });
});
