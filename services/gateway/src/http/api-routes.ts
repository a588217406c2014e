import { z } from 'zod';
import {
  adminTickBody,
  archiveRunAccepted,
  archiveRunView,
  betByClientIdQuery,
  betListQuery,
  betPageResponse,
  betViewSchema,
  createPlayerBody,
  createPlayerResponse,
  createStaffBody,
  createStaffResponse,
  depositBody,
  depositResponse,
  gridResponse,
  idempotencyKeyHeader,
  loyaltyAccountResponse,
  loyaltyPageQuery,
  marketViewSchema,
  meResponse,
  placeBetAccepted,
  placeBetBody,
  reconciliationResponse,
  rewardBody,
  rewardResponse,
  serverTimeResponse,
  slipViewSchema,
  tickAcceptedResponse,
  REWARD_MAX_POINTS,
  type ErrorCode,
} from '@wagerflow/contracts';
import { SLIPS_LIST_MAX } from '../repositories/loyalty-read.repository.js';
import { PRICE_INTERVAL_MS } from '../ws/market-stream.js';

/**
 * Every route the gateway serves, in one table. router.ts applies SPEC 4's checks from each `router` entry
 * (read the body, authenticate by `auth`, parse `pathParams` and `body`) and hands the handler typed
 * `{principal, body, params}`; app.ts holds a typed handler map, so a route without a handler does not
 * compile. GET /v1/openapi.json is generated from the same table (./openapi.ts), and the codes of the
 * router's checks come from `checkErrors` below, so the document cannot list other checks than the router
 * applies. Queries are validated by the handlers with the schemas named here (GET /v1/bets has two forms);
 * the stream's query is checked by its upgrade handler (the signature covers it). `errors` lists the codes a
 * route adds to its checks' codes; `internal_error` (500) is added to every route by the generator.
 * openapi.test.ts holds SPEC 4's expectation and openapi.int.test.ts calls every route.
 */

/**
 * How a route authenticates: unsigned, a signed player request (SPEC 4.2), `Bearer ADMIN_TOKEN`, a staff member's
 * bearer token (`staff`: any role; `staff-award`: a role with the award right, SPEC 4.7), Bull Board's
 * Bearer-or-Basic, the stream's signed query.
 */
export type AuthKind = 'none' | 'player' | 'admin' | 'staff' | 'staff-award' | 'admin-board' | 'stream';

/** `router`: registered from this table through the route table (404/405 fallback); `app`: mounted in app.ts; `upgrade`: the HTTP server's upgrade event. */
export type Mount = 'router' | 'app' | 'upgrade';

export interface SuccessResponse {
  readonly status: number;
  readonly description: string;
  /** Absent: no JSON body (HTML, or a protocol switch). */
  readonly schema?: z.ZodType;
  readonly contentType?: string;
}

export interface ApiRoute {
  readonly method: 'GET' | 'POST';
  /** OpenAPI template: `/v1/markets/{marketId}/grid`. */
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  readonly auth: AuthKind;
  readonly mount: Mount;
  readonly pathParams?: Readonly<Record<string, z.ZodType>>;
  /** One object, or alternatives (a parameter is required when every alternative requires it); validated by the handler. */
  readonly query?: z.ZodObject | readonly z.ZodObject[];
  /** JSON body: the router answers 415/400 unless it parses. */
  readonly body?: z.ZodType;
  /** Request headers by their canonical name, parsed by the router with the body (400, the header's name as the path). */
  readonly headers?: Readonly<Record<string, z.ZodType>>;
  readonly responses: readonly SuccessResponse[];
  /** Codes beyond those of the router's checks (`checkErrors`). */
  readonly errors: readonly ErrorCode[];
}

// Codes shared by families of routes, in SPEC 4's order of checks.
/** Routes that read the body (every authenticated one: the body bytes are signed). */
const BODY_READ = ['payload_too_large'] as const satisfies ErrorCode[];
const SIGNATURE = ['unknown_api_key', 'invalid_signature', 'stale_timestamp', 'replayed_nonce'] as const satisfies ErrorCode[];
/** A bearer token (admin or staff) on a player route is 403. */
const PLAYER_AUTH = [...SIGNATURE, 'forbidden'] as const satisfies ErrorCode[];
/** No or unknown credentials 401; a staff token 403; a request signed as a player is verified (its 401 codes), then 403. */
const ADMIN_AUTH = ['unauthorized', ...SIGNATURE, 'forbidden'] as const satisfies ErrorCode[];
/** The same for staff routes: ADMIN_TOKEN (it names no person) and a staff role without the right are the 403s. */
const STAFF_AUTH = ADMIN_AUTH;
const JSON_BODY = ['unsupported_media_type', 'validation_failed'] as const satisfies ErrorCode[];
const DEPENDENCY = ['service_unavailable'] as const satisfies ErrorCode[];

