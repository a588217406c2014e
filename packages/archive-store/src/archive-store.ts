/**
 * The contract between the archive pipeline and cold storage: whole objects under relative slash-separated keys.
 * The stores (file-store.ts, s3-store.ts) and `openArchiveStore` (open-archive-store.ts) implement it; they are
 * separate modules so that this one imports nothing and no import cycle forms.
 */
export interface ArchiveStore {
  /** Where objects go, for logs and manifests (the URL without credentials). */
  readonly url: string;
  /** Writes the whole object atomically: a reader sees all of it or nothing (file: temp file + fsync + rename; S3: one PutObject, or multipart completed only at the end). Overwrites. */
  put(key: string, body: Buffer): Promise<void>;
  /** The whole object; throws ArchiveObjectMissingError when absent. */
  get(key: string): Promise<Buffer>;
  /** Absent is not an error. */
  delete(key: string): Promise<void>;
  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
}

export class ArchiveObjectMissingError extends Error {
  constructor(readonly key: string) {
    super(`archive object ${JSON.stringify(key)} does not exist`);
    this.name = 'ArchiveObjectMissingError';
  }
}

/**
 * The file store's temporary files are `<key>.tmp-<12 hex>`; a key ending like that would be hidden by `list`
 * (which skips them), so no store accepts one: the same keys work on every store.
 */
export const TEMP_SUFFIX = /\.tmp-[0-9a-f]{12}$/;

/** S3's limit on a key (UTF-8 bytes), applied to every store for the same reason. */
const MAX_KEY_BYTES = 1024;

/** Throws unless `key` is a relative slash-separated path: no leading slash, `.`/`..`, backslash or empty segment. */
export function assertValidKey(key: string): void {
  const problem = keyProblem(key, false);
  if (problem) throw new Error(`invalid archive key ${JSON.stringify(key)}: ${problem}`);
}

/** A list prefix: like a key, but it may be empty and may end with `/` (or in the middle of a segment). */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  const problem = keyProblem(prefix, true);
  if (problem) throw new Error(`invalid archive prefix ${JSON.stringify(prefix)}: ${problem}`);
}

function keyProblem(key: string, isPrefix: boolean): string | undefined {
  if (typeof key !== 'string' || key === '') return 'empty';
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) return `longer than ${MAX_KEY_BYTES} bytes`;
  if (key.startsWith('/')) return 'absolute (starts with /)';
  if (key.includes('\\')) return 'contains a backslash';
  // Control characters (NUL above all) have no place in a file name or a portable object key.
  if ([...key].some((c) => c.charCodeAt(0) < 0x20 || c === '\u007f')) return 'contains a control character';
  const segments = key.split('/');
  // A prefix may end with "/" (its last segment is then empty) or stop inside a segment ("runs/2026-").
  const whole = isPrefix ? segments.slice(0, -1) : segments;
  for (const segment of whole) {
    if (segment === '') return 'has an empty segment';
    if (segment === '.' || segment === '..') return `has a "${segment}" segment`;
  }
  const last = segments[segments.length - 1] ?? '';
  if (isPrefix && last === '..') return 'has a ".." segment';
  if (!isPrefix && TEMP_SUFFIX.test(last)) return 'ends like a temporary file (.tmp-<12 hex>)';
  return undefined;
}

/** Keys in UTF-8 byte order, the order S3 lists them in, so both stores sort alike. */
export function sortKeys(keys: string[]): string[] {
  return keys
    .map((key) => ({ key, bytes: Buffer.from(key) }))
    .sort((a, b) => Buffer.compare(a.bytes, b.bytes))
    .map(({ key }) => key);
}
