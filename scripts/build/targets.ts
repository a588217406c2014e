// What `pnpm build` bundles, and where each output goes. Read by the build (main.ts) and by the static
// container checks (tests/compose.test.ts), which verify that the Dockerfile runs these outputs.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface Target {
  /** The package (relative to the root) whose production install runs the output: its `dependencies` must cover the imports. */
  packageDir: string;
  /** Source files, relative to the root. */
  entryPoints: string[];
  /** Output directory (emptied first), relative to the root. */
  outdir: string;
  /** Outputs keep their path relative to this directory. */
  outbase: string;
}

const DB = 'packages/db';

/**
 * A service's other entry points, bundled beside main.js keeping their path under src/: its command-line tools
 * (`<name>.cli.ts`, for example the archiver's restore) and the processes it forks (`<name>.process.ts`, for example
 * bet-ledger's archive executor, which the composition root starts from `./archive/partition.process.js`).
 */
function extraEntries(root: string, name: string): string[] {
  const src = join(root, 'services', name, 'src');
  return readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((f) => (f.endsWith('.cli.ts') || f.endsWith('.process.ts')) && !f.split('/').includes('testing'))
    .sort()
    .map((f) => `services/${name}/src/${f}`);
}

/**
 * Every directory of services/ with a src/main.ts: one bundle each, services/<name>/dist/main.js, plus its
 * command-line tools and forked processes (services/<name>/dist/<path>.cli.js, <path>.process.js).
 */
export function serviceTargets(root: string): Target[] {
  return readdirSync(join(root, 'services'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, 'services', d.name, 'src', 'main.ts')))
    .map((d) => d.name)
    .sort()
    .map((name) => ({
      packageDir: `services/${name}`,
      entryPoints: [`services/${name}/src/main.ts`, ...extraEntries(root, name)],
      outdir: `services/${name}/dist`,
      outbase: `services/${name}/src`,
    }));
}

/**
 * The migrator and every migration file (whatever is in packages/db/migrations when the build runs), one
 * output each with the same base name, under packages/db/dist/ in the package's own layout (src/, migrations/)
 * so that migrate.ts finds `../migrations` from either.
 */
export function migratorTarget(root: string): Target {
  const migrations = readdirSync(join(root, DB, 'migrations'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort()
    .map((f) => `${DB}/migrations/${f}`);
  return { packageDir: DB, entryPoints: [`${DB}/src/migrate.cli.ts`, ...migrations], outdir: `${DB}/dist`, outbase: DB };
}

export const buildTargets = (root: string): Target[] => [...serviceTargets(root), migratorTarget(root)];

/** The JavaScript file the build writes for a source entry point (relative paths). */
export function outputOf(target: Target, entryPoint: string): string {
  const prefix = `${target.outbase}/`;
  if (!entryPoint.startsWith(prefix) || !entryPoint.endsWith('.ts'))
    throw new Error(`${entryPoint} is not a .ts file under ${target.outbase}`);
  return `${target.outdir}/${entryPoint.slice(prefix.length, -'.ts'.length)}.js`;
}

/** Every output of `pnpm build` -> its source (relative paths). */
export function buildOutputs(root: string): Map<string, string> {
  return new Map(buildTargets(root).flatMap((t) => t.entryPoints.map((e) => [outputOf(t, e), e] as const)));
}
