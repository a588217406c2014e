import pino from 'pino';
import { currentCorrelationId, currentTraceId } from './telemetry.js';

export type Logger = pino.Logger;

/** JSON lines; every line carries the active trace id and correlation id (SPEC 1). */
export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // Secrets must never reach a log line, whatever object is logged.
    redact: { paths: ['apiSecret', '*.apiSecret', 'token', '*.token', 'headers.authorization', 'secret'], censor: '[redacted]' },
    mixin() {
      const traceId = currentTraceId();
      const correlationId = currentCorrelationId() ?? traceId;
      return traceId || correlationId ? { trace_id: traceId, correlation_id: correlationId } : {};
    },
  });
}
