import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseDataDir } from './embedded-postgres.js';
import { SHARED_ROOT, copyReadableByAll, firstUnreachableAncestor, mkdirReadableByAll, passwdEntry } from './postgres-binaries.js';

const made: string[] = [];
afterEach(async () => {
  for (const dir of made.splice(0)) {
    await fs.chmod(dir, 0o755).catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
  }
});

async function tempDir(mode: number): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wf-ls-test-'));
  made.push(dir);
  await fs.chmod(dir, mode);
  return dir;
}

describe('passwdEntry', () => {
  it('reads uid and gid of the named user only', async () => {
    const dir = await tempDir(0o755);
    const file = path.join(dir, 'passwd');
    await fs.writeFile(
      file,
      'root:x:0:0:root:/root:/bin/bash\npostgresql:x:7:7::/:/bin/sh\npostgres:x:104:109::/var/lib/postgresql:/bin/bash\n',
    );
    expect(await passwdEntry('postgres', file)).toEqual({ uid: 104, gid: 109 });
    expect(await passwdEntry('nobody-here', file)).toBeUndefined();
    expect(await passwdEntry('postgres', path.join(dir, 'missing'))).toBeUndefined();
  });
});

describe('firstUnreachableAncestor', () => {
  it('names the first folder other users cannot enter, from the target up', async () => {
    const closed = await tempDir(0o700);
    const inner = path.join(closed, 'a', 'b');
    await fs.mkdir(inner, { recursive: true, mode: 0o755 });
    expect(await firstUnreachableAncestor(inner)).toBe(closed);
    // A folder that does not exist yet is judged by its existing parents.
    expect(await firstUnreachableAncestor(path.join(inner, 'not-yet'))).toBe(closed);
  });

  it('is undefined when every folder up to / can be entered', async () => {
    const open = await tempDir(0o755);
    // os.tmpdir() is 1777 here and / is 0755: nothing above blocks.
    expect(await firstUnreachableAncestor(open)).toBeUndefined();
  });
});

describe('chooseDataDir', () => {
  it('keeps the folder asked for when not root, reachable or not', async () => {
    const closed = await tempDir(0o700);
    const asked = path.join(closed, '.data', 'postgres');
    expect(await chooseDataDir(asked, false)).toBe(asked);
  });

  it('as root, moves a folder under a 0700 directory to the shared root, one per folder asked for', async () => {
    const closed = await tempDir(0o700);
    const asked = path.join(closed, '.data', 'postgres');
    const chosen = await chooseDataDir(asked, true);
    expect(chosen.startsWith(path.join(SHARED_ROOT, 'data', 'postgres-'))).toBe(true);
    expect(await chooseDataDir(asked, true)).toBe(chosen);
    expect(await chooseDataDir(path.join(closed, 'other', 'postgres'), true)).not.toBe(chosen);
  });

  it('as root, keeps a folder the postgres user can reach', async () => {
    const open = await tempDir(0o755);
    const asked = path.join(open, 'postgres');
    expect(await chooseDataDir(asked, true)).toBe(asked);
  });

  it('makes a fresh temp folder when none is asked for', async () => {
    const a = await chooseDataDir(undefined, false);
    const b = await chooseDataDir(undefined, false);
    made.push(a, b);
    expect(a).not.toBe(b);
    expect(path.basename(a)).toMatch(/^wf-pg-/);
  });
});

describe('copyReadableByAll', () => {
  it('copies a tree out of a 0700 folder: symlinks kept, folders 0755, executables 0755, other files 0644', async () => {
    const closed = await tempDir(0o700);
    const from = path.join(closed, 'native');
    await fs.mkdir(path.join(from, 'bin'), { recursive: true, mode: 0o700 });
    await fs.mkdir(path.join(from, 'lib'), { recursive: true, mode: 0o700 });
    await fs.writeFile(path.join(from, 'bin', 'postgres'), '#!/bin/sh\n', { mode: 0o700 });
    await fs.writeFile(path.join(from, 'lib', 'libpq.so.5.18'), 'lib', { mode: 0o600 });
    await fs.symlink('libpq.so.5.18', path.join(from, 'lib', 'libpq.so.5'));

    const open = await tempDir(0o755);
    const target = path.join(open, 'shared', 'embedded-postgres', 'v1');
    await copyReadableByAll(from, target);

    const mode = async (p: string) => (await fs.stat(p)).mode & 0o777;
    expect(await mode(path.join(open, 'shared'))).toBe(0o755);
    expect(await mode(target)).toBe(0o755);
    expect(await mode(path.join(target, 'bin'))).toBe(0o755);
    expect(await mode(path.join(target, 'bin', 'postgres'))).toBe(0o755);
    expect(await mode(path.join(target, 'lib', 'libpq.so.5.18'))).toBe(0o644);
    expect(await fs.readlink(path.join(target, 'lib', 'libpq.so.5'))).toBe('libpq.so.5.18');
    expect(await firstUnreachableAncestor(path.join(target, 'bin', 'postgres'))).toBeUndefined();
    // No staging folder is left behind.
    expect(await fs.readdir(path.dirname(target))).toEqual(['v1']);
  });

  it('a second copy to the same place (a concurrent run that lost the rename) keeps the first and cleans up', async () => {
    const from = await tempDir(0o755);
    await fs.writeFile(path.join(from, 'file'), 'one', { mode: 0o644 });
    const open = await tempDir(0o755);
    const target = path.join(open, 'v1');
    await copyReadableByAll(from, target);
    await fs.writeFile(path.join(from, 'file'), 'two');
    await copyReadableByAll(from, target);
    expect(await fs.readFile(path.join(target, 'file'), 'utf8')).toBe('one');
    expect(await fs.readdir(open)).toEqual(['v1']);
  });
});

describe('mkdirReadableByAll', () => {
  it('creates missing folders 0755 whatever the umask, and accepts existing ones', async () => {
    const open = await tempDir(0o755);
    const deep = path.join(open, 'a', 'b', 'c');
    const umask = process.umask(0o077);
    try {
      await mkdirReadableByAll(deep);
      await mkdirReadableByAll(deep);
    } finally {
      process.umask(umask);
    }
    for (const d of [path.join(open, 'a'), path.join(open, 'a', 'b'), deep]) expect((await fs.stat(d)).mode & 0o777).toBe(0o755);
  });
});
