// esbuild settings shared by every output of `pnpm build`.
import type { BuildOptions, Plugin } from 'esbuild';

/** The workspace's own packages: TypeScript sources, bundled into each output. */
export const WORKSPACE_SCOPE = '@wagerflow/';

/**
 * Bundle the workspace packages, leave every third-party package external: it is resolved from
 * node_modules at run time (bundling breaks pino's transports, prom-client, bullmq's Lua scripts, …).
 * Node builtins are external anyway (platform node).
 */
export const thirdPartyExternal: Plugin = {
  name: 'third-party-external',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.kind === 'entry-point' || args.path.startsWith(WORKSPACE_SCOPE)) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/** ESM for Node 20 with linked source maps (run with `node --enable-source-maps`). */
export function bundleOptions(options: Pick<BuildOptions, 'entryPoints' | 'outdir' | 'outbase' | 'absWorkingDir'>): BuildOptions {
  return {
    ...options,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    // Class and function names survive renaming (esbuild renames colliding top-level symbols): logs and
    // error names stay those of the source.
    keepNames: true,
    metafile: true,
    logLevel: 'warning',
    plugins: [thirdPartyExternal],
  };
}
