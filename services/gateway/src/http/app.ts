import type { IncomingMessage } from 'node:http';
import express, { type Express } from 'express';
import type { Queue } from 'bullmq';
import type { Logger, Metrics } from '@wagerflow/runtime';
import type { Admission } from './admission-control.js';
import { BULL_BOARD_PATH, bullBoard } from './bull-board.js';
import { betFastPath } from './bet-fast-path.js';
import { errorHandler, renderError } from './error-handler.js';
import type { ApiResponse } from './http-types.js';
import { requestContext } from './request-context.js';
import { API_ROUTES } from './api-routes.js';
import { openApiHandler } from './openapi.js';
import { createRouter } from './router.js';
import { adminRoutes } from './routes/admin.routes.js';
import { betRoutes } from './routes/bets.routes.js';
import { loyaltyRoutes } from './routes/loyalty.routes.js';
import { publicRoutes } from './routes/public.routes.js';
import type { RouteDeps } from './routes/route-deps.js';

export interface AppOptions {
  deps: RouteDeps;
  logger: Logger;
  metrics: Metrics;
  queues: Queue[];
  bullBoardReadOnly: boolean;
  health: { live: () => boolean; ready: () => Promise<boolean> };
  /** Admission control (503 `overloaded` past capacity); none: every request is admitted. */
  admission?: Admission;
  /** The play page's built files (packages/play/dist), served at /play; none: not served. */
  playDir?: string;
}

export const PLAY_PATH = '/play';

export interface GatewayApp {
  /** Every route but an admitted `POST /v1/bets`. */
  app: Express;
  /** `POST /v1/bets` past Express: the same middleware, router checks, handler and errors (./bet-fast-path.ts). */
  placeBet: (req: IncomingMessage, res: ApiResponse) => void;
}

/** The HTTP app (never listens itself). The router reads bodies raw (they are signed bytes) and applies SPEC 4's checks from the route table. */
export function createApp(o: AppOptions): GatewayApp {
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
  const context = requestContext((route, status, ms) => httpSeconds.observe({ route, status: String(status) }, ms / 1000));
  app.use(context);

  app.get(API_ROUTES.healthz.path, (_req, res) => void res.status(o.health.live() ? 200 : 503).json({ status: 'ok' }));
  app.get(API_ROUTES.readyz.path, (_req, res, next) => {
    o.health.ready().then((ok) => void res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable' }), next);
  });
  const board = bullBoard(o.deps.auth, o.queues, o.bullBoardReadOnly);
  app.use(BULL_BOARD_PATH, board.guard, board.router);
  // Static files of the play page (public, no credentials: the page reads them from its URL fragment).
  if (o.playDir) app.use(PLAY_PATH, express.static(o.playDir, { index: 'index.html', fallthrough: true }));

  const router = express.Router({ caseSensitive: true, strict: false });
  // Paths, methods, authentication and schemas come from the route table (./api-routes.ts), which GET /v1/openapi.json is generated from.
  const routes = createRouter(
    router,
    o.deps.auth,
    {
      ...publicRoutes(o.deps),
      ...betRoutes(o.deps),
      ...adminRoutes(o.deps),
      ...loyaltyRoutes(o.deps),
      getOpenApi: openApiHandler(),
    },
    o.admission,
  );
  app.use(router);
  app.use(routes.fallback());
  app.use(errorHandler(o.logger));
  return { app, placeBet: betFastPath({ context, run: routes.runner('placeBet'), renderError: renderError(o.logger) }) };
}
