/**
 * `pnpm start`: the whole platform on this machine (SPEC 7).
 *
 * DATABASE_URL unset → embedded Postgres kept in .data/postgres (port EMBEDDED_PG_PORT, default 54329).
 * REDIS_URL unset → `redis-server` from PATH, AOF everysec + noeviction, kept in .data/redis (EMBEDDED_REDIS_PORT, 6390).
 * ADMIN_TOKEN / SECRET_ENCRYPTION_KEY unset → generated once and kept in .data/secrets.json (this dev launcher only).
 * Then migrations, every service as its own process (restarted if it dies), the URLs and the admin token.
 * SERVICES=gateway,bet-ledger runs a subset. Ctrl-C / SIGTERM stops services, then Redis and Postgres; exit 0.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { ConfigError, DEFAULT_GATEWAY_PORT, OPS_PORTS, SERVICE_NAMES, env, parseEnv, z, type ServiceName } from '@wagerflow/config';
import { migrateLatest } from '@wagerflow/db';
import {
  REDIS_SERVER_MISSING_MESSAGE,
  databaseUrlFor,
  findRedisServer,
  startEmbeddedPostgres,
  startRedisServer,
} from '@wagerflow/local-servers';
import {
  DATA_DIR,
  DEFAULT_EMBEDDED_PG_PORT,
  DEFAULT_EMBEDDED_REDIS_PORT,
  DEFAULT_LOCAL_ARCHIVE_URL,
  EMBEDDED_DATABASE,
  ROOT_DIR,
} from './launcher-defaults.js';
import { buildPlayPage, demoPlayerUrl } from './play-page.js';
import { prefixedOutput, startPlatform, type Platform } from './platform.js';

const SECRETS_FILE = path.join(DATA_DIR, 'secrets.json');
const READY_TIMEOUT_MS = 120_000;

const ADMIN_TOKEN = z.string().min(16, 'must be at least 16 characters');
const SECRET_ENCRYPTION_KEY = z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (32 bytes)');

const schema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .optional(),
  EMBEDDED_PG_PORT: env.port(DEFAULT_EMBEDDED_PG_PORT),
  EMBEDDED_REDIS_PORT: env.port(DEFAULT_EMBEDDED_REDIS_PORT),
  ADMIN_TOKEN: ADMIN_TOKEN.optional(),
  SECRET_ENCRYPTION_KEY: SECRET_ENCRYPTION_KEY.optional(),
  SERVICES: z
    .string()
    .default(SERVICE_NAMES.join(','))
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(SERVICE_NAMES, `must list services among ${SERVICE_NAMES.join(', ')}`)).min(1)),
  // Archive files (SPEC 5): kept in .data/archive unless set (the services' own default is compose's volume path).
  ARCHIVE_URL: z
    .string()
    .regex(/^(file:\/\/\/|s3:\/\/)/, 'must be file:///absolute/dir or s3://bucket/prefix')
    .optional(),
  GATEWAY_PORT: env.port(DEFAULT_GATEWAY_PORT),
  ...Object.fromEntries(SERVICE_NAMES.map((n) => [OPS_PORTS[n].variable, env.port(OPS_PORTS[n].default)])),
});

const print = prefixedOutput();
const say = (text: string) => text.split('\n').forEach((line) => print('launcher', line));

const cleanups: { label: string; stop: () => Promise<void> }[] = [];
let platform: Platform | undefined;
let shuttingDown = false;

async function shutdown(exitCode: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  say('stopping…');
  await platform?.stop();
  for (const { label, stop } of cleanups.reverse()) {
    await stop().catch((err: unknown) => say(`stopping ${label} failed: ${err instanceof Error ? err.message : String(err)}`));
  }
  say('stopped');
  process.exit(exitCode);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (shuttingDown) {
      say(`${signal} again: exiting now`);
      process.exit(1);
    }
    say(`${signal} received`);
    void shutdown(0);
  });
}

/** ADMIN_TOKEN and SECRET_ENCRYPTION_KEY from the environment, else from .data/secrets.json (generated once). */
async function devSecrets(cfg: { ADMIN_TOKEN?: string; SECRET_ENCRYPTION_KEY?: string }) {
  let saved: { adminToken?: unknown; secretEncryptionKey?: unknown } = {};
  try {
    saved = JSON.parse(await fs.readFile(SECRETS_FILE, 'utf8')) as typeof saved;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') say(`ignoring unreadable ${SECRETS_FILE}: ${String(err)}`);
  }
  const savedToken = ADMIN_TOKEN.safeParse(saved.adminToken).data;
  const savedKey = SECRET_ENCRYPTION_KEY.safeParse(saved.secretEncryptionKey).data;
  const next = {
    adminToken: savedToken ?? randomBytes(24).toString('base64url'),
    secretEncryptionKey: savedKey ?? randomBytes(32).toString('hex'),
  };
  if ((!cfg.ADMIN_TOKEN && !savedToken) || (!cfg.SECRET_ENCRYPTION_KEY && !savedKey)) {
    await fs.writeFile(SECRETS_FILE, JSON.stringify(next, null, 2) + '\n', { mode: 0o600 });
    say(`generated dev secrets in ${path.relative(ROOT_DIR, SECRETS_FILE)}`);
  }
  return {
    adminToken: cfg.ADMIN_TOKEN ?? next.adminToken,
    secretEncryptionKey: cfg.SECRET_ENCRYPTION_KEY ?? next.secretEncryptionKey,
  };
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  // An empty variable counts as unset.
  const cfg = parseEnv(schema, Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== '')));
  const opsPort = (name: ServiceName) => (cfg as Record<string, unknown>)[OPS_PORTS[name].variable] as number;
  await fs.mkdir(DATA_DIR, { recursive: true });
  // Say it before spending seconds on Postgres.
  if (!cfg.REDIS_URL && !(await findRedisServer())) throw new Error(REDIS_SERVER_MISSING_MESSAGE);

  let databaseUrl = cfg.DATABASE_URL;
  let postgresNote = '(DATABASE_URL)';
  if (!databaseUrl) {
    const asked = path.join(DATA_DIR, 'postgres');
    const logFile = path.join(DATA_DIR, 'postgres.log');
    say(`starting embedded Postgres on port ${cfg.EMBEDDED_PG_PORT}`);
    const server = await startEmbeddedPostgres({ dataDir: asked, port: cfg.EMBEDDED_PG_PORT, persistent: true, logFile });
    cleanups.push({ label: 'Postgres', stop: server.stop });
    // As root under a folder the `postgres` user cannot enter (a 0700 home), the data lives under /var/lib/wagerflow.
    const dataDir = server.dataDir === asked ? path.relative(ROOT_DIR, asked) : server.dataDir;
    if (server.dataDir !== asked) say(`${path.relative(ROOT_DIR, asked)} is out of the postgres user's reach: data in ${dataDir}`);
    await ensureDatabase(server.url, EMBEDDED_DATABASE);
    databaseUrl = databaseUrlFor(server.url, EMBEDDED_DATABASE);
    postgresNote = `(embedded, data in ${dataDir}, log in ${path.relative(ROOT_DIR, logFile)})`;
  }
  if (shuttingDown) return;

  let redisUrl = cfg.REDIS_URL;
  let redisNote = '(REDIS_URL)';
  if (!redisUrl) {
    const dir = path.join(DATA_DIR, 'redis');
    say(`starting redis-server on port ${cfg.EMBEDDED_REDIS_PORT} (AOF in ${path.relative(ROOT_DIR, dir)})`);
    const server = await startRedisServer({
      dir,
      port: cfg.EMBEDDED_REDIS_PORT,
      appendonly: true,
      logFile: path.join(dir, 'redis.log'),
    });
    cleanups.push({ label: 'Redis', stop: server.stop });
    redisUrl = server.url;
    redisNote = `(local redis-server, AOF and log in ${path.relative(ROOT_DIR, dir)})`;
  }
  if (shuttingDown) return;

  const secrets = await devSecrets(cfg);
  await migrateLatest(databaseUrl);
  say('migrations applied');
  if (shuttingDown) return;

  if (cfg.SERVICES.includes('gateway')) {
    await buildPlayPage(ROOT_DIR);
    say('play page built (packages/play/dist)');
  }
  platform = await startPlatform({
    databaseUrl,
    redisUrl,
    adminToken: secrets.adminToken,
    secretEncryptionKey: secrets.secretEncryptionKey,
    services: cfg.SERVICES,
    gatewayPort: cfg.GATEWAY_PORT,
    opsPorts: Object.fromEntries(SERVICE_NAMES.map((n) => [n, opsPort(n)])),
    output: print,
    rootDir: ROOT_DIR,
    env: { ARCHIVE_URL: cfg.ARCHIVE_URL ?? DEFAULT_LOCAL_ARCHIVE_URL },
  });
  say(`started ${cfg.SERVICES.join(', ')}; waiting for /readyz`);
  await platform.waitReady(READY_TIMEOUT_MS);
  if (shuttingDown) return;

  const lines = ['', 'Wagerflow is up'];
  if (cfg.SERVICES.includes('gateway')) {
    lines.push(`  gateway       ${platform.gatewayUrl}  (HTTP + WebSocket)`);
    lines.push(`  Bull Board    ${platform.gatewayUrl}/admin/queues`);
    // A funded demo player; its key and secret ride in the URL fragment (a browser never sends it to the server).
    const url = await demoPlayerUrl(platform.gatewayUrl, platform.adminToken).catch(
      (err: unknown) => `(no demo player: ${err instanceof Error ? err.message : String(err)})`,
    );
    lines.push(`  play page     ${url}`);
  }
  for (const service of platform.services.values()) {
    lines.push(`  ${`${service.name} ops`.padEnd(18)}${service.opsUrl}/metrics  (/healthz, /readyz)`);
  }
  lines.push(`  admin token   ${platform.adminToken}`);
  lines.push(`  Postgres      ${databaseUrl}  ${postgresNote}`);
  lines.push(`  Redis         ${redisUrl}  ${redisNote}`);
  lines.push('Ctrl-C stops everything.', '');
  for (const line of lines) say(line);
}

main().catch(async (err: unknown) => {
  if (err instanceof ConfigError) say(err.message);
  else say(`failed to start: ${err instanceof Error ? err.message : String(err)}`);
  await shutdown(1);
});
