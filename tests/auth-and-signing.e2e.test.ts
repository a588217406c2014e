import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { signedHeaders, streamQuery } from '@wagerflow/client';
import { sign } from '@wagerflow/contracts';
import { createPlayer, type TestPlayer } from './support/players.js';
import { startTestPlatform, type TestPlatform } from './support/platform.js';

interface Res {
  status: number;
  body: { error?: { code: string; message: string } } & Record<string, unknown>;
  headers: Headers;
}

async function raw(url: string, init: RequestInit = {}): Promise<Res> {
  const r = await fetch(url, init);
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : {}, headers: r.headers };
}

/** SPEC 4.1's authorisation matrix and 4.2's signing checks, in their order. */
describe('authentication, signing and authorisation', () => {
  let platform: TestPlatform;
  let player: TestPlayer;
  let staffToken: string;
  beforeAll(async () => {
    platform = await startTestPlatform();
    player = await createPlayer(platform.admin, platform.baseUrl, 1000);
    const staff = await platform.admin.request<{ staffId: string; token: string }>('POST', '/v1/admin/staff', {
      name: 'sam',
      role: 'supervisor',
    });
    expect(staff.status).toBe(201);
    staffToken = staff.body.token;
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const me = (headers: Record<string, string>) => raw(`${platform.baseUrl}/v1/me`, { headers });

  it('a correctly signed request passes and carries x-request-id', async () => {
    const r = await me(signedHeaders(player.creds, 'GET', '/v1/me'));
    expect(r.status).toBe(200);
    expect(r.body.playerId).toBe(player.playerId);
    expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('ignores client traceparent: x-request-id is a fresh trace id', async () => {
    const clientTrace = '0af7651916cd43dd8448eb211c80319c';
    const r = await raw(`${platform.baseUrl}/v1/time`, { headers: { traceparent: `00-${clientTrace}-b7ad6b7169203331-01` } });
    expect(r.status).toBe(200);
    expect(typeof r.body.serverTime).toBe('number');
    expect(r.headers.get('x-request-id')).not.toBe(clientTrace);
  });

  it('unknown_api_key: missing or unknown key', async () => {
    const h = signedHeaders(player.creds, 'GET', '/v1/me');
    const { 'x-api-key': _k, ...noKey } = h;
    expect((await me(noKey)).body.error?.code).toBe('unknown_api_key');
    expect((await me({ ...h, 'x-api-key': 'ak_nope' })).body.error?.code).toBe('unknown_api_key');
    expect((await me({})).status).toBe(401);
  });

  it('invalid_signature: malformed headers or a wrong signature', async () => {
    const h = signedHeaders(player.creds, 'GET', '/v1/me');
    for (const bad of [
      { ...h, 'x-signature': h['x-signature']!.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')) },
      { ...h, 'x-signature': h['x-signature']!.toUpperCase() },
      { ...h, 'x-timestamp': h['x-timestamp']!.slice(1) },
      { ...h, 'x-nonce': 'not-a-uuid' },
    ]) {
      const r = await me(bad);
      expect(r.status).toBe(401);
      expect(r.body.error?.code).toBe('invalid_signature');
    }
    // Signed for another target: the target is signed exactly as sent.
    const other = signedHeaders(player.creds, 'GET', '/v1/me?x=1');
    expect((await me(other)).body.error?.code).toBe('invalid_signature');
  });

  it('stale_timestamp outside [now − 30 s, now + 5 s], checked after the signature', async () => {
    expect((await me(signedHeaders(player.creds, 'GET', '/v1/me', '', Date.now() - 31_000))).body.error?.code).toBe('stale_timestamp');
    expect((await me(signedHeaders(player.creds, 'GET', '/v1/me', '', Date.now() + 6_000))).body.error?.code).toBe('stale_timestamp');
    const staleBadSig = { ...signedHeaders(player.creds, 'GET', '/v1/me', '', Date.now() - 60_000), 'x-signature': '0'.repeat(64) };
    expect((await me(staleBadSig)).body.error?.code).toBe('invalid_signature');
  });

  it('replayed_nonce: a nonce is spent once signature and timestamp verify, whatever happens after', async () => {
    const h = signedHeaders(player.creds, 'GET', '/v1/me');
    expect((await me(h)).status).toBe(200);
    expect((await me(h)).body.error?.code).toBe('replayed_nonce');
    // A request that fails validation after auth still spends its nonce.
    const body = '{"clientBetId": "nope"}';
    const hb = signedHeaders(player.creds, 'POST', '/v1/bets', body);
    const post = () => raw(`${platform.baseUrl}/v1/bets`, { method: 'POST', headers: { ...hb, 'content-type': 'application/json' }, body });
    expect((await post()).body.error?.code).toBe('validation_failed');
    expect((await post()).body.error?.code).toBe('replayed_nonce');
    // A request with a wrong signature does not spend the nonce.
    const ts = String(Date.now());
    const nonce = randomUUID();
    const good = {
      'x-api-key': player.creds.apiKey,
      'x-timestamp': ts,
      'x-nonce': nonce,
      'x-signature': sign(player.creds.apiSecret, ts, nonce, 'GET', '/v1/me', ''),
    };
    expect((await me({ ...good, 'x-signature': 'f'.repeat(64) })).body.error?.code).toBe('invalid_signature');
    expect((await me(good)).status).toBe(200);
  });

  it('the body is signed byte for byte', async () => {
    const body = JSON.stringify({ clientBetId: randomUUID(), marketId: 'BTC-USD', cellId: 'BTC-USD:0:0', stake: 10 });
    const h = signedHeaders(player.creds, 'POST', '/v1/bets', body);
    const r = await raw(`${platform.baseUrl}/v1/bets`, {
      method: 'POST',
      headers: { ...h, 'content-type': 'application/json' },
      body: body.replace(':10}', ': 10}'),
    });
    expect(r.body.error?.code).toBe('invalid_signature');
  });

  it('authorisation matrix: admin routes, player routes, Bull Board', async () => {
    const adminRoute = `${platform.baseUrl}/v1/admin/reconciliation`;
    expect((await raw(adminRoute)).status).toBe(401);
    expect((await raw(adminRoute, { headers: { authorization: 'Bearer nope-nope-nope' } })).body.error?.code).toBe('unauthorized');
    expect((await raw(adminRoute, { headers: { authorization: `Bearer ${staffToken}` } })).body.error?.code).toBe('forbidden');
    expect((await raw(adminRoute, { headers: signedHeaders(player.creds, 'GET', '/v1/admin/reconciliation') })).body.error?.code).toBe(
      'forbidden',
    );
    expect((await raw(adminRoute, { headers: { authorization: `Bearer ${platform.adminToken}` } })).status).toBe(200);
    // Player routes: an operator or staff token names no player.
    expect((await me({ authorization: `Bearer ${platform.adminToken}` })).body.error?.code).toBe('forbidden');
    expect((await me({ authorization: `Bearer ${staffToken}` })).body.error?.code).toBe('forbidden');
    // Bull Board.
    const board = `${platform.baseUrl}/admin/queues`;
    const anon = await fetch(board);
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect((await fetch(board, { headers: { authorization: `Bearer ${staffToken}` } })).status).toBe(401);
    expect((await fetch(board, { headers: { authorization: `Bearer ${platform.adminToken}` } })).status).toBe(200);
    const basic = Buffer.from(`ops:${platform.adminToken}`).toString('base64');
    expect((await fetch(board, { headers: { authorization: `Basic ${basic}` } })).status).toBe(200);
    const api = await fetch(`${board}/api/queues`, { headers: { authorization: `Bearer ${platform.adminToken}` } });
    expect(api.status).toBe(200);
  });

  it('WebSocket upgrade: signed, else 401; a replayed stream nonce is refused', async () => {
    const url = `${platform.baseUrl.replace('http', 'ws')}/v1/stream`;
    const status = (q: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`${url}?${q}`);
        ws.on('upgrade', () => {
          ws.close();
          resolve(101);
        });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('error', () => undefined);
      });
    const q = streamQuery(player.creds);
    expect(await status(q)).toBe(101);
    expect(await status(q)).toBe(401);
    expect(await status(streamQuery(player.creds).replace(/sig=[0-9a-f]+/, `sig=${'0'.repeat(64)}`))).toBe(401);
    expect(await status(streamQuery(player.creds, Date.now() - 60_000))).toBe(401);
    expect(await status('')).toBe(401);
  });
});
