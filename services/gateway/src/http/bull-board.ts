import type { NextFunction, Request, Response, Router } from 'express';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { API_ROUTES } from './api-routes.js';
import type { Auth } from './auth.js';

export const BULL_BOARD_PATH = API_ROUTES.bullBoard.path;

/** Bull Board has no auth of its own: the admin token, as Bearer or as the Basic password, guards it. */
export function bullBoard(
  auth: Auth,
  queues: Queue[],
  readOnly: boolean,
): { guard: (req: Request, res: Response, next: NextFunction) => void; router: Router } {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: readOnly })), serverAdapter: adapter });
  const router = adapter.getRouter() as Router;
  const guard = (req: Request, res: Response, next: NextFunction) => {
    void auth.adminOnly(req).then(
      (ok) => {
        if (ok) return next();
        res.setHeader('WWW-Authenticate', 'Basic realm="wagerflow", charset="UTF-8"');
        res.status(401).json({ error: { code: 'unauthorized', message: 'admin token required' } });
      },
      (err: unknown) => next(err),
    );
  };
  return { guard, router };
}
