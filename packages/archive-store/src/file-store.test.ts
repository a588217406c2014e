import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArchiveObjectMissingError } from './archive-store.js';
import { FileArchiveStore } from './file-store.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'archive-store-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Every file under root, temporaries included, relative and sorted. */
async function filesOnDisk(): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
    .sort();
}

describe('FileArchiveStore', () => {
  it('round trip: put, get, list, delete, creating directories as needed', async () => {
    const store = new FileArchiveStore(root);
    const body = Buffer.from([0x1f, 0x8b, 0, 1, 2, 255]);
    await store.put('runs/r-1/bets.ndjson.gz', body);
    await store.put('runs/r-1/wallet-entries.ndjson.gz', Buffer.from('w'));
    await store.put('runs/r-2/bets.ndjson.gz', Buffer.alloc(0));
    await store.put('manifest.json', Buffer.from('{}'));

    expect(await store.get('runs/r-1/bets.ndjson.gz')).toEqual(body);
    expect(await store.get('runs/r-2/bets.ndjson.gz')).toEqual(Buffer.alloc(0));
    expect(await store.list('runs/r-1/')).toEqual(['runs/r-1/bets.ndjson.gz', 'runs/r-1/wallet-entries.ndjson.gz']);
    expect(await store.list('runs/r-')).toEqual([
      'runs/r-1/bets.ndjson.gz',
      'runs/r-1/wallet-entries.ndjson.gz',
      'runs/r-2/bets.ndjson.gz',
    ]);
    expect(await store.list('runs/r-1/w')).toEqual(['runs/r-1/wallet-entries.ndjson.gz']);
    expect(await store.list('')).toEqual([
      'manifest.json',
      'runs/r-1/bets.ndjson.gz',
      'runs/r-1/wallet-entries.ndjson.gz',
      'runs/r-2/bets.ndjson.gz',
    ]);
    expect(await store.list('nothing/here/')).toEqual([]);
    expect(await store.list('manifest.json/')).toEqual([]);

    await store.delete('runs/r-1/bets.ndjson.gz');
    await expect(store.get('runs/r-1/bets.ndjson.gz')).rejects.toBeInstanceOf(ArchiveObjectMissingError);
    expect(await store.list('runs/r-1/')).toEqual(['runs/r-1/wallet-entries.ndjson.gz']);
    await store.delete('runs/r-1/bets.ndjson.gz'); // absent: not an error
    await store.delete('no/such/dir/key');
    await store.delete('manifest.json/under-a-file');
  });

  it('overwrites, leaving exactly one file', async () => {
    const store = new FileArchiveStore(root);
    await store.put('a/key', Buffer.from('first, longer version'));
    await store.put('a/key', Buffer.from('second'));
    expect((await store.get('a/key')).toString()).toBe('second');
    expect(await filesOnDisk()).toEqual(['a/key']);
  });

  it('a missing object throws ArchiveObjectMissingError carrying the key (a "folder" of keys is missing too)', async () => {
    const store = new FileArchiveStore(root);
    await store.put('runs/r-1/x', Buffer.from('x'));
    for (const key of ['nope', 'runs/r-1', 'runs/r-1/x/y']) {
      const err = await store.get(key).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ArchiveObjectMissingError);
      expect((err as ArchiveObjectMissingError).key).toBe(key);
    }
  });

  it('rejects invalid keys before touching the disk', async () => {
    const store = new FileArchiveStore(root);
    for (const key of ['/etc/passwd', '../outside', 'a/../../b', 'a\\b', 'a//b', 'a/']) {
      await expect(store.put(key, Buffer.from('x')), key).rejects.toThrow(/invalid archive key/);
      await expect(store.get(key), key).rejects.toThrow(/invalid archive key/);
      await expect(store.delete(key), key).rejects.toThrow(/invalid archive key/);
    }
    await expect(store.list('../')).rejects.toThrow(/invalid archive prefix/);
    expect(await filesOnDisk()).toEqual([]);
  });

  it('a crash between the temporary write and the rename leaves no file under the final name', async () => {
    // The hook never settles: the put stops exactly where a crash (kill -9, power loss) would stop it.
    let reached!: (temp: string) => void;
    const atRename = new Promise<string>((resolve) => (reached = resolve));
    const frozen = new FileArchiveStore(root, {
      beforeRename: (temp) => {
        reached(temp);
        return new Promise<void>(() => undefined);
      },
    });
    void frozen.put('runs/r-1/bets.ndjson.gz', Buffer.alloc(100_000, 7));
    const temp = await atRename;

    // What a restarted process sees: the whole body in a temporary file, nothing under the key.
    expect(temp).toMatch(/runs\/r-1\/bets\.ndjson\.gz\.tmp-[0-9a-f]{12}$/);
    expect(await filesOnDisk()).toEqual([temp.slice(root.length + 1)]);
    const store = new FileArchiveStore(root);
    await expect(store.get('runs/r-1/bets.ndjson.gz')).rejects.toBeInstanceOf(ArchiveObjectMissingError);
    expect(await store.list('')).toEqual([]);
    expect(await store.list('runs/r-1/bets')).toEqual([]);

    // A retry after the restart writes the object; the stale temporary stays invisible.
    await store.put('runs/r-1/bets.ndjson.gz', Buffer.alloc(100_000, 7));
    expect(await store.list('')).toEqual(['runs/r-1/bets.ndjson.gz']);
    expect(await store.get('runs/r-1/bets.ndjson.gz')).toEqual(Buffer.alloc(100_000, 7));
  });

  it('a process killed (SIGKILL) between the temporary write and the rename leaves no file under the final name', async () => {
    const repo = fileURLToPath(new URL('../../..', import.meta.url));
    const script = `
      import { FileArchiveStore } from ${JSON.stringify(fileURLToPath(new URL('./file-store.ts', import.meta.url)))};
      const store = new FileArchiveStore(process.argv[1], {
        beforeRename: async () => { process.kill(process.pid, 'SIGKILL'); await new Promise(() => {}); },
      });
      await store.put('runs/r-1/bets.ndjson.gz', Buffer.alloc(300000, 7));
      console.log('renamed: the kill did not happen');`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, root], {
      cwd: repo,
      encoding: 'utf8',
    });
    expect(child.stderr).toBe('');
    expect(child.signal).toBe('SIGKILL');

    const [temp, ...others] = await filesOnDisk();
    expect(others).toEqual([]);
    expect(temp).toMatch(/^runs\/r-1\/bets\.ndjson\.gz\.tmp-[0-9a-f]{12}$/);
    expect((await readFile(join(root, temp!))).length).toBe(300_000); // written and synced before the kill
    const store = new FileArchiveStore(root);
    await expect(store.get('runs/r-1/bets.ndjson.gz')).rejects.toBeInstanceOf(ArchiveObjectMissingError);
    expect(await store.list('')).toEqual([]);
  });

  it('an overwrite interrupted before its rename leaves the previous version whole', async () => {
    const store = new FileArchiveStore(root);
    await store.put('k', Buffer.from('old'));
    let reached!: () => void;
    const atRename = new Promise<void>((resolve) => (reached = resolve));
    const frozen = new FileArchiveStore(root, {
      beforeRename: () => {
        reached();
        return new Promise<void>(() => undefined);
      },
    });
    void frozen.put('k', Buffer.from('new'));
    await atRename;
    expect((await store.get('k')).toString()).toBe('old');
    expect(await store.list('')).toEqual(['k']);
  });

  it('a put that fails before its rename removes its temporary file and rejects', async () => {
    const store = new FileArchiveStore(root, {
      beforeRename: async () => {
        throw new Error('disk on fire');
      },
    });
    await expect(store.put('a/b', Buffer.from('x'))).rejects.toThrow('disk on fire');
    expect(await filesOnDisk()).toEqual([]);
  });

  it('list skips temporary files left by crashes, even ones written by hand', async () => {
    const store = new FileArchiveStore(root);
    await store.put('runs/r-1/a', Buffer.from('a'));
    await writeFile(join(root, 'runs/r-1/b.tmp-0123456789ab'), 'partial');
    expect(await store.list('runs/')).toEqual(['runs/r-1/a']);
  });

  it('concurrent puts of one key leave one whole version and no temporaries', async () => {
    const store = new FileArchiveStore(root);
    const bodies = Array.from({ length: 8 }, (_, i) => Buffer.alloc(50_000 + i, i));
    await Promise.all(bodies.map((body) => store.put('hot/key', body)));
    const final = await store.get('hot/key');
    expect(bodies.some((b) => b.equals(final))).toBe(true);
    expect(await filesOnDisk()).toEqual(['hot/key']);
  });
});
