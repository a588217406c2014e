import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Knex } from 'knex';

/** One migration file and the name knex records for it in `knex_migrations`. */
export interface MigrationFile {
  /** `<base>.ts`, whatever the file's extension: see {@link migrationFiles}. */
  name: string;
  /** The file name in the directory: `<base>.ts` from source (tsx), `<base>.js` from the build. */
  file: string;
}

const MIGRATION_FILE = /^(?<base>[^.][^/]*)\.(?:ts|js)$/;

/**
 * The migrations among a directory's file names, in name order. knex's default source records a migration
 * under its file name, extension included, and every database migrated so far ran the `.ts` files through
 * tsx; the build (`pnpm build`) compiles them to `.js` files of the same base name. So a migration is named
 * `<base>.ts` whether it is loaded from `.ts` or `.js`: a database migrated either way is up to date for
 * the other. Declaration files and source maps are ignored; a base name present twice is an error.
 */
export function migrationFiles(files: readonly string[]): MigrationFile[] {
  const byName = new Map<string, MigrationFile>();
  for (const file of files) {
    if (file.endsWith('.d.ts')) continue;
    const base = MIGRATION_FILE.exec(file)?.groups?.base;
    if (base === undefined) continue;
    const name = `${base}.ts`;
    const other = byName.get(name);
    if (other) throw new Error(`migration ${base} exists twice: ${other.file} and ${file}`);
    byName.set(name, { name, file });
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A knex migration source reading `directory` (`.ts` from source, `.js` from the build). */
export function migrationSource(directory: string): Knex.MigrationSource<MigrationFile> {
  return {
    getMigrations: async () => migrationFiles(await readdir(directory)),
    getMigrationName: (migration) => migration.name,
    getMigration: async (migration) => (await import(pathToFileURL(path.join(directory, migration.file)).href)) as Knex.Migration,
  };
}
