import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ArchiveObjectMissingError, TEMP_SUFFIX, assertValidKey, assertValidPrefix, sortKeys, type ArchiveStore } from './archive-store.js';

export interface FileArchiveStoreOptions {
  /**
   * TEST ONLY: awaited after the temporary file is written and fsynced, before the rename. A hook that never
   * settles freezes the write exactly where a crash would stop it; one that throws fails the put there.
   */
  beforeRename?: (tempPath: string) => Promise<void>;
}

/**
 * Objects as files under a root directory (`file:///abs/path`). A put writes `<key>.tmp-<random>`, fsyncs it,
 * renames it over `<key>` and fsyncs the directory: rename is atomic on POSIX file systems, so a reader (or a
 * restart after a crash) finds the old file or the new one, never a part. A crash leaves at most a temporary
 * file, which `list` skips and no key can name.
 */
export class FileArchiveStore implements ArchiveStore {
  readonly url: string;
  readonly root: string;

  constructor(
    root: string,
    private readonly options: FileArchiveStoreOptions = {},
  ) {
    this.root = resolve(root);
    this.url = pathToFileURL(this.root).href;
  }

  async put(key: string, body: Buffer): Promise<void> {
    const path = this.pathOf(key);
    const dir = dirname(path);
    const firstCreated = await mkdir(dir, { recursive: true });
    // New directories' entries live in their parents: sync from the deepest existing parent down.
    if (firstCreated !== undefined) await syncDirChain(dirname(firstCreated), dirname(dir));
    const temp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
    try {
      const handle = await open(temp, 'wx', 0o644);
      try {
        await handle.writeFile(body);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await this.options.beforeRename?.(temp);
      await rename(temp, path);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw err;
    }
    await syncDir(dir);
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.pathOf(key));
    } catch (err) {
      // EISDIR: the key names a "folder" of other keys, which on S3 is no object either.
      if (isCode(err, 'ENOENT', 'ENOTDIR', 'EISDIR')) throw new ArchiveObjectMissingError(key);
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      await unlink(path);
    } catch (err) {
      if (isCode(err, 'ENOENT', 'ENOTDIR')) return;
      throw err;
    }
    await syncDir(dirname(path));
  }

  async list(prefix: string): Promise<string[]> {
    assertValidPrefix(prefix);
    // Walk only the deepest directory the prefix names whole; the rest of it filters names.
    const slash = prefix.lastIndexOf('/');
    const base = slash < 0 ? '' : prefix.slice(0, slash + 1);
    const keys: string[] = [];
    await this.walk(join(this.root, base), base, prefix, keys);
    return sortKeys(keys);
  }

  private async walk(dir: string, keyBase: string, prefix: string, out: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isCode(err, 'ENOENT', 'ENOTDIR')) return;
      throw err;
    }
    for (const entry of entries) {
      const key = keyBase + entry.name;
      if (entry.isDirectory()) {
        // Descend only where keys under it can still start with the prefix.
        const sub = `${key}/`;
        if (sub.startsWith(prefix) || prefix.startsWith(sub)) await this.walk(join(dir, entry.name), sub, prefix, out);
      } else if (entry.isFile() && !TEMP_SUFFIX.test(entry.name) && key.startsWith(prefix)) {
        out.push(key);
      }
    }
  }

  private pathOf(key: string): string {
    assertValidKey(key);
    return join(this.root, ...key.split('/'));
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync `from` and every directory below it down to `to` (inclusive; `to` is `from` or inside it). */
async function syncDirChain(from: string, to: string): Promise<void> {
  const chain: string[] = [];
  for (let dir = to; dir.length >= from.length; dir = dirname(dir)) {
    chain.push(dir);
    if (dir === from || dir === dirname(dir)) break;
  }
  for (const dir of chain.reverse()) await syncDir(dir);
}

function isCode(err: unknown, ...codes: string[]): boolean {
  return typeof err === 'object' && err !== null && codes.includes((err as { code?: unknown }).code as string);
}
