/** A local `redis-server` from PATH: the launcher's (persistent, AOF) and the tests' (throwaway). */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { OutputTail, superviseServer } from './managed-process.js';
import { freePort } from './ports.js';
import type { LocalServer } from './local-server.js';

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
  const stop = await superviseServer(child, tail, {
    what: `redis-server on port ${port}`,
    ready: () => redisPing(port),
    startTimeoutMs,
    // SIGTERM: Redis flushes the AOF and exits.
    stopSignal: 'SIGTERM',
    stopGraceMs: 10_000,
    cleanup: removeDir,
  });
  return { url: `redis://127.0.0.1:${port}`, port, dir, stop };
}
