import { createPool } from '@wagerflow/db';
import { createRedis } from '@wagerflow/queue';
import { createServiceKit, startHealthOnly, type ShutdownManager } from '@wagerflow/runtime';
import type { ArchiverConfig } from './config.js';

/**
 * Composition root of archiver. NOT BUILT YET: the process boots, reports health and readiness of its
 * dependencies and exports metrics, and does nothing else (see this package's README).
 */
export async function createService(config: ArchiverConfig): Promise<{ start(): Promise<void>; shutdown: ShutdownManager }> {
  const kit = createServiceKit('archiver', config);
  const pool = createPool(config.DATABASE_URL, { max: 2, applicationName: 'archiver', logger: kit.logger });
  const redis = createRedis(config.REDIS_URL, 'blocking');
  return {
    shutdown: kit.shutdown,
    start: () => startHealthOnly({ name: 'archiver', kit, opsPort: config.ARCHIVER_OPS_PORT, pool, redis }),
  };
}
