import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * The SDK's browser entry bundles for a browser with no Node built-ins and without `ws`: esbuild's browser platform
 * refuses to resolve `node:*` modules, so an import of one anywhere in the graph fails this build.
 */
describe('@wagerflow/client in a browser bundle', () => {
  it('bundles with the browser condition: no node: modules, no ws, WebCrypto and the browser WebSocket', async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL('./browser.ts', import.meta.url))],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      conditions: ['browser'],
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((p) => p.includes('node_modules/ws/') || p.endsWith('ws-socket.ts') || p.endsWith('/signing.ts'))).toEqual([]);
    expect(inputs.some((p) => p.endsWith('browser-default-socket.ts'))).toBe(true);
    expect(inputs.some((p) => p.endsWith('contracts/src/browser.ts'))).toBe(true);
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/from\s*["']node:|require\(["'](node:|crypto|ws)["']\)/);
    expect(code).toContain('crypto.subtle');
  });
});
