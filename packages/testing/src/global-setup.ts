/**
 * vitest `globalSetup`: one Postgres and one Redis for the whole run, and the migrated template database.
 *
 * Sources, in order: TEST_DATABASE_URL / TEST_REDIS_URL; else containers (testcontainers) when a Docker engine
 * answers; else local servers (embedded Postgres, `redis-server` from PATH) on free ports. Test files then call
 * `createTestDatabase()` / `testRedisUrl()` / `uniquePrefix()` from `@wagerflow/testing`.
 *
 * Do not import the `vitest` runtime here: globalSetup runs outside the test workers.
 */
import { existsSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrateLatest } from '@wagerflow/db';
import { databaseUrlFor, randomId, startEmbeddedPostgres, startRedisServer, waitUntil } from '@wagerflow/local-servers';
import { TEMPLATE_DATABASE } from './test-context.js';

interface Server {
  url: string;
  label: string;
  stop: () => Promise<void>;
}

/** Durability is irrelevant for throwaway test data; many test files each run a platform with its own pools. */
const TEST_POSTGRES_FLAGS = ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=500'];

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = randomId(3);
  const started: Server[] = [];
  const stopAll = async () => {
    for (const server of started.reverse()) await server.stop().catch((err) => console.error(`stopping ${server.label}:`, err));
  };

  try {
    const envPg = process.env.TEST_DATABASE_URL;
    const envRedis = process.env.TEST_REDIS_URL;
    const useDocker = (!envPg || !envRedis) && (await dockerEngineReachable());
    const results = await Promise.allSettled([
      envPg ? external(envPg, 'TEST_DATABASE_URL') : useDocker ? postgresContainer() : localPostgres(),
      envRedis ? external(envRedis, 'TEST_REDIS_URL') : useDocker ? redisContainer() : localRedis(),
    ]);
    for (const r of results) if (r.status === 'fulfilled') started.push(r.value);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const [postgres, redis] = started as [Server, Server];

    // On a server we started, `wf_template`. On a shared TEST_DATABASE_URL server, one template per run (several
    // vitest projects or runs may set up at once); it is dropped with the run's databases at teardown.
    const template = envPg ? `${TEMPLATE_DATABASE}_${runId}` : TEMPLATE_DATABASE;
    await prepareTemplate(postgres.url, template);
    console.log(`[test infra ${project.name}] Postgres: ${postgres.label}; Redis: ${redis.label}; ${template} migrated`);
    project.provide('wfTestDatabaseUrl', postgres.url);
    project.provide('wfTestTemplate', template);
    project.provide('wfTestRedisUrl', redis.url);
    project.provide('wfTestRunId', runId);

    return async () => {
      if (envPg) {
        await dropRunDatabases(postgres.url, runId, template).catch((err) => console.error('dropping test databases:', err));
      }
      await stopAll();
    };
  } catch (err) {
    await stopAll();
    // vitest reports a failed globalSetup with little more than "Test failed": say why here, then fail the run.
    console.error(`[test infra ${project.name}] could not provide Postgres and Redis:`, err);
    throw err;
  }
}

async function external(url: string, variable: string): Promise<Server> {
  return { url, label: `${variable} (${new URL(url).host})`, stop: async () => undefined };
}

async function localPostgres(): Promise<Server> {
  const server = await startEmbeddedPostgres({ postgresFlags: TEST_POSTGRES_FLAGS });
  return { url: server.url, label: `embedded, port ${server.port}`, stop: server.stop };
}

async function localRedis(): Promise<Server> {
  const server = await startRedisServer({ appendonly: false });
  return { url: server.url, label: `redis-server, port ${server.port}`, stop: server.stop };
}

async function postgresContainer(): Promise<Server> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer('postgres:18-alpine')
    .withEnvironment({ POSTGRES_PASSWORD: 'postgres' })
    .withCommand(['postgres', ...TEST_POSTGRES_FLAGS])
    .withExposedPorts(5432)
    // The image's entrypoint starts a temporary server for initdb first: wait for the second "ready".
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .withStartupTimeout(120_000)
    .start();
  const url = `postgres://postgres:postgres@${container.getHost()}:${container.getMappedPort(5432)}/postgres`;
  return { url, label: 'container postgres:18-alpine', stop: async () => void (await container.stop()) };
}

async function redisContainer(): Promise<Server> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer('redis:7.4-alpine')
    .withCommand(['redis-server', '--maxmemory-policy', 'noeviction', '--save', '', '--appendonly', 'no'])
    .withExposedPorts(6379)
    .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
    .start();
  const url = `redis://${container.getHost()}:${container.getMappedPort(6379)}`;
  return { url, label: 'container redis:7.4-alpine', stop: async () => void (await container.stop()) };
}

/**
 * Is a Docker engine answering? Checked quietly with a 1 s `/_ping` on DOCKER_HOST or the usual sockets, so a
 * machine without Docker falls through to local servers at once (testcontainers' own probing is slower and noisy).
 */
export async function dockerEngineReachable(timeoutMs = 1_000): Promise<boolean> {
  const host = process.env.DOCKER_HOST;
  const targets: http.RequestOptions[] = [];
  if (host?.startsWith('unix://')) {
    targets.push({ socketPath: host.slice('unix://'.length) });
  } else if (host?.startsWith('tcp://')) {
    const u = new URL(host.replace(/^tcp:/, 'http:'));
    targets.push({ host: u.hostname, port: Number(u.port || 2375) });
  } else if (!host) {
    const candidates = [
      '/var/run/docker.sock',
      path.join(os.homedir(), '.docker/run/docker.sock'),
      path.join(os.homedir(), '.docker/desktop/docker.sock'),
      process.env.XDG_RUNTIME_DIR ? path.join(process.env.XDG_RUNTIME_DIR, 'docker.sock') : '',
    ];
    for (const socketPath of candidates) if (socketPath && existsSync(socketPath)) targets.push({ socketPath });
  }
  for (const target of targets) {
    // Any HTTP answer means an engine is there (a TLS endpoint answers plain HTTP with 400).
    const answered = await new Promise<boolean>((resolve) => {
      const req = http.get({ ...target, path: '/_ping', timeout: timeoutMs }, (res) => {
        res.resume();
        resolve(true);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
    });
    if (answered) return true;
  }
  return false;
}

/** (Re)create the template and migrate it; wait until nothing is connected to it (cloning requires that). */
async function prepareTemplate(adminUrl: string, template: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${template}`);
    // knex imports the `.ts` migration files natively; globalSetup does not run under tsx, so lend its loader.
    const { register } = await import('tsx/esm/api');
    const unregister = register();
    try {
      await migrateLatest(databaseUrlFor(adminUrl, template));
    } finally {
      await unregister();
    }
    // Backends of the migrator's closed connections may still be exiting.
    await waitUntil(
      async () => {
        const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [
          template,
        ]);
        return rows[0]?.n === 0;
      },
      { timeoutMs: 10_000, description: `connections to ${template} to close` },
    );
  } finally {
    await client.end();
  }
}

async function dropRunDatabases(adminUrl: string, runId: string, template: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [
      `wf_test_${runId}_%`,
    ]);
    for (const name of [...rows.map((r) => r.datname), template]) {
      await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
}
