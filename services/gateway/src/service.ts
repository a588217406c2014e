import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  CHANNELS,
  JOB_OPTIONS,
  QUEUES,
  depositDoneEvent,
  depositResult,
  loyaltyReply,
  loyaltyReplyEvent,
  redisKeys,
  type DepositResult,
  type LoyaltyReply,
} from '@wagerflow/contracts';
import { createPool } from '@wagerflow/db';
import { createQueue, createRedis } from '@wagerflow/queue';
import { createServiceKit, dependencyChecks, runChecks, startOpsServer, type ShutdownManager } from '@wagerflow/runtime';
import type { GatewayConfig } from './config.js';
import { createSecretBox } from './domain/secret-box.js';
import { createAdmissionControl, shedBeforeApp } from './http/admission-control.js';
import { createApp } from './http/app.js';
import { ApiServerResponse } from './http/http-types.js';
import { createAuth } from './http/auth.js';
import type { RouteDeps } from './http/routes/route-deps.js';
import { archiveRunsRepository } from './repositories/archive-runs.repository.js';
import { keyFilterBuilder } from './repositories/key-filter-builder.js';
import { ledgerReadRepository } from './repositories/ledger-read.repository.js';
import { loyaltyReadRepository } from './repositories/loyalty-read.repository.js';
import { playersRepository, staffRepository } from './repositories/players.repository.js';
import { createBetEnqueuer } from './repositories/bet-enqueuer.js';
import { createReplyWaiter } from './repositories/reply-waiter.js';
import { redisState } from './repositories/redis-state.js';
import { MARKET_STREAM_PATH, attachMarketStream } from './ws/market-stream.js';
import { attachStream } from './ws/stream.js';

/** The play page's build (`pnpm --filter @wagerflow/play build`, run by `pnpm start`), served at /play when present. */
const PLAY_DIR = fileURLToPath(new URL('../../../packages/play/dist', import.meta.url));

/** Key filters built at once by one gateway process (each reads one player's keys from Postgres). */
const KEY_FILTER_BUILDS = 4;
/** A key filter's life: an idle player's leaves Redis; an active one's is rebuilt once a day. */
const KEY_FILTER_TTL_MS = 24 * 3_600_000;

