export { createLogger, type Logger } from './logger.js';
export {
  initTelemetry,
  getTracer,
  withCorrelation,
  currentCorrelationId,
  currentTraceId,
  injectTraceContext,
  extractTraceContext,
  type Telemetry,
} from './telemetry.js';
export { createMetrics, type Metrics } from './metrics.js';
export { startOpsServer, dependencyChecks, type OpsServer } from './ops-server.js';
export { runChecks, type ReadinessCheck } from './readiness.js';
export { createShutdownManager, type ShutdownManager } from './shutdown.js';
export { createServiceKit, runMain, type ServiceKit } from './service-kit.js';
export { startHealthOnly } from './health-only.js';
export { runClusterPrimary, shouldRunClusterPrimary, startClusterPrimary, type ClusterPrimary } from './cluster.js';
