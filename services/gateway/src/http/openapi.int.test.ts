import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { AdminClient, signedHeaders, streamQuery } from '@wagerflow/client';
import type { GridCell, LoyaltyReply } from '@wagerflow/contracts';
import { createTestDatabase, testRedisUrl, uniquePrefix, waitUntil, type TestDatabase } from '@wagerflow/testing';
import { startInProcessStack, type InProcessStack } from '../testing/in-process-stack.js';
import { startLoyaltyResponder, type LoyaltyRequestJob, type LoyaltyResponder } from '../testing/loyalty-responder.js';
import { buildOpenApiDocument } from './openapi.js';

/**
 * GET /v1/openapi.json against the real gateway (with the ledger and feed-monitor, on real Postgres and
 * Redis), and the proof that it does not drift: every documented operation is called with no or wrong
 * credentials, bad bodies and queries, unknown ids and valid requests, and each answer — status, error
 * code, body — must be one the served document lists for that operation.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an untyped JSON document, walked by key
type Json = Record<string, any>;
interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}
interface Creds {
  playerId: string;
  apiKey: string;
  apiSecret: string;
}

const ADMIN_TOKEN = 'admin-token-for-openapi-tests';
/** The slip the stand-in loyalty knows (any other is unknown_slip); recovering it is slip_open while OPEN_SLIP says so. */
const KNOWN_SLIP = '6f1c2b8e-0a4d-4e7b-9c3a-2d5e8f1a7b90';
/** Reward requests with this reason are answered as the stand-in's scripted refusal, by its points. */
const REFUSE = 'refuse';

/**
 * Loyalty, played by a worker answering the request jobs (the gateway's side is under test): an unknown player or slip
 * is refused as loyalty would; rewards are new unless keyed `dup`; a reward with reason REFUSE answers 10 001 points as
 * points_exceed_max and any other as rate_limited.
 */
function standInLoyalty(r: LoyaltyRequestJob): LoyaltyReply {
  const refuse = (code: Extract<LoyaltyReply, { kind: 'error' }>['code']): LoyaltyReply => ({
    kind: 'error',
    code,
    message: code,
    ...(code === 'rate_limited' ? { retryAfterS: 30 } : {}),
  });
  if (r.name === 'reward') {
    const d = r.data;
    if (!d.playerKnown) return refuse('unknown_player');
    if (d.reason === REFUSE) return refuse(d.points > 10_000 ? 'points_exceed_max' : 'rate_limited');
    const entry = { entryId: randomUUID(), playerId: d.playerId, kind: 'manual' as const, points: d.points, balanceBefore: 0 };
    return {
      kind: 'reward',
      duplicate: d.idempotencyKey === 'dup',
      entry: {
        ...entry,
        balanceAfter: d.points,
        staffId: d.staffId,
        ratingSlipId: null,
        reason: d.reason,
        correlationId: d.correlationId,
        createdAt: d.requestedAt,
      },
    };
  }
  if (r.data.slipId !== KNOWN_SLIP) return refuse('unknown_slip');
  if (r.name === 'slip-recover' && r.data.staffId === openSlipAsker) return refuse('slip_open');
  const slip = {
    slipId: KNOWN_SLIP,
    status: 'closed' as const,
    wagered: 1_000,
    openedAt: 1,
    closedAt: 2,
    points: 10,
    accrual: 'done' as const,
  };
  return { kind: 'slip', slip, changed: false };
}
/** Recovery requests of this staff member are answered slip_open. */
let openSlipAsker = '';
const DOC_ID = 'https://wagerflow.invalid/openapi.json';
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

