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
 * order, called directly. Express's app and router cost about 180 µs of CPU a request more than a bare Node server
 * doing the same work (scripts/bench/http-framework-cost.ts; README, Performance, session 17), a fifth of what the
 * gateway spent a bet. The caller has matched the method and path (admission-control's `isPlaceBet`), and
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
    // Express answers 500 for a throw anywhere, its own error middleware's included; so does this, or drops the
    // connection when even that fails (no throw may reach the event loop: it would end the process).
    const fail = (err: unknown) => {
      try {
        o.renderError(err, res);
      } catch {
        res.destroy();
      }
    };
    try {
      o.context(api, res, () => {
        o.run(api, res).catch(fail);
      });
    } catch (err) {
      fail(err);
    }
  };
}
