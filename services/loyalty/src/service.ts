import { createPool } from '@wagerflow/db';
import { createRedis } from '@wagerflow/queue';
import { createServiceKit, startHealthOnly, type ShutdownManager } from '@wagerflow/runtime';
import type { LoyaltyConfig } from './config.js';

/**
 * Composition root of loyalty. NOT BUILT YET: the process boots, reports health and readiness of its
 * dependencies and exports metrics, and does nothing else (see this package's README).
 */
export async function createService(config: LoyaltyConfig): Promise<{ start(): Promise<void>; shutdown: ShutdownManager }> {
  const kit = createServiceKit('loyalty', config);
  const pool = createPool(config.DATABASE_URL, { max: 2, applicationName: 'loyalty', logger: kit.logger });
  const redis = createRedis(config.REDIS_URL, 'blocking');
  return {
    shutdown: kit.shutdown,
    start: () => startHealthOnly({ name: 'loyalty', kit, opsPort: config.LOYALTY_OPS_PORT, pool, redis }),
  };
}
