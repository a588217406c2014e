import { z } from 'zod';
import * as contracts from '@wagerflow/contracts';
import {
  ERROR_DESCRIPTIONS,
  ERROR_STATUS,
  SIGNED_TS_FUTURE_MS,
  SIGNED_TS_PAST_MS,
  SIGNING_HEADERS,
  type ErrorCode,
} from '@wagerflow/contracts';
import { API_ROUTES, checkErrors, type ApiRoute, type AuthKind } from './api-routes.js';
import { MAX_BODY_BYTES } from './body.js';
import type { Respond } from './router.js';
import { NONCE_TTL_S } from '../domain/signed-request.js';

/**
 * GET /v1/openapi.json: an OpenAPI 3.1 document generated from the route table (./api-routes.ts) and
 * the zod schemas the handlers validate with (`z.toJSONSchema`, JSON Schema 2020-12 = OpenAPI 3.1's
 * dialect): requests are validated and answers type-checked against these schemas. Request schemas are converted as the input zod accepts,
 * response schemas as the output the handlers produce.
 */

type Json = Record<string, unknown>;

/**
 * Schemas published under components/schemas and referenced by name wherever they occur. Request bodies
 * are documented as the input zod accepts, the rest as the output the gateway sends.
 */
const COMPONENTS: readonly (readonly [string, z.ZodType, 'input' | 'output'])[] = [
  ['PlaceBetRequest', contracts.placeBetBody, 'input'],
  ['CreatePlayerRequest', contracts.createPlayerBody, 'input'],
  ['DepositRequest', contracts.depositBody, 'input'],
  ['CreateStaffRequest', contracts.createStaffBody, 'input'],
  ['TickRequest', contracts.adminTickBody, 'input'],
  ['RewardRequest', contracts.rewardBody, 'input'],
  ['ServerTime', contracts.serverTimeResponse, 'output'],
  ['Market', contracts.marketViewSchema, 'output'],
  ['Grid', contracts.gridResponse, 'output'],
  ['GridCell', contracts.gridCellSchema, 'output'],
  ['PlaceBetAccepted', contracts.placeBetAccepted, 'output'],
  ['BetView', contracts.betViewSchema, 'output'],
  ['BetPage', contracts.betPageResponse, 'output'],
  ['Me', contracts.meResponse, 'output'],
  ['CreatePlayerResponse', contracts.createPlayerResponse, 'output'],
  ['DepositResponse', contracts.depositResponse, 'output'],
  ['CreateStaffResponse', contracts.createStaffResponse, 'output'],
  ['Reconciliation', contracts.reconciliationResponse, 'output'],
  ['TickAccepted', contracts.tickAcceptedResponse, 'output'],
  ['RewardResponse', contracts.rewardResponse, 'output'],
  ['LoyaltyAccount', contracts.loyaltyAccountResponse, 'output'],
  ['LoyaltyEntry', contracts.loyaltyEntrySchema, 'output'],
  ['Slip', contracts.slipViewSchema, 'output'],
  ['Error', contracts.errorBodySchema(), 'output'],
  ['ErrorDetail', contracts.errorDetailSchema, 'output'],
];

/** Every route can also fail unexpectedly. */
const ALWAYS: readonly ErrorCode[] = ['internal_error'];

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const headerName = (lower: string) => lower.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());

/** JSON Schema of a zod schema, with every component other than the root replaced by its $ref. */
function toSchema(root: z.ZodType, io: 'input' | 'output', names: ReadonlyMap<z.ZodType, string>): Json {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(root, {
    io,
    // A type JSON Schema cannot express fails the build instead of vanishing. (Refinements are invisible
    // to it: their rule is stated in the schema's description, e.g. multipliers' 2 decimals.)
    unrepresentable: 'throw',
    override: (ctx) => {
      const zodSchema: unknown = ctx.zodSchema;
      const name = names.get(zodSchema as z.ZodType);
      if (!name || zodSchema === root) return;
      const out = ctx.jsonSchema as Json;
      for (const k of Object.keys(out)) delete out[k];
      Object.assign(out, ref(name));
    },
  }) as Json;
  return schema;
}

const SECURITY: Record<AuthKind, Json[]> = {
  none: [],
  stream: [],
  player: [{ PlayerApiKey: [], PlayerTimestamp: [], PlayerNonce: [], PlayerSignature: [] }],
  admin: [{ AdminToken: [] }],
  staff: [{ StaffToken: [] }],
  'staff-award': [{ StaffToken: [] }],
  'admin-board': [{ AdminToken: [] }, { AdminBasic: [] }],
};

