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
  archived: 410,
  service_unavailable: 503,
  timeout: 503,
  market_suspended: 503,
  cell_closed: 422,
  cell_unavailable: 422,
  stake_out_of_range: 422,
  quote_moved: 422,
  limit_exceeded: 422,
  insufficient_funds: 422,
  rate_limited: 429,
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorDetail {
  path: string;
  message: string;
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: ErrorDetail[] };
}

/** Reasons a bet can be rejected by the ledger (the `reason` of `bet:rejected`). */
export const REJECT_REASONS = ['insufficient_funds', 'cell_closed', 'market_suspended', 'limit_exceeded'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];
