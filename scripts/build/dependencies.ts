// The pure part of the build's dependency check: which third-party packages a bundle imports at run time,
// and which of them the deployed package does not declare in its `dependencies`.
import { isBuiltin } from 'node:module';

/** The subset of esbuild's metafile this check reads. */
export interface Metafile {
  outputs: Record<string, { bytes: number; imports: readonly { path: string; kind: string; external?: boolean }[] }>;
}

/** The package a bare import specifier names (`@scope/name/sub` -> `@scope/name`); undefined for builtins and paths. */
export function packageNameOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || isBuiltin(specifier)) return undefined;
  const parts = specifier.split('/');
  if (specifier.startsWith('@')) return parts.length >= 2 && parts[1] ? `${parts[0]}/${parts[1]}` : undefined;
  return parts[0] || undefined;
}

/** Every third-party package the bundle's JavaScript outputs import (left external), sorted. */
export function externalPackages(metafile: Metafile): string[] {
  const names = new Set<string>();
  for (const [output, { imports }] of Object.entries(metafile.outputs)) {
    if (!output.endsWith('.js')) continue;
    for (const imp of imports) {
      if (!imp.external) continue;
      const name = packageNameOf(imp.path);
      if (name !== undefined) names.add(name);
    }
  }
  return [...names].sort();
}

/** The packages of `imported` that `dependencies` (a package.json's production dependencies) lacks. */
export function missingDependencies(imported: readonly string[], dependencies: Readonly<Record<string, string>>): string[] {
  return imported.filter((name) => !Object.hasOwn(dependencies, name));
}

/**
 * One line per missing package, with the version other package.json files of the workspace pin (`versions`:
 * package -> the set of versions declared anywhere), so the fix is a copy.
 */
export function describeMissing(owner: string, missing: readonly string[], versions: ReadonlyMap<string, ReadonlySet<string>>): string {
  const lines = missing.map((name) => {
    const known = [...(versions.get(name) ?? [])].filter((v) => !v.startsWith('workspace:'));
    const version =
      known.length === 1 ? `"${known[0]}"` : known.length ? `one of ${known.join(', ')}` : 'no version pinned in the workspace';
    return `  "${name}": ${version}`;
  });
  return `${owner}: the bundle imports packages its package.json "dependencies" lacks (the production install would not have them):\n${lines.join('\n')}`;
}

/**
 * What a bundled ESM file must not contain without a banner defining it: esbuild's shim for a `require()` it
 * could not bundle, or the CommonJS globals. Returns the offending names.
 */
export function cjsLeftovers(code: string): string[] {
  const found: string[] = [];
  if (code.includes('Dynamic require of "')) found.push('require');
  for (const name of ['__dirname', '__filename']) if (new RegExp(`\\b${name}\\b`).test(code)) found.push(name);
  return found;
}
