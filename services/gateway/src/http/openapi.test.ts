import { randomUUID } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  ERROR_STATUS,
  adminTickBody,
  createPlayerBody,
  createStaffBody,
  depositBody,
  placeBetBody,
  rewardBody,
  type ErrorCode,
} from '@wagerflow/contracts';
import { API_ROUTES, ROUTER_OPERATIONS, expressPath } from './api-routes.js';
import { BULL_BOARD_PATH } from './bull-board.js';
import { buildOpenApiDocument } from './openapi.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an untyped JSON document, walked by key
type Json = Record<string, any>;
const doc: Json = buildOpenApiDocument();
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function operations(): { key: string; path: string; method: string; op: Json }[] {
  return Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, path, method, op: op as Json })),
  );
}

// ---------------------------------------------------------------------------------------------------------
// The contract, copied from SPEC.md section 4 by hand: every route the gateway serves, with the codes it
// may answer. Preamble of 4: a dependency down is 503 `service_unavailable` on every route; a route that
// reads a body has 413 first. 4.2: signed routes answer its four 401 codes; 4.1: valid credentials of the
// wrong kind are 403 `forbidden`, none or unknown ones on /v1/admin/* 401 `unauthorized`.
const SIG: ErrorCode[] = ['unknown_api_key', 'invalid_signature', 'stale_timestamp', 'replayed_nonce'];
const PLAYER: ErrorCode[] = ['payload_too_large', ...SIG, 'forbidden'];
const ADMIN: ErrorCode[] = ['payload_too_large', 'unauthorized', 'forbidden'];
/** 4.1: loyalty staff routes take staff tokens only (ADMIN_TOKEN, or a host on an award route, is 403). */
const STAFF: ErrorCode[] = ['payload_too_large', 'unauthorized', 'forbidden'];
const JSON_BODY: ErrorCode[] = ['unsupported_media_type', 'validation_failed'];
const DOWN: ErrorCode = 'service_unavailable';
/** Preamble of 4: past its capacity the gateway sheds load (503 `overloaded`); health, readiness and admin routes never. */
const SHED: ErrorCode = 'overloaded';

const SPEC: Record<string, { success: number[]; codes: ErrorCode[] }> = {
  // 4.2 / 4.3 (unsigned)
  'GET /v1/time': { success: [200], codes: [SHED] },
  'GET /v1/markets': { success: [200], codes: [SHED, DOWN] },
  'GET /v1/markets/{marketId}/grid': { success: [200], codes: [SHED, 'unknown_market', DOWN] },
  // 4.3: a WebSocket upgrade, unsigned; its failures are close codes, not HTTP answers
  'GET /v1/markets/stream': { success: [101], codes: [] },
  // 4.4
  'POST /v1/bets': {
    success: [202, 200],
    codes: [
      SHED,
      ...PLAYER,
      ...JSON_BODY,
      'idempotency_key_reused',
      'unknown_market',
      'unknown_cell',
      'market_suspended',
      DOWN,
      'cell_closed',
      'cell_unavailable',
      'stake_out_of_range',
      'quote_moved',
      'limit_exceeded',
      'insufficient_funds',
    ],
  },
  'GET /v1/bets': { success: [200], codes: [SHED, ...PLAYER, 'validation_failed', 'not_found', 'archived', DOWN] },
  'GET /v1/bets/{betId}': { success: [200], codes: [SHED, ...PLAYER, 'not_found', 'archived', DOWN] },
  'GET /v1/me': { success: [200], codes: [SHED, ...PLAYER, DOWN] },
  // 4.5: "else the upgrade is refused with 401"
  'GET /v1/stream': { success: [101], codes: [...SIG, DOWN] },
  // 4.1
  'POST /v1/admin/players': { success: [201], codes: [...ADMIN, ...JSON_BODY, DOWN] },
  'POST /v1/admin/players/{playerId}/deposits': {
    success: [201, 200],
    codes: [...ADMIN, ...JSON_BODY, 'idempotency_key_reused', 'unknown_player', 'timeout', DOWN],
  },
  'POST /v1/admin/staff': { success: [201], codes: [...ADMIN, ...JSON_BODY, DOWN] },
  // 4.6: unknown market 404; bad price or ts 400
  'POST /v1/admin/markets/{marketId}/ticks': { success: [202], codes: [...ADMIN, ...JSON_BODY, 'unknown_market', DOWN] },
  // 4.8 and 5 (an archived bet answers 410 `archived`, above)
  'GET /v1/admin/reconciliation': { success: [200], codes: [...ADMIN, DOWN] },
  'POST /v1/admin/archive/run': { success: [202], codes: [...ADMIN, DOWN] },
  // Issue 12: the run's status (not named by SPEC 4.8); an unknown run is 404.
  'GET /v1/admin/archive/runs/{runId}': { success: [200], codes: [...ADMIN, 'not_found', DOWN] },
  // 4.7 (a bad limit or cursor is 400; an unknown player is 404 by 4's order: unknown resources 404)
  'POST /v1/loyalty/rewards': {
    success: [201, 200],
    codes: [SHED, ...STAFF, ...JSON_BODY, 'idempotency_key_reused', 'unknown_player', DOWN, 'points_exceed_max', 'rate_limited'],
  },
  'GET /v1/loyalty/players/{playerId}': { success: [200], codes: [SHED, ...STAFF, 'validation_failed', 'unknown_player', DOWN] },
  'GET /v1/loyalty/players/{playerId}/slips': { success: [200], codes: [SHED, ...STAFF, DOWN] },
  'POST /v1/loyalty/slips/{slipId}/close': { success: [200], codes: [SHED, ...STAFF, 'unknown_slip', DOWN] },
  'POST /v1/loyalty/slips/{slipId}/recover': { success: [200], codes: [SHED, ...STAFF, 'unknown_slip', DOWN, 'slip_open'] },
  'GET /v1/me/loyalty': { success: [200], codes: [SHED, ...PLAYER, 'validation_failed', DOWN] },
  'GET /admin/queues': { success: [200], codes: ['unauthorized', DOWN] },
  // Section 1: the gateway also answers /healthz and /readyz on its public port.
  'GET /healthz': { success: [200], codes: [] },
  'GET /readyz': { success: [200, 503], codes: [] },
  // This document itself.
  'GET /v1/openapi.json': { success: [200], codes: [SHED] },
};

