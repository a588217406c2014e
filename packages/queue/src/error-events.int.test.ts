import { afterEach, describe, expect, it, vi } from 'vitest';
import { QUEUES } from '@wagerflow/contracts';
import { createLogger } from '@wagerflow/runtime';
import { closedPort, waitUntil } from '@wagerflow/testing';
import { createQueue, createRedis, createWorker, type Redis, type TypedQueue, type TypedWorker } from './index.js';

const noJobs = { 'place-bets': () => Promise.resolve(), settle: () => Promise.resolve(), deposit: () => Promise.resolve() };
let redis: Redis | undefined;
let worker: TypedWorker | undefined;
let queue: TypedQueue<'ledger'> | undefined;

afterEach(async () => {
  await worker?.close(1_000);
  await Promise.race([queue?.close(), new Promise((r) => setTimeout(r, 1_000))]);
  redis?.disconnect();
  worker = queue = redis = undefined;
});

describe("queue and worker 'error' events reach the service's logger", () => {
  it('worker: a Redis that refuses connections', async () => {
    const logger = createLogger('test', 'silent');
    const logged = vi.spyOn(logger, 'error');
    redis = createRedis(`redis://127.0.0.1:${await closedPort()}`, 'blocking');
    worker = createWorker(QUEUES.ledger, redis, 'errtest', noJobs, {
      concurrency: 1,
      lockDurationMs: 5_000,
      stalledIntervalMs: 5_000,
      logger,
    });

    await waitUntil(() => logged.mock.calls.length > 0, { description: 'the worker to log a connection error' });
    expect(logged).toHaveBeenCalledWith(expect.objectContaining({ err: expect.any(Error), queue: 'ledger' }), 'queue worker error');
  });

  it('worker: any emitted error, without crashing', () => {
    const logger = createLogger('test', 'silent');
    const logged = vi.spyOn(logger, 'error');
    redis = createRedis('redis://127.0.0.1:1', 'blocking');
    redis.disconnect();
    worker = createWorker(QUEUES.ledger, redis, 'errtest', noJobs, {
      concurrency: 1,
      lockDurationMs: 5_000,
      stalledIntervalMs: 5_000,
      logger,
    });
    const err = new Error('lock renewal failed');
    worker.worker.emit('error', err);
    expect(logged).toHaveBeenCalledWith({ err, queue: 'ledger' }, 'queue worker error');
  });

  it('queue: a Redis that refuses connections', async () => {
    const logger = createLogger('test', 'silent');
    const logged = vi.spyOn(logger, 'error');
    redis = createRedis(`redis://127.0.0.1:${await closedPort()}`, 'request');
    queue = createQueue(QUEUES.ledger, redis, 'errtest', { logger });

    await waitUntil(() => logged.mock.calls.length > 0, { description: 'the queue to log a connection error' });
    expect(logged).toHaveBeenCalledWith(expect.objectContaining({ err: expect.any(Error), queue: 'ledger' }), 'queue error');
  });
});
