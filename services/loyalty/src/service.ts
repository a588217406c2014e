import { JOB_OPTIONS, QUEUES, redisKeys } from '@wagerflow/contracts';
import { createPool } from '@wagerflow/db';
import { Batcher, createQueue, createRedis, createWorker, instrumentQueue } from '@wagerflow/queue';
import { createServiceKit, dependencyChecks, startOpsServer, type ShutdownManager } from '@wagerflow/runtime';
import type { LoyaltyConfig } from './config.js';
import { playsHandler } from './jobs/plays.handler.js';
import { rewardHandler } from './jobs/reward.handler.js';
import { slipCloseHandler, slipRecoverHandler } from './jobs/slip-requests.handler.js';
import { slipSweepHandler } from './jobs/slip-sweep.handler.js';
import { createLoyaltyMetrics } from './loyalty-metrics.js';
import { createPlayBatchFlush, type PlayItem } from './play-batch.js';
import { replying } from './replies.js';
import { rewardRateLimiter } from './repositories/reward-rate-limiter.js';
import { createSlipSaga } from './slip-saga.js';

/**
 * Composition root of loyalty: the only writer of loyalty accounts, rating slips, slip plays, accruals and the
 * loyalty ledger. Two workers: plays and the sweep (`loyalty`), staff requests (`loyalty-requests`).
 */
export async function createService(config: LoyaltyConfig): Promise<{ start(): Promise<void>; shutdown: ShutdownManager }> {
  const kit = createServiceKit('loyalty', config);
  const { logger, metrics, shutdown } = kit;
  const pool = createPool(config.DATABASE_URL, { max: config.PG_POOL_SIZE, applicationName: 'loyalty', logger });
  const redis = createRedis(config.REDIS_URL, 'blocking');
  const playsConnection = createRedis(config.REDIS_URL, 'blocking');
  const requestsConnection = createRedis(config.REDIS_URL, 'blocking');
  const keys = redisKeys(config.REDIS_PREFIX);
  const m = createLoyaltyMetrics(metrics, pool);
  const rates = { houseEdgeBps: config.HOUSE_EDGE_BPS, pointsPerUnitBps: config.POINTS_PER_UNIT_BPS };

  const batcher = new Batcher<PlayItem, void>({
    maxSize: config.LOYALTY_BATCH_MAX,
    maxWaitMs: config.LOYALTY_BATCH_WAIT_MS,
    concurrency: 2,
    flush: createPlayBatchFlush({ pool, rates, tiers: config.LOYALTY_TIERS, onBatch: m.playBatch }),
  });
  const saga = createSlipSaga({ pool, rates, logger, faultKillAfterClose: config.LOYALTY_FAULT_KILL_AFTER_CLOSE, metrics: m.saga });
  const workerSettings = {
    lockDurationMs: config.QUEUE_LOCK_DURATION_MS,
    stalledIntervalMs: config.QUEUE_STALLED_INTERVAL_MS,
    logger,
  };
  const playsWorker = createWorker(
    'loyalty',
    playsConnection,
    config.REDIS_PREFIX,
    {
      plays: playsHandler(batcher),
      'slip-sweep': slipSweepHandler({
        saga,
        logger,
        idleMs: config.SLIP_IDLE_MS,
        recoveryAfterMs: config.SLIP_RECOVERY_AFTER_MS,
      }),
    },
    { ...workerSettings, concurrency: config.LOYALTY_CONCURRENCY },
  );
  const reply = { redis, keys, logger };
  const requestsWorker = createWorker(
    'loyalty-requests',
    requestsConnection,
    config.REDIS_PREFIX,
    {
      reward: replying(
        reply,
        rewardHandler({
          pool,
          logger,
          limiter: rewardRateLimiter(redis, keys, { limit: config.REWARD_RATE_LIMIT, windowMs: config.REWARD_RATE_WINDOW_MS }),
          gamingDay: { timeZone: config.GAMING_TZ, dayStart: config.GAMING_DAY_START },
          onOutcome: m.reward,
        }),
      ),
      'slip-close': replying(reply, slipCloseHandler(saga)),
      'slip-recover': replying(reply, slipRecoverHandler(saga)),
    },
    { ...workerSettings, concurrency: config.LOYALTY_REQUEST_CONCURRENCY },
  );
  for (const w of [playsWorker, requestsWorker]) {
    w.worker.on('failed', (job, err) => {
      if (job?.name === 'reward') m.reward('error');
      logger.warn({ err, jobId: job?.id, job: job?.name }, 'loyalty job failed');
    });
  }
  const loyaltyQueue = createQueue(QUEUES.loyalty, redis, config.REDIS_PREFIX, { logger });
  const requestsQueue = createQueue(QUEUES.loyaltyRequests, redis, config.REDIS_PREFIX, { logger });
  instrumentQueue(metrics, loyaltyQueue.queue, playsWorker.worker);
  instrumentQueue(metrics, requestsQueue.queue, requestsWorker.worker);

  return {
    shutdown,
    async start() {
      const ops = await startOpsServer({
        port: config.LOYALTY_OPS_PORT,
        metrics,
        isDraining: shutdown.isDraining,
        checks: dependencyChecks({ postgres: pool, redis }),
      });
      shutdown.add('stop taking jobs', async () => {
        await Promise.all([playsWorker.close(config.SHUTDOWN_TIMEOUT_MS * 0.6), requestsWorker.close(config.SHUTDOWN_TIMEOUT_MS * 0.6)]);
      });
      shutdown.add('flush batcher', () => batcher.close());
      shutdown.add('close ops server', () => ops.close());
      shutdown.add('close queues', async () => void (await Promise.allSettled([loyaltyQueue.close(), requestsQueue.close()])));
      shutdown.add('quit redis', async () => {
        await Promise.allSettled([redis.quit(), playsConnection.quit(), requestsConnection.quit()]);
      });
      shutdown.add('end pool', () => pool.end());
      shutdown.add('flush telemetry', () => kit.telemetry.shutdown());
      // One sweep per period across replicas (a scheduler, not a timer per replica); its runs join no trace.
      await loyaltyQueue.queue.upsertJobScheduler(
        JOB_OPTIONS.loyalty.sweepScheduler,
        { every: config.SLIP_SWEEP_INTERVAL_MS },
        {
          name: 'slip-sweep',
          data: {},
          opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 1_000 }, telemetry: { omitContext: true } },
        },
      );
      void playsWorker.worker.run();
      void requestsWorker.worker.run();
      logger.info({ opsPort: ops.port, slipIdleMs: config.SLIP_IDLE_MS }, 'loyalty started');
    },
  };
}
