import express, { type Express } from 'express';
import type { Queue } from 'bullmq';
import type { Logger, Metrics } from '@wagerflow/runtime';
import { BULL_BOARD_PATH, bullBoard } from './bull-board.js';
import { errorHandler } from './error-handler.js';
import { requestContext } from './request-context.js';
import { createRouteTable } from './router.js';
import { adminRoutes } from './routes/admin.routes.js';
import { betRoutes } from './routes/bets.routes.js';
import { publicRoutes } from './routes/public.routes.js';
import type { RouteDeps } from './routes/route-deps.js';

export interface AppOptions {
  deps: RouteDeps;
  logger: Logger;
  metrics: Metrics;
  queues: Queue[];
  bullBoardReadOnly: boolean;
  health: { live: () => boolean; ready: () => Promise<boolean> };
}

/** The HTTP app (never listens itself). Bodies are read raw by each route: they are signed bytes. */
export function createApp(o: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  const httpSeconds = o.metrics.histogram(
    'wagerflow_http_request_seconds',
    'HTTP request latency',
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    ['route', 'status'],
  );
  app.use(requestContext((route, status, ms) => httpSeconds.observe({ route, status: String(status) }, ms / 1000)));

  app.get('/healthz', (_req, res) => void res.status(o.health.live() ? 200 : 503).json({ status: 'ok' }));
  app.get('/readyz', (_req, res, next) => {
    o.health.ready().then((ok) => void res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable' }), next);
  });
  const board = bullBoard(o.deps.auth, o.queues, o.bullBoardReadOnly);
  app.use(BULL_BOARD_PATH, board.guard, board.router);

  const router = express.Router({ caseSensitive: true, strict: false });
  const routes = createRouteTable(router);
  const pub = publicRoutes(o.deps);
  const bets = betRoutes(o.deps);
  const admin = adminRoutes(o.deps);
  routes.add('GET', '/v1/time', pub.time);
  routes.add('GET', '/v1/markets', pub.markets);
  routes.add('GET', '/v1/markets/:marketId/grid', pub.grid);
  routes.add('GET', '/v1/me', pub.me);
  routes.add('POST', '/v1/bets', bets.placeBet);
  routes.add('GET', '/v1/bets', bets.listBets);
  routes.add('GET', '/v1/bets/:betId', bets.getBet);
  routes.add('POST', '/v1/admin/players', admin.createPlayer);
  routes.add('POST', '/v1/admin/players/:playerId/deposits', admin.deposit);
  routes.add('POST', '/v1/admin/staff', admin.createStaff);
  routes.add('GET', '/v1/admin/reconciliation', admin.reconciliation);
  routes.add('POST', '/v1/admin/markets/:marketId/ticks', admin.tick);
  app.use(router);
  app.use(routes.fallback());
  app.use(errorHandler(o.logger));
  return app;
}
