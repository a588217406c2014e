import { JOB_OPTIONS, QUEUES } from '@wagerflow/contracts';
import { createPool } from '@wagerflow/db';
import { QueueEvents, createQueue, createRedis, createWorker, instrumentQueue } from '@wagerflow/queue';
import { createServiceKit, dependencyChecks, startOpsServer, type ShutdownManager } from '@wagerflow/runtime';
import type { Gauge } from 'prom-client';
import { archiveRunHandler } from './archive-run.js';
import type { ArchiverConfig } from './config.js';
import { lastSuccess } from './repositories/runs.repository.js';

/**
 * Composition root of archiver (SPEC 5): the weekly job scheduler and on-demand runs on queue `archive` (one run at
 * a time: see archive-run.ts), partitions sent to bet-ledger on `ledger-archive`, and the run metrics.
 */
export async function createService(config: ArchiverConfig): Promise<{ start(): Promise<void>; shutdown: ShutdownManager }> {
  const kit = createServiceKit('archiver', config);
  const { logger, metrics, shutdown } = kit;
  const pool = createPool(config.DATABASE_URL, { max: 4, applicationName: 'archiver', logger });
  const redis = createRedis(config.REDIS_URL, 'blocking');
  const workerConnection = createRedis(config.REDIS_URL, 'blocking');
  const eventsConnection = createRedis(config.REDIS_URL, 'blocking');

  const rows = metrics.counter('wagerflow_archive_rows_total', 'Rows moved to the archive', ['table']);
  const failures = metrics.counter('wagerflow_archive_failures_total', 'Failed archive runs by stage', ['stage']);
  const duration = metrics.histogram('wagerflow_archive_run_duration_seconds', 'Archive run duration', [
    1,
    5,
    15,
    60,
    300,
    900,
    3600,
    4 * 3600,
  ]);
  const runStarted = metrics.gauge('wagerflow_archive_run_started_timestamp', 'Unix seconds the running archive run started, 0 when none');
  runStarted.set(0);
  // Absent until the first successful run ever (the ArchiverStale rule's `absent()` arm then fires): a 0 would read
  // as "archived in 1970", a made-up value.
  let lastSuccessGauge: Gauge | undefined;
  const setLastSuccess = (ms: number) => {
    lastSuccessGauge ??= metrics.gauge('last_successful_archive_timestamp', 'Unix seconds of the last successful archive run (persisted)');
    lastSuccessGauge.set(Math.floor(ms / 1000));
  };

  const archiveQueue = createQueue(QUEUES.archive, redis, config.REDIS_PREFIX, { logger });
  const partitions = createQueue(QUEUES.ledgerArchive, redis, config.REDIS_PREFIX, { logger });
  const partitionEvents = new QueueEvents(QUEUES.ledgerArchive, {
    connection: eventsConnection,
    prefix: config.REDIS_PREFIX,
    autorun: false,
  });
  partitionEvents.on('error', (err) => logger.warn({ err }, 'archive queue events error'));

  const worker = createWorker(
    'archive',
    workerConnection,
    config.REDIS_PREFIX,
    {
      'archive-run': archiveRunHandler({
        pool,
        partitions,
        partitionEvents,
        logger,
        retentionDays: config.ARCHIVE_RETENTION_DAYS,
        maxBets: config.ARCHIVE_PARTITION_MAX_BETS,
        partitionTimeoutMs: config.ARCHIVE_PARTITION_TIMEOUT_MS,
        pauseRatio: config.ARCHIVE_PAUSE_RATIO,
        onStarted: (ms) => runStarted.set(ms === null ? 0 : Math.floor(ms / 1000)),
        onRows: (table, n) => rows.inc({ table }, n),
        onSucceeded: (ms, seconds) => {
          setLastSuccess(ms);
          duration.observe(seconds);
        },
        onFailed: (stage, seconds) => {
          failures.inc({ stage });
          duration.observe(seconds);
        },
        afterStep: config.ARCHIVER_FAULT_KILL_AFTER
          ? (step) => {
              if (step === config.ARCHIVER_FAULT_KILL_AFTER) process.kill(process.pid, 'SIGKILL');
            }
          : undefined,
      }),
    },
    { concurrency: 1, lockDurationMs: config.QUEUE_LOCK_DURATION_MS, stalledIntervalMs: config.QUEUE_STALLED_INTERVAL_MS, logger },
  );
  worker.worker.on('failed', (job, err) => {
    failures.inc({ stage: 'job' });
    logger.warn({ err, jobId: job?.id }, 'archive run job failed');
  });
  instrumentQueue(metrics, archiveQueue.queue, worker.worker);

  return {
    shutdown,
    async start() {
      const ops = await startOpsServer({
        port: config.ARCHIVER_OPS_PORT,
        metrics,
        isDraining: shutdown.isDraining,
        checks: dependencyChecks({ postgres: pool, redis }),
      });
      shutdown.add('stop taking jobs', () => worker.close(config.SHUTDOWN_TIMEOUT_MS * 0.6));
      shutdown.add('close ops server', () => ops.close());
      shutdown.add(
        'close queues',
        async () => void (await Promise.allSettled([archiveQueue.close(), partitions.close(), partitionEvents.close()])),
      );
      shutdown.add('quit redis', async () => {
        await Promise.allSettled([redis.quit(), workerConnection.quit(), eventsConnection.quit()]);
      });
      shutdown.add('end pool', () => pool.end());
      shutdown.add('flush telemetry', () => kit.telemetry.shutdown());
      // The dead man's switch survives restarts: exported again from Postgres before any run.
      const last = await lastSuccess(pool);
      if (last !== null) setLastSuccess(last);
      void partitionEvents.run();
      await partitionEvents.waitUntilReady();
      // One weekly run per platform, whatever the number of replicas; its runs join no trace.
      await archiveQueue.queue.upsertJobScheduler(
        JOB_OPTIONS.archive.scheduler,
        { pattern: config.ARCHIVE_CRON, tz: 'UTC' },
        {
          name: 'archive-run',
          data: {},
          opts: { attempts: 3, removeOnComplete: { count: 100 }, removeOnFail: { count: 1_000 }, telemetry: { omitContext: true } },
        },
      );
      void worker.worker.run();
      logger.info(
        { opsPort: ops.port, archiveUrl: config.ARCHIVE_URL, cron: config.ARCHIVE_CRON, retentionDays: config.ARCHIVE_RETENTION_DAYS },
        'archiver started',
      );
    },
  };
}
