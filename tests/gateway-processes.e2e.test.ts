import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlayerStream } from '@wagerflow/client';
import { betBody, createPlayer, eventually, farCell, openStream, type TestPlayer } from './support/players.js';
import { startTestPlatform, type TestPlatform } from './support/platform.js';

/** Live node processes whose parent is `pid`: a clustered gateway's workers (not tsx's esbuild helper). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
        const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        return comm === 'node' && Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The processes that hold the established server side of connections to `port` (from `ss`). */
function socketOwners(port: number): Set<number> {
  const out = execFileSync('ss', ['-Htnp', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8' });
  return new Set([...out.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])));
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function readyz(platform: TestPlatform): Promise<{ status: number; body: { checks?: Record<string, string> } }> {
  const res = await fetch(`${platform.platform.services.get('gateway')!.opsUrl}/readyz`);
  return { status: res.status, body: (await res.json()) as { checks?: Record<string, string> } };
}

/** Issue 13: GATEWAY_PROCESSES runs the gateway as a node:cluster primary and that many workers behind one port. */
describe('gateway as two processes behind one port', () => {
  let platform: TestPlatform;
  let primary: number;
  const players: TestPlayer[] = [];
  const streams: PlayerStream[] = [];

  beforeAll(async () => {
    platform = await startTestPlatform({ GATEWAY_PROCESSES: '2' });
    primary = platform.platform.services.get('gateway')!.pid!;
  });
  afterAll(async () => {
    for (const s of streams) s.close();
    await platform?.stop();
  });

  it('both workers hold player sockets; every bet gets its outcome on its own socket; readiness and metrics cover both', async () => {
    const workers = childrenOf(primary);
    expect(workers).toHaveLength(2);
    const ready = await readyz(platform);
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toMatchObject({ workers: '2 of 2 running', [`worker ${workers[0]}`]: 'ok', [`worker ${workers[1]}`]: 'ok' });

    for (let i = 0; i < 8; i++) players.push(await createPlayer(platform.admin, platform.baseUrl, 10_000));
    for (const p of players) streams.push(await openStream(platform.baseUrl, p));
    // New connections are dealt round-robin by the primary: eight sockets land on both workers.
    const owners = socketOwners(platform.platform.gatewayPort);
    expect([...owners].sort()).toEqual([...workers].sort());

    // Each outcome is published once and reaches the one worker holding that player's socket.
    const cell = await farCell(platform.baseUrl);
    const placed = await Promise.all(players.map((p) => p.client.placeBet(betBody(cell, 100))));
    expect(placed.map((r) => r.status)).toEqual(players.map(() => 202));
    await Promise.all(streams.map((s, i) => s.waitFor((m) => m.type === 'bet:confirmed' && m.betId === placed[i]!.body.betId, 15_000)));
    for (const s of streams) {
      expect(s.seqGap).toBe(false);
      // Nobody else's outcome on this socket.
      expect(s.messages.filter((m) => m.type === 'bet:confirmed')).toHaveLength(1);
    }

    // The primary's /metrics sums the workers' registries: the eight sockets are counted once each.
    const metrics = await (await fetch(`${platform.platform.services.get('gateway')!.opsUrl}/metrics`)).text();
    expect(metrics).toMatch(/^wagerflow_ws_connections\{service="gateway"\} 8$/m);
    expect(metrics).toMatch(/^wagerflow_gateway_shed_total\{route="\/v1\/bets",reason="in_flight",service="gateway"\} 0$/m);
  });

  it('a worker that dies is replaced while the other one serves; the primary stays', async () => {
    const [victim, survivor] = childrenOf(primary);
    process.kill(victim!, 'SIGKILL');
    await eventually(async () => (alive(victim!) ? undefined : true), 5_000, 'the worker to die');
    // New connections go to the live worker at once.
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${platform.baseUrl}/v1/time`, { headers: { connection: 'close' } });
      expect(res.status).toBe(200);
    }
    const replaced = await eventually(
      async () => {
        const now = childrenOf(primary);
        return now.length === 2 && !now.includes(victim!) ? now : undefined;
      },
      15_000,
      'a new worker',
    );
    expect(replaced).toContain(survivor);
    await eventually(async () => ((await readyz(platform)).status === 200 ? true : undefined), 15_000, 'the gateway to be ready again');
    expect(platform.restarts('gateway')).toBe(0);
    expect(platform.platform.services.get('gateway')!.pid).toBe(primary);

    // The surviving worker's players still get their outcomes; the others reconnect and get theirs.
    const p = players[0]!;
    const stream = await openStream(platform.baseUrl, p);
    streams.push(stream);
    const bet = await p.client.placeBet(betBody(await farCell(platform.baseUrl), 100));
    expect(bet.status).toBe(202);
    await stream.waitFor((m) => m.type === 'bet:confirmed' && m.betId === bet.body.betId, 15_000);
  });

  it('SIGTERM to the primary drains and stops every worker', async () => {
    const workers = childrenOf(primary);
    expect(workers).toHaveLength(2);
    for (const s of streams) s.close();
    await platform.platform.stop();
    expect(alive(primary)).toBe(false);
    for (const w of workers) expect(alive(w)).toBe(false);
    const output = platform.platform.services.get('gateway')!.recentOutput().join('\n');
    expect(output).not.toMatch(/did not drain in time/);
  });
});
