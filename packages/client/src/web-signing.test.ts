import { describe, expect, it } from 'vitest';
import { sign } from '@wagerflow/contracts';
import { signedHeaders, streamQuery } from './signing.js';
import { newUuid, signRequest, signStreamQuery, signWeb } from './web-signing.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Both signers of SPEC 4.2: WebCrypto (browsers and the SDK) and node:crypto (the gateway's and Node helpers). */
describe('WebCrypto signing agrees with node:crypto', () => {
  const cases: [string, string, string, string, string, string][] = [
    ['secret-1', '1733300000000', '3f0c7a4e-8d9b-4c1e-9a2f-5b6d7e8f9a0b', 'GET', '/v1/stream', ''],
    ['s', '1733300000001', 'n', 'post', '/v1/bets', '{"stake":100}'],
    ['ünïcödé secret 🔑', '0000000000000', 'x', 'GET', '/v1/bets?clientBetId=a%20b&since=1', ''],
    ['k'.repeat(200), '9999999999999', 'y', 'POST', '/v1/admin/players', `{"displayName":"${'é'.repeat(1000)}"}`],
  ];
  it.each(cases)('secret %#', async (secret, ts, nonce, method, target, body) => {
    const web = await signWeb(secret, ts, nonce, method, target, body);
    expect(web).toMatch(/^[0-9a-f]{64}$/);
    expect(web).toBe(sign(secret, ts, nonce, method, target, body));
  });

  it('signRequest and signStreamQuery sign what the node helpers sign, each with a fresh UUID nonce', async () => {
    const creds = { apiKey: 'ak_1', apiSecret: 'secret' };
    const web = await signRequest(creds, 'POST', '/v1/bets', '{}', 1_733_300_000_000);
    const node = signedHeaders(creds, 'POST', '/v1/bets', '{}', 1_733_300_000_000);
    expect(Object.keys(web).sort()).toEqual(Object.keys(node).sort());
    expect(web['x-timestamp']).toBe(node['x-timestamp']);
    expect(web['x-nonce']).toMatch(UUID);
    expect(web['x-nonce']).not.toBe(node['x-nonce']);
    expect(web['x-signature']).toBe(sign('secret', web['x-timestamp']!, web['x-nonce']!, 'POST', '/v1/bets', '{}'));
    const q = new URLSearchParams(await signStreamQuery(creds, 1_733_300_000_000));
    const n = new URLSearchParams(streamQuery(creds, 1_733_300_000_000));
    expect([...q.keys()]).toEqual([...n.keys()]);
    expect(q.get('sig')).toBe(sign('secret', q.get('ts')!, q.get('nonce')!, 'GET', '/v1/stream', ''));
  });

  it('newUuid is a v4 UUID, never repeated', () => {
    const ids = new Set(Array.from({ length: 1_000 }, () => newUuid()));
    expect(ids.size).toBe(1_000);
    for (const id of ids) expect(id).toMatch(UUID);
  });
});
