import type { CommonEnv, OtelEnv } from '@wagerflow/config';
import { ConfigError } from '@wagerflow/config';
import { createLogger, type Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createShutdownManager, type ShutdownManager } from './shutdown.js';
import { initTelemetry, type Telemetry } from './telemetry.js';

export interface ServiceKit {
  logger: Logger;
  metrics: Metrics;
  telemetry: Telemetry;
  shutdown: ShutdownManager;
}

/** The parts every service process has: telemetry first (so every later span is recorded), then logs, metrics and shutdown. */
export function createServiceKit(service: string, config: CommonEnv & OtelEnv): ServiceKit {
  const telemetry = initTelemetry(service, config);
  const logger = createLogger(service, config.LOG_LEVEL);
  const metrics = createMetrics(service);
  const shutdown = createShutdownManager(logger, config.SHUTDOWN_TIMEOUT_MS);
  return { logger, metrics, telemetry, shutdown };
}

/** Entry point wrapper: a bad configuration prints its message (naming the variable) and exits 2. */
export async function runMain(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  }
}
