import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildOutputs, migratorTarget, outputOf, serviceTargets } from './targets.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('build targets', () => {
  it('bundles every service to services/<name>/dist/main.js', () => {
    const services = readdirSync(join(root, 'services')).filter((d) => existsSync(join(root, 'services', d, 'src', 'main.ts')));
    expect(services.length).toBeGreaterThan(0);
    const outputs = buildOutputs(root);
    for (const name of services) expect(outputs.get(`services/${name}/dist/main.js`)).toBe(`services/${name}/src/main.ts`);
    expect(serviceTargets(root).map((t) => t.packageDir)).toEqual(services.sort().map((s) => `services/${s}`));
  });

  it("bundles a service's command-line tools beside its main.js (the archiver's restore)", () => {
    const archiver = serviceTargets(root).find((t) => t.packageDir === 'services/archiver');
    expect(archiver?.entryPoints).toEqual(['services/archiver/src/main.ts', 'services/archiver/src/restore/restore.cli.ts']);
    expect(buildOutputs(root).get('services/archiver/dist/restore/restore.cli.js')).toBe('services/archiver/src/restore/restore.cli.ts');
  });

  it("bundles the processes a service forks where its main.js finds them (bet-ledger's archive executor)", () => {
    const ledger = serviceTargets(root).find((t) => t.packageDir === 'services/bet-ledger');
    expect(ledger?.entryPoints).toEqual(['services/bet-ledger/src/main.ts', 'services/bet-ledger/src/archive/partition.process.ts']);
    expect(buildOutputs(root).get('services/bet-ledger/dist/archive/partition.process.js')).toBe(
      'services/bet-ledger/src/archive/partition.process.ts',
    );
  });

  it('compiles the migrator and every file of packages/db/migrations, keeping the base names', () => {
    const target = migratorTarget(root);
    const migrations = readdirSync(join(root, 'packages/db/migrations')).filter((f) => f.endsWith('.ts'));
    expect(target.entryPoints).toEqual(['packages/db/src/migrate.cli.ts', ...migrations.sort().map((f) => `packages/db/migrations/${f}`)]);
    expect(outputOf(target, 'packages/db/src/migrate.cli.ts')).toBe('packages/db/dist/src/migrate.cli.js');
    expect(outputOf(target, 'packages/db/migrations/20261124000001_money_path.ts')).toBe(
      'packages/db/dist/migrations/20261124000001_money_path.js',
    );
  });

  it('refuses an entry point outside the target', () => {
    expect(() => outputOf(migratorTarget(root), 'services/gateway/src/main.ts')).toThrow(/not a .ts file under packages\/db/);
  });
});
