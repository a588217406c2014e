import { z } from 'zod';

/** Public error codes of SPEC 4, with the HTTP status each one answers with. */
export const ERROR_STATUS = {
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unauthorized: 401,
  unknown_api_key: 401,
  invalid_signature: 401,
  stale_timestamp: 401,
  replayed_nonce: 401,
  forbidden: 403,
  unsupported_media_type: 415,
  validation_failed: 400,
  idempotency_key_reused: 422,
  unknown_player: 404,
  unknown_market: 404,
  unknown_cell: 404,
  unknown_slip: 404,
  archived: 410,
  service_unavailable: 503,
  timeout: 503,
  market_suspended: 503,
  overloaded: 503,
  cell_closed: 422,
  cell_unavailable: 422,
  stake_out_of_range: 422,
  quote_moved: 422,
  limit_exceeded: 422,
  insufficient_funds: 422,
  points_exceed_max: 422,
  slip_open: 422,
  rate_limited: 429,
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

/** What each code means, for the OpenAPI document (GET /v1/openapi.json). */
export const ERROR_DESCRIPTIONS: Record<ErrorCode, string> = {
  not_found: 'no such route, or no such resource of this player',
  method_not_allowed: 'the path exists, not with this method (see the Allow header)',
  payload_too_large: 'the body exceeds 64 KiB',
  unauthorized: 'no credentials, or unknown ones',
  unknown_api_key: 'X-Api-Key missing or unknown',
  invalid_signature: 'a signing header missing or malformed, or the signature is wrong',
  stale_timestamp: 'X-Timestamp outside [now - 30 s, now + 5 s]',
  replayed_nonce: 'X-Nonce already used in the last 90 s',
  forbidden: 'valid credentials without the right to this route',
  unsupported_media_type: 'the body is not application/json',
  validation_failed: 'invalid JSON, or the body or query does not match the schema (details name the fields)',
  idempotency_key_reused: 'the idempotency key was used before with a different body',
  unknown_player: 'no such player',
  unknown_market: 'no such market',
  unknown_cell: 'not a cell of the next windows of this market',
  unknown_slip: 'no such rating slip',
  archived: 'the resource was archived',
  service_unavailable: 'a dependency is down; retry later',
  timeout: 'the ledger (or loyalty) did not answer in time; a retry with the same idempotency key is safe',
  market_suspended: 'the market is CRITICAL: no new bets',
  overloaded:
    'the gateway is past its capacity and refused the request at once, before any other check: nothing was stored or spent (not even the nonce); retry after Retry-After seconds (a bet under the same clientBetId)',
  cell_closed: 'the cell is past its lockout',
  cell_unavailable: 'the cell is not offered at the current price',
  stake_out_of_range: 'the stake is outside the configured limits',
  quote_moved: 'the multiplier fell below minMultiplier',
  limit_exceeded: "the cell's liability cap would be exceeded",
  insufficient_funds: 'the balance is too low',
  points_exceed_max: 'a manual reward may grant at most 10 000 points',
  slip_open: 'the slip is still open: close it first (nothing to recover)',
  rate_limited: 'too many requests; see Retry-After',
  internal_error: 'an unexpected error',
};

export const errorDetailSchema = z.object({ path: z.string(), message: z.string() });
export type ErrorDetail = z.output<typeof errorDetailSchema>;

/** SPEC 4's error body; `codes` narrows `error.code` to what one route or status can answer. */
export function errorBodySchema(codes: readonly ErrorCode[] = ERROR_CODES) {
  return z.object({
    error: z.object({
      code: z.enum(codes as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      details: z.array(errorDetailSchema).optional(),
    }),
  });
}

/** SPEC 4's error body, as the gateway's error middleware renders it. */
export type ErrorBody = z.output<ReturnType<typeof errorBodySchema>>;

/** Reasons a bet can be rejected by the ledger (the `reason` of `bet:rejected`). */
export const REJECT_REASONS = ['insufficient_funds', 'cell_closed', 'market_suspended', 'limit_exceeded'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];
