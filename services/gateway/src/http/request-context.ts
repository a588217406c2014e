import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { NextFunction } from 'express';
import type { ApiRequest, ApiResponse } from './http-types.js';
import { getTracer, withCorrelation } from '@wagerflow/runtime';

/**
 * A root span per request — incoming `traceparent`/`baggage` from clients are ignored (SPEC 4) —
 * whose trace id is the `x-request-id` and the correlation id of everything the request causes.
 */
export function requestContext(onDone?: (route: string, status: number, ms: number) => void) {
  const tracer = getTracer();
  return (req: ApiRequest, res: ApiResponse, next: NextFunction): void => {
    const started = performance.now();
    const span = tracer.startSpan(
      `HTTP ${req.method}`,
      { kind: SpanKind.SERVER, root: true, attributes: { 'http.request.method': req.method, 'url.path': req.path } },
      ROOT_CONTEXT,
    );
    const traceId = span.spanContext().traceId;
    res.locals.traceId = traceId;
    res.setHeader('x-request-id', traceId);
    res.on('finish', () => {
      const route = typeof res.locals.route === 'string' ? res.locals.route : 'unmatched';
      span.updateName(`${req.method} ${route}`);
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      onDone?.(route, res.statusCode, performance.now() - started);
    });
    withCorrelation(traceId, () => next(), trace.setSpan(context.active(), span));
  };
}
