import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient, PlayerClient, PlayerStream, StaffClient } from '@wagerflow/client';
import type { GridCell } from '@wagerflow/contracts';
import { startRedisServer, type LocalServer } from '@wagerflow/local-servers';
import { createTestDatabase, freePort, uniquePrefix, waitUntil, type TestDatabase } from '@wagerflow/testing';
import { loadConfig as gatewayConfig } from './config.js';
import { createService as createGateway } from './service.js';
import { startInProcessStack, type InProcessStack } from './testing/in-process-stack.js';

/**
 * The gateway, ledger and feed-monitor composition roots in this process, on real Postgres and a
 * Redis of this file's own (so the test can stop it): the paths the black-box suite cannot see
 * from outside — dependency outages, ops endpoints, pagination, graceful shutdown.
 */
describe('gateway service in-process', () => {
  let db: TestDatabase;
  let redis: LocalServer;
  let base: string;
  let ops: string;
  let admin: AdminClient;
  let env: Record<string, string>;
  let stack: InProcessStack;
  const ADMIN_TOKEN = 'admin-token-for-tests-0001';

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = await startRedisServer({ appendonly: false });
    stack = await startInProcessStack({ databaseUrl: db.url, redisUrl: redis.url, prefix: uniquePrefix('gw'), adminToken: ADMIN_TOKEN });
    ({ base, ops, env } = stack);
    admin = new AdminClient(base, ADMIN_TOKEN);
  });
  afterAll(async () => {
    await stack?.stop();
    await redis?.stop();
    await db?.drop();
  });

  /** Another gateway replica on the same Postgres and Redis. */
  async function replica(over: Record<string, string>) {
    const [port, opsPort] = await Promise.all([freePort(), freePort()]);
    const gateway = await createGateway(gatewayConfig({ ...env, GATEWAY_PORT: String(port), GATEWAY_OPS_PORT: String(opsPort), ...over }));
    await gateway.start();
    stack.onStop(() => gateway.shutdown.shutdown('test over'));
    return Object.assign(`http://127.0.0.1:${port}`, { ops: `http://127.0.0.1:${opsPort}` });
  }

  async function fundedPlayer(amount: number) {
    const { body } = await admin.createPlayer('p');
    await admin.deposit(body.playerId, amount, randomUUID());
    return { creds: body, client: new PlayerClient(base, body) };
  }

  it('places bets, confirms them on the stream, pages the history with a cursor', async () => {
    const p = await fundedPlayer(1_000);
    const stream = await PlayerStream.open(base, p.creds);
    const grid = (await (await fetch(`${base}/v1/markets/BTC-USD/grid`)).json()) as {
      cells: GridCell[];
      priceStep: number;
      windowMs: number;
    };
    expect(grid).toMatchObject({ priceStep: 25, windowMs: 10_000 });
    expect(grid.cells.length).toBeGreaterThan(0);
    for (const c of grid.cells) expect(c.multiplier).toBeGreaterThanOrEqual(1.01);
    const cell = grid.cells[grid.cells.length - 1]!;
    const placed = [];
    for (let i = 0; i < 5; i++) {
      const r = await p.client.placeBet({ clientBetId: randomUUID(), marketId: 'BTC-USD', cellId: cell.cellId, stake: 10 + i });
      expect(r.status).toBe(202);
      placed.push(r.body);
    }
    for (const b of placed) await stream.waitFor((m) => m.type === 'bet:confirmed' && m.betId === b.betId);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const target: string = `/v1/bets?since=0&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await p.client.request<{ bets: { betId: string }[]; nextCursor: string | null }>('GET', target);
      expect(page.status).toBe(200);
      expect(page.body.bets.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.bets.map((b) => b.betId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual(placed.map((b) => b.betId).sort());
    const future = await p.client.request<{ bets: unknown[] }>('GET', `/v1/bets?since=${Date.now() + 60_000}`);
    expect(future.body.bets).toEqual([]);
    expect((await p.client.me()).body.balance).toBe(1_000 - (10 + 11 + 12 + 13 + 14));
    stream.close();
  });

  it('fans events out to every socket of the player, on any replica, each with its own seq', async () => {
    const other = await replica({});
    const p = await fundedPlayer(500);
    const onA = await PlayerStream.open(base, p.creds);
    const onA2 = await PlayerStream.open(base, p.creds);
    const onB = await PlayerStream.open(other, p.creds);
    const grid = (await (await fetch(`${other}/v1/markets/BTC-USD/grid`)).json()) as { cells: GridCell[] };
    const cell = grid.cells[grid.cells.length - 1]!;
    const r = await p.client.placeBet({ clientBetId: randomUUID(), marketId: 'BTC-USD', cellId: cell.cellId, stake: 100 });
    expect(r.status).toBe(202);
    for (const s of [onA, onA2, onB]) {
      const m = await s.waitFor((x) => x.type === 'bet:confirmed');
      expect(m).toMatchObject({ betId: r.body.betId, balance: 400, walletSeq: 2 });
      expect(m).not.toHaveProperty('playerId');
      expect(m).not.toHaveProperty('traceparent');
      expect(s.seqGap).toBe(false);
      s.close();
    }
  });

  it('closes a socket that cannot keep up, and one whose peer stopped answering pings', async () => {
    const slowReplica = await replica({ WS_MAX_BUFFERED_BYTES: '16384', WS_PING_INTERVAL_MS: '60000' });
    const p = await fundedPlayer(100);
    const slow = await PlayerStream.open(slowReplica, p.creds);
    const closed = new Promise<number>((resolve) => slow.ws.on('close', (code) => resolve(code)));
    slow.ws.pause();
    const { Redis } = await import('ioredis');
    const publisher = new Redis(redis.url);
    const event = JSON.stringify({ type: 'feed:status', marketId: 'BTC-USD', status: 'HEALTHY' });
    const slowClosed = async () => {
      const text = await (await fetch(`${slowReplica.ops}/metrics`)).text();
      return /^wagerflow_ws_slow_closed_total\{[^}]*\} ([1-9])/m.test(text);
    };
    // Flood the stream until the kernel buffers are full and the server gives up on the socket.
    for (let round = 0; round < 100 && !(await slowClosed()); round++) {
      const pipeline = publisher.pipeline();
      for (let i = 0; i < 5_000; i++) pipeline.publish(`${env.REDIS_PREFIX}:feed:status`, event);
      await pipeline.exec();
    }
    await publisher.quit();
    expect(await slowClosed()).toBe(true);
    // The flood drains to the last event: the fan-out's backlog returns to 0.
    await waitUntil(
      async () => {
        const text = await (await fetch(`${slowReplica.ops}/metrics`)).text();
        return /^wagerflow_ws_event_backlog\{[^}]*\} 0$/m.test(text) ? true : undefined;
      },
      { timeoutMs: 10_000, description: 'the event backlog to drain' },
    );
    slow.ws.resume();
    expect(await closed).toBe(1013);
    // Seq stayed contiguous up to the close: nothing was skipped.
    expect(slow.seqGap).toBe(false);

    const pingReplica = await replica({ WS_PING_INTERVAL_MS: '200' });
    const silent = await PlayerStream.open(pingReplica, p.creds);
    const gone = new Promise<number>((resolve) => silent.ws.on('close', (code) => resolve(code)));
    // A paused client answers no ping: the server must drop it within two intervals.
    silent.ws.pause();
    await waitUntil(
      async () => {
        const text = await (await fetch(`${pingReplica.ops}/metrics`)).text();
        return /^wagerflow_ws_connections\{[^}]*\} 0$/m.test(text) ? true : undefined;
      },
      { timeoutMs: 5_000, description: 'the server to drop the silent socket' },
    );
    silent.ws.resume();
    // terminate() drops the TCP connection without a close frame: the client sees 1006.
    expect(await gone).toBe(1006);
  });

  it('a deposit the ledger does not answer in time is 503 timeout', async () => {
    const lonely = await replica({ REDIS_PREFIX: uniquePrefix('noledger'), DEPOSIT_TIMEOUT_MS: '300' });
    const lonelyAdmin = new AdminClient(lonely, ADMIN_TOKEN);
    const { body } = await lonelyAdmin.createPlayer('t');
    const started = Date.now();
    const r = await lonelyAdmin.deposit(body.playerId, 100, 'dep-late');
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(r.status).toBe(503);
    expect((r.body as unknown as { error: { code: string } }).error.code).toBe('timeout');
  });

  it('serves /healthz, /readyz and /metrics on the ops port and /healthz on the public port', async () => {
    expect((await fetch(`${ops}/healthz`)).status).toBe(200);
    const ready = await fetch(`${ops}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { postgres: 'ok', redis: 'ok' } });
    const metrics = await (await fetch(`${ops}/metrics`)).text();
    expect(metrics).toContain('wagerflow_http_request_seconds_bucket');
    expect(metrics).toContain('route="/v1/bets"');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it('Redis down: 503 service_unavailable in well under a second, and back when it returns', async () => {
    const p = await fundedPlayer(100);
    const staff = new StaffClient(base, (await admin.createStaff('sam', 'admin')).body.token);
    await redis.stop();
    try {
      const started = Date.now();
      const r = await p.client.me();
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(r.status).toBe(503);
      expect((r.body as unknown as { error: { code: string } }).error.code).toBe('service_unavailable');
      // A staff request queues its job on the request connection: refused at once, not after LOYALTY_TIMEOUT_MS.
      const rewardStarted = Date.now();
      const reward = await staff.reward({ playerId: p.creds.playerId, points: 5, reason: 'r' });
      expect(Date.now() - rewardStarted).toBeLessThan(1_500);
      expect([reward.status, (reward.body as unknown as { error: { code: string } }).error.code]).toEqual([503, 'service_unavailable']);
      const ready = await fetch(`${ops}/readyz`);
      expect(ready.status).toBe(503);
      expect((await fetch(`${base}/v1/time`)).status).toBe(200);
    } finally {
      redis = await startRedisServer({ appendonly: false, port: Number(new URL(redis.url).port) });
    }
    await waitUntil(async () => ((await p.client.me()).status === 200 ? true : undefined), {
      timeoutMs: 15_000,
      description: 'recovery after Redis returns',
    });
    // And the ledger's worker is back (a deposit is its job): the stack then stops on settled connections, not on
    // ones still reconnecting with commands in flight.
    await waitUntil(
      async () => {
        const { body } = await admin.createPlayer('after-outage');
        return (await admin.deposit(body.playerId, 10, randomUUID())).status === 201 ? true : undefined;
      },
      { timeoutMs: 15_000, description: 'the ledger to take jobs again' },
    );
  });
});

