import { fileURLToPath } from 'node:url';
import type { ArchiveStore } from './archive-store.js';
import { FileArchiveStore } from './file-store.js';
import { S3ArchiveStore, type S3Env } from './s3-store.js';

/**
 * The store an `ARCHIVE_URL` names: `file:///abs/path` → a directory, `s3://bucket/prefix` → S3 or an
 * S3-compatible store configured by the standard AWS variables in `env` (see s3-store.ts). Anything else
 * throws naming the URL.
 */
export function openArchiveStore(url: string, env: S3Env = process.env): ArchiveStore {
  if (url.startsWith('file:')) {
    let path: string;
    try {
      path = fileURLToPath(url);
    } catch (err) {
      throw new Error(`archive URL ${JSON.stringify(url)} is not a valid file:// URL (file:///absolute/path)`, { cause: err });
    }
    return new FileArchiveStore(path);
  }
  if (url.startsWith('s3:')) return new S3ArchiveStore(url, env);
  throw new Error(`archive URL ${JSON.stringify(url)}: unsupported scheme (use file:///absolute/path or s3://bucket/prefix)`);
}
