import { ERROR_STATUS, type ErrorCode, type ErrorDetail } from '@wagerflow/contracts';

/** An error with a SPEC 4 code; the error middleware renders it as `{"error": {...}}`. */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}