export const isStaff = (auth: AuthKind): auth is 'staff' | 'staff-award' => auth === 'staff' || auth === 'staff-award';

/** Routes whose body bytes are read (every authenticated one: they are signed; and any that takes a body). */
export const readsBody = (r: ApiRoute): boolean => r.auth !== 'none' || r.body !== undefined;

/**
 * Routes the router may shed past capacity (SPEC 4: 503 `overloaded` right after 404/405): every `router` entry but
 * the admin ones (health, readiness and Bull Board are mounted by app.ts and never reach the router).
 */
export const sheds = (r: ApiRoute): boolean => r.mount === 'router' && r.auth !== 'admin';

/** The codes of the checks router.ts applies from a `router` entry, in SPEC 4's order: 503 shed, 413, authentication, 415/400. */
export function checkErrors(r: ApiRoute): ErrorCode[] {
  if (r.mount !== 'router') return [];
  const auth = r.auth === 'player' ? PLAYER_AUTH : r.auth === 'admin' ? ADMIN_AUTH : isStaff(r.auth) ? STAFF_AUTH : [];
  const invalid = r.body ? JSON_BODY : r.headers ? (['validation_failed'] as const) : [];
  return [...(sheds(r) ? (['overloaded'] as const) : []), ...(readsBody(r) ? BODY_READ : []), ...auth, ...invalid];
}

const id = z.string().min(1);
const healthStatus = z.object({ status: z.enum(['ok', 'unavailable']) });

