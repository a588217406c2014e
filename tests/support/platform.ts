import { AdminClient } from '@wagerflow/client';
import { createTestDatabase, testRedisUrl, uniquePrefix, type TestDatabase } from '@wagerflow/testing';
import type { ServiceName } from '@wagerflow/config';
import { startPlatform, type Platform } from '../../scripts/platform.js';
import { eventually, marketsHealthy } from './players.js';

export interface TestPlatform {
  baseUrl: string;
  adminToken: string;
  admin: AdminClient;
  platform: Platform;
  restarts(service: ServiceName): number;
  /** Start one more OS process of `service` on the same database, Redis and environment; stopped by `stop()`. */
  startReplica(service: ServiceName): Promise<Platform>;
  /** SIGKILL the service and wait until its replacement is ready. */
  killAndAwaitRestart(service: ServiceName): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The whole platform as a user runs it (every service its own process, started by the launcher's
 * orchestrator), on a fresh database and a unique Redis prefix, on free ports.
 */
export async function startTestPlatform(env: Record<string, string> = {}, opts: { awaitHealthy?: boolean } = {}): Promise<TestPlatform> {
  const db: TestDatabase = await createTestDatabase();
  const lines: string[] = [];
  const options = {
    databaseUrl: db.url,
    redisUrl: testRedisUrl(),
    randomPorts: true,
    restartDelayMs: 100,
    stopTimeoutMs: 10_000,
    // FEED_RECOVERY_MS: a new market is CRITICAL until its feed has been healthy that long (30 s by default).
    env: { REDIS_PREFIX: uniquePrefix('e2e'), LOG_LEVEL: 'warn', FEED_SIMULATOR_INTERVAL_MS: '100', FEED_RECOVERY_MS: '300', ...env },
    output: (source: string, line: string) => {
      lines.push(`${source} | ${line}`);
      if (lines.length > 2_000) lines.splice(0, 1_000);
      if (process.env.E2E_VERBOSE) process.stderr.write(`${source} | ${line}\n`);
    },
  };
  const platform = await startPlatform(options);
  const replicas: Platform[] = [];
  try {
    await platform.waitReady(120_000);
    if (opts.awaitHealthy !== false) {
      await marketsHealthy(platform.gatewayUrl, { timeoutMs: 30_000, what: 'the simulated feed to be HEALTHY' });
    }
  } catch (err) {
    await platform.stop();
    await db.drop();
    throw new Error(`platform did not start: ${(err as Error).message}\n${lines.slice(-40).join('\n')}`);
  }
  const service = (name: ServiceName) => platform.services.get(name)!;
  return {
    baseUrl: platform.gatewayUrl,
    adminToken: platform.adminToken,
    admin: new AdminClient(platform.gatewayUrl, platform.adminToken),
    platform,
    restarts: (name) => service(name).restarts,
    async startReplica(name) {
      const replica = await startPlatform({
        ...options,
        services: [name],
        adminToken: platform.adminToken,
        secretEncryptionKey: platform.secretEncryptionKey,
      });
      replicas.push(replica);
      await replica.waitReady(60_000);
      return replica;
    },
    async killAndAwaitRestart(name) {
      const before = service(name).restarts;
      service(name).kill('SIGKILL');
      await eventually(async () => (service(name).restarts > before ? true : undefined), 30_000, `${name} to restart`);
      await service(name).waitReady(60_000);
    },
    async stop() {
      await Promise.all(replicas.map((r) => r.stop()));
      await platform.stop();
      await db.drop();
    },
  };
}
