import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import type { ApiRequest } from './http-types.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Admission } from './admission-control.js';
import { ApiError } from './api-error.js';
import type { RouterOperationId } from './api-routes.js';
import type { Auth } from './auth.js';
import { errorHandler } from './error-handler.js';
import { createLogger } from '@wagerflow/runtime';
import { createRouter, prefetching, type Respond } from './router.js';

/**
 * The router's order of checks (SPEC 4) from the table, with a stand-in authenticator that behaves as auth.ts
 * does at its interface: the player check runs `alongside` once the signature verifies, then spends the nonce,
 * and counts `alongside`'s outcome only when the nonce was fresh. The real one is covered end to end by
 * openapi.int.test.ts and tests/auth-and-signing.e2e.test.ts.
 */
type Verdict = 'ok' | 'unknown_api_key' | 'replayed_nonce' | 'unauthorized';
let verdict: Verdict;
let authCalls: { kind: 'player' | 'admin' | 'staff'; body: string; right?: string }[];
let seen: { id: RouterOperationId; input: unknown }[];
let prefetched: { playerId: string; body: unknown }[];
/** The stand-in admission control: sheds every request it may while `shedding`, and records what it was asked. */
let shedding: boolean;
let admissions: { kind: string; shed: boolean }[];
const admission: Admission = {
  admit(kind, shed) {
    admissions.push({ kind, shed });
    return shedding && shed ? new ApiError('overloaded', 'over capacity', undefined, { 'Retry-After': '1' }) : undefined;
  },
};

const auth: Pick<Auth, 'player' | 'admin' | 'staff'> = {
  async player<T>(req: ApiRequest, body: Buffer, alongside?: (playerId: string) => Promise<T>) {
    authCalls.push({ kind: 'player', body: body.toString('utf8') });
    if (verdict === 'unknown_api_key' || verdict === 'unauthorized') throw new ApiError('unknown_api_key', 'unknown');
    const extra = alongside?.('p-1').then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    if (verdict === 'replayed_nonce') throw new ApiError('replayed_nonce', 'replayed');
    const outcome = await extra;
    if (outcome && !outcome.ok) throw outcome.error;
    if (!outcome) throw new Error('the router always passes alongside');
    return { playerId: 'p-1', signedAt: 1_700_000_000_000, alongside: outcome.value };
  },
  async admin(_req: ApiRequest, body: Buffer) {
    authCalls.push({ kind: 'admin', body: body.toString('utf8') });
    if (verdict !== 'ok') throw new ApiError('unauthorized', 'no');
    return { kind: 'admin' as const };
  },
  async staff(_req: ApiRequest, body: Buffer, right: 'any' | 'award') {
    authCalls.push({ kind: 'staff', body: body.toString('utf8'), right });
    if (verdict !== 'ok') throw new ApiError('unauthorized', 'no');
    return { kind: 'staff' as const, staffId: 's-1', role: 'supervisor' };
  },
};

const record =
  <Id extends RouterOperationId>(id: Id): Respond<Id> =>
  async (input, res) => {
    seen.push({ id, input });
    res.json({ id });
  };

let server: Server;
let base: string;
beforeAll(async () => {
  const app = express();
  const router = express.Router({ caseSensitive: true, strict: false });
  const routes = createRouter(
    router,
    auth,
    {
      getTime: record('getTime'),
      getOpenApi: record('getOpenApi'),
      listMarkets: record('listMarkets'),
      getGrid: record('getGrid'),
      getMe: record('getMe'),
      placeBet: prefetching(
        async ({ playerId, body }) => {
          prefetched.push({ playerId, body });
          return 'read';
        },
        async (input, value, res) => {
          seen.push({ id: 'placeBet', input: { ...input, prefetched: value } });
          res.status(202).json({ id: 'placeBet' });
        },
      ),
      listBets: record('listBets'),
      getBet: record('getBet'),
      createPlayer: record('createPlayer'),
      deposit: record('deposit'),
      createStaff: record('createStaff'),
      reconciliation: record('reconciliation'),
      postTick: record('postTick'),
      archiveRun: record('archiveRun'),
      archiveRunStatus: record('archiveRunStatus'),
      meLoyalty: record('meLoyalty'),
      playerLoyalty: record('playerLoyalty'),
      playerSlips: record('playerSlips'),
      closeSlip: record('closeSlip'),
      recoverSlip: record('recoverSlip'),
      reward: record('reward'),
    },
    admission,
  );
  app.use(router);
  app.use(routes.fallback());
  app.use(errorHandler(createLogger('test', 'silent')));
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  verdict = 'ok';
  authCalls = [];
  seen = [];
  prefetched = [];
  shedding = false;
  admissions = [];
});

