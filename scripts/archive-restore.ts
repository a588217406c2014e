/**
 * `pnpm archive:restore <selector>`: runs the archiver's restore command (services/archiver/src/restore) as its own
 * process, with `pnpm start`'s defaults for what is unset: the embedded Postgres (EMBEDDED_PG_PORT) and .data/archive.
 * So right after `pnpm start` it needs no variables; against any other deployment, set DATABASE_URL and ARCHIVE_URL.
 * Exit code: the command's (0 all restored, 1 a partition failed its checks, 2 bad usage or nothing matches).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { embeddedPostgresUrl, databaseUrlFor } from '@wagerflow/local-servers';
import { DEFAULT_EMBEDDED_PG_PORT, DEFAULT_LOCAL_ARCHIVE_URL, EMBEDDED_DATABASE, ROOT_DIR } from './launcher-defaults.js';

const RESTORE_CLI = path.join(ROOT_DIR, 'services/archiver/src/restore/restore.cli.ts');
const set = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);

const port = Number(set(process.env.EMBEDDED_PG_PORT) ?? DEFAULT_EMBEDDED_PG_PORT);
const env = {
  ...process.env,
  DATABASE_URL: set(process.env.DATABASE_URL) ?? databaseUrlFor(embeddedPostgresUrl(port), EMBEDDED_DATABASE),
  ARCHIVE_URL: set(process.env.ARCHIVE_URL) ?? DEFAULT_LOCAL_ARCHIVE_URL,
};
const child = spawn(process.execPath, ['--import', 'tsx', RESTORE_CLI, ...process.argv.slice(2)], { stdio: 'inherit', env, cwd: ROOT_DIR });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
