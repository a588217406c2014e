import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, redisPing, startEmbeddedPostgres, startRedisServer, waitUntil, type LocalServer } from './index.js';

const toStop: LocalServer[] = [];
afterEach(async () => {
  await Promise.all(toStop.splice(0).map((s) => s.stop()));
});

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function redisConfig(url: string, name: string): Promise<string | undefined> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const [, value] = (await redis.config('GET', name)) as [string, string];
    return value;
  } finally {
    redis.disconnect();
  }
}

describe('freePort / waitUntil', () => {
  it('returns ports nobody listens on, below the ephemeral range, never twice', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(32_768);
      expect(await portAccepts(port)).toBe(false);
    }
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('returns the first truthy value of the check', async () => {
    let calls = 0;
    const value = await waitUntil(() => (++calls >= 3 ? 'ready' : undefined), { intervalMs: 1 });
    expect(value).toBe('ready');
    expect(calls).toBe(3);
  });

  it('fails at the deadline, naming what it waited for and the last error', async () => {
    const started = Date.now();
    await expect(
      waitUntil(
        () => {
          throw new Error('still booting');
        },
        { timeoutMs: 200, intervalMs: 20, description: 'the thing' },
      ),
    ).rejects.toThrow(/timed out after 200 ms waiting for the thing: last error: still booting/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('startRedisServer', () => {
  it('starts with AOF everysec and noeviction, answers PING, and stop removes it', async () => {
    const server = await startRedisServer({ appendonly: true });
    toStop.push(server);
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(await redisPing(server.port)).toBe(true);
    expect(await redisConfig(server.url, 'appendonly')).toBe('yes');
    expect(await redisConfig(server.url, 'appendfsync')).toBe('everysec');
    expect(await redisConfig(server.url, 'maxmemory-policy')).toBe('noeviction');
    expect(await redisConfig(server.url, 'save')).toBe('');
    expect(await redisConfig(server.url, 'bind')).toBe('127.0.0.1');

    await server.stop();
    expect(await portAccepts(server.port)).toBe(false);
    expect(existsSync(server.dir)).toBe(false);
  });

  it('runs without AOF when appendonly is false, on the requested port', async () => {
    const port = await freePort();
    const server = await startRedisServer({ appendonly: false, port });
    toStop.push(server);
    expect(server.port).toBe(port);
    expect(await redisConfig(server.url, 'appendonly')).toBe('no');
  });

  it('keeps a given dir, and data survives a restart through the AOF', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wf-redis-test-'));
    try {
      const first = await startRedisServer({ appendonly: true, dir });
      const redis = new Redis(first.url, { maxRetriesPerRequest: 1 });
      await redis.set('k', 'v');
      redis.disconnect();
      await first.stop();
      expect(existsSync(dir)).toBe(true);

      const second = await startRedisServer({ appendonly: true, dir });
      toStop.push(second);
      const again = new Redis(second.url, { maxRetriesPerRequest: 1 });
      expect(await again.get('k')).toBe('v');
      again.disconnect();
    } finally {
      await Promise.all(toStop.splice(0).map((s) => s.stop()));
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('says how to get redis-server when it is not on PATH', async () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const attempt = startRedisServer({ appendonly: false });
      await expect(attempt).rejects.toThrow(/redis-server was not found on PATH/);
      await expect(attempt).rejects.toThrow(/apt-get install redis-server/);
      await expect(attempt).rejects.toThrow(/brew install redis/);
      await expect(attempt).rejects.toThrow(/REDIS_URL/);
    } finally {
      process.env.PATH = saved;
    }
  });

  it('explains a start failure with the server output', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as net.AddressInfo;
    try {
      await expect(startRedisServer({ appendonly: false, port })).rejects.toThrow(/exited during startup[\s\S]*Address already in use/);
    } finally {
      holder.close();
    }
  });
});

describe('startEmbeddedPostgres', () => {
  it('starts on a free port, answers queries, and stop removes its temp dir', { timeout: 120_000 }, async () => {
    const server = await startEmbeddedPostgres();
    toStop.push(server);
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    const { rows } = await client.query<{ one: number }>('select 1 as one');
    await client.end();
    expect(rows[0]?.one).toBe(1);

    await server.stop();
    expect(await portAccepts(server.port)).toBe(false);
    expect(existsSync(server.dataDir)).toBe(false);
  });

  it.runIf(process.getuid?.() === 0)(
    'as root, runs from a data folder asked for under a 0700 directory (moved where the postgres user can reach it)',
    { timeout: 120_000 },
    async () => {
      const closed = await fs.mkdtemp(path.join(os.tmpdir(), 'wf-closed-'));
      await fs.chmod(closed, 0o700);
      try {
        const asked = path.join(closed, 'postgres');
        const server = await startEmbeddedPostgres({ dataDir: asked });
        toStop.push(server);
        expect(server.dataDir).not.toBe(asked);
        expect(server.dataDir.startsWith('/var/lib/wagerflow/data/')).toBe(true);
        const client = new pg.Client({ connectionString: server.url });
        await client.connect();
        const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
        await client.end();
        expect(rows[0]?.data_directory).toBe(path.join(server.dataDir, 'pgdata'));
        await server.stop();
        expect(existsSync(server.dataDir)).toBe(false);
      } finally {
        await fs.rm(closed, { recursive: true, force: true });
      }
    },
  );
});
