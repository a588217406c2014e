import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Where `pnpm start` keeps its embedded state, shared by the commands that work on what it started. */
export const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DATA_DIR = path.join(ROOT_DIR, '.data');
export const EMBEDDED_DATABASE = 'wagerflow';
export const DEFAULT_EMBEDDED_PG_PORT = 54329;
export const DEFAULT_EMBEDDED_REDIS_PORT = 6390;
/** Archive files when ARCHIVE_URL is unset (the services' own default is compose's volume path). */
export const DEFAULT_LOCAL_ARCHIVE_URL = pathToFileURL(path.join(DATA_DIR, 'archive')).href;
