import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { dockerEngineReachable } from './global-setup.js';

const saved = process.env.DOCKER_HOST;
afterEach(() => {
  if (saved === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = saved;
});

describe('dockerEngineReachable', () => {
  it('is false at once when DOCKER_HOST points at nothing', async () => {
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    const started = Date.now();
    expect(await dockerEngineReachable()).toBe(false);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('is true when something answers /_ping over tcp', async () => {
    const paths: string[] = [];
    const server = http.createServer((req, res) => {
      paths.push(req.url ?? '');
      res.end('OK');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      process.env.DOCKER_HOST = `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`;
      expect(await dockerEngineReachable()).toBe(true);
      expect(paths).toEqual(['/_ping']);
    } finally {
      server.close();
    }
  });
});
