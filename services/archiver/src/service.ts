import { createPool } from '@wagerflow/db';
import { createRedis } from '@wagerflow/queue';
import { createServiceKit, dependencyChecks, startOpsServer, type ShutdownManager } from '@wagerflow/runtime';
import type { ArchiverConfig } from './config.js';

/**
 * Composition root of archiver. NOT BUILT YET: the process boots, reports health and readiness of its
 * dependencies and exports metrics, and does nothing else (see this package's README).
 */
export async function createService(config: ArchiverConfig): Promise<{ start(): Promise<void>; shutdown: ShutdownManager }> {
  const kit = createServiceKit('archiver', config);
  const { logger, metrics, shutdown } = kit;
  const pool = createPool(config.DATABASE_URL, { max: 2, applicationName: 'archiver' });
  const redis = createRedis(config.REDIS_URL, 'blocking');
  return {
    shutdown,
    async start() {
      const ops = await startOpsServer({
        port: config.ARCHIVER_OPS_PORT,
        metrics,
        isDraining: shutdown.isDraining,
        checks: dependencyChecks({ postgres: pool, redis }),
      });
      shutdown.add('close ops server', () => ops.close());
      shutdown.add('quit redis', async () => void (await redis.quit()));
      shutdown.add('end pool', () => pool.end());
      shutdown.add('flush telemetry', () => kit.telemetry.shutdown());
      logger.info({ opsPort: ops.port }, 'archiver started (health only: not built yet)');
    },
  };
}