describe('gateway with an unreachable Postgres', () => {
  it('answers 503 service_unavailable quickly instead of hanging', async () => {
    const redis = await startRedisServer({ appendonly: false });
    const [port, opsPort, deadPg] = await Promise.all([freePort(), freePort(), freePort()]);
    const gateway = await createGateway(
      gatewayConfig({
        DATABASE_URL: `postgres://postgres@127.0.0.1:${deadPg}/none`,
        REDIS_URL: redis.url,
        REDIS_PREFIX: uniquePrefix('gwpg'),
        LOG_LEVEL: 'silent',
        ADMIN_TOKEN: 'admin-token-for-tests-0002',
        SECRET_ENCRYPTION_KEY: 'cd'.repeat(32),
        GATEWAY_PORT: String(port),
        GATEWAY_OPS_PORT: String(opsPort),
      }),
    );
    await gateway.start();
    try {
      const started = Date.now();
      const r = await new AdminClient(`http://127.0.0.1:${port}`, 'admin-token-for-tests-0002').createPlayer('x');
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(r.status).toBe(503);
      expect((await fetch(`http://127.0.0.1:${opsPort}/readyz`)).status).toBe(503);
    } finally {
      await gateway.shutdown.shutdown('test over');
      await redis.stop();
    }
  });
});
