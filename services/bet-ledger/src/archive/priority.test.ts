import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { idleLaunch } from './priority.js';

const dir = mkdtempSync(path.join(tmpdir(), 'wf-chrt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in `chrt` that exits with `code` (a container that forbids the call answers like this). */
function fakeChrt(name: string, code: number): string {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\nexit ${code}\n`);
  chmodSync(file, 0o755);
  return file;
}

describe.runIf(process.platform === 'linux')('idleLaunch', () => {
  it('is null when no chrt is found', async () => {
    expect(await idleLaunch([path.join(dir, 'missing', 'chrt')])).toBeNull();
  });

  it('is null when chrt cannot set the policy here, rather than a launcher that would fail every partition', async () => {
    expect(await idleLaunch([fakeChrt('refusing-chrt', 1)])).toBeNull();
  });

  it('starts node through the first chrt found that works, with --idle 0', async () => {
    const works = fakeChrt('working-chrt', 0);
    expect(await idleLaunch([path.join(dir, 'missing', 'chrt'), works])).toEqual({
      execPath: works,
      prefix: ['--idle', '0', process.execPath],
    });
  });
});
