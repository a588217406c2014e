import type { IncomingMessage } from 'node:http';
import type { ApiRequest, ApiResponse } from './http-types.js';

export interface BetFastPathOptions {
  /** The request's span, `x-request-id`, latency metric and correlation (the middleware Express runs first). */
  context: (req: ApiRequest, res: ApiResponse, next: () => void) => void;
  /** The router's checks and handler of `POST /v1/bets` (its `runner('placeBet')`). */
  run: (req: ApiRequest, res: ApiResponse) => Promise<void>;
  /** The error middleware's rendering. */
  renderError: (err: unknown, res: ApiResponse) => void;
}

/**
 * `POST /v1/bets` without Express (issue 13): the same middleware, checks, handler and error rendering in the same
 * order, called directly. Express's app and router cost about 130-170 µs of CPU a request more than a bare Node
 * server doing the same work (measured with a no-op handler; README, Performance, session 17), a seventh of
 * what the gateway spent a bet. The caller has matched the method and path (admission-control's `isPlaceBet`), and
 * the server answers with `ApiServerResponse`, whose `json` writes what Express's does. The route reads no query and
 * has no path parameters.
 */
export function betFastPath(o: BetFastPathOptions): (req: IncomingMessage, res: ApiResponse) => void {
  return (req, res) => {
    const target = req.url ?? '/';
    const query = target.indexOf('?');
    const api: ApiRequest = Object.assign(req, {
      method: req.method ?? 'POST',
      originalUrl: target,
      path: query < 0 ? target : target.slice(0, query),
      query: {},
      params: {},
    });
    o.context(api, res, () => {
      o.run(api, res).catch((err: unknown) => o.renderError(err, res));
    });
  };
}
