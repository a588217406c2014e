import type { NextFunction, Request, Response } from 'express';
import type { ErrorBody } from '@wagerflow/contracts';
import { isConnectionError } from '@wagerflow/db';
import type { Logger } from '@wagerflow/runtime';
import { ApiError } from './api-error.js';
import { isRedisUnavailable } from './redis-unavailable.js';

/** Renders `{"error": {code, message, details?}}`; an unreachable dependency is a quick 503. */
export function errorHandler(logger: Logger) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
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