describe('GET /v1/openapi.json on the real gateway', () => {
  let db: TestDatabase;
  let base: string;
  let doc: Json;
  let ajv: Ajv2020;
  let player: Creds;
  let cell: GridCell;
  let stack: InProcessStack;
  let responder: LoyaltyResponder;
  /** A staff member with the award right. */
  let staffToken: string;
  /** `METHOD path` → codes (or success statuses) this test saw the gateway answer. */
  const answered = new Map<string, Set<string>>();

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startInProcessStack({
      databaseUrl: db.url,
      redisUrl: testRedisUrl(),
      prefix: uniquePrefix('oas'),
      adminToken: ADMIN_TOKEN,
    });
    base = stack.base;
    responder = await startLoyaltyResponder({ redisUrl: testRedisUrl(), prefix: stack.env.REDIS_PREFIX!, answer: standInLoyalty });
    staffToken = (await new AdminClient(base, ADMIN_TOKEN).createStaff('oas', 'admin')).body.token;
    const served = await fetch(`${base}/v1/openapi.json`);
    doc = (await served.json()) as Json;
    ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
    ajv.addSchema({ ...doc, $id: DOC_ID });

    const created = await admin('POST', '/v1/admin/players', { displayName: 'oas' });
    player = created.body as Creds;
    await admin('POST', `/v1/admin/players/${player.playerId}/deposits`, { amount: 1_000, reference: randomUUID() });
    cell = await waitUntil(
      async () => {
        const grid = (await (await fetch(`${base}/v1/markets/BTC-USD/grid`)).json()) as { cells: GridCell[] };
        return grid.cells[grid.cells.length - 1];
      },
      { timeoutMs: 10_000, description: 'a cell on the grid' },
    );
  });
  afterAll(async () => {
    await responder?.close();
    await stack?.stop();
    await db?.drop();
  });

  // ---------------------------------------------------------------------------------------------------------
  // Transport and the check every answer goes through.

  /** node:http rather than fetch: a GET with a body (the 413 probe) must be sendable. */
  function send(method: string, target: string, init: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
      // An explicit length: Node sends a GET's body unframed otherwise.
      const length = init.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(init.body)) };
      const req = http.request(base + target, { method, headers: { ...init.headers, ...length } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            /* HTML or empty: kept as text */
          }
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
          resolve({ status: res.statusCode ?? 0, body, headers });
        });
      });
      req.on('error', reject);
      req.end(init.body);
    });
  }

  const json = { 'content-type': 'application/json' };

  const signed = (method: string, target: string, body?: unknown) => {
    const raw = body === undefined ? '' : JSON.stringify(body);
    return send(method, target, {
      headers: { ...json, ...signedHeaders(player, method, target, raw) },
      body: body === undefined ? undefined : raw,
    });
  };
  const bearer =
    (token: string) =>
    (method: string, target: string, body?: unknown, headers: Record<string, string> = {}) =>
      send(method, target, {
        headers: { ...json, ...headers, authorization: `Bearer ${token}` },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
  const admin = bearer(ADMIN_TOKEN);
  const staff = (method: string, target: string, body?: unknown, headers?: Record<string, string>) =>
    bearer(staffToken)(method, target, body, headers);

  const pointerOf = (path: string, method: string, ...rest: string[]) =>
    ['', 'paths', path.replace(/~/g, '~0').replace(/\//g, '~1'), method.toLowerCase(), ...rest].join('/');
  const validators = new Map<string, ValidateFunction>();
  const validatorAt = (pointer: string) => {
    let v = validators.get(pointer);
    if (!v) validators.set(pointer, (v = ajv.compile({ $ref: `${DOC_ID}#${pointer}` })));
    return v;
  };

  /** The answer's status is documented for this operation, and its body matches that response's schema. */
  function expectDocumented(method: string, path: string, a: Answer, what: string): Answer {
    const op = doc.paths[path]?.[method.toLowerCase()] as Json | undefined;
    expect(op, `${method} ${path} is not in the document`).toBeDefined();
    const response = op!.responses[String(a.status)] as Json | undefined;
    const context = `${method} ${path} (${what}) answered ${a.status} ${JSON.stringify(a.body)}`;
    expect(response, `${context}; documented: ${Object.keys(op!.responses as Json).join(', ')}`).toBeDefined();
    if (response!.content?.['application/json']) {
      const validate = validatorAt(pointerOf(path, method, 'responses', String(a.status), 'content', 'application~1json', 'schema'));
      expect(validate(a.body), `${context}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
    if (response!.headers?.['x-request-id']) expect(a.headers.get('x-request-id'), context).toMatch(/^[0-9a-f]{32}$/);
    const code = (a.body as { error?: { code?: string } } | null)?.error?.code ?? String(a.status);
    const key = `${method} ${path}`;
    if (!answered.has(key)) answered.set(key, new Set());
    answered.get(key)!.add(code);
    return a;
  }

  function operations(): { method: string; path: string; op: Json }[] {
    return Object.entries(doc.paths as Json).flatMap(([path, item]) =>
      Object.entries(item as Json)
        .filter(([m]) => METHODS.includes(m))
        .map(([m, op]) => ({ method: m.toUpperCase(), path, op: op as Json })),
    );
  }
  const codeOf = (a: Answer) => (a.body as { error?: { code?: string } }).error?.code;

  // ---------------------------------------------------------------------------------------------------------

  it('serves the generated document: unauthenticated, application/json, with x-request-id', async () => {
    const res = await fetch(`${base}/v1/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(await res.json()).toEqual(buildOpenApiDocument());
    expect(doc.openapi).toBe('3.1.0');
    // The table's method check applies to it like any route.
    const post = await send('POST', '/v1/openapi.json');
    expect([post.status, codeOf(post)]).toEqual([405, 'method_not_allowed']);
  });

  /** A body each operation accepts; an operation added to the document without one here fails the test. */
  const VALID_BODIES: Record<string, () => unknown> = {
    placeBet: () => ({ clientBetId: randomUUID(), marketId: 'BTC-USD', cellId: cell.cellId, stake: 10 }),
    createPlayer: () => ({ displayName: 'someone' }),
    deposit: () => ({ amount: 100, reference: randomUUID() }),
    createStaff: () => ({ name: 'sam', role: 'host' }),
    postTick: () => ({ price: 100_000 }),
    reward: () => ({ playerId: randomUUID(), points: 10, reason: 'welcome' }),
  };

  it('every operation, called with no or wrong credentials, bad bodies or unknown ids, answers only what it documents', async () => {
    const unknownIds = { marketId: 'NO-SUCH-MARKET', betId: randomUUID(), playerId: randomUUID(), slipId: randomUUID() };
    const fill = (path: string) => path.replace(/\{(\w+)\}/g, (_m, name: string) => unknownIds[name as keyof typeof unknownIds] ?? 'x');
    let probed = 0;
    for (const { method, path, op } of operations()) {
      const security = JSON.stringify(op.security);
      const auth = security.includes('PlayerApiKey')
        ? 'player'
        : security.includes('AdminBasic')
          ? 'board'
          : security.includes('AdminToken')
            ? 'admin'
            : security.includes('StaffToken')
              ? 'staff'
              : 'none';
      const upgrade = ((op.parameters ?? []) as Json[]).some((p) => p.in === 'header' && p.name === 'Upgrade');
      const target = fill(path);
      const check = (a: Answer, what: string) => expectDocumented(method, path, a, what);
      probed++;
      if (upgrade) {
        // Not an upgrade: an unknown route (the upgrade itself is probed in its own test).
        expect(codeOf(check(await send(method, target), 'plain GET'))).toBe('not_found');
        continue;
      }
      const hasBody = Boolean(op.requestBody);
      const bodyInit = hasBody ? { headers: json, body: '{}' } : {};

      // No credentials.
      const anonymous = check(await send(method, target, bodyInit), 'no credentials');
      if (auth === 'player') expect(codeOf(anonymous)).toBe('unknown_api_key');
      if (auth === 'admin' || auth === 'board' || auth === 'staff') expect(codeOf(anonymous)).toBe('unauthorized');
      if (auth === 'none') expect(anonymous.status).toBeLessThan(500);
      if (auth === 'none' || auth === 'board') continue;

      // Over 64 KiB: 413 before authentication.
      const big = Buffer.alloc(70 * 1024, 0x20);
      expect(codeOf(check(await send(method, target, { headers: json, body: big }), 'oversized body'))).toBe('payload_too_large');

      // Credentials: unknown key, wrong secret, stale timestamp, replayed nonce, and the wrong kind (403).
      const raw = hasBody ? '{}' : '';
      const stranger = { ...player, apiKey: 'ak_unknown' };
      const withBody = (headers: Record<string, string>) =>
        send(method, target, { headers: { ...json, ...headers }, body: hasBody ? raw : undefined });
      expect(codeOf(check(await withBody(signedHeaders(stranger, method, target, raw)), 'unknown key'))).toBe('unknown_api_key');
      const wrongSecret = signedHeaders({ ...player, apiSecret: 'not-the-secret' }, method, target, raw);
      expect(codeOf(check(await withBody(wrongSecret), 'wrong secret'))).toBe('invalid_signature');
      const stale = signedHeaders(player, method, target, raw, Date.now() - 60_000);
      expect(codeOf(check(await withBody(stale), 'stale timestamp'))).toBe('stale_timestamp');
      const once = signedHeaders(player, method, target, raw);
      check(await withBody(once), 'first use of a nonce');
      expect(codeOf(check(await withBody(once), 'replayed nonce'))).toBe('replayed_nonce');
      const wrongKind = auth === 'player' ? { authorization: `Bearer ${ADMIN_TOKEN}` } : signedHeaders(player, method, target, raw);
      expect(codeOf(check(await withBody(wrongKind), 'credentials of the wrong kind'))).toBe('forbidden');
      const otherBearer = { authorization: `Bearer ${auth === 'admin' ? staffToken : auth === 'staff' ? ADMIN_TOKEN : staffToken}` };
      expect(codeOf(check(await withBody(otherBearer), 'a bearer token of the wrong kind'))).toBe('forbidden');

      const authed = (headers: Record<string, string>, body: string | undefined, t = target) =>
        send(method, t, {
          headers: {
            ...headers,
            ...(auth === 'player'
              ? signedHeaders(player, method, t, body ?? '')
              : { authorization: `Bearer ${auth === 'staff' ? staffToken : ADMIN_TOKEN}` }),
          },
          body,
        });
      if (hasBody) {
        const make = VALID_BODIES[op.operationId as string];
        expect(make, `no valid body for ${op.operationId as string}`).toBeDefined();
        expect(codeOf(check(await authed({ 'content-type': 'text/plain' }, 'x'), 'text/plain body'))).toBe('unsupported_media_type');
        expect(codeOf(check(await authed(json, '{"stake": '), 'invalid JSON'))).toBe('validation_failed');
        expect(codeOf(check(await authed(json, '{"unexpected": true}'), 'schema violation'))).toBe('validation_failed');
        // A valid body on unknown ids (or a well-formed bet on an unknown market).
        const valid = JSON.stringify(op.operationId === 'placeBet' ? { ...(make!() as Json), marketId: 'NO-SUCH-MARKET' } : make!());
        check(await authed(json, valid), 'valid body, unknown ids');
      } else {
        check(await authed({}, undefined), 'valid credentials, unknown ids');
      }
    }
    expect(probed).toBe(operations().length);

    // GET /v1/bets: its query forms.
    for (const q of ['', '?since=abc', '?since=-1', '?since=0&limit=0', '?since=0&limit=1001', '?clientBetId=nope', '?since=0&other=1']) {
      const a = expectDocumented('GET', '/v1/bets', await signed('GET', `/v1/bets${q}`), `query ${q}`);
      expect(codeOf(a), q).toBe('validation_failed');
    }
    expect(
      codeOf(expectDocumented('GET', '/v1/bets', await signed('GET', `/v1/bets?clientBetId=${randomUUID()}`), 'unknown clientBetId')),
    ).toBe('not_found');

    // The loyalty account reads: their page query; and the reward's Idempotency-Key header.
    for (const q of ['?limit=0', '?limit=1001', '?cursor=bm9wZQ', '?other=1']) {
      const path = '/v1/loyalty/players/{playerId}';
      expect(codeOf(expectDocumented('GET', path, await staff('GET', `/v1/loyalty/players/${player.playerId}${q}`), q))).toBe(
        'validation_failed',
      );
      expect(codeOf(expectDocumented('GET', '/v1/me/loyalty', await signed('GET', `/v1/me/loyalty${q}`), q))).toBe('validation_failed');
    }
    const badKey = await staff('POST', '/v1/loyalty/rewards', VALID_BODIES.reward!(), { 'idempotency-key': 'has space' });
    expect(codeOf(expectDocumented('POST', '/v1/loyalty/rewards', badKey, 'invalid Idempotency-Key'))).toBe('validation_failed');
  });

  it('successful answers and business rejections match the documented responses', async () => {
    const ok = async (method: string, path: string, a: Promise<Answer>, status: number) => {
      const answer = expectDocumented(method, path, await a, `expected ${status}`);
      expect(answer.status, `${method} ${path}: ${JSON.stringify(answer.body)}`).toBe(status);
      return answer;
    };
    await ok('GET', '/v1/time', send('GET', '/v1/time'), 200);
    await ok('GET', '/v1/markets', send('GET', '/v1/markets'), 200);
    await ok('GET', '/v1/markets/{marketId}/grid', send('GET', '/v1/markets/BTC-USD/grid'), 200);
    await ok('GET', '/healthz', send('GET', '/healthz'), 200);
    await ok('GET', '/readyz', send('GET', '/readyz'), 200);
    const board = await ok(
      'GET',
      '/admin/queues',
      send('GET', '/admin/queues', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
      200,
    );
    expect(board.headers.get('content-type')).toMatch(/text\/html/);

    const p = (await ok('POST', '/v1/admin/players', admin('POST', '/v1/admin/players', { displayName: 'ok' }), 201)).body as Creds;
    const deposit = { amount: 500, reference: randomUUID() };
    const depositPath = '/v1/admin/players/{playerId}/deposits';
    await ok('POST', depositPath, admin('POST', `/v1/admin/players/${p.playerId}/deposits`, deposit), 201);
    await ok('POST', depositPath, admin('POST', `/v1/admin/players/${p.playerId}/deposits`, deposit), 200);
    const reused = await ok(
      'POST',
      depositPath,
      admin('POST', `/v1/admin/players/${p.playerId}/deposits`, { ...deposit, amount: 501 }),
      422,
    );
    expect(codeOf(reused)).toBe('idempotency_key_reused');
    await ok('POST', '/v1/admin/staff', admin('POST', '/v1/admin/staff', { name: 'sam', role: 'supervisor' }), 201);
    await ok('GET', '/v1/admin/reconciliation', admin('GET', '/v1/admin/reconciliation'), 200);
    // No archiver runs here: the run stays queued, and its status says so.
    const run = (await ok('POST', '/v1/admin/archive/run', admin('POST', '/v1/admin/archive/run'), 202)).body as { runId: string };
    const status = await ok('GET', '/v1/admin/archive/runs/{runId}', admin('GET', `/v1/admin/archive/runs/${run.runId}`), 200);
    expect(status.body).toMatchObject({ runId: run.runId, status: 'queued' });
    expect(codeOf(await ok('GET', '/v1/admin/archive/runs/{runId}', admin('GET', `/v1/admin/archive/runs/${randomUUID()}`), 404))).toBe(
      'not_found',
    );
    const market = ((await send('GET', '/v1/markets')).body as { price: number }[])[0]!;
    await ok('POST', '/v1/admin/markets/{marketId}/ticks', admin('POST', '/v1/admin/markets/BTC-USD/ticks', { price: market.price }), 202);
    const badTs = await ok(
      'POST',
      '/v1/admin/markets/{marketId}/ticks',
      admin('POST', '/v1/admin/markets/BTC-USD/ticks', { price: 1, ts: Date.now() + 60_000 }),
      400,
    );
    expect(codeOf(badTs)).toBe('validation_failed');

    await ok('GET', '/v1/me', signed('GET', '/v1/me'), 200);

    // Loyalty (SPEC 4.7), with the stand-in loyalty worker answering the requests.
    const reward = { playerId: p.playerId, points: 25, reason: 'welcome' };
    await ok('POST', '/v1/loyalty/rewards', staff('POST', '/v1/loyalty/rewards', reward), 201);
    await ok('POST', '/v1/loyalty/rewards', staff('POST', '/v1/loyalty/rewards', reward, { 'idempotency-key': 'dup' }), 200);
    const refused = (points: number) => staff('POST', '/v1/loyalty/rewards', { ...reward, points, reason: REFUSE });
    expect(codeOf(await ok('POST', '/v1/loyalty/rewards', refused(10_001), 422))).toBe('points_exceed_max');
    const limited = await ok('POST', '/v1/loyalty/rewards', refused(5), 429);
    expect([codeOf(limited), limited.headers.get('retry-after')]).toEqual(['rate_limited', '30']);
    await ok('GET', '/v1/loyalty/players/{playerId}', staff('GET', `/v1/loyalty/players/${p.playerId}?limit=10`), 200);
    await ok('GET', '/v1/loyalty/players/{playerId}/slips', staff('GET', `/v1/loyalty/players/${p.playerId}/slips`), 200);
    await ok('POST', '/v1/loyalty/slips/{slipId}/close', staff('POST', `/v1/loyalty/slips/${KNOWN_SLIP}/close`), 200);
    await ok('POST', '/v1/loyalty/slips/{slipId}/recover', staff('POST', `/v1/loyalty/slips/${KNOWN_SLIP}/recover`), 200);
    const asker = await new AdminClient(base, ADMIN_TOKEN).createStaff('open', 'supervisor');
    openSlipAsker = asker.body.staffId;
    const open = bearer(asker.body.token)('POST', `/v1/loyalty/slips/${KNOWN_SLIP}/recover`);
    expect(codeOf(await ok('POST', '/v1/loyalty/slips/{slipId}/recover', open, 422))).toBe('slip_open');
    await ok('GET', '/v1/me/loyalty', signed('GET', '/v1/me/loyalty?limit=5'), 200);
    const bet = VALID_BODIES.placeBet!() as { clientBetId: string; cellId: string; stake: number };
    const placed = await ok('POST', '/v1/bets', signed('POST', '/v1/bets', bet), 202);
    await ok('POST', '/v1/bets', signed('POST', '/v1/bets', bet), 200);
    expect(codeOf(await ok('POST', '/v1/bets', signed('POST', '/v1/bets', { ...bet, stake: 11 }), 422))).toBe('idempotency_key_reused');
    await ok('GET', '/v1/bets/{betId}', signed('GET', `/v1/bets/${(placed.body as { betId: string }).betId}`), 200);
    await ok('GET', '/v1/bets', signed('GET', `/v1/bets?clientBetId=${bet.clientBetId}`), 200);
    await ok('GET', '/v1/bets', signed('GET', '/v1/bets?since=0&limit=5'), 200);

    // Business rules of POST /v1/bets, each a documented code.
    const [marketId, windowStart] = cell.cellId.split(':') as [string, string, string];
    const rejections: [Json, number, string][] = [
      [{ cellId: `${marketId}:${windowStart}:x` }, 404, 'unknown_cell'],
      [{ cellId: `${marketId}:10000:1` }, 422, 'cell_closed'],
      [{ stake: 1 }, 422, 'stake_out_of_range'],
      [{ minMultiplier: 1000 }, 422, 'quote_moved'],
      [{ stake: 5_000 }, 422, 'insufficient_funds'],
    ];
    for (const [change, status, code] of rejections) {
      const a = await ok('POST', '/v1/bets', signed('POST', '/v1/bets', { ...bet, clientBetId: randomUUID(), ...change }), status);
      expect(codeOf(a), JSON.stringify(change)).toBe(code);
    }
  });

  it("the document's PlaceBetRequest schema rejects exactly what the gateway rejects as invalid (400)", async () => {
    const validate = validatorAt(pointerOf('/v1/bets', 'post', 'requestBody', 'content', 'application~1json', 'schema'));
    // A well-formed bet on an unknown market passes validation and stops at 404: nothing is placed.
    const bet = { clientBetId: randomUUID(), marketId: 'NO-SUCH-MARKET', cellId: 'NO-SUCH-MARKET:0:0', stake: 10 };
    const samples: unknown[] = [
      bet,
      { ...bet, minMultiplier: 1.5 },
      { ...bet, stake: undefined },
      { ...bet, stake: '10' },
      { ...bet, stake: 1.5 },
      { ...bet, stake: 0 },
      { ...bet, stake: 2 ** 53 },
      { ...bet, clientBetId: 'not-a-uuid' },
      { ...bet, minMultiplier: -1 },
      { ...bet, extra: 1 },
      [bet],
    ];
    for (const sample of samples) {
      const body = JSON.parse(JSON.stringify(sample)) as unknown;
      const a = expectDocumented('POST', '/v1/bets', await signed('POST', '/v1/bets', body), 'sample body');
      const gatewayRejects = a.status === 400;
      expect(gatewayRejects, `${JSON.stringify(body)} → ${a.status} ${JSON.stringify(a.body)}`).toBe(!validate(body));
    }
  });

  it('GET /v1/stream: a refused upgrade answers a documented 401 code; a signed one switches protocols (101); both with x-request-id', async () => {
    const wsBase = base.replace(/^http/, 'ws');
    const attempt = (query: string) =>
      new Promise<Answer>((resolve, reject) => {
        const ws = new WebSocket(`${wsBase}/v1/stream${query}`);
        const headersOf = (res: { headers: Record<string, string | string[] | undefined> }) =>
          new Headers(Object.entries(res.headers).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v] as [string, string]] : [])));
        let upgraded = new Headers();
        ws.on('upgrade', (res) => (upgraded = headersOf(res)));
        ws.on('unexpected-response', (_req, res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : null, headers: headersOf(res) });
          });
        });
        ws.on('open', () => {
          ws.once('message', (data: Buffer) => {
            ws.close();
            resolve({ status: 101, body: JSON.parse(data.toString('utf8')) as unknown, headers: upgraded });
          });
        });
        ws.on('error', (err) => reject(err));
      });
    const check = async (query: string, what: string) => expectDocumented('GET', '/v1/stream', await attempt(query), what);
    expect(codeOf(await check('', 'no query'))).toBe('unknown_api_key');
    expect(codeOf(await check(`?${streamQuery({ ...player, apiKey: 'ak_unknown' })}`, 'unknown key'))).toBe('unknown_api_key');
    expect(codeOf(await check(`?${streamQuery({ ...player, apiSecret: 'wrong' })}`, 'wrong secret'))).toBe('invalid_signature');
    expect(codeOf(await check(`?${streamQuery(player, Date.now() - 60_000)}`, 'stale timestamp'))).toBe('stale_timestamp');
    const once = `?${streamQuery(player)}`;
    const hello = await check(once, 'signed');
    expect(hello.body).toMatchObject({ type: 'hello', seq: 1, playerId: player.playerId });
    expect(codeOf(await check(once, 'replayed nonce'))).toBe('replayed_nonce');
  });

  // Runs last: it sums up the probes of the tests above.
  it('every operation that documents a 401, 400 or 413 code was seen answering it', () => {
    for (const { method, path, op } of operations()) {
      const seen = answered.get(`${method} ${path}`) ?? new Set();
      const documented = op['x-error-codes'] as string[];
      for (const code of [
        'unknown_api_key',
        'invalid_signature',
        'stale_timestamp',
        'replayed_nonce',
        'unauthorized',
        'validation_failed',
        'payload_too_large',
      ]) {
        if (documented.includes(code)) expect(seen, `${method} ${path} never answered ${code}`).toContain(code);
      }
    }
  });
});