/** What the gateway answers beyond the letter of SPEC 4, and why. */
const BEYOND_SPEC: Record<string, ErrorCode[]> = {
  // An admin route called with a player's signature verifies it first (its 401 codes), then answers 403.
  'POST /v1/admin/players': SIG,
  'POST /v1/admin/players/{playerId}/deposits': SIG,
  'POST /v1/admin/staff': SIG,
  'POST /v1/admin/markets/{marketId}/ticks': SIG,
  'GET /v1/admin/reconciliation': SIG,
  'POST /v1/admin/archive/run': SIG,
  'GET /v1/admin/archive/runs/{runId}': SIG,
  // The same for staff routes; and the requests that wait for loyalty answer 503 `timeout` past LOYALTY_TIMEOUT_MS,
  // as deposits do past DEPOSIT_TIMEOUT_MS (4.1).
  'POST /v1/loyalty/rewards': [...SIG, 'timeout'],
  'GET /v1/loyalty/players/{playerId}': SIG,
  // 4.7 names no 404 for the slips of an unknown player: 404 as for the player's account.
  'GET /v1/loyalty/players/{playerId}/slips': [...SIG, 'unknown_player'],
  'POST /v1/loyalty/slips/{slipId}/close': [...SIG, 'timeout'],
  'POST /v1/loyalty/slips/{slipId}/recover': [...SIG, 'timeout'],
  // A plain GET that is not an upgrade is an unknown route.
  'GET /v1/stream': ['not_found'],
  'GET /v1/markets/stream': ['not_found'],
  // SPEC 5: the clientBetId of an archived bet is not placed again (410 `archived`, after the replay check).
  'POST /v1/bets': ['archived'],
};
/** Any route can fail unexpectedly. */
const ALWAYS: ErrorCode[] = ['internal_error'];

/** SPEC routes this gateway does not serve yet: they must not be documented (none left since the archive run). */
const NOT_BUILT: string[] = [];

const sorted = <T>(xs: Iterable<T>) => [...new Set(xs)].sort();

/** Codes each error response of an operation declares, read from its schema. */
function declaredCodes(op: Json): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const [status, r] of Object.entries(op.responses as Json)) {
    if (Number(status) < 400) continue;
    const codes = (r as Json).content?.['application/json']?.schema?.properties?.error?.properties?.code?.enum as string[] | undefined;
    if (codes) out.set(Number(status), codes);
  }
  return out;
}