async function call(method: string, path: string, body?: string, contentType = 'application/json', headers: Record<string, string> = {}) {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': contentType }), ...headers },
    ...(body === undefined ? {} : { body }),
  });
  const json = (await r.json()) as { id?: string; error?: { code: string; details?: unknown } };
  return { status: r.status, code: json.error?.code, json, allow: r.headers.get('allow') };
}

const deposit = JSON.stringify({ amount: 100, reference: 'r-1' });
const reward = JSON.stringify({ playerId: 'p-2', points: 10, reason: 'birthday' });
const bet = JSON.stringify({ clientBetId: '8e0f4c1a-3b8e-4f57-9a51-0f7f1bb5e2c1', marketId: 'BTC-USD', cellId: 'c', stake: 100 });

describe('router: SPEC 4 order of checks from the route table', () => {
  it('404 for an unknown path and 405 with Allow for a known path, before reading or authenticating', async () => {
    expect(await call('GET', '/v1/nope')).toMatchObject({ status: 404, code: 'not_found' });
    expect(await call('GET', '/v1/admin/staff')).toMatchObject({ status: 405, code: 'method_not_allowed', allow: 'POST' });
    expect(authCalls).toEqual([]);
  });

  it('503 overloaded with Retry-After right after 404/405, before the body is read or anything authenticated; never admin routes', async () => {
    shedding = true;
    verdict = 'unauthorized';
    expect(await call('GET', '/v1/nope')).toMatchObject({ status: 404, code: 'not_found' });
    expect(await call('GET', '/v1/bets/x/y')).toMatchObject({ status: 404, code: 'not_found' });
    expect(admissions).toEqual([]);
    const shed = await fetch(`${base}/v1/bets`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x'.repeat(64 * 1024 + 1),
    });
    expect(shed.status).toBe(503);
    expect(shed.headers.get('retry-after')).toBe('1');
    expect(((await shed.json()) as { error: { code: string } }).error.code).toBe('overloaded');
    for (const path of ['/v1/me', '/v1/time', '/v1/markets', '/v1/loyalty/players/p-9'])
      expect(await call('GET', path)).toMatchObject({ status: 503, code: 'overloaded' });
    expect(await call('POST', '/v1/loyalty/rewards', reward)).toMatchObject({ status: 503, code: 'overloaded' });
    expect(authCalls).toEqual([]);
    expect(seen).toEqual([]);
    verdict = 'ok';
    expect(await call('POST', '/v1/admin/players/p-9/deposits', deposit)).toMatchObject({ status: 200, json: { id: 'deposit' } });
    expect(await call('GET', '/v1/admin/reconciliation')).toMatchObject({ status: 200 });
    expect(admissions).toEqual([
      { kind: 'bet', shed: true },
      ...Array.from({ length: 5 }, () => ({ kind: 'other', shed: true })),
      { kind: 'other', shed: false },
      { kind: 'other', shed: false },
    ]);
  });

  it('413 for a body over 64 KiB before authentication', async () => {
    verdict = 'unauthorized';
    expect(await call('POST', '/v1/admin/staff', 'x'.repeat(64 * 1024 + 1))).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(await call('POST', '/v1/bets', 'x'.repeat(64 * 1024 + 1))).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(authCalls).toEqual([]);
  });

  it('401 before 415/400: bad credentials win over a bad body', async () => {
    verdict = 'unauthorized';
    expect(await call('POST', '/v1/admin/staff', 'not json', 'text/plain')).toMatchObject({ status: 401, code: 'unauthorized' });
    verdict = 'unknown_api_key';
    expect(await call('POST', '/v1/bets', '{', 'application/json')).toMatchObject({ status: 401, code: 'unknown_api_key' });
    verdict = 'replayed_nonce';
    expect(await call('POST', '/v1/bets', '{')).toMatchObject({ status: 401, code: 'replayed_nonce' });
    expect(seen).toEqual([]);
    expect(prefetched).toEqual([]);
  });

  it('415 for a body that is not JSON, 400 for invalid JSON or a schema violation, after authentication', async () => {
    expect(await call('POST', '/v1/admin/players/p-9/deposits', deposit, 'text/plain')).toMatchObject({
      status: 415,
      code: 'unsupported_media_type',
    });
    expect(await call('POST', '/v1/admin/players/p-9/deposits', '{')).toMatchObject({ status: 400, code: 'validation_failed' });
    const invalid = await call('POST', '/v1/admin/players/p-9/deposits', JSON.stringify({ amount: 0, reference: 'r' }));
    expect(invalid).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(invalid.json.error?.details).toEqual([expect.objectContaining({ path: 'amount' })]);
    expect(await call('POST', '/v1/bets', JSON.stringify({ stake: 1 }))).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(authCalls.map((c) => c.kind)).toEqual(['admin', 'admin', 'admin', 'player']);
    expect(seen).toEqual([]);
    expect(prefetched).toEqual([]);
  });

  it('authenticates over the exact body bytes and hands the handler {principal, body, params}', async () => {
    expect(await call('POST', '/v1/admin/players/p-9/deposits', deposit)).toMatchObject({ status: 200, json: { id: 'deposit' } });
    expect(authCalls).toEqual([{ kind: 'admin', body: deposit }]);
    expect(seen).toEqual([
      {
        id: 'deposit',
        input: { principal: { kind: 'admin' }, body: { amount: 100, reference: 'r-1' }, params: { playerId: 'p-9' }, headers: {} },
      },
    ]);
  });

  it('a player route: the body parsed and the prefetch run alongside the nonce, the principal from the signature', async () => {
    expect(await call('POST', '/v1/bets', bet)).toMatchObject({ status: 202 });
    expect(authCalls).toEqual([{ kind: 'player', body: bet }]);
    const parsed: unknown = JSON.parse(bet);
    expect(prefetched).toEqual([{ playerId: 'p-1', body: parsed }]);
    expect(seen).toEqual([
      {
        id: 'placeBet',
        input: {
          principal: { kind: 'player', playerId: 'p-1', signedAt: 1_700_000_000_000 },
          body: parsed,
          params: {},
          headers: {},
          prefetched: 'read',
        },
      },
    ]);
  });

  it('unsigned routes neither read the body nor authenticate', async () => {
    verdict = 'unauthorized';
    expect(await call('GET', '/v1/markets/BTC-USD/grid')).toMatchObject({ status: 200, json: { id: 'getGrid' } });
    expect(authCalls).toEqual([]);
    expect(seen).toEqual([{ id: 'getGrid', input: { principal: null, body: undefined, params: { marketId: 'BTC-USD' }, headers: {} } }]);
  });

  it('staff routes: authenticated by a staff token with the right the entry names (award for rewards and recovery)', async () => {
    const slip = '/v1/loyalty/slips/0b7e4c9a-1d52-4c0e-9a51-0f7f1bb5e2c1';
    expect(await call('GET', '/v1/loyalty/players/p-9')).toMatchObject({ status: 200, json: { id: 'playerLoyalty' } });
    expect(await call('GET', '/v1/loyalty/players/p-9/slips')).toMatchObject({ status: 200, json: { id: 'playerSlips' } });
    expect(await call('POST', `${slip}/close`)).toMatchObject({ status: 200, json: { id: 'closeSlip' } });
    expect(await call('POST', `${slip}/recover`)).toMatchObject({ status: 200, json: { id: 'recoverSlip' } });
    expect(await call('POST', '/v1/loyalty/rewards', reward)).toMatchObject({ status: 200, json: { id: 'reward' } });
    expect(authCalls.map((c) => [c.kind, c.right])).toEqual([
      ['staff', 'any'],
      ['staff', 'any'],
      ['staff', 'any'],
      ['staff', 'award'],
      ['staff', 'award'],
    ]);
    const principal = { kind: 'staff', staffId: 's-1', role: 'supervisor' };
    expect(seen.map((s) => s.input)).toEqual([
      { principal, body: undefined, params: { playerId: 'p-9' }, headers: {} },
      { principal, body: undefined, params: { playerId: 'p-9' }, headers: {} },
      { principal, body: undefined, params: { slipId: '0b7e4c9a-1d52-4c0e-9a51-0f7f1bb5e2c1' }, headers: {} },
      { principal, body: undefined, params: { slipId: '0b7e4c9a-1d52-4c0e-9a51-0f7f1bb5e2c1' }, headers: {} },
      { principal, body: JSON.parse(reward) as unknown, params: {}, headers: { 'Idempotency-Key': undefined } },
    ]);
  });

  it('a declared header is parsed with the body after authentication: 400 naming it, else handed to the handler', async () => {
    const key = (value: string) => ({ 'idempotency-key': value });
    expect(await call('POST', '/v1/loyalty/rewards', reward, 'application/json', key('k-1'))).toMatchObject({ status: 200 });
    expect(seen[0]?.input).toMatchObject({ headers: { 'Idempotency-Key': 'k-1' } });
    for (const bad of ['has space', 'x'.repeat(201), '']) {
      const r = await call('POST', '/v1/loyalty/rewards', reward, 'application/json', key(bad));
      expect(r, bad).toMatchObject({ status: 400, code: 'validation_failed' });
      expect(r.json.error?.details).toEqual([expect.objectContaining({ path: 'Idempotency-Key' })]);
    }
    verdict = 'unauthorized';
    expect(await call('POST', '/v1/loyalty/rewards', reward, 'application/json', key('has space'))).toMatchObject({
      status: 401,
      code: 'unauthorized',
    });
    expect(seen).toHaveLength(1);
  });
});