const SIGNATURE_RULE =
  'X-Signature = lower-case hex HMAC-SHA256(apiSecret, ts + "\\n" + nonce + "\\n" + METHOD + "\\n" + target + "\\n" + rawBody), ' +
  'where ts is the X-Timestamp string as sent, target the path and query exactly as sent and rawBody the body bytes as sent (empty for none).';

const TS_WINDOW = `[now − ${SIGNED_TS_PAST_MS / 1000} s, now + ${SIGNED_TS_FUTURE_MS / 1000} s]`;

const INFO_DESCRIPTION = [
  'Wagerflow public API v1 (SPEC section 4). Generated from the zod schemas the gateway validates with.',
  'Money is integer minor units (cents); times are Unix epoch milliseconds; IDs are strings; multipliers have at most 2 decimals.',
  'Errors: `{"error": {"code", "message", "details"?: [{"path", "message"}]}}`; each response lists the codes it can carry.',
  `Order of checks: unknown route 404 \`not_found\` (known path, other method: 405 \`method_not_allowed\` with \`Allow\`) → body over ${MAX_BODY_BYTES / 1024} KiB 413 → ` +
    'authentication 401 → body not JSON 415 / invalid JSON or schema 400 → idempotent replay → unknown resources 404 → 503 → business rules 422.',
  `Player requests are signed: X-Api-Key, X-Timestamp (epoch ms, 13 digits, within ${TS_WINDOW}), X-Nonce (a new UUID per request, retries included) and ${SIGNATURE_RULE}`,
  'Every response carries `x-request-id`, the trace id of the request.',
].join('\n\n');

const TAGS = [
  { name: 'public', description: 'Unsigned' },
  { name: 'markets', description: 'Markets and grids (unsigned)' },
  { name: 'bets', description: 'Signed player requests' },
  { name: 'stream', description: 'The WebSocket stream' },
  { name: 'admin', description: '`Authorization: Bearer <ADMIN_TOKEN>`' },
  {
    name: 'loyalty',
    description:
      "Staff routes: `Authorization: Bearer <staff token>` (ADMIN_TOKEN is 403: it names no person); the player's own account: signed",
  },
  { name: 'operations', description: 'Bull Board and health' },
];

function securitySchemes(): Json {
  const signed = (header: string, description: string) => ({ type: 'apiKey', in: 'header', name: headerName(header), description });
  return {
    PlayerApiKey: signed(SIGNING_HEADERS.apiKey, "the player's apiKey"),
    PlayerTimestamp: signed(SIGNING_HEADERS.timestamp, `epoch ms, 13 digits, within ${TS_WINDOW}`),
    PlayerNonce: signed(SIGNING_HEADERS.nonce, `a new UUID for every request (retries included); spent for ${NONCE_TTL_S} s`),
    PlayerSignature: signed(SIGNING_HEADERS.signature, SIGNATURE_RULE),
    AdminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' },
    AdminBasic: { type: 'http', scheme: 'basic', description: 'ADMIN_TOKEN as the password (any user name)' },
    StaffToken: {
      type: 'http',
      scheme: 'bearer',
      description:
        'a staff token (POST /v1/admin/staff). Rewards and slip recovery need the award right (supervisor, admin): a host is 403.',
    },
  };
}

