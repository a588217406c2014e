import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { closedPort, startFakeTcpServer } from '@wagerflow/local-servers';
import { isConnectionError } from './errors.js';

/** A TCP server standing in for Postgres: it never answers, or drops each connection once the client speaks. */
const fakeServer = (behaviour: 'silent' | 'drop') =>
  startFakeTcpServer((socket) => {
    if (behaviour === 'drop') socket.once('data', () => socket.destroy());
  });

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function pool(port: number, options: pg.PoolConfig = {}): pg.Pool {
  const p = new pg.Pool({ host: '127.0.0.1', port, user: 'u', database: 'd', ...options });
  p.on('error', () => undefined);
  cleanups.push(() => p.end());
  return p;
}
const rejection = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );

describe('isConnectionError, on the errors real pg clients raise', () => {
  it('ECONNREFUSED on err.code: nothing listens', async () => {
    const err = await rejection(pool(await closedPort()).query('SELECT 1'));
    expect((err as { code?: unknown }).code).toBe('ECONNREFUSED');
    expect(isConnectionError(err)).toBe(true);
  });

  it("pg-pool's connect timeout: the server never answers", async () => {
    const server = await fakeServer('silent');
    cleanups.push(server.close);
    const err = await rejection(pool(server.port, { connectionTimeoutMillis: 100 }).query('SELECT 1'));
    expect((err as Error).message).toMatch(/^(timeout exceeded when trying to connect|Connection terminated due to connection timeout)$/);
    expect(isConnectionError(err)).toBe(true);
  });

  it("pg's lost connection: the server drops the socket", async () => {
    const server = await fakeServer('drop');
    cleanups.push(server.close);
    const err = await rejection(pool(server.port).query('SELECT 1'));
    expect((err as Error).message).toBe('Connection terminated unexpectedly');
    expect(isConnectionError(err)).toBe(true);
  });

  it("Postgres's shutdown SQLSTATEs on a DatabaseError are connection errors; a query's own errors are not", () => {
    const dbError = (code: string) => Object.assign(new pg.DatabaseError('from the server', 0, 'error'), { code });
    for (const code of ['57P01', '57P02', '57P03', '08006', '08001', '08003']) expect(isConnectionError(dbError(code)), code).toBe(true);
    for (const code of ['42601', '23505', '40001', '57014']) expect(isConnectionError(dbError(code)), code).toBe(false);
    // Texts that merely mention an outage are not one (the old check matched substrings of any message).
    expect(isConnectionError(new Error('report: Connection terminated by the user'))).toBe(false);
    expect(isConnectionError('Connection terminated')).toBe(false);
  });
});
