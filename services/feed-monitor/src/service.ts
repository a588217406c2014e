import { QUEUES, redisKeys, type FeedStatus } from '@wagerflow/contracts';
import { createPool } from '@wagerflow/db';
import { createQueue, createRedis, createWorker, instrumentQueue } from '@wagerflow/queue';
import { createServiceKit, dependencyChecks, startOpsServer, type ShutdownManager } from '@wagerflow/runtime';
import type { FeedConfig } from './config.js';
import { nextSimulatedPrice } from './domain/tick-rules.js';
import { createMarkets } from './markets.js';
import { evidenceRepository } from './repositories/evidence.repository.js';
import { ticksRepository } from './repositories/ticks.repository.js';
import { createSettlementScheduler } from './settlement-scheduler.js';
import { startFeedAdapter } from './feed-adapter.js';
import { createLeases } from './leases.js';

function gaussian(): number {
  const u = 1 - Math.random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * Math.random());
}

/** Composition root of feed-monitor: the only writer of ticks. */
export async function createService(
  config: FeedConfig,
): Promise<{ start(): Promise<void>; shutdown: ShutdownManager; instanceId: string }> {
  const kit = createServiceKit('feed-monitor', config);
  const { logger, metrics, shutdown } = kit;
  const pool = createPool(config.DATABASE_URL, { max: config.PG_POOL_SIZE, applicationName: 'feed-monitor', logger });
  const redis = createRedis(config.REDIS_URL, 'blocking');
  const workerConnection = createRedis(config.REDIS_URL, 'blocking');
  const keys = redisKeys(config.REDIS_PREFIX);
  const statusGauge = metrics.gauge('wagerflow_feed_status', 'Feed status per market (1 for the current status)', ['market', 'status']);
  const ticksTotal = metrics.counter('wagerflow_feed_ticks_total', 'Ticks accepted', ['market', 'source']);
  const transitions = metrics.counter('wagerflow_feed_transitions_total', 'Circuit breaker transitions (owner replica)', ['market', 'to']);
  const tickAge = metrics.gauge('wagerflow_feed_tick_age_seconds', 'Age of the last tick per market (owner replica)', ['market']);

  const setStatus = (marketId: string, status: FeedStatus) => {
    for (const s of ['HEALTHY', 'DEGRADED', 'CRITICAL'] as const) statusGauge.set({ market: marketId, status: s }, s === status ? 1 : 0);
  };
  const evidence = evidenceRepository(pool);
  const ledgerQueue = createQueue(QUEUES.ledger, redis, config.REDIS_PREFIX, { logger });
  const scheduler = createSettlementScheduler({
    markets: config.MARKETS,
    windowMs: config.WINDOW_MS,
    priceStep: config.PRICE_STEP,
    graceMs: config.SETTLE_GRACE_MS,
    redis,
    keys,
    evidence,
    ledger: ledgerQueue,
    logger,
  });
  const markets = createMarkets({
    markets: config.MARKETS,
    ticks: ticksRepository(pool),
    redis,
    keys,
    logger,
    thresholds: { degradedMs: config.FEED_DEGRADED_MS, criticalMs: config.FEED_CRITICAL_MS, recoveryMs: config.FEED_RECOVERY_MS },
    onStatus: async (marketId, status, at) => {
      setStatus(marketId, status);
      transitions.inc({ market: marketId, to: status });
      await evidence.logStatus(marketId, status, at);
    },
    onAge: (marketId, ageMs) => {
      if (ageMs != null) tickAge.set({ market: marketId }, ageMs / 1000);
    },
  });
  const worker = createWorker(
    QUEUES.feed,
    workerConnection,
    config.REDIS_PREFIX,
    {
      tick: async (t) => {
        if (await markets.ingest(t.marketId, t.price, t.ts, t.receivedAt, 'admin')) ticksTotal.inc({ market: t.marketId, source: 'admin' });
      },
      'evidence-request': async (r) => {
        if (config.MARKETS.includes(r.marketId)) await scheduler.sweep(r.marketId, r.windowStart);
      },
    },
    { concurrency: 1, lockDurationMs: config.QUEUE_LOCK_DURATION_MS, stalledIntervalMs: config.QUEUE_STALLED_INTERVAL_MS, logger },
  );
  const feedQueue = createQueue(QUEUES.feed, redis, config.REDIS_PREFIX, { logger }); // read only, for its job counts
  instrumentQueue(metrics, feedQueue.queue, worker.worker);

  const leases = createLeases({
    redis,
    keyOf: keys.feedOwner,
    markets: config.MARKETS,
    ttlMs: config.FEED_OWNER_LEASE_MS,
    onGain: async (m) => setStatus(m, await markets.adopt(m)),
    onLose: (m) => {
      logger.warn({ marketId: m }, 'lost the market lease to another replica');
      markets.release(m);
      // Only the owner exports a market's status: a stale CRITICAL here would fire alerts.
      statusGauge.remove({ market: m, status: 'HEALTHY' });
      statusGauge.remove({ market: m, status: 'DEGRADED' });
      statusGauge.remove({ market: m, status: 'CRITICAL' });
    },
  });
  const timers: NodeJS.Timeout[] = [];
  return {
    shutdown,
    instanceId: leases.id,
    async start() {
      const ops = await startOpsServer({
        port: config.FEED_MONITOR_OPS_PORT,
        metrics,
        isDraining: shutdown.isDraining,
        checks: dependencyChecks({ postgres: pool, redis }),
      });
      let stopAdapter = (): void => undefined;
      shutdown.add('stop intake', async () => {
        timers.forEach(clearInterval);
        stopAdapter();
        await leases.stop(); // another replica takes the markets over at once
      });
      shutdown.add('stop taking jobs', () => worker.close(config.SHUTDOWN_TIMEOUT_MS / 2));
      shutdown.add('close ops server', () => ops.close());
      shutdown.add('close queues', async () => void (await Promise.allSettled([ledgerQueue.close(), feedQueue.close()])));
      shutdown.add('quit redis', async () => void (await Promise.allSettled([redis.quit(), workerConnection.quit()])));
      shutdown.add('end pool', () => pool.end());
      shutdown.add('flush telemetry', () => kit.telemetry.shutdown());
      await leases.start((err) => logger.warn({ err }, 'lease renewal failed'));
      let scheduling = false;
      timers.push(
        setInterval(() => {
          if (scheduling) return;
          scheduling = true;
          scheduler
            .run(Date.now(), markets.owns)
            .catch((err: unknown) => logger.warn({ err }, 'settlement scheduling failed; retrying'))
            .finally(() => (scheduling = false));
        }, config.FEED_STATUS_INTERVAL_MS),
      );
      timers.push(
        setInterval(
          () => void markets.evaluate(Date.now()).catch((err: unknown) => logger.warn({ err }, 'status evaluation failed')),
          config.FEED_STATUS_INTERVAL_MS,
        ),
      );
      if (config.FEED_SIMULATOR) {
        timers.push(
          setInterval(() => {
            // Only the owner simulates a market: two replicas must not both be its feed.
            for (const marketId of config.MARKETS.filter(markets.owns)) {
              void markets
                .lastPrice(marketId)
                .then((last) => {
                  const price = nextSimulatedPrice(
                    last ?? config.FEED_SIMULATOR_START_PRICE,
                    config.VOLATILITY_BPS_PER_SQRT_S,
                    config.FEED_SIMULATOR_INTERVAL_MS,
                    gaussian(),
                  );
                  return markets.ingest(marketId, price, null, Date.now(), 'simulator');
                })
                .then(
                  (ok) => ok && ticksTotal.inc({ market: marketId, source: 'simulator' }),
                  (err: unknown) => logger.warn({ err }, 'simulator tick failed'),
                );
            }
          }, config.FEED_SIMULATOR_INTERVAL_MS),
        );
      }
      if (config.FEED_ADAPTER_URL) {
        const adapter = startFeedAdapter({
          url: config.FEED_ADAPTER_URL,
          mapping: {
            priceField: config.FEED_ADAPTER_PRICE_FIELD,
            tsField: config.FEED_ADAPTER_TS_FIELD ?? null,
            tsUnit: config.FEED_ADAPTER_TS_UNIT,
            marketField: config.FEED_ADAPTER_MARKET_FIELD ?? null,
            defaultMarket: config.FEED_ADAPTER_MARKET ?? config.MARKETS[0]!,
            symbols: config.FEED_ADAPTER_SYMBOLS,
          },
          subscribeMessage: config.FEED_ADAPTER_SUBSCRIBE ?? null,
          logger,
          onTick: async (t, receivedAt) => {
            if (await markets.ingest(t.marketId, t.price, t.ts, receivedAt, 'adapter'))
              ticksTotal.inc({ market: t.marketId, source: 'adapter' });
          },
        });
        stopAdapter = () => adapter.close();
      }
      void worker.worker.run();
      logger.info(
        { opsPort: ops.port, simulator: config.FEED_SIMULATOR, markets: config.MARKETS, instance: leases.id },
        'feed-monitor started',
      );
    },
  };
}