describe('GET /v1/openapi.json document', () => {
  it('is an OpenAPI 3.1 document', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(doc.jsonSchemaDialect).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(doc.paths as Json).length).toBeGreaterThan(0);
    expect(Object.keys(doc.components.schemas as Json).length).toBeGreaterThan(0);
    for (const path of Object.keys(doc.paths as Json)) expect(path).toMatch(/^\//);
    const tags = new Set((doc.tags as Json[]).map((t) => t.name as string));
    const ids = new Set<string>();
    for (const { key, path, op } of operations()) {
      expect(ids.has(op.operationId as string), `${key}: duplicate operationId`).toBe(false);
      ids.add(op.operationId as string);
      for (const t of op.tags as string[]) expect(tags, key).toContain(t);
      // Path templating: each {name} is declared once as a required path parameter, and nothing else is.
      const templated = sorted([...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!));
      const params = (op.parameters ?? []) as Json[];
      expect(sorted(params.filter((p) => p.in === 'path').map((p) => p.name as string)), key).toEqual(templated);
      for (const p of params) {
        expect(['path', 'query', 'header', 'cookie'], key).toContain(p.in);
        if (p.in === 'path') expect(p.required, key).toBe(true);
        expect(p.schema, `${key} ${p.name}`).toBeTypeOf('object');
      }
      expect(new Set(params.map((p) => `${p.in}:${p.name}`)).size, key).toBe(params.length);
      // Security requirements name declared schemes.
      for (const requirement of op.security as Json[]) {
        for (const scheme of Object.keys(requirement)) expect(doc.components.securitySchemes, key).toHaveProperty(scheme);
      }
      expect(Object.keys(op.responses as Json).length, key).toBeGreaterThan(0);
      for (const [status, r] of Object.entries(op.responses as Json)) {
        expect(status, key).toMatch(/^[1-5][0-9]{2}$/);
        expect((r as Json).description, `${key} ${status}`).toEqual(expect.any(String));
      }
    }
  });

  it('every $ref resolves, and every schema compiles as JSON Schema 2020-12', () => {
    const pointers: string[] = [];
    const walk = (node: unknown, pointer: string) => {
      if (Array.isArray(node)) return node.forEach((v, i) => walk(v, `${pointer}/${i}`));
      if (!node || typeof node !== 'object') return;
      for (const [k, v] of Object.entries(node as Json)) {
        const here = `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        if (k === '$ref') {
          expect(typeof v === 'string' && v.startsWith('#/'), `${pointer}: ${String(v)}`).toBe(true);
          const target = (v as string)
            .slice(2)
            .split('/')
            .reduce<unknown>((n, part) => (n as Json | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
          expect(target, `${pointer}: ${String(v)} does not resolve`).toBeTypeOf('object');
        } else if (k === 'schema' && !pointer.endsWith('/properties')) pointers.push(here);
        walk(v, here);
      }
    };
    walk(doc, '');
    for (const name of Object.keys(doc.components.schemas as Json)) pointers.push(`/components/schemas/${name}`);
    expect(pointers.length).toBeGreaterThan(50);
    const ajv = documentAjv();
    for (const pointer of pointers) expect(() => ajv.compile({ $ref: `${DOC_ID}#${pointer}` }), pointer).not.toThrow();
  });

  it('documents every route of SPEC 4 the gateway serves, with exactly its success statuses and error codes', () => {
    expect(sorted(operations().map((o) => o.key))).toEqual(sorted(Object.keys(SPEC)));
    for (const { key, op } of operations()) {
      const spec = SPEC[key]!;
      const expected = sorted([...spec.codes, ...(BEYOND_SPEC[key] ?? []), ...ALWAYS]);
      expect(sorted(op['x-error-codes'] as string[]), key).toEqual(expected);
      // The responses carry the same codes, each under its own status.
      const declared = declaredCodes(op);
      expect(sorted([...declared.values()].flat()), key).toEqual(expected);
      for (const [status, codes] of declared) for (const c of codes) expect(ERROR_STATUS[c as ErrorCode], `${key} ${c}`).toBe(status);
      const successes = Object.keys(op.responses as Json)
        .map(Number)
        .filter((s) => s < 400 || (key === 'GET /readyz' && s === 503));
      expect(sorted(successes), key).toEqual(sorted(spec.success));
    }
    for (const key of NOT_BUILT) expect(operations().map((o) => o.key)).not.toContain(key);
  });

  it('states the authentication of each route: signed player headers, Bearer admin, Bearer staff, or none', () => {
    const signed = { PlayerApiKey: [], PlayerTimestamp: [], PlayerNonce: [], PlayerSignature: [] };
    const schemes = doc.components.securitySchemes as Json;
    expect(
      [schemes.PlayerApiKey, schemes.PlayerTimestamp, schemes.PlayerNonce, schemes.PlayerSignature].map((s: Json) => s.name as string),
    ).toEqual(['X-Api-Key', 'X-Timestamp', 'X-Nonce', 'X-Signature']);
    for (const s of ['PlayerApiKey', 'PlayerTimestamp', 'PlayerNonce', 'PlayerSignature'])
      expect(schemes[s]).toMatchObject({ type: 'apiKey', in: 'header' });
    expect(schemes.AdminToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes.StaffToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    const playerRoutes = ['POST /v1/bets', 'GET /v1/bets', 'GET /v1/bets/{betId}', 'GET /v1/me', 'GET /v1/me/loyalty'];
    for (const { key, path, op } of operations()) {
      const security = op.security as Json[];
      if (playerRoutes.includes(key)) expect(security, key).toEqual([signed]);
      else if (path.startsWith('/v1/admin/')) expect(security, key).toEqual([{ AdminToken: [] }]);
      else if (path.startsWith('/v1/loyalty/')) expect(security, key).toEqual([{ StaffToken: [] }]);
      else if (path === '/admin/queues') expect(security, key).toEqual([{ AdminToken: [] }, { AdminBasic: [] }]);
      else expect(security, key).toEqual([]);
    }
    const stream = (doc.paths as Json)['/v1/stream'].get as Json;
    const query = (stream.parameters as Json[]).filter((p) => p.in === 'query');
    expect(query.map((p) => [p.name as string, p.required as boolean])).toEqual([
      ['apiKey', true],
      ['ts', true],
      ['nonce', true],
      ['sig', true],
    ]);
  });

  it('GET /v1/bets documents both of its query forms', () => {
    const list = (doc.paths as Json)['/v1/bets'].get as Json;
    const params = Object.fromEntries((list.parameters as Json[]).map((p) => [p.name, p]));
    expect(Object.keys(params).sort()).toEqual(['clientBetId', 'cursor', 'limit', 'since']);
    for (const p of Object.values(params)) expect(p).toMatchObject({ in: 'query', required: false });
    expect(params.limit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000, default: 100 });
    expect(params.clientBetId.schema).toMatchObject({ type: 'string', format: 'uuid' });
  });

  it('the loyalty account reads document their page query; rewards the optional Idempotency-Key header; 429 its Retry-After', () => {
    for (const path of ['/v1/me/loyalty', '/v1/loyalty/players/{playerId}']) {
      const query = ((doc.paths as Json)[path].get.parameters as Json[]).filter((p) => p.in === 'query');
      expect(Object.fromEntries(query.map((p) => [p.name, p.required])), path).toEqual({ limit: false, cursor: false });
      expect(query.find((p) => p.name === 'limit')!.schema, path).toMatchObject({ minimum: 1, maximum: 1000, default: 100 });
    }
    const reward = (doc.paths as Json)['/v1/loyalty/rewards'].post as Json;
    const header = (reward.parameters as Json[]).find((p) => p.in === 'header')!;
    expect(header).toMatchObject({ name: 'Idempotency-Key', required: false, schema: { type: 'string' } });
    expect(reward.responses['429'].headers).toHaveProperty('Retry-After');
  });

  it("request body schemas accept and reject what the gateway's zod schemas do", () => {
    const ajv = documentAjv();
    const bodySchema = (key: string) => {
      const [method, path] = key.split(' ') as [string, string];
      const pointer = `/paths/${path.replace(/\//g, '~1')}/${method.toLowerCase()}/requestBody/content/application~1json/schema`;
      return ajv.compile({ $ref: `${DOC_ID}#${pointer}` });
    };
    const bet = { clientBetId: randomUUID(), marketId: 'BTC-USD', cellId: 'BTC-USD:1700000010000:4000', stake: 100 };
    const cases: [string, z.ZodType, unknown[]][] = [
      [
        'POST /v1/bets',
        placeBetBody,
        [
          bet,
          { ...bet, minMultiplier: 1.5 },
          { ...bet, minMultiplier: 2 },
          { ...bet, stake: undefined },
          { ...bet, stake: '100' },
          { ...bet, stake: 1.5 },
          { ...bet, stake: 0 },
          { ...bet, stake: -5 },
          { ...bet, stake: 2 ** 53 },
          { ...bet, clientBetId: 'not-a-uuid' },
          { ...bet, marketId: '' },
          { ...bet, cellId: 'x'.repeat(129) },
          { ...bet, minMultiplier: 0 },
          { ...bet, minMultiplier: '1.5' },
          { ...bet, extra: true },
          [],
          null,
          'text',
        ],
      ],
      [
        'POST /v1/admin/players',
        createPlayerBody,
        [{ displayName: 'alice' }, {}, { displayName: '' }, { displayName: 'x'.repeat(65) }, { displayName: 'a', x: 1 }],
      ],
      [
        'POST /v1/admin/players/{playerId}/deposits',
        depositBody,
        [
          { amount: 1, reference: 'r' },
          { amount: 1e12, reference: 'r' },
          { amount: 1e12 + 1, reference: 'r' },
          { amount: 0, reference: 'r' },
          { amount: 1.5, reference: 'r' },
          { amount: 10, reference: '' },
          { amount: 10 },
        ],
      ],
      [
        'POST /v1/admin/staff',
        createStaffBody,
        [{ name: 'sam', role: 'host' }, { name: 'sam', role: 'admin' }, { name: 'sam', role: 'boss' }, { name: 'sam' }],
      ],
      [
        'POST /v1/loyalty/rewards',
        rewardBody,
        [
          { playerId: 'p', points: 1, reason: 'r' },
          { playerId: 'p', points: 10_000, reason: 'birthday' },
          { playerId: 'p', points: 10_001, reason: 'r' }, // valid: the cap is a business rule (422)
          { playerId: 'p', points: 0, reason: 'r' },
          { playerId: 'p', points: 1.5, reason: 'r' },
          { playerId: 'p', points: '5', reason: 'r' },
          { playerId: 'p', points: 5, reason: '' },
          { playerId: 'p', points: 5 },
          { playerId: '', points: 5, reason: 'r' },
          { points: 5, reason: 'r' },
          { playerId: 'p', points: 5, reason: 'r', extra: 1 },
        ],
      ],
      [
        'POST /v1/admin/markets/{marketId}/ticks',
        adminTickBody,
        [{ price: 101234.5 }, { price: 1, ts: 1700000000000 }, { price: 0 }, { price: -1 }, { price: 1, ts: 1.5 }, { price: '1' }, {}],
      ],
    ];
    for (const [key, zod, samples] of cases) {
      const validate = bodySchema(key);
      for (const sample of samples) {
        const json = JSON.parse(JSON.stringify(sample)) as unknown;
        expect(validate(json), `${key} ${JSON.stringify(json)}`).toBe(zod.safeParse(json).success);
      }
    }
    // The one rule JSON Schema does not carry (a zod refinement) is stated in words instead.
    expect(placeBetBody.safeParse({ ...bet, minMultiplier: 1.234 }).success).toBe(false);
    expect(doc.components.schemas.PlaceBetRequest.properties.minMultiplier.description).toMatch(/at most 2 decimals/);
    expect(rewardBody.safeParse({ playerId: 'p', points: 5, reason: '   ' }).success).toBe(false);
    expect(doc.components.schemas.RewardRequest.properties.reason.description).toMatch(/blank/);
  });

  it('the router registers exactly the table routes it mounts, under the documented paths', () => {
    expect(ROUTER_OPERATIONS).toEqual(Object.keys(API_ROUTES).filter((k) => API_ROUTES[k as keyof typeof API_ROUTES].mount === 'router'));
    expect(expressPath('/v1/admin/players/{playerId}/deposits')).toBe('/v1/admin/players/:playerId/deposits');
    expect(BULL_BOARD_PATH).toBe('/admin/queues');
    expect(Object.keys(doc.paths as Json)).toContain('/v1/openapi.json');
  });

  it('is deterministic (built once per process, identical each time)', () => {
    expect(JSON.stringify(buildOpenApiDocument())).toBe(JSON.stringify(doc));
  });
});

const DOC_ID = 'https://wagerflow.invalid/openapi.json';

/** Ajv over the whole document, so `#/components/...` references resolve as they do for any OpenAPI tool. */
function documentAjv() {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  ajv.addSchema({ ...doc, $id: DOC_ID });
  return ajv;
}
