import { JOB_OPTIONS, QUEUES, redisKeys } from '@wagerflow/contracts';
import { createPool } from '@wagerflow/db';
import { Batcher, createQueue, createRedis, createWorker, instrumentQueue } from '@wagerflow/queue';
import { createServiceKit, dependencyChecks, startOpsServer, type ShutdownManager } from '@wagerflow/runtime';
import { createBetBatchFlush, type BatchItem } from './bet-batch.js';
import type { LedgerConfig } from './config.js';
import { startArchiveProcess } from './archive/partition-process.js';
import { depositHandler } from './jobs/deposit.handler.js';
import { placeBetsHandler } from './jobs/place-bets.handler.js';
import { settleHandler } from './jobs/settle.handler.js';
import { registerDriftMetric } from './drift-metric.js';
import { createPlaysSender } from './loyalty-plays-sender.js';
import { createBalanceCache } from './repositories/balance-cache.js';
import { allWallets } from './repositories/deposit.repository.js';
import { windowsLeftOpen } from './repositories/settlement.repository.js';

/** Composition root of bet-ledger: the only writer of wallets, wallet entries, deposits and bets. */
export async function createService(config: LedgerConfig): Promise<{ start(): Promise<void>; shutdown: ShutdownManager }> {
  const kit = createServiceKit('bet-ledger', config);
  const { logger, metrics, shutdown } = kit;
  const pool = createPool(config.DATABASE_URL, { max: config.PG_POOL_SIZE, applicationName: 'bet-ledger', logger });
  const redis = createRedis(config.REDIS_URL, 'blocking');
  const workerConnection = createRedis(config.REDIS_URL, 'blocking');
  const keys = redisKeys(config.REDIS_PREFIX);
  const cache = createBalanceCache(redis, keys);

  const batchSize = metrics.histogram('wagerflow_ledger_batch_size', 'Bets per ledger transaction', [1, 10, 50, 100, 250, 500, 1000, 2000]);
  const batchSeconds = metrics.histogram(
    'wagerflow_ledger_batch_seconds',
    'Ledger batch latency, commit and publish',
    [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  );
  const betsSettled = metrics.counter('wagerflow_ledger_bets_settled_total', 'Bets settled');
  const betsProcessed = metrics.counter('wagerflow_ledger_bets_total', 'Bets processed by the ledger');
  registerDriftMetric(metrics, pool);
  // Plays for loyalty (confirmed bets, voids), on the connection the batches publish on: a batch's job is written
  // while its outcome pipeline is in flight.
  const loyaltyQueue = createQueue(QUEUES.loyalty, redis, config.REDIS_PREFIX, { logger });
  const sendPlays = createPlaysSender(loyaltyQueue);

  const batcher = new Batcher<BatchItem, void>({
    maxSize: config.LEDGER_BATCH_MAX,
    maxWaitMs: config.LEDGER_BATCH_WAIT_MS,
    concurrency: config.LEDGER_BATCH_CONCURRENCY,
    flush: createBetBatchFlush({
      pool,
      redis,
      keys,
      cache,
      logger,
      sendPlays,
      faultKillAfterCommit: config.LEDGER_FAULT_KILL_AFTER_COMMIT,
      maxCellLiability: config.MAX_CELL_LIABILITY,
      onBatch: (size, ms) => {
        batchSize.observe(size);
        batchSeconds.observe(ms / 1000);
        betsProcessed.inc(size);
      },
    }),
  });

  const worker = createWorker(
    'ledger',
    workerConnection,
    config.REDIS_PREFIX,
    {
      'place-bets': placeBetsHandler(batcher),
      deposit: depositHandler({ pool, redis, keys, cache }),
      settle: settleHandler({
        pool,
        redis,
        keys,
        cache,
        logger,
        sendPlays,
        chunkSize: config.SETTLE_CHUNK_SIZE,
        pendingRetryMs: config.SETTLE_PENDING_RETRY_MS,
        onSettled: (n) => betsSettled.inc(n),
        faultKillAfterChunk: config.LEDGER_FAULT_KILL_DURING_SETTLEMENT,
      }),
    },
    {
      concurrency: config.LEDGER_CONCURRENCY,
      lockDurationMs: config.QUEUE_LOCK_DURATION_MS,
      stalledIntervalMs: config.QUEUE_STALLED_INTERVAL_MS,
      logger,
    },
  );
  worker.worker.on('failed', (job, err) => logger.warn({ err, jobId: job?.id, job: job?.name }, 'ledger job failed'));
  // Job counts for the QueueBacklog / LedgerJobsFailed alerts: a failed place-bets job leaves its bets pending.
  const ledgerQueue = createQueue(QUEUES.ledger, redis, config.REDIS_PREFIX, { logger });
  instrumentQueue(metrics, ledgerQueue.queue, worker.worker);

  // Archive partitions (SPEC 5), one at a time per replica on a connection of their own, executed in a process of their
  // own (a partition's reads, encoding, upload and verification take seconds of CPU that must not delay a bet batch).
  // The process' entry sits beside this root: src/archive/partition.process.ts, or dist/archive/partition.process.js.
  const executorEntry = new URL(`./archive/partition.process.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url);
  const archiveExecutor = startArchiveProcess(executorEntry, config, logger);
  const archiveConnection = createRedis(config.REDIS_URL, 'blocking');
  const archiveWorker = createWorker(
    'ledger-archive',
    archiveConnection,
    config.REDIS_PREFIX,
    { 'archive-partition': (job) => archiveExecutor.run(job) },
    { concurrency: 1, lockDurationMs: config.QUEUE_LOCK_DURATION_MS, stalledIntervalMs: config.QUEUE_STALLED_INTERVAL_MS, logger },
  );
  archiveWorker.worker.on('failed', (job, err) => logger.warn({ err, jobId: job?.id }, 'archive partition failed'));

  const feedQueue = createQueue(QUEUES.feed, redis, config.REDIS_PREFIX, { logger });
  /**
   * The sweeper: a window whose settlement is long overdue and still has open bets (its settle job
   * never came, or failed) is sent back to feed-monitor for evidence; settlement is idempotent.
   */
  async function sweep(): Promise<void> {
    const now = Date.now();
    const overdue = now - config.WINDOW_MS - config.SETTLE_GRACE_MS - config.SETTLE_SWEEP_AFTER_MS;
    const client = await pool.connect();
    try {
      for (const w of await windowsLeftOpen(client, overdue)) {
        const bucket = Math.floor(now / config.SETTLE_SWEEP_AFTER_MS);
        await feedQueue.add('evidence-request', w, JOB_OPTIONS.feed.evidenceRequest(w.marketId, w.windowStart, bucket));
      }
    } finally {
      client.release();
    }
  }

  /** SPEC 2 step 5: rebuild the balance cache from Postgres (never over a newer seq). */
  async function rebuildCache(): Promise<number> {
    const client = await pool.connect();
    let n = 0;
    try {
      for await (const page of allWallets(client)) {
        const pipeline = redis.pipeline();
        cache.queue(pipeline, page);
        await pipeline.exec();
        n += page.length;
      }
    } finally {
      client.release();
    }
    return n;
  }

  return {
    shutdown,
    async start() {
      const ops = await startOpsServer({
        port: config.BET_LEDGER_OPS_PORT,
        metrics,
        isDraining: shutdown.isDraining,
        checks: dependencyChecks({ postgres: pool, redis }),
      });
      const sweeper = setInterval(
        () => void sweep().catch((err: unknown) => logger.warn({ err }, 'sweep failed')),
        config.SETTLE_SWEEP_INTERVAL_MS,
      );
      shutdown.add('stop sweeper', () => clearInterval(sweeper));
      shutdown.add('stop taking jobs', async () => {
        await Promise.all([worker.close(config.SHUTDOWN_TIMEOUT_MS * 0.6), archiveWorker.close(config.SHUTDOWN_TIMEOUT_MS * 0.6)]);
      });
      shutdown.add('flush batcher', () => batcher.close());
      shutdown.add('stop archive executor', () => archiveExecutor.close(config.SHUTDOWN_TIMEOUT_MS * 0.2));
      shutdown.add('close ops server', () => ops.close());
      shutdown.add(
        'close queues',
        async () => void (await Promise.allSettled([feedQueue.close(), ledgerQueue.close(), loyaltyQueue.close()])),
      );
      shutdown.add('quit redis', async () => {
        await Promise.allSettled([redis.quit(), workerConnection.quit(), archiveConnection.quit()]);
      });
      shutdown.add('end pool', () => pool.end());
      shutdown.add('flush telemetry', () => kit.telemetry.shutdown());
      const rebuilt = await rebuildCache();
      void worker.worker.run();
      void archiveWorker.worker.run();
      logger.info({ opsPort: ops.port, rebuiltWallets: rebuilt, concurrency: config.LEDGER_CONCURRENCY }, 'bet-ledger started');
    },
  };
}
