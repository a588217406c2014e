import { dependencyChecks, startOpsServer } from './ops-server.js';
import type { ServiceKit } from './service-kit.js';

/**
 * A service that is not built yet: it serves /healthz, /readyz (Postgres and Redis) and /metrics on its ops port,
 * does nothing else, and shuts down cleanly. Shared by loyalty and archiver until they get their own behaviour.
 */
export async function startHealthOnly(o: {
  name: string;
  kit: ServiceKit;
  opsPort: number;
  pool: { query(sql: string): Promise<unknown>; end(): Promise<void> };
  redis: { ping(): Promise<unknown>; quit(): Promise<unknown> };
}): Promise<void> {
  const { kit } = o;
  const ops = await startOpsServer({
    port: o.opsPort,
    metrics: kit.metrics,
    isDraining: kit.shutdown.isDraining,
    checks: dependencyChecks({ postgres: o.pool, redis: o.redis }),
  });
  kit.shutdown.add('close ops server', () => ops.close());
  kit.shutdown.add('quit redis', async () => void (await o.redis.quit()));
  kit.shutdown.add('end pool', () => o.pool.end());
  kit.shutdown.add('flush telemetry', () => kit.telemetry.shutdown());
  kit.logger.info({ opsPort: ops.port }, `${o.name} started (health only: not built yet)`);
}
