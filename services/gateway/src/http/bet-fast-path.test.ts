import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@wagerflow/runtime';
import { ApiError } from './api-error.js';
import { betFastPath } from './bet-fast-path.js';
import { errorHandler, renderError } from './error-handler.js';
import { ApiServerResponse, type ApiRequest, type ApiResponse } from './http-types.js';
import { requestContext } from './request-context.js';

/**
 * The fast path answers as Express does: one handler served both ways, compared on the wire (status, header names as
 * sent and values but Date and the per-request id, body), for an answer, an API error with headers, an unexpected
 * error in the handler and one in the middleware before it.
 */
type Outcome = 'accept' | 'refuse' | 'crash' | 'context-crash';
const seen: { originalUrl: string; path: string; method: string }[] = [];
const observed: { route: string; status: number }[] = [];

async function handler(req: ApiRequest, res: ApiResponse): Promise<void> {
  seen.push({ originalUrl: req.originalUrl, path: req.path, method: req.method });
  res.locals.route = '/v1/bets';
  const outcome = req.headers['x-outcome'] as Outcome;
  await Promise.resolve();
  if (outcome === 'refuse') throw new ApiError('method_not_allowed', 'no', undefined, { Allow: 'GET' });
  if (outcome === 'crash') throw new Error('bug');
  res.status(202).json({ betId: 'b-1', status: 'pending', multiplier: 2.5, note: 'ünïcode' });
}

const logger = createLogger('test', 'silent');
const measured = requestContext((route, status) => void observed.push({ route, status }));
const context = (req: ApiRequest, res: ApiResponse, next: () => void) => {
  if (req.headers['x-outcome'] === 'context-crash') throw new Error('middleware bug');
  measured(req, res, next);
};
let fast: http.Server;
let viaExpress: http.Server;

const listen = (server: http.Server) =>
  new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
let fastUrl: string;
let expressUrl: string;

beforeAll(async () => {
  fast = http.createServer({ ServerResponse: ApiServerResponse }, betFastPath({ context, run: handler, renderError: renderError(logger) }));
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(context);
  app.post('/v1/bets', handler);
  app.use(errorHandler(logger));
  viaExpress = http.createServer(app);
  [fastUrl, expressUrl] = await Promise.all([listen(fast), listen(viaExpress)]);
});
afterAll(async () => {
  await Promise.all([fast, viaExpress].map((s) => new Promise((r) => s.close(r))));
});

/** The answer as sent: raw header names in order (Date and the request id set aside), status and body. */
function post(base: string, outcome: Outcome, target = '/v1/bets') {
  const { hostname, port } = new URL(base);
  return new Promise<{ status: number; headers: string[]; body: string; requestId: string | undefined }>((resolve, reject) => {
    const req = http.request({ hostname, port, path: target, method: 'POST', headers: { 'x-outcome': outcome } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const name = res.rawHeaders[i]!;
          if (!['date', 'x-request-id'].includes(name.toLowerCase())) headers.push(`${name}: ${res.rawHeaders[i + 1]}`);
        }
        const id = res.headers['x-request-id'];
        resolve({
          status: res.statusCode!,
          headers,
          body: Buffer.concat(chunks).toString('utf8'),
          requestId: typeof id === 'string' ? id : undefined,
        });
      });
    });
    req.on('error', reject);
    req.end('{}');
  });
}

describe('bet fast path', () => {
  it.each<Outcome>(['accept', 'refuse', 'crash'])('answers %s exactly as Express does', async (outcome) => {
    const [viaFast, viaApp] = await Promise.all([post(fastUrl, outcome), post(expressUrl, outcome)]);
    expect(viaFast).toEqual({ ...viaApp, requestId: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown });
    expect(viaApp.requestId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('a throw before the handler is a 500 as with Express, and the server stays up', async () => {
    const [viaFast, viaApp] = await Promise.all([post(fastUrl, 'context-crash'), post(expressUrl, 'context-crash')]);
    expect(viaFast.status).toBe(500);
    expect(viaFast).toEqual(viaApp);
    expect((await post(fastUrl, 'accept')).status).toBe(202);
  });

  it('gives the handler the target as received and its path; the latency metric gets the route and status', async () => {
    seen.length = 0;
    observed.length = 0;
    expect((await post(fastUrl, 'accept', '/v1/bets/?a=1')).status).toBe(202);
    expect(seen).toEqual([{ originalUrl: '/v1/bets/?a=1', path: '/v1/bets/', method: 'POST' }]);
    await expect.poll(() => observed).toEqual([{ route: '/v1/bets', status: 202 }]);
  });
});
