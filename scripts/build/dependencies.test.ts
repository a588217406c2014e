import { describe, expect, it } from 'vitest';
import { cjsLeftovers, describeMissing, externalPackages, missingDependencies, packageNameOf, type Metafile } from './dependencies.js';

describe('packageNameOf', () => {
  it('names the package of a bare specifier, scoped or not, with or without a subpath', () => {
    expect(packageNameOf('pino')).toBe('pino');
    expect(packageNameOf('zod/v4')).toBe('zod');
    expect(packageNameOf('@bull-board/api')).toBe('@bull-board/api');
    expect(packageNameOf('@bull-board/api/bullMQAdapter')).toBe('@bull-board/api');
  });

  it('ignores builtins and paths', () => {
    for (const s of ['node:fs', 'fs', 'fs/promises', 'node:test', './x.js', '../y.js', '/abs.js', '@broken']) {
      expect(packageNameOf(s), s).toBeUndefined();
    }
  });
});

describe('externalPackages', () => {
  it('lists the third-party packages the JavaScript outputs leave external, once each, sorted', () => {
    const metafile: Metafile = {
      outputs: {
        'services/x/dist/main.js': {
          bytes: 10,
          imports: [
            { path: 'pino', kind: 'import-statement', external: true },
            { path: 'node:http', kind: 'import-statement', external: true },
            { path: '@bull-board/api/bullMQAdapter', kind: 'import-statement', external: true },
            { path: 'packages/config/src/index.ts', kind: 'import-statement' },
            { path: 'knex', kind: 'dynamic-import', external: true },
            { path: 'pino', kind: 'import-statement', external: true },
          ],
        },
        // Source maps have no imports, and would not count.
        'services/x/dist/main.js.map': { bytes: 20, imports: [{ path: 'ignored', kind: 'import-statement', external: true }] },
      },
    };
    expect(externalPackages(metafile)).toEqual(['@bull-board/api', 'knex', 'pino']);
  });
});

describe('missingDependencies', () => {
  it('returns the imported packages the production dependencies lack (devDependencies do not count)', () => {
    const deps = { pino: '10.4.0', '@bull-board/api': '9.10.1' };
    expect(missingDependencies(['@bull-board/api', 'knex', 'pino'], deps)).toEqual(['knex']);
    expect(missingDependencies([], deps)).toEqual([]);
    // Not fooled by Object.prototype.
    expect(missingDependencies(['constructor', 'toString'], {})).toEqual(['constructor', 'toString']);
  });

  it('explains with the version the workspace pins', () => {
    const versions = new Map([
      ['knex', new Set(['3.3.0'])],
      ['zod', new Set(['4.6.7', '4.6.8'])],
      ['@wagerflow/db', new Set(['workspace:*'])],
    ]);
    const text = describeMissing('services/x/package.json', ['knex', 'zod', 'left-pad', '@wagerflow/db'], versions);
    expect(text).toContain('services/x/package.json');
    expect(text).toContain('"knex": "3.3.0"');
    expect(text).toContain('"zod": one of 4.6.7, 4.6.8');
    expect(text).toContain('"left-pad": no version pinned in the workspace');
    expect(text).toContain('"@wagerflow/db": no version pinned in the workspace');
  });
});

describe('cjsLeftovers', () => {
  it("finds esbuild's dynamic-require shim and the CommonJS globals", () => {
    expect(cjsLeftovers('import x from "x";\nexport const y = x;')).toEqual([]);
    expect(cjsLeftovers("throw Error('Dynamic require of \"' + x + '\" is not supported');")).toEqual(['require']);
    expect(cjsLeftovers('const p = path.join(__dirname, "a"); const f = __filename;')).toEqual(['__dirname', '__filename']);
    expect(cjsLeftovers('const my__dirname_x = 1;')).toEqual([]);
  });
});
