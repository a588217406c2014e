// `pnpm build`: every service to services/<name>/dist/main.js, and the migrator with its migrations to
// packages/db/dist/ (src/migrate.cli.js, migrations/*.js): see targets.ts and scripts/build/README.md.
// Bundles only: type checking is `pnpm typecheck`.
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundleOptions } from './bundle.js';
import { cjsLeftovers, describeMissing, externalPackages, missingDependencies, type Metafile } from './dependencies.js';
import { buildTargets, outputOf, type Target } from './targets.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface PackageJson {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const readPackage = (dir: string) => JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as PackageJson;

/** package -> every version a workspace package.json declares for it (for the error message). */
function workspaceVersions(): Map<string, Set<string>> {
  const versions = new Map<string, Set<string>>();
  const dirs = ['.', ...['packages', 'services'].flatMap((d) => readdirSync(join(root, d)).map((name) => `${d}/${name}`))];
  for (const dir of dirs) {
    if (!existsSync(join(root, dir, 'package.json'))) continue;
    const pkg = readPackage(dir);
    for (const [name, version] of Object.entries({ ...pkg.devDependencies, ...pkg.dependencies })) {
      versions.set(name, (versions.get(name) ?? new Set()).add(version));
    }
  }
  return versions;
}

/** Bundles one target and returns the problems found (empty when it may ship). */
async function buildTarget(target: Target, versions: Map<string, Set<string>>): Promise<string[]> {
  rmSync(join(root, target.outdir), { recursive: true, force: true });
  const result = await build(
    bundleOptions({ entryPoints: target.entryPoints, outdir: target.outdir, outbase: target.outbase, absWorkingDir: root }),
  );
  const metafile: Metafile | undefined = result.metafile;
  if (!metafile) throw new Error('esbuild returned no metafile');
  const problems: string[] = [];
  const missing = missingDependencies(externalPackages(metafile), readPackage(target.packageDir).dependencies ?? {});
  if (missing.length) problems.push(describeMissing(`${target.packageDir}/package.json`, missing, versions));
  for (const entry of target.entryPoints) {
    const output = outputOf(target, entry);
    if (!Object.hasOwn(metafile.outputs, output)) problems.push(`${entry}: esbuild wrote no ${output}`);
  }
  const outputs = Object.entries(metafile.outputs).filter(([o]) => o.endsWith('.js'));
  for (const [output] of outputs) {
    const leftovers = cjsLeftovers(readFileSync(join(root, output), 'utf8'));
    if (leftovers.length) problems.push(`${output} uses ${leftovers.join(', ')}: add a banner defining them (see bundle.ts)`);
  }
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
  const total = outputs.reduce((sum, [, o]) => sum + o.bytes, 0);
  process.stdout.write(
    outputs.length === 1 ? `${outputs[0]?.[0]} ${kib(total)}\n` : `${target.outdir}: ${outputs.length} files, ${kib(total)}\n`,
  );
  return problems;
}

const versions = workspaceVersions();
// One target at a time: the machine's cores are shared.
const problems: string[] = [];
for (const target of buildTargets(root)) problems.push(...(await buildTarget(target, versions)));
if (problems.length) {
  process.stderr.write(`\nbuild failed:\n${problems.join('\n')}\n`);
  process.exitCode = 1;
}
