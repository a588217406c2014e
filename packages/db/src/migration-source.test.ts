import { describe, expect, it } from 'vitest';
import { migrationFiles } from './migration-source.js';

describe('migrationFiles', () => {
  it('names a migration <base>.ts whether it is the source or the compiled file, in name order', () => {
    expect(migrationFiles(['20261124000002_ticks.ts', '20261124000001_money_path.ts'])).toEqual([
      { name: '20261124000001_money_path.ts', file: '20261124000001_money_path.ts' },
      { name: '20261124000002_ticks.ts', file: '20261124000002_ticks.ts' },
    ]);
    expect(migrationFiles(['20261124000002_ticks.js', '20261124000002_ticks.js.map', '20261124000001_money_path.js'])).toEqual([
      { name: '20261124000001_money_path.ts', file: '20261124000001_money_path.js' },
      { name: '20261124000002_ticks.ts', file: '20261124000002_ticks.js' },
    ]);
  });

  it('ignores declarations, source maps, dotfiles and other files', () => {
    expect(migrationFiles(['a.d.ts', 'a.js.map', '.hidden.ts', 'README.md', 'b.mjs'])).toEqual([]);
  });

  it('refuses a migration present as both .ts and .js', () => {
    expect(() => migrationFiles(['1_a.ts', '1_a.js'])).toThrow(/1_a exists twice/);
  });
});