/** Composition root of the gateway: HTTP API, WebSocket stream, auth, nonce store, pending bets. */
export async function createService(config: GatewayConfig): Promise<{ start(): Promise<void>; shutdown: ShutdownManager; port(): number }> {
  const kit = createServiceKit('gateway', config);
  const { logger, metrics, shutdown } = kit;
  const pool = createPool(config.DATABASE_URL, {
    max: config.GATEWAY_PG_POOL_SIZE,
    applicationName: 'gateway',
    connectionTimeoutMs: config.PG_ACQUIRE_TIMEOUT_MS,
    logger,
  });
  const redis = createRedis(config.REDIS_URL, 'request');
  const queueConnection = createRedis(config.REDIS_URL, 'request');
  const subscriber = createRedis(config.REDIS_URL, 'blocking');
  const keys = redisKeys(config.REDIS_PREFIX);
  const ledgerQueue = createQueue(QUEUES.ledger, queueConnection, config.REDIS_PREFIX, { logger });
  const feedQueue = createQueue(QUEUES.feed, queueConnection, config.REDIS_PREFIX, { logger });
  const loyaltyQueue = createQueue(QUEUES.loyaltyRequests, queueConnection, config.REDIS_PREFIX, { logger });
  const archiveQueue = createQueue(QUEUES.archive, queueConnection, config.REDIS_PREFIX, { logger });
  // Requests that wait for another service's answer: the ledger's to deposits, loyalty's to staff requests.
  const deposits = createReplyWaiter<DepositResult>({
    subscriber,
    channel: keys.channel(CHANNELS.depositResults),
    queue: ledgerQueue.queue,
    parseMessage: (m) => {
      const { jobId, result } = depositDoneEvent.parse(m);
      return { jobId, reply: result };
    },
    parseStored: (v) => depositResult.parse(v),
    logger,
  });
  const loyaltyReplies = createReplyWaiter<LoyaltyReply>({
    subscriber,
    channel: keys.channel(CHANNELS.loyaltyReplies),
    queue: loyaltyQueue.queue,
    parseMessage: (m) => loyaltyReplyEvent.parse(m),
    parseStored: (v) => loyaltyReply.parse(v),
    logger,
  });

  const betEnqueuer = createBetEnqueuer({
    queue: ledgerQueue,
    keys,
    maxBetsPerJob: config.GATEWAY_BETS_PER_JOB,
    batchWaitMs: config.GATEWAY_BATCH_WAIT_MS,
  });
  const admission = createAdmissionControl({
    metrics,
    limits: {
      maxInFlight: config.GATEWAY_MAX_IN_FLIGHT,
      maxEventLoopLagMs: config.GATEWAY_MAX_EVENT_LOOP_LAG_MS,
      maxBetsAwaitingMulti: config.GATEWAY_MAX_BETS_AWAITING_MULTI,
      maxLedgerOutstanding: config.GATEWAY_MAX_LEDGER_OUTSTANDING,
      maxLedgerDelayMs: config.GATEWAY_MAX_LEDGER_DELAY_MS,
    },
  });
  // Outcomes of the bets this gateway queued end their count (the stream forwards the same messages to sockets).
  const playerEventsChannel = keys.channel(CHANNELS.playerEvents);
  subscriber.on('message', (channel: string, raw: string) => {
    if (channel === playerEventsChannel) admission.onPlayerEvents(raw);
  });
  const secretBox = createSecretBox(config.SECRET_ENCRYPTION_KEY);
  const state = redisState(redis, keys, { keyFilter: config.GATEWAY_KEY_FILTER });
  const players = playersRepository(pool);
  const staff = staffRepository(pool);
  const ledger = ledgerReadRepository(pool);
  const loyalty = loyaltyReadRepository(pool);
  const auth = createAuth({ adminToken: config.ADMIN_TOKEN, players, staff, redis: state, secretBox });

  const keyFilters = config.GATEWAY_KEY_FILTER
    ? keyFilterBuilder({
        redis,
        keys,
        readStoredKeys: (playerId) => ledger.storedClientBetIds(playerId),
        logger,
        metrics,
        concurrency: KEY_FILTER_BUILDS,
        ttlMs: KEY_FILTER_TTL_MS,
      })
    : undefined;

  const deps: RouteDeps = {
    archive: archiveRunsRepository(pool, archiveQueue),
    keyFilters,
    auth,
    redis: state,
    ledger,
    loyalty,
    tiers: config.LOYALTY_TIERS,
    players,
    staff,
    secretBox,
    gridBands: config.GRID_BANDS,
    rules: {
      markets: config.MARKETS,
      geometry: {
        priceStep: config.PRICE_STEP,
        windowMs: config.WINDOW_MS,
        lockoutMs: config.LOCKOUT_MS,
        gridWindows: config.GRID_WINDOWS,
      },
      odds: {
        houseEdgeBps: config.HOUSE_EDGE_BPS,
        minMultiplierBps: Math.round(config.MULTIPLIER_MIN * 100) * 100,
        maxMultiplierBps: Math.round(config.MULTIPLIER_MAX * 100) * 100,
        volatilityBpsPerSqrtS: config.VOLATILITY_BPS_PER_SQRT_S,
      },
      stakeMin: config.STAKE_MIN,
      stakeMax: config.STAKE_MAX,
    },
    async enqueueBet(intent, claimBy) {
      // Counted before the MULTI: its outcome can be read off the subscriber before the MULTI's reply is.
      admission.accepted(intent.betId);
      let claim: Awaited<ReturnType<typeof betEnqueuer.enqueue>> | undefined;
      try {
        claim = await admission.awaitingMulti(() => betEnqueuer.enqueue(intent, claimBy));
        return claim;
      } finally {
        if (claim !== 'claimed') admission.forget(intent.betId);
      }
    },
    deposit(playerId, amount, reference, correlationId) {
      const opts = JOB_OPTIONS.ledger.deposit(randomUUID());
      const enqueue = () => ledgerQueue.add('deposit', { playerId, amount, reference, correlationId }, opts);
      return deposits.request(opts.jobId, enqueue, config.DEPOSIT_TIMEOUT_MS);
    },
    askLoyalty(request) {
      const opts = JOB_OPTIONS.loyaltyRequests.request(request.kind, randomUUID());
      // The request connection has no offline queue: Redis down fails the add at once (503), not at the deadline.
      const enqueue = () =>
        request.kind === 'reward' ? loyaltyQueue.add('reward', request.data, opts) : loyaltyQueue.add(request.kind, request.data, opts);
      return loyaltyReplies.request(opts.jobId, enqueue, config.LOYALTY_TIMEOUT_MS);
    },
    async enqueueTick(tick) {
      await feedQueue.add('tick', tick);
    },
  };

  const checks = dependencyChecks({ postgres: pool, redis });
  const ready = async () => !shutdown.isDraining() && (await runChecks(checks)).ok;
  const { app, placeBet } = createApp({
    deps,
    logger,
    metrics,
    queues: [ledgerQueue.queue, feedQueue.queue, loyaltyQueue.queue, archiveQueue.queue],
    bullBoardReadOnly: config.BULL_BOARD_READ_ONLY,
    health: { live: () => true, ready },
    admission,
    playDir: existsSync(PLAY_DIR) ? PLAY_DIR : undefined,
  });
  // POST /v1/bets past capacity is refused before Express (issue 15: refusing must cost almost nothing), and an
  // admitted one is served without it (issue 13: Express's share of a bet's CPU).
  const server = http.createServer({ ServerResponse: ApiServerResponse }, shedBeforeApp<ApiServerResponse>(admission, app, placeBet));
  server.keepAliveTimeout = 65_000;
  const marketStream = attachMarketStream({
    subscriber,
    keys,
    markets: config.MARKETS,
    market: (marketId) => state.market(marketId),
    logger,
    metrics,
    maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES,
    pingIntervalMs: config.WS_PING_INTERVAL_MS,
  });
  const stream = attachStream({
    upgrades: { [MARKET_STREAM_PATH]: marketStream.handleUpgrade },
    server,
    subscriber,
    keys,
    auth,
    ledger,
    logger,
    metrics,
    maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES,
    pingIntervalMs: config.WS_PING_INTERVAL_MS,
    eventSliceMs: config.WS_EVENT_SLICE_MS,
  });

  return {
    shutdown,
    port: () => (server.address() as AddressInfo).port,
    async start() {
      const ops = await startOpsServer({
        port: config.GATEWAY_OPS_PORT,
        metrics,
        isDraining: shutdown.isDraining,
        checks,
      });
      shutdown.add('stop accepting requests', async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(
            () => {
              server.closeAllConnections();
              resolve();
            },
            Math.min(5_000, config.SHUTDOWN_TIMEOUT_MS / 2),
          ).unref();
        });
      });
      shutdown.add('close streams', async () => {
        marketStream.close();
        await stream.close();
      });
      shutdown.add('close ops server', () => ops.close());
      shutdown.add('queue the last accepted bets', () => betEnqueuer.close());
      shutdown.add('close queues', async () => {
        await Promise.allSettled([ledgerQueue.close(), feedQueue.close(), loyaltyQueue.close(), archiveQueue.close()]);
      });
      shutdown.add('quit redis', async () => {
        await Promise.allSettled([redis.quit(), queueConnection.quit()]);
      });
      shutdown.add('end pool', () => pool.end());
      shutdown.add('stop admission timers', () => admission.stop());
      shutdown.add('flush telemetry', () => kit.telemetry.shutdown());
      await marketStream.start();
      await stream.start();
      await deposits.start();
      await loyaltyReplies.start();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        // A deep accept backlog: a burst of new connections queues instead of losing SYNs (1 s client retransmits).
        server.listen(config.GATEWAY_PORT, '0.0.0.0', 4_096, resolve);
      });
      logger.info({ port: (server.address() as AddressInfo).port, opsPort: ops.port }, 'gateway started');
    },
  };
}
