import { context, createContextKey, propagation, trace, type Context, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OTLPTraceExporter as OtlpHttpJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpHttpProto } from '@opentelemetry/exporter-trace-otlp-proto';
import type { OtelEnv } from '@wagerflow/config';

const CORRELATION_KEY = createContextKey('wagerflow.correlation_id');

export interface Telemetry {
  tracer: Tracer;
  shutdown(): Promise<void>;
}

function samplerFrom(env: OtelEnv): Sampler {
  const ratio = new TraceIdRatioBasedSampler(env.OTEL_TRACES_SAMPLER_ARG ?? 1);
  switch (env.OTEL_TRACES_SAMPLER) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

function exporterFrom(env: OtelEnv): SpanExporter | undefined {
  const base =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (env.OTEL_EXPORTER_OTLP_ENDPOINT ? `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/$/, '')}/v1/traces` : undefined);
  if (!base) return undefined;
  return env.OTEL_EXPORTER_OTLP_PROTOCOL === 'http/json' ? new OtlpHttpJson({ url: base }) : new OtlpHttpProto({ url: base });
}

/**
 * Tracing is always on in-process (trace ids are our request and correlation ids); spans leave
 * the process only when an OTLP endpoint is configured. Without one, spans are not recorded: they
 * still get ids and propagate, but cost no attributes, events or end-time bookkeeping on the hot path.
 */
export function initTelemetry(serviceName: string, env: OtelEnv): Telemetry {
  const exporter = exporterFrom(env);
  const spanProcessors: SpanProcessor[] = exporter
    ? [new BatchSpanProcessor(exporter, { maxQueueSize: 8192, scheduledDelayMillis: 500 })]
    : [];
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? serviceName }),
    sampler: exporter ? samplerFrom(env) : new AlwaysOffSampler(),
    spanProcessors,
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  return {
    tracer: trace.getTracer('wagerflow'),
    shutdown: () => provider.shutdown(),
  };
}

export function getTracer(): Tracer {
  return trace.getTracer('wagerflow');
}

/** Run `fn` with `correlationId` attached to the active context (logged on every line). */
export function withCorrelation<T>(correlationId: string, fn: () => T, ctx: Context = context.active()): T {
  return context.with(ctx.setValue(CORRELATION_KEY, correlationId), fn);
}

export function currentCorrelationId(ctx: Context = context.active()): string | undefined {
  const v = ctx.getValue(CORRELATION_KEY);
  return typeof v === 'string' ? v : undefined;
}

export function currentTraceId(ctx: Context = context.active()): string | undefined {
  const sc = trace.getSpanContext(ctx);
  return sc && sc.traceId !== '00000000000000000000000000000000' ? sc.traceId : undefined;
}

/** W3C headers of `ctx`, to carry in an event or job. */
export function injectTraceContext(ctx: Context = context.active()): { traceparent?: string; tracestate?: string } {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

export function extractTraceContext(carrier: { traceparent?: string | undefined; tracestate?: string | undefined }): Context {
  const c: Record<string, string> = {};
  if (carrier.traceparent) c.traceparent = carrier.traceparent;
  if (carrier.tracestate) c.tracestate = carrier.tracestate;
  return propagation.extract(context.active(), c);
}
