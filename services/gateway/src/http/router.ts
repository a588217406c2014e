import type { NextFunction, Request, Response, Router } from 'express';
import { ApiError } from './api-error.js';

type Method = 'GET' | 'POST';
export type Handler = (req: Request, res: Response) => Promise<void>;

/**
 * Every route is registered here so that the fallback can tell an unknown path (404 `not_found`)
 * from a known path with the wrong method (405 `method_not_allowed`) — the first check of SPEC 4.
 */
export function createRouteTable(router: Router) {
  const patterns: { method: Method; re: RegExp }[] = [];
  const toRegExp = (path: string) => new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z]+/g, '[^/]+')}/?$`);
  return {
    add(method: Method, path: string, handler: Handler) {
      patterns.push({ method, re: toRegExp(path) });
      const wrapped = async (req: Request, res: Response) => {
        res.locals.route = path;
        await handler(req, res);
      };
      if (method === 'GET') router.get(path, wrapped);
      else router.post(path, wrapped);
    },
    fallback() {
      return (req: Request, _res: Response, next: NextFunction) => {
        const known = patterns.filter((p) => p.re.test(req.path));
        if (known.length === 0) return next(new ApiError('not_found', `no route ${req.path}`));
        const allow = [...new Set(known.map((p) => p.method))].join(', ');
        next(new ApiError('method_not_allowed', `${req.method} is not allowed here`, undefined, { Allow: allow }));
      };
    },
  };
}
export type RouteTable = ReturnType<typeof createRouteTable>;