export const API_ROUTES = {
  getTime: {
    method: 'GET',
    path: '/v1/time',
    summary: "The server's clock, to sign requests with X-Timestamp",
    tag: 'public',
    auth: 'none',
    mount: 'router',
    responses: [{ status: 200, description: 'the server time', schema: serverTimeResponse }],
    errors: [],
  },
  getOpenApi: {
    method: 'GET',
    path: '/v1/openapi.json',
    summary: 'This document',
    tag: 'public',
    auth: 'none',
    mount: 'router',
    responses: [{ status: 200, description: 'the OpenAPI 3.1 document of this API', schema: z.record(z.string(), z.unknown()) }],
    errors: [],
  },
  listMarkets: {
    method: 'GET',
    path: '/v1/markets',
    summary: 'Markets with their price and feed status',
    tag: 'markets',
    auth: 'none',
    mount: 'router',
    responses: [{ status: 200, description: 'every configured market', schema: z.array(marketViewSchema) }],
    errors: [...DEPENDENCY],
  },
  getGrid: {
    method: 'GET',
    path: '/v1/markets/{marketId}/grid',
    summary: "The market's grid of cells around the current price",
    description: 'Empty while the market is CRITICAL. A valid cell the grid no longer shows still takes bets.',
    tag: 'markets',
    auth: 'none',
    mount: 'router',
    pathParams: { marketId: id },
    responses: [{ status: 200, description: 'the grid', schema: gridResponse }],
    errors: ['unknown_market', ...DEPENDENCY],
  },
  marketStream: {
    method: 'GET',
    path: '/v1/markets/stream',
    summary: 'WebSocket stream of public market data: prices and feed status',
    description:
      'A WebSocket upgrade, unsigned. Right after the upgrade the current price (`{"type": "price", "marketId", "price", ' +
      '"ts"}`, markets with a tick) and status (`{"type": "feed:status", "marketId", "status"}`) of every market; then ' +
      `prices at most every ${PRICE_INTERVAL_MS} ms per market (the latest tick wins) and every feed:status change. No \`seq\`: ` +
      'a client that reconnects reads `GET /v1/markets` again. A socket that cannot keep up is closed (1013). ' +
      'A request that is not an upgrade is 404 `not_found`.',
    tag: 'stream',
    auth: 'none',
    mount: 'upgrade',
    responses: [{ status: 101, description: 'switching to the WebSocket protocol' }],
    errors: ['not_found'],
  },
  placeBet: {
    method: 'POST',
    path: '/v1/bets',
    summary: 'Place a bet on a cell',
    description:
      'Accepted bets are pending until `bet:confirmed` / `bet:rejected` on the stream. The same `clientBetId` with the same body ' +
      "answers 200 with the bet's current view (whatever its state); with another body 422 `idempotency_key_reused`. " +
      '`limit_exceeded` is enforced by the ledger (`bet:rejected`); the gateway may answer it early.',
    tag: 'bets',
    auth: 'player',
    mount: 'router',
    body: placeBetBody,
    responses: [
      { status: 202, description: 'accepted, pending; the multiplier is locked', schema: placeBetAccepted },
      { status: 200, description: 'a replay of this clientBetId with the same body: the current view', schema: betViewSchema },
    ],
    errors: [
      'idempotency_key_reused',
      'archived',
      'unknown_market',
      'unknown_cell',
      'market_suspended',
      ...DEPENDENCY,
      'cell_closed',
      'cell_unavailable',
      'stake_out_of_range',
      'quote_moved',
      'limit_exceeded',
      'insufficient_funds',
    ],
  },
  listBets: {
    method: 'GET',
    path: '/v1/bets',
    summary: "One bet by clientBetId, or a page of the player's bets by last change",
    description:
      '`?clientBetId=<uuid>` answers that bet (pending from the 202 on, never 404 while queued); ' +
      '`?since=<ms>&limit=&cursor=` answers `{bets, nextCursor}`, oldest change first, `nextCursor` null at the end.',
    tag: 'bets',
    auth: 'player',
    mount: 'router',
    query: [betByClientIdQuery, betListQuery],
    responses: [{ status: 200, description: 'the bet (clientBetId) or a page (since)', schema: z.union([betViewSchema, betPageResponse]) }],
    errors: ['validation_failed', 'not_found', 'archived', ...DEPENDENCY],
  },
  getBet: {
    method: 'GET',
    path: '/v1/bets/{betId}',
    summary: 'One bet of this player',
    tag: 'bets',
    auth: 'player',
    mount: 'router',
    pathParams: { betId: id },
    responses: [{ status: 200, description: 'the bet', schema: betViewSchema }],
    errors: ['not_found', 'archived', ...DEPENDENCY],
  },
  getMe: {
    method: 'GET',
    path: '/v1/me',
    summary: "The player's balance and wallet sequence",
    tag: 'bets',
    auth: 'player',
    mount: 'router',
    responses: [{ status: 200, description: 'the player', schema: meResponse }],
    errors: [...DEPENDENCY],
  },
  stream: {
    method: 'GET',
    path: '/v1/stream',
    summary: "WebSocket stream of the player's events and every market's feed:status",
    description:
      'A WebSocket upgrade. `sig` signs `ts\\nnonce\\nGET\\n/v1/stream\\n` (empty body) under the X-Signature rules. ' +
      'Messages (JSON, `seq` contiguous per connection from 1): `hello`, `bet:confirmed`, `bet:rejected`, `bet:settled`, ' +
      '`feed:status` (SPEC 4.5). Ping every 15 s; a socket that cannot keep up is closed (1013): resync with ' +
      '`GET /v1/bets?since=` and `GET /v1/me`. A request that is not an upgrade is 404 `not_found`.',
    tag: 'stream',
    auth: 'stream',
    mount: 'upgrade',
    query: z.object({
      apiKey: id,
      ts: z
        .string()
        .regex(/^[0-9]{13}$/)
        .meta({ description: 'epoch ms, 13 digits' }),
      nonce: z.uuid(),
      sig: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .meta({ description: 'lower-case hex HMAC-SHA256(apiSecret, ts\\nnonce\\nGET\\n/v1/stream\\n)' }),
    }),
    responses: [{ status: 101, description: 'switching to the WebSocket protocol' }],
    errors: ['not_found', ...SIGNATURE, ...DEPENDENCY],
  },
  createPlayer: {
    method: 'POST',
    path: '/v1/admin/players',
    summary: 'Create a player and its API credentials',
    tag: 'admin',
    auth: 'admin',
    mount: 'router',
    body: createPlayerBody,
    responses: [{ status: 201, description: 'the player and its credentials (the secret is shown once)', schema: createPlayerResponse }],
    errors: [...DEPENDENCY],
  },
  deposit: {
    method: 'POST',
    path: '/v1/admin/players/{playerId}/deposits',
    summary: "Credit a player's wallet",
    description:
      '`reference` is unique per player: the same reference again answers 200 with the original body; with another amount 422. ' +
      'The gateway waits for the ledger up to DEPOSIT_TIMEOUT_MS, then 503 `timeout` (a retry with the reference is safe).',
    tag: 'admin',
    auth: 'admin',
    mount: 'router',
    pathParams: { playerId: id },
    body: depositBody,
    responses: [
      { status: 201, description: 'deposited', schema: depositResponse },
      { status: 200, description: 'a replay of this reference: the original answer', schema: depositResponse },
    ],
    errors: ['idempotency_key_reused', 'unknown_player', 'timeout', ...DEPENDENCY],
  },
  createStaff: {
    method: 'POST',
    path: '/v1/admin/staff',
    summary: 'Create a staff member and its bearer token',
    tag: 'admin',
    auth: 'admin',
    mount: 'router',
    body: createStaffBody,
    responses: [{ status: 201, description: 'the staff member and its token (shown once)', schema: createStaffResponse }],
    errors: [...DEPENDENCY],
  },
  reconciliation: {
    method: 'GET',
    path: '/v1/admin/reconciliation',
    summary: 'Accounts whose balance differs from the sum of their entries',
    tag: 'admin',
    auth: 'admin',
    mount: 'router',
    responses: [{ status: 200, description: 'checked accounts and drift (0 when all is well)', schema: reconciliationResponse }],
    errors: [...DEPENDENCY],
  },
  archiveRun: {
    method: 'POST',
    path: '/v1/admin/archive/run',
    summary: 'Start an archive run now (SPEC 5)',
    description:
      "Queues a run for the archiver and answers its id; while a run is going, answers that run's id instead (one run at a time). " +
      'Follow it with GET /v1/admin/archive/runs/{runId}.',
    tag: 'admin',
    auth: 'admin',
    mount: 'router',
    responses: [{ status: 202, description: 'queued (or the run already going)', schema: archiveRunAccepted }],
    errors: [...DEPENDENCY],
  },
  archiveRunStatus: {
    method: 'GET',
    path: '/v1/admin/archive/runs/{runId}',
    summary: 'An archive run: status, partitions, rows, bytes, error, files',
    tag: 'admin',
    auth: 'admin',
    mount: 'router',
    pathParams: { runId: id },
    responses: [{ status: 200, description: 'the run', schema: archiveRunView }],
    errors: ['not_found', ...DEPENDENCY],
  },
  postTick: {
    method: 'POST',
    path: '/v1/admin/markets/{marketId}/ticks',
    summary: 'Feed a price tick to a market (forwarded to feed-monitor as a job)',
    description: '`ts` (epoch ms) must lie in [previous tick ts, now + 1 s]; without it the receive time is used.',
    tag: 'admin',
    auth: 'admin',
    mount: 'router',
    pathParams: { marketId: id },
    body: adminTickBody,
    responses: [{ status: 202, description: 'queued for feed-monitor', schema: tickAcceptedResponse }],
    errors: ['unknown_market', ...DEPENDENCY],
  },
  meLoyalty: {
    method: 'GET',
    path: '/v1/me/loyalty',
    summary: "The player's loyalty points, tier and ledger entries",
    description: 'Entries newest first, `limit` per page; `nextCursor` (null at the end) asks for the next page.',
    tag: 'loyalty',
    auth: 'player',
    mount: 'router',
    query: loyaltyPageQuery,
    responses: [{ status: 200, description: 'the account and a page of its entries', schema: loyaltyAccountResponse }],
    errors: ['validation_failed', ...DEPENDENCY],
  },
  playerLoyalty: {
    method: 'GET',
    path: '/v1/loyalty/players/{playerId}',
    summary: "A player's loyalty points, tier and ledger entries (staff)",
    description:
      'Entries newest first, `limit` per page; `nextCursor` (null at the end) asks for the next page. A known player ' +
      'without loyalty activity has 0 points, the lowest tier and no entries.',
    tag: 'loyalty',
    auth: 'staff',
    mount: 'router',
    pathParams: { playerId: id },
    query: loyaltyPageQuery,
    responses: [{ status: 200, description: 'the account and a page of its entries', schema: loyaltyAccountResponse }],
    errors: ['validation_failed', 'unknown_player', ...DEPENDENCY],
  },
  playerSlips: {
    method: 'GET',
    path: '/v1/loyalty/players/{playerId}/slips',
    summary: "A player's rating slips, newest first (staff)",
    description: `At most the newest ${SLIPS_LIST_MAX} slips. \`points\` is null until step 2 of the saga has accrued.`,
    tag: 'loyalty',
    auth: 'staff',
    mount: 'router',
    pathParams: { playerId: id },
    responses: [{ status: 200, description: 'the slips', schema: z.array(slipViewSchema) }],
    errors: ['unknown_player', ...DEPENDENCY],
  },
  closeSlip: {
    method: 'POST',
    path: '/v1/loyalty/slips/{slipId}/close',
    summary: 'Close a rating slip (staff); its points accrue once',
    description: `Closing a closed slip again answers 200 with no change. The gateway waits for loyalty up to LOYALTY_TIMEOUT_MS, then 503 \`timeout\` (a retry is safe).`,
    tag: 'loyalty',
    auth: 'staff',
    mount: 'router',
    pathParams: { slipId: id },
    responses: [{ status: 200, description: 'the slip', schema: slipViewSchema }],
    errors: ['unknown_slip', 'timeout', ...DEPENDENCY],
  },
  recoverSlip: {
    method: 'POST',
    path: '/v1/loyalty/slips/{slipId}/recover',
    summary: "Replay a closed slip's accrual (staff with the award right: supervisor, admin)",
    description:
      'For a closed slip left without accrual (a crash between the saga steps). A slip already accrued answers 200 with ' +
      'no change; an open one 422 `slip_open`. Waits for loyalty up to LOYALTY_TIMEOUT_MS, then 503 `timeout`.',
    tag: 'loyalty',
    auth: 'staff-award',
    mount: 'router',
    pathParams: { slipId: id },
    responses: [{ status: 200, description: 'the slip', schema: slipViewSchema }],
    errors: ['unknown_slip', 'timeout', ...DEPENDENCY, 'slip_open'],
  },
  reward: {
    method: 'POST',
    path: '/v1/loyalty/rewards',
    summary: 'Grant a player loyalty points by hand (staff with the award right: supervisor, admin)',
    description:
      'The idempotency key is the `Idempotency-Key` header when sent (a deliberate second reward uses a new one), else ' +
      "the gaming day's bucket of (player, staff, points, normalised reason). A repeat answers 200 with the original entry " +
      `and \`duplicate: true\`; the key with another body 422 \`idempotency_key_reused\`. At most ${REWARD_MAX_POINTS} points ` +
      '(else 422 `points_exceed_max`); at most 10 new awards (by default) per staff member per rolling minute (429 ' +
      '`rate_limited` with Retry-After; repeats are not counted). Waits for loyalty up to LOYALTY_TIMEOUT_MS, then 503 `timeout` (a retry ' +
      'with the same key is safe).',
    tag: 'loyalty',
    auth: 'staff-award',
    mount: 'router',
    headers: { 'Idempotency-Key': idempotencyKeyHeader.optional() },
    body: rewardBody,
    responses: [
      { status: 201, description: 'rewarded: the new ledger entry', schema: rewardResponse },
      { status: 200, description: 'a repeat of an earlier reward: its entry, `duplicate: true`', schema: rewardResponse },
    ],
    errors: ['idempotency_key_reused', 'unknown_player', 'timeout', ...DEPENDENCY, 'points_exceed_max', 'rate_limited'],
  },
  bullBoard: {
    method: 'GET',
    path: '/admin/queues',
    summary: 'Bull Board (HTML), read-only unless BULL_BOARD_READ_ONLY=off',
    tag: 'operations',
    auth: 'admin-board',
    mount: 'app',
    responses: [{ status: 200, description: 'the Bull Board UI', contentType: 'text/html' }],
    errors: ['unauthorized', ...DEPENDENCY],
  },
  healthz: {
    method: 'GET',
    path: '/healthz',
    summary: 'Liveness (also on the ops port)',
    tag: 'operations',
    auth: 'none',
    mount: 'app',
    responses: [{ status: 200, description: 'alive', schema: healthStatus }],
    errors: [],
  },
  readyz: {
    method: 'GET',
    path: '/readyz',
    summary: 'Readiness: Postgres and Redis answer and the process is not draining (also on the ops port)',
    tag: 'operations',
    auth: 'none',
    mount: 'app',
    responses: [
      { status: 200, description: 'ready', schema: healthStatus },
      { status: 503, description: 'not ready', schema: healthStatus },
    ],
    errors: [],
  },
} as const satisfies Record<string, ApiRoute>;

export type OperationId = keyof typeof API_ROUTES;
export type RouterOperationId = {
  [K in OperationId]: (typeof API_ROUTES)[K]['mount'] extends 'router' ? K : never;
}[OperationId];

export const ROUTER_OPERATIONS = (Object.keys(API_ROUTES) as OperationId[]).filter(
  (k): k is RouterOperationId => API_ROUTES[k].mount === 'router',
);

/** `/v1/markets/{marketId}/grid` → `/v1/markets/:marketId/grid` (Express). */
export const expressPath = (path: string): string => path.replace(/\{([A-Za-z]+)\}/g, ':$1');
