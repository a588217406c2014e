import { context } from '@opentelemetry/api';
import { Job, Queue, type JobsOptions } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import type { z } from 'zod';
import type { JOBS } from '@wagerflow/contracts';
import { stderrLogger, type ErrorLogger } from './error-logger.js';
import type { Redis } from './redis.js';

type Q = keyof typeof JOBS;
type Payload<N extends Q, J extends keyof (typeof JOBS)[N]> = (typeof JOBS)[N][J] extends z.ZodType ? z.input<(typeof JOBS)[N][J]> : never;

export interface TypedQueue<N extends Q> {
  queue: Queue;
  add<J extends keyof (typeof JOBS)[N] & string>(name: J, data: Payload<N, J>, opts?: JobsOptions): Promise<Job>;
  close(): Promise<void>;
}

/** Completed jobs are kept briefly for Bull Board and redelivery forensics, never forever. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  removeOnComplete: { count: 1_000, age: 3_600 },
  removeOnFail: { count: 10_000, age: 7 * 24 * 3_600 },
  attempts: 20,
  backoff: { type: 'exponential', delay: 200 },
};

const telemetry = new BullMQOtel({ tracerName: 'wagerflow' });

export function createQueue<N extends Q>(name: N, connection: Redis, prefix: string, opts: { logger?: ErrorLogger } = {}): TypedQueue<N> {
  const queue = new Queue(name, {
    connection,
    prefix,
    telemetry,
    defaultJobOptions: DEFAULT_JOB_OPTIONS,
  });
  // The connection's errors are re-emitted here; unheard, BullMQ only prints them to the console.
  const logger = opts.logger ?? stderrLogger;
  queue.on('error', (err) => logger.error({ err, queue: name }, 'queue error'));
  return {
    queue,
    add: (jobName, data, opts) => queue.add(jobName, data, opts),
    close: () => queue.close(),
  };
}

/**
 * Queue a job inside a MULTI of the queue's own connection (it carries BullMQ's scripts), so that
 * it commits atomically with the caller's writes (the gateway's pending-bet record). `prepare`
 * adds the caller's commands first. The trace context goes into the job options the way
 * bullmq-otel's `Queue.add` puts it, so the worker's span joins the request's trace.
 * Resolves with every reply; the job id is the last one.
 */
export async function addInTransaction<N extends Q, J extends keyof (typeof JOBS)[N] & string>(
  typed: TypedQueue<N>,
  prepare: (multi: ReturnType<Redis['multi']>) => void,
  name: J,
  data: Payload<N, J>,
  opts: JobsOptions,
): Promise<unknown[]> {
  await typed.queue.waitUntilReady();
  const client = (await typed.queue.getBackend().client) as unknown as Redis;
  const multi = client.multi();
  prepare(multi);
  const before = multi.length;
  const metadata = telemetry.contextManager.getMetadata(context.active());
  const job = new Job(typed.queue, name, data, { ...DEFAULT_JOB_OPTIONS, ...opts, telemetry: { metadata } }, opts.jobId);
  // ioredis' ChainableCommander is the IRedisTransaction BullMQ expects; its typings differ only nominally.
  const added = job.addJob(multi as unknown as Parameters<Job['addJob']>[0]);
  added.catch(() => undefined);
  if (multi.length !== before + 1) {
    multi.discard();
    await added;
    throw new Error('BullMQ did not queue the job into the transaction');
  }
  const replies = await multi.exec();
  if (!replies) throw new Error('redis transaction aborted');
  for (const [err] of replies) if (err) throw err;
  return replies.map(([, v]) => v);
}
