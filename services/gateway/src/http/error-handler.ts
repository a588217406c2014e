import type { NextFunction } from 'express';
import type { ErrorBody } from '@wagerflow/contracts';
import { isConnectionError } from '@wagerflow/db';
import type { Logger } from '@wagerflow/runtime';
import { ApiError } from './api-error.js';
import type { ApiRequest, ApiResponse } from './http-types.js';
import { isRedisUnavailable } from './redis-unavailable.js';

/** Renders `{"error": {code, message, details?}}`; an unreachable dependency is a quick 503. */
export function renderError(logger: Logger) {
  return (err: unknown, res: ApiResponse): void => {
    let apiErr: ApiError;
    if (err instanceof ApiError) apiErr = err;
    else if (isConnectionError(err) || isRedisUnavailable(err)) {
      logger.warn({ err }, 'dependency unavailable');
      apiErr = new ApiError('service_unavailable', 'a dependency is unavailable; retry later');
    } else {
      logger.error({ err }, 'unhandled error');
      apiErr = new ApiError('internal_error', 'internal error');
    }
    if (res.headersSent) return;
    for (const [k, v] of Object.entries(apiErr.headers ?? {})) res.setHeader(k, v);
    const body: ErrorBody = {
      error: { code: apiErr.code, message: apiErr.message, ...(apiErr.details ? { details: apiErr.details } : {}) },
    };
    res.status(apiErr.status).json(body);
  };
}

/** The same as Express's error middleware (the last `app.use`). */
export function errorHandler(logger: Logger) {
  const render = renderError(logger);
  return (err: unknown, _req: ApiRequest, res: ApiResponse, _next: NextFunction): void => render(err, res);
}
