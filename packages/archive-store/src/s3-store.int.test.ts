// The S3 store against a real S3-protocol server (s3rver, in this process, on a free loopback port): the SDK's
// requests are signed, addressed and parsed as they would be against AWS or an S3-compatible store.
import { createHash } from 'node:crypto';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveObjectMissingError } from './archive-store.js';
import { openArchiveStore } from './open-archive-store.js';
import { S3ArchiveStore } from './s3-store.js';
import { LOCAL_S3_CREDENTIALS, startLocalS3, type LocalS3 } from './testing/local-s3.js';

const BUCKET = 'wf-archive';
let s3: LocalS3;
let endpoint: string;
const credentials = LOCAL_S3_CREDENTIALS;

beforeAll(async () => {
  s3 = await startLocalS3(BUCKET);
  endpoint = s3.env.AWS_ENDPOINT_URL_S3!;
});
afterAll(async () => {
  await s3?.stop();
});

const open = (url: string, env: NodeJS.ProcessEnv = {}) => openArchiveStore(url, { ...s3.env, ...env });

interface SentRequest {
  method: string;
  hostname: string;
  path: string;
  headers: Record<string, string>;
}

/** Records every request the store's client sends, as signed (after the SDK's last step before the wire). */
function recordRequests(store: S3ArchiveStore): SentRequest[] {
  const seen: SentRequest[] = [];
  store.client.middlewareStack.add(
    (next) => async (args) => {
      const { method, hostname, path, headers } = args.request as SentRequest;
      seen.push({ method, hostname, path, headers: { ...headers } });
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordRequests', priority: 'low' },
  );
  return seen;
}

describe('S3ArchiveStore (s3rver)', () => {
  it('round trip under a prefix: put, get, list, delete, overwrite', async () => {
    const store = open(`s3://${BUCKET}/archive/prod/`);
    expect(store).toBeInstanceOf(S3ArchiveStore);
    expect(store.url).toBe(`s3://${BUCKET}/archive/prod`);
    const body = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 256));
    await store.put('runs/r-1/bets.ndjson.gz', body);
    await store.put('runs/r-1/wallet-entries.ndjson.gz', Buffer.from('w'));
    await store.put('runs/r-2/bets.ndjson.gz', Buffer.alloc(0));
    // A sibling prefix that shares the store's prefix as a string must not show through.
    await open(`s3://${BUCKET}/archive/prod-2`).put('runs/r-1/x', Buffer.from('other'));

    expect(await store.get('runs/r-1/bets.ndjson.gz')).toEqual(body);
    expect(await store.get('runs/r-2/bets.ndjson.gz')).toEqual(Buffer.alloc(0));
    expect(await store.list('runs/r-1/')).toEqual(['runs/r-1/bets.ndjson.gz', 'runs/r-1/wallet-entries.ndjson.gz']);
    expect(await store.list('')).toEqual(['runs/r-1/bets.ndjson.gz', 'runs/r-1/wallet-entries.ndjson.gz', 'runs/r-2/bets.ndjson.gz']);
    expect(await store.list('runs/r-2')).toEqual(['runs/r-2/bets.ndjson.gz']);
    expect(await open(`s3://${BUCKET}`).list('archive/')).toEqual([
      'archive/prod-2/runs/r-1/x',
      'archive/prod/runs/r-1/bets.ndjson.gz',
      'archive/prod/runs/r-1/wallet-entries.ndjson.gz',
      'archive/prod/runs/r-2/bets.ndjson.gz',
    ]);

    await store.put('runs/r-1/wallet-entries.ndjson.gz', Buffer.from('second version'));
    expect((await store.get('runs/r-1/wallet-entries.ndjson.gz')).toString()).toBe('second version');

    await store.delete('runs/r-1/bets.ndjson.gz');
    await store.delete('runs/r-1/bets.ndjson.gz'); // absent: not an error
    expect(await store.list('runs/')).toEqual(['runs/r-1/wallet-entries.ndjson.gz', 'runs/r-2/bets.ndjson.gz']);
  });

  it('a missing object throws ArchiveObjectMissingError; invalid keys never reach the server', async () => {
    const store = open(`s3://${BUCKET}/missing-test`);
    const err = await store.get('runs/none.ndjson.gz').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArchiveObjectMissingError);
    expect((err as ArchiveObjectMissingError).key).toBe('runs/none.ndjson.gz');
    const seen = recordRequests(store as S3ArchiveStore);
    for (const key of ['/abs', 'a/../b', 'a\\b', 'a//b']) {
      await expect(store.put(key, Buffer.from('x')), key).rejects.toThrow(/invalid archive key/);
      await expect(store.get(key), key).rejects.toThrow(/invalid archive key/);
      await expect(store.delete(key), key).rejects.toThrow(/invalid archive key/);
    }
    await expect(store.list('../')).rejects.toThrow(/invalid archive prefix/);
    expect(seen).toEqual([]);
  });

  it('takes endpoint, path-style addressing, region and credentials from the environment', async () => {
    // AWS_ENDPOINT_URL alone (no S3-specific one) is used too; the bucket goes in the path, the host is the endpoint's.
    const store = openArchiveStore(`s3://${BUCKET}/env`, {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: 'eu-west-1',
      AWS_SESSION_TOKEN: 'session-token',
      ...credentials,
    });
    const seen = recordRequests(store as S3ArchiveStore);
    await store.put('a', Buffer.from('a'));
    expect(seen).toHaveLength(1);
    const [put] = seen;
    expect(put).toMatchObject({ method: 'PUT', hostname: '127.0.0.1', path: `/${BUCKET}/env/a` });
    // Signed (SigV4) with the environment's key and region; the session token rides along.
    expect(put?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=S3RVER\/\d{8}\/eu-west-1\/s3\/aws4_request, /);
    expect(put?.headers['x-amz-security-token']).toBe('session-token');
    // Integrity: the length and MD5 of the whole body, which an S3 store checks before it commits the object.
    expect(put?.headers['content-length']).toBe('1');
    expect(put?.headers['content-md5']).toBe(createHash('md5').update('a').digest('base64'));

    // s3rver checks the access key id (not SigV4 signatures): an unknown key from the environment is refused.
    const stranger = open(`s3://${BUCKET}/env`, { AWS_ACCESS_KEY_ID: 'NOBODY' });
    await expect(stranger.put('b', Buffer.from('b'))).rejects.toMatchObject({ name: 'InvalidAccessKeyId' });
    await expect(stranger.get('a')).rejects.toMatchObject({ name: 'InvalidAccessKeyId' });
    expect(await store.list('')).toEqual(['a']);
  });

  it('an upload cut off mid-way (on every attempt) rejects; a retry on a sound connection stores the whole object', async () => {
    const body = Buffer.alloc(4 * 1024 * 1024, 0x5a);
    const proxy = await cuttingProxy(Number(new URL(endpoint).port), 256 * 1024);
    try {
      const store = openArchiveStore(`s3://${BUCKET}/cut`, { AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${proxy.port}`, ...credentials });
      const seen = recordRequests(store as S3ArchiveStore);
      await expect(store.put('runs/r-1/bets.ndjson.gz', body)).rejects.toThrow();
      expect(proxy.cuts()).toBe(seen.length);
      // Each attempt announced the whole body's length and MD5: an S3 store never commits a body short of them
      // (s3rver does not check either: it streams into its object file, so it is not asked here what remains).
      for (const request of seen) {
        expect(request.headers['content-length']).toBe(String(body.length));
        expect(request.headers['content-md5']).toBe(createHash('md5').update(body).digest('base64'));
      }
    } finally {
      await proxy.close();
    }
    const direct = open(`s3://${BUCKET}/cut`);
    await direct.put('runs/r-1/bets.ndjson.gz', body);
    expect((await direct.get('runs/r-1/bets.ndjson.gz')).equals(body)).toBe(true);
  });

  it('a stopped server fails the call instead of hanging', async () => {
    const closed = await freePort();
    const store = openArchiveStore(`s3://${BUCKET}/down`, { AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${closed}`, ...credentials });
    await expect(store.put('k', Buffer.from('x'))).rejects.toThrow(/ECONNREFUSED/);
    await expect(store.list('')).rejects.toThrow(/ECONNREFUSED/);
  });
});

/** A TCP proxy to `port` that forwards at most `limit` request bytes per connection, then drops both sides. */
async function cuttingProxy(port: number, limit: number): Promise<{ port: number; cuts: () => number; close: () => Promise<void> }> {
  let cuts = 0;
  const sockets = new Set<Socket>();
  const proxy: Server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    let forwarded = 0;
    client.on('data', (chunk: Buffer) => {
      if (forwarded + chunk.length < limit) {
        forwarded += chunk.length;
        upstream.write(chunk);
        return;
      }
      cuts += 1;
      upstream.end(chunk.subarray(0, limit - forwarded));
      client.destroy();
    });
    upstream.pipe(client);
    client.on('close', () => upstream.end());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    port: (proxy.address() as AddressInfo).port,
    cuts: () => cuts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        proxy.close(() => resolve());
      }),
  };
}

/** A loopback port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
