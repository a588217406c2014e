import { UnrecoverableError, type Job, type JobType, type Queue, type Worker } from 'bullmq';
import { JOBS } from '@wagerflow/contracts';

type Labels<L extends string> = Partial<Record<L, string>>;

/**
 * The part of @wagerflow/runtime's `Metrics` used here, structurally, so that this package does not
 * depend on prom-client: pass `kit.metrics`.
 */
export interface QueueMetricsRegistry {
  gauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    collect: () => Promise<void>,
  ): { set(labels: Labels<L>, value: number): void };
  counter<L extends string>(name: string, help: string, labelNames: readonly L[]): { inc(labels: Labels<L>, value?: number): void };
}

/** Bound of the job-count read at scrape time: a slow or down Redis must not hang /metrics. */
const COUNT_TIMEOUT_MS = 1_000;

/** States read at every scrape. `paused` is not a list of its own in BullMQ 6 (paused jobs stay in `waiting`). */
const QUEUE_STATES = [
  'waiting',
  'active',
  'delayed',
  'failed',
  'completed',
  'prioritized',
  'waiting-children',
] as const satisfies readonly JobType[];

interface Instruments {
  jobs: ReturnType<QueueMetricsRegistry['gauge']>;
  stalled: ReturnType<QueueMetricsRegistry['counter']>;
  failed: ReturnType<QueueMetricsRegistry['counter']>;
  /** One job-count refresh per instrumented queue, all run by the gauge's collect. */
  refreshers: Set<() => Promise<void>>;
}

// prom-client refuses a second metric of the same name in a registry: one set of instruments per registry,
// shared by every queue instrumented in the process.
const byRegistry = new WeakMap<QueueMetricsRegistry, Instruments>();

function instruments(metrics: QueueMetricsRegistry): Instruments {
  let found = byRegistry.get(metrics);
  if (!found) {
    const refreshers = new Set<() => Promise<void>>();
    found = {
      refreshers,
      jobs: metrics.gauge('wagerflow_queue_jobs', 'BullMQ jobs per queue and state, read at scrape time', ['queue', 'state'], async () => {
        await Promise.all([...refreshers].map((refresh) => refresh()));
      }),
      stalled: metrics.counter('wagerflow_queue_stalled_total', 'Jobs this worker found stalled (their worker died or blocked)', ['queue']),
      failed: metrics.counter(
        'wagerflow_queue_failed_total',
        'Jobs that failed for good in this worker (attempts exhausted or unrecoverable); retries are not counted',
        ['queue', 'job'],
      ),
    };
    byRegistry.set(metrics, found);
  }
  return found;
}

/**
 * Whether this failure is final. BullMQ emits the worker's 'failed' event on every failed attempt, after
 * counting it in `attemptsMade`; it retries only when `attemptsMade < attempts` and the error is not an
 * `UnrecoverableError` (nor a job started more than `maxStartedAttempts` times): this mirrors
 * `Job.shouldRetryJob` of BullMQ 6.
 */
function isFinalFailure(job: Pick<Job, 'attemptsMade' | 'attemptsStarted' | 'opts'>, err: Error, maxStartedAttempts?: number): boolean {
  if (err instanceof UnrecoverableError || err.name === 'UnrecoverableError') return true;
  if (maxStartedAttempts && maxStartedAttempts <= job.attemptsStarted) return true;
  return job.attemptsMade >= (job.opts.attempts ?? 1);
}

/**
 * Exports a queue's job counts (`wagerflow_queue_jobs{queue,state}`, read from Redis when scraped) and, given
 * its worker, `wagerflow_queue_stalled_total{queue}` and `wagerflow_queue_failed_total{queue,job}` (final
 * failures only). A count read that does not answer within a second leaves the last values; at most one
 * read per queue is in flight, so scrapes during an outage do not pile commands up in the offline queue.
 * Job counts are global to the queue: every replica reports the same numbers; the counters are per process.
 */
export function instrumentQueue(metrics: QueueMetricsRegistry, queue: Queue, worker?: Worker): void {
  const { jobs, stalled, failed, refreshers } = instruments(metrics);
  const name = queue.name;

  let inflight: Promise<void> | undefined;
  const read = (): Promise<void> =>
    (inflight ??= queue
      .getJobCounts(...QUEUE_STATES)
      .then((counts) => {
        for (const state of QUEUE_STATES) jobs.set({ queue: name, state }, counts[state] ?? 0);
      })
      .catch(() => undefined) // keep the last values; Redis health has its own signals (/readyz, ServiceDown)
      .finally(() => {
        inflight = undefined;
      }));
  const refresh = async (): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, COUNT_TIMEOUT_MS);
    });
    try {
      await Promise.race([read(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  refreshers.add(refresh);

  if (!worker) return;
  // Start every series at 0, so that `increase()` sees the first event.
  stalled.inc({ queue: name }, 0);
  const known = (JOBS as Record<string, object | undefined>)[name];
  for (const job of Object.keys(known ?? {})) failed.inc({ queue: name, job }, 0);
  worker.on('stalled', () => stalled.inc({ queue: name }));
  worker.on('failed', (job: Job | undefined, err: Error) => {
    if (job && isFinalFailure(job, err, worker.opts.maxStartedAttempts)) failed.inc({ queue: name, job: job.name });
  });
}