/** Query parameters of one object or of alternatives: required only when every alternative requires it. */
function queryParameters(query: ApiRoute['query'], names: ReadonlyMap<z.ZodType, string>): Json[] {
  if (!query) return [];
  const variants = Array.isArray(query) ? (query as readonly z.ZodObject[]) : [query as z.ZodObject];
  const requiredIn = variants.map((v) => new Set((toSchema(v, 'input', names).required as string[] | undefined) ?? []));
  const params = new Map<string, z.ZodType>();
  for (const v of variants) for (const [name, field] of Object.entries<z.ZodType>(v.shape)) if (!params.has(name)) params.set(name, field);
  return [...params].map(([name, field]) => {
    const schema = toSchema(field, 'input', names);
    const { description, ...rest } = schema;
    return {
      name,
      in: 'query',
      required: requiredIn.every((r) => r.has(name)),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

function operation(operationId: string, r: ApiRoute, names: ReadonlyMap<z.ZodType, string>): Json {
  const requestId = { 'x-request-id': { $ref: '#/components/headers/RequestId' } };
  const schemaOf = (s: z.ZodType, io: 'input' | 'output') => (names.has(s) ? ref(names.get(s)!) : toSchema(s, io, names));

  const parameters: Json[] = [
    ...Object.entries(r.pathParams ?? {}).map(([name, s]) => ({ name, in: 'path', required: true, schema: schemaOf(s, 'input') })),
    ...queryParameters(r.query, names),
    ...Object.entries(r.headers ?? {}).map(([name, s]) => {
      const { description, ...schema } = toSchema(s, 'input', names);
      return {
        name,
        in: 'header',
        required: !s.safeParse(undefined).success,
        ...(typeof description === 'string' ? { description } : {}),
        schema,
      };
    }),
  ];
  if (r.mount === 'upgrade') parameters.push({ name: 'Upgrade', in: 'header', required: true, schema: { const: 'websocket' } });

  const responses: Json = {};
  for (const s of r.responses) {
    const content = s.schema
      ? { 'application/json': { schema: schemaOf(s.schema, 'output') } }
      : s.contentType
        ? { [s.contentType]: { schema: { type: 'string' } } }
        : undefined;
    responses[String(s.status)] = {
      description: s.description,
      headers: requestId,
      ...(content ? { content } : {}),
    };
  }
  // The codes of the router's checks are derived from the entry by api-routes.ts's checkErrors.
  const codes = [...new Set([...checkErrors(r), ...r.errors, ...ALWAYS])];
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  for (const [status, group] of [...byStatus].sort(([a], [b]) => a - b)) {
    if (responses[String(status)]) throw new Error(`${operationId}: status ${status} is both a success and an error`);
    const headers: Json = { ...requestId };
    if (r.auth === 'admin-board' && status === 401) {
      headers['WWW-Authenticate'] = { description: 'Basic realm="wagerflow"', schema: { type: 'string' } };
    }
    if (status === 429)
      headers['Retry-After'] = { description: 'seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } };
    responses[String(status)] = {
      description: group.map((c) => `\`${c}\`: ${ERROR_DESCRIPTIONS[c]}`).join('; '),
      ...(Object.keys(headers).length ? { headers } : {}),
      content: { 'application/json': { schema: toSchema(contracts.errorBodySchema(group), 'output', names) } },
    };
  }

  return {
    operationId,
    tags: [r.tag],
    summary: r.summary,
    ...(r.description ? { description: r.description } : {}),
    security: SECURITY[r.auth],
    ...(parameters.length ? { parameters } : {}),
    ...(r.body
      ? {
          requestBody: {
            required: true,
            ...(r.auth === 'player' ? { description: 'signed: the exact bytes sent are part of X-Signature' } : {}),
            content: { 'application/json': { schema: schemaOf(r.body, 'input') } },
          },
        }
      : {}),
    responses,
    'x-error-codes': codes,
  };
}

export function buildOpenApiDocument(): Json {
  const names = new Map(COMPONENTS.map(([name, s]) => [s, name] as const));
  const schemas: Json = {};
  for (const [name, s, io] of COMPONENTS) schemas[name] = toSchema(s, io, names);

  const paths: Record<string, Json> = {};
  for (const [operationId, r] of Object.entries<ApiRoute>(API_ROUTES)) {
    const item = (paths[r.path] ??= {});
    const method = r.method.toLowerCase();
    if (item[method]) throw new Error(`two routes for ${r.method} ${r.path}`);
    const declared = Object.keys(r.pathParams ?? {}).sort();
    const templated = [...r.path.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1]!).sort();
    if (declared.join() !== templated.join()) throw new Error(`${operationId}: path parameters ${declared.join()} ≠ ${r.path}`);
    item[method] = operation(operationId, r, names);
  }

  return {
    openapi: '3.1.0',
    info: { title: 'Wagerflow API', version: 'v1', description: INFO_DESCRIPTION },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    tags: TAGS,
    paths,
    components: {
      schemas,
      securitySchemes: securitySchemes(),
      headers: {
        RequestId: {
          description: 'the trace id of the request (32 lower-case hex digits)',
          schema: { type: 'string', pattern: '^[0-9a-f]{32}$' },
        },
      },
    },
  };
}

/** The handler of GET /v1/openapi.json: the document is built once (it depends on the code only). */
export function openApiHandler(): Respond<'getOpenApi'> {
  const body = JSON.stringify(buildOpenApiDocument());
  return async (_input, res) => {
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(body);
  };
}
