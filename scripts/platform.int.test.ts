// startPlatform's orchestration, against stand-in services (a tiny HTTP server per service): the real services are
// exercised by the black-box suites in tests/.
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPS_PORTS, SERVICE_NAMES } from '@wagerflow/config';
import { waitUntil } from '@wagerflow/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type Platform, type PlatformOptions } from './platform.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// FAKE_MODE: ok (serve /readyz), crash (exit 1 at once), config (exit 2, like runMain on a bad variable).
const FAKE_MAIN = `
import http from 'node:http';
const name = process.env.FAKE_NAME;
const mode = process.env.FAKE_MODE ?? 'ok';
if (mode === 'config') { console.error('invalid configuration: SOME_VAR: bad'); process.exit(2); }
if (mode === 'crash') { console.error('boom'); process.exit(1); }
const port = Number(process.env[process.env.FAKE_PORT_VAR ?? '']);
const server = http.createServer((req, res) => { res.writeHead(req.url === '/readyz' ? 200 : 404); res.end(); });
server.listen(port, '0.0.0.0', () => console.log(JSON.stringify({ msg: 'started', name, pid: process.pid })));
process.on('SIGTERM', () => { console.log(JSON.stringify({ msg: 'stopping', name })); server.close(); process.exit(0); });
`;

let root: string;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'wf-platform-test-'));
  // `node --import tsx` resolves tsx from the working directory.
  await fs.symlink(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'));
  for (const name of SERVICE_NAMES) {
    await fs.mkdir(path.join(root, 'services', name, 'src'), { recursive: true });
    await fs.writeFile(path.join(root, 'services', name, 'src', 'main.ts'), FAKE_MAIN);
  }
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const platforms: Platform[] = [];
afterEach(async () => {
  await Promise.all(platforms.splice(0).map((p) => p.stop()));
});

function start(opts: Partial<PlatformOptions> & { lines?: string[] } = {}): Promise<Platform> {
  const lines = opts.lines ?? [];
  const services = opts.services ?? (['gateway', 'bet-ledger'] as const);
  return startPlatform({
    databaseUrl: 'postgres://unused',
    redisUrl: 'redis://unused',
    randomPorts: true,
    rootDir: root,
    restartDelayMs: 50,
    output: (source, line) => lines.push(`${source}: ${line}`),
    ...opts,
    services,
    serviceEnv: Object.fromEntries(
      services.map((n) => [n, { FAKE_NAME: n, FAKE_PORT_VAR: OPS_PORTS[n].variable, ...opts.serviceEnv?.[n] }]),
    ),
  }).then((p) => (platforms.push(p), p));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startPlatform', () => {
  it('starts services, passes them the env, and restarts one killed with SIGKILL', async () => {
    const lines: string[] = [];
    const platform = await start({ lines });
    await platform.waitReady(30_000);
    expect(platform.adminToken.length).toBeGreaterThanOrEqual(16);
    expect(platform.secretEncryptionKey).toMatch(/^[0-9a-f]{64}$/);
    expect(lines).toContainEqual(expect.stringMatching(/^gateway: \{"msg":"started","name":"gateway"/));
    expect(lines).toContainEqual(expect.stringMatching(/^bet-ledger: \{"msg":"started","name":"bet-ledger"/));

    const ledger = platform.services.get('bet-ledger')!;
    const firstPid = ledger.pid!;
    expect(ledger.kill('SIGKILL')).toBe(true);
    await waitUntil(() => ledger.restarts === 1 && ledger.pid !== undefined, { description: 'a restart' });
    expect(ledger.pid).not.toBe(firstPid);
    await ledger.waitReady(30_000);
    expect(lines).toContainEqual(expect.stringMatching(/^launcher: bet-ledger was killed by SIGKILL .*restarting in 50 ms/));
    expect(lines).toContainEqual(expect.stringMatching(/^launcher: bet-ledger restarted \(pid \d+, restart #1\)/));

    const pids = [...platform.services.values()].map((s) => s.pid!);
    await platform.stop();
    expect(pids.filter(alive)).toEqual([]);
    expect(lines).toContainEqual('gateway: {"msg":"stopping","name":"gateway"}');
    expect([...platform.services.values()].map((s) => s.running)).toEqual([false, false]);
    expect(ledger.restarts).toBe(1);
  });

  it('does not restart a service with a bad configuration, and waitReady says why', async () => {
    const platform = await start({ services: ['loyalty'], serviceEnv: { loyalty: { FAKE_MODE: 'config' } } });
    await expect(platform.waitReady(30_000)).rejects.toThrow(/loyalty is down: bad configuration[\s\S]*SOME_VAR: bad/);
    expect(platform.services.get('loyalty')!.restarts).toBe(0);
  });

  it('gives up waiting on a crash loop', async () => {
    const platform = await start({ services: ['archiver'], serviceEnv: { archiver: { FAKE_MODE: 'crash' } } });
    await expect(platform.waitReady(30_000)).rejects.toThrow(/archiver keeps crashing[\s\S]*boom/);
  });

  it('leaves a dead service down when restarts are off', async () => {
    const lines: string[] = [];
    const platform = await start({ services: ['gateway'], restart: false, lines });
    await platform.waitReady(30_000);
    const gateway = platform.services.get('gateway')!;
    gateway.kill('SIGKILL');
    await waitUntil(() => !gateway.running, { description: 'gateway to exit' });
    expect(lines).toContainEqual(expect.stringMatching(/gateway was killed by SIGKILL; not restarting/));
    await expect(gateway.waitReady(5_000)).rejects.toThrow(/gateway is down/);
  });

  it('refuses ports that are already taken, naming the variable', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '0.0.0.0', resolve));
    const { port } = holder.address() as net.AddressInfo;
    try {
      await expect(start({ services: ['gateway'], opsPorts: { gateway: port } })).rejects.toThrow(
        new RegExp(`ports already in use: GATEWAY_OPS_PORT=${port}`),
      );
    } finally {
      holder.close();
    }
  });
});
