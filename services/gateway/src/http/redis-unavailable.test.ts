import { Redis, ReplyError, type RedisOptions } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { closedPort, startFakeTcpServer } from '@wagerflow/local-servers';
import { isRedisUnavailable } from './redis-unavailable.js';

/** A TCP server that answers every command with `reply` (or never answers when `reply` is null). */
const fakeRedis = (reply: string | null) =>
  startFakeTcpServer((socket) => {
    // One reply per command (RESP arrays start a line with `*`; ioredis pipelines several into one write).
    socket.on('data', (chunk: Buffer) => {
      if (reply === null) return;
      for (const line of chunk.toString('latin1').split('\r\n')) if (line.startsWith('*')) socket.write(reply);
    });
  });

const clients: Redis[] = [];
const cleanups: (() => Promise<void>)[] = [];
function client(port: number, options: RedisOptions): Redis {
  const c = new Redis(port, '127.0.0.1', { lazyConnect: true, ...options });
  c.on('error', () => undefined); // connection errors are what these tests provoke
  clients.push(c);
  return c;
}
afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** The rejection of `p`, which must reject. */
/** A client connected to a fake Redis answering `reply` (removed after the test). */
async function connectedToFake(reply: string | null, options: RedisOptions = {}): Promise<Redis> {
  const server = await fakeRedis(reply);
  cleanups.push(server.close);
  const c = client(server.port, { enableReadyCheck: false, ...options });
  await c.connect();
  return c;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

describe('isRedisUnavailable, on the errors a real ioredis client raises', () => {
  it('MaxRetriesPerRequestError: commands queued while Redis is down, past maxRetriesPerRequest', async () => {
    const c = client(await closedPort(), { maxRetriesPerRequest: 1, retryStrategy: () => 10 });
    const err = await rejection(c.get('k'));
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('MaxRetriesPerRequestError');
    expect(isRedisUnavailable(err)).toBe(true);
  });

  it('the offline-queue error: enableOfflineQueue false and no connection', async () => {
    const c = client(await closedPort(), { enableOfflineQueue: false, retryStrategy: () => null });
    const err = await rejection(c.get('k'));
    expect((err as Error).message).toMatch(/enableOfflineQueue/);
    expect(isRedisUnavailable(err)).toBe(true);
  });

  it("ECONNREFUSED on err.code: the client's connection error (as BullMQ and a connect() caller see it)", async () => {
    const c = client(await closedPort(), { retryStrategy: () => null });
    const emitted = new Promise<unknown>((resolve) => c.once('error', resolve));
    const closed = await rejection(c.connect());
    const err = await emitted;
    expect((err as { code?: unknown }).code).toBe('ECONNREFUSED');
    expect(isRedisUnavailable(err)).toBe(true);
    // connect() itself then rejects with ioredis's closed-connection error.
    expect((closed as Error).message).toBe('Connection is closed.');
    expect(isRedisUnavailable(closed)).toBe(true);
  });

  it('"Connection is closed.": a command after the connection ended', async () => {
    const c = await connectedToFake('+OK\r\n');
    c.disconnect();
    const err = await rejection(c.get('k'));
    expect((err as Error).message).toBe('Connection is closed.');
    expect(isRedisUnavailable(err)).toBe(true);
  });

  it('"Command timed out": a server that does not answer within commandTimeout', async () => {
    const c = await connectedToFake(null, { commandTimeout: 50 });
    const err = await rejection(c.get('k'));
    expect((err as Error).message).toBe('Command timed out');
    expect(isRedisUnavailable(err)).toBe(true);
  });

  it("is false for a server's error reply and for errors that are not Redis outages", async () => {
    const c = await connectedToFake('-ERR wrong number of arguments\r\n');
    const err = await rejection(c.get('k'));
    expect(err).toBeInstanceOf(ReplyError);
    expect(isRedisUnavailable(err)).toBe(false);
    // Texts that merely mention an outage are not one (the old check matched substrings of any message).
    expect(isRedisUnavailable(new Error('user typed ECONNREFUSED into a field'))).toBe(false);
    expect(isRedisUnavailable(new Error('boom'))).toBe(false);
    expect(isRedisUnavailable('Connection is closed.')).toBe(false);
    expect(isRedisUnavailable(undefined)).toBe(false);
  });
});
