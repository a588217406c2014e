import { describe, expect, it } from 'vitest';
import { sign } from '@wagerflow/contracts';
import { PlayerClient, pageQuery } from './http-client.js';
import { StaffClient } from './staff-client.js';

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** A fetch that records each request and answers 200 `{}`. */
function recordingFetch(sent: Sent[]): typeof fetch {
  return (input, init) => {
    const headers = Object.fromEntries(
      Object.entries((init?.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]),
    );
    sent.push({
      method: init?.method ?? 'GET',
      url: typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
      headers,
      body: init?.body as string | undefined,
    });
    return Promise.resolve(new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } }));
  };
}

describe('StaffClient', () => {
  const sent: Sent[] = [];
  const staff = new StaffClient('http://gw', 'st_token', { fetch: recordingFetch(sent) });

  it('sends the staff token as Bearer, and the Idempotency-Key header only when given', async () => {
    const body = { playerId: 'p-1', points: 25, reason: 'birthday' };
    await staff.reward(body);
    await staff.reward(body, 'key-1');
    expect(sent.map((s) => [s.method, s.url])).toEqual([
      ['POST', 'http://gw/v1/loyalty/rewards'],
      ['POST', 'http://gw/v1/loyalty/rewards'],
    ]);
    expect(sent[0]!.headers).toEqual({ authorization: 'Bearer st_token', 'content-type': 'application/json' });
    expect(sent[1]!.headers).toMatchObject({ authorization: 'Bearer st_token', 'idempotency-key': 'key-1' });
    expect(JSON.parse(sent[1]!.body!)).toEqual(body);
  });

  it('reads accounts (paged) and slips, and closes and recovers slips, with ids encoded into the path', async () => {
    sent.length = 0;
    await staff.playerLoyalty('p 1');
    await staff.playerLoyalty('p-1', { limit: 5, cursor: 'ZTE3' });
    await staff.slips('p-1');
    await staff.closeSlip('s-1');
    await staff.recoverSlip('s/2');
    expect(sent.map((s) => `${s.method} ${s.url.replace('http://gw', '')}`)).toEqual([
      'GET /v1/loyalty/players/p%201',
      'GET /v1/loyalty/players/p-1?limit=5&cursor=ZTE3',
      'GET /v1/loyalty/players/p-1/slips',
      'POST /v1/loyalty/slips/s-1/close',
      'POST /v1/loyalty/slips/s%2F2/recover',
    ]);
    for (const s of sent) expect(s.body).toBeUndefined();
  });
});

describe('PlayerClient.meLoyalty', () => {
  it('signs the target exactly as sent, query included', async () => {
    const sent: Sent[] = [];
    const player = new PlayerClient('http://gw', { apiKey: 'ak', apiSecret: 'secret' }, { fetch: recordingFetch(sent) });
    await player.meLoyalty({ cursor: 'ZTE3', limit: 2 });
    await player.meLoyalty();
    expect(sent.map((s) => s.url)).toEqual(['http://gw/v1/me/loyalty?limit=2&cursor=ZTE3', 'http://gw/v1/me/loyalty']);
    const h = sent[0]!.headers;
    expect(h['x-signature']).toBe(sign('secret', h['x-timestamp']!, h['x-nonce']!, 'GET', '/v1/me/loyalty?limit=2&cursor=ZTE3', ''));
  });

  it('pageQuery: empty for no options, URL-encoded otherwise', () => {
    expect(pageQuery()).toBe('');
    expect(pageQuery({})).toBe('');
    expect(pageQuery({ limit: 1000 })).toBe('?limit=1000');
    expect(pageQuery({ cursor: 'a+b/c=' })).toBe('?cursor=a%2Bb%2Fc%3D');
  });
});
