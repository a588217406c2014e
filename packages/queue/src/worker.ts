import { SpanStatusCode, trace } from '@opentelemetry/api';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import type { z } from 'zod';
import { JOBS } from '@wagerflow/contracts';
import { stderrLogger, type ErrorLogger } from './error-logger.js';
import type { Redis } from './redis.js';

type Q = keyof typeof JOBS;
type Schemas<N extends Q> = (typeof JOBS)[N];

/** A handler for every job of the queue: a missing one does not compile. */
export type Handlers<N extends Q> = {
  [J in keyof Schemas<N>]: (
    data: Schemas<N>[J] extends z.ZodType ? z.output<Schemas<N>[J]> : never,
    job: Job,
    token?: string,
  ) => Promise<unknown>;
};

export interface WorkerSettings {
  concurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** The service's logger, for the worker's `error` events; stderr without one. */
  logger?: ErrorLogger;
}

export interface TypedWorker {
  worker: Worker;
  /** Stop taking jobs and wait (bounded) for in-flight ones; unfinished ones are redelivered. */
  close(timeoutMs: number): Promise<void>;
}

export function createWorker<N extends Q>(
  name: N,
  connection: Redis,
  prefix: string,
  handlers: Handlers<N>,
  settings: WorkerSettings,
): TypedWorker {
  const schemas = JOBS[name] as Record<string, z.ZodType>;
  const table = handlers as Record<string, (data: unknown, job: Job, token?: string) => Promise<unknown>>;
  const worker = new Worker(
    name,
    async (job: Job, token?: string) => {
      const schema = schemas[job.name];
      const handler = table[job.name];
      if (!schema || !handler) throw new UnrecoverableError(`unknown job name ${job.name} on queue ${name}`);
      const parsed = schema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`invalid ${job.name} payload: ${parsed.error.message}`);
      try {
        return await handler(parsed.data, job, token);
      } catch (err) {
        if (err instanceof DelayedError) throw err; // rescheduled on purpose, not a failure
        // bullmq-otel does not mark failed jobs' spans as errors; do it here.
        const span = trace.getActiveSpan();
        span?.recordException(err as Error);
        span?.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      }
    },
    {
      connection,
      prefix,
      concurrency: settings.concurrency,
      lockDuration: settings.lockDurationMs,
      stalledInterval: settings.stalledIntervalMs,
      // A job whose worker died is redelivered, never failed for it: the idempotency key makes that safe.
      maxStalledCount: 1_000,
      telemetry: new BullMQOtel({ tracerName: 'wagerflow' }),
      autorun: false,
    },
  );
  // Connection losses, failed lock renewals, stalled-job checks: BullMQ retries them itself, and an unheard 'error'
  // would crash the process, so log and carry on.
  const logger = settings.logger ?? stderrLogger;
  worker.on('error', (err) => logger.error({ err, queue: name }, 'queue worker error'));
  return {
    worker,
    async close(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const bounded = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      await Promise.race([worker.close(), bounded]);
      clearTimeout(timer);
    },
  };
}
