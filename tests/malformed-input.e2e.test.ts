import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedHeaders } from '@wagerflow/client';
import { createPlayer, farCell, type TestPlayer } from './support/players.js';
import { startTestPlatform, type TestPlatform } from './support/platform.js';

interface Res {
  status: number;
  code: string | undefined;
  body: Record<string, unknown>;
}

/** Bad input on every route gets SPEC 4's code and changes nothing. */
describe('malformed input', () => {
  let platform: TestPlatform;
  let player: TestPlayer;
  beforeAll(async () => {
    platform = await startTestPlatform();
    player = await createPlayer(platform.admin, platform.baseUrl, 5_000);
  });
  afterAll(async () => {
    await platform?.stop();
  });

  async function send(
    method: string,
    target: string,
    body: string | undefined,
    opts: { auth: 'admin' | 'player'; contentType?: string | null },
  ): Promise<Res> {
    const headers: Record<string, string> =
      opts.auth === 'admin' ? { authorization: `Bearer ${platform.adminToken}` } : signedHeaders(player.creds, method, target, body ?? '');
    if (opts.contentType !== null) headers['content-type'] = opts.contentType ?? 'application/json';
    const r = await fetch(platform.baseUrl + target, { method, headers, body });
    const text = await r.text();
    const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    return { status: r.status, code: (json.error as { code?: string } | undefined)?.code, body: json };
  }

  async function snapshot() {
    const me = await player.client.me();
    const bets = await player.client.request<{ bets: unknown[] }>('GET', '/v1/bets?since=0&limit=1000');
    return { balance: me.body.balance, walletSeq: me.body.walletSeq, bets: bets.body.bets.length };
  }

  it('unknown routes 404, wrong methods 405, before anything else', async () => {
    const r1 = await fetch(`${platform.baseUrl}/v1/nope`);
    expect(r1.status).toBe(404);
    expect(((await r1.json()) as { error: { code: string } }).error.code).toBe('not_found');
    const r2 = await fetch(`${platform.baseUrl}/v1/bets`, { method: 'DELETE' });
    expect(r2.status).toBe(405);
    expect(((await r2.json()) as { error: { code: string } }).error.code).toBe('method_not_allowed');
    // 405 comes before 413 and 401.
    const r3 = await fetch(`${platform.baseUrl}/v1/time`, { method: 'POST', body: 'x'.repeat(70_000) });
    expect(r3.status).toBe(405);
  });

  it('bodies over 64 KiB are 413 before authentication', async () => {
    const big = JSON.stringify({ displayName: 'x'.repeat(70_000) });
    const r = await fetch(`${platform.baseUrl}/v1/admin/players`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: big,
    });
    expect(r.status).toBe(413);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
    const before = await snapshot();
    const bet = await send('POST', '/v1/bets', big, { auth: 'player' });
    expect(bet.code).toBe('payload_too_large');
    expect(await snapshot()).toEqual(before);
  });

  it('POST /v1/bets: every malformed body is 400/415 and changes nothing', async () => {
    const cell = await farCell(platform.baseUrl);
    const good = { clientBetId: randomUUID(), marketId: 'BTC-USD', cellId: cell.cellId, stake: 10 };
    const before = await snapshot();
    const cases: [string, string | undefined, string | null | undefined, string][] = [
      ['invalid JSON', '{"clientBetId": ', undefined, 'validation_failed'],
      ['not an object', '[1,2]', undefined, 'validation_failed'],
      ['empty body', undefined, undefined, 'validation_failed'],
      ['text/plain', JSON.stringify(good), 'text/plain', 'unsupported_media_type'],
      ['no content type', JSON.stringify(good), null, 'unsupported_media_type'],
      ['missing stake', JSON.stringify({ ...good, stake: undefined }), undefined, 'validation_failed'],
      ['missing cellId', JSON.stringify({ ...good, cellId: undefined }), undefined, 'validation_failed'],
      ['stake as string', JSON.stringify({ ...good, stake: '10' }), undefined, 'validation_failed'],
      ['fractional stake', JSON.stringify({ ...good, stake: 10.5 }), undefined, 'validation_failed'],
      ['negative stake', JSON.stringify({ ...good, stake: -10 }), undefined, 'validation_failed'],
      ['zero stake', JSON.stringify({ ...good, stake: 0 }), undefined, 'validation_failed'],
      [
        'huge stake',
        '{"clientBetId":"' + good.clientBetId + '","marketId":"BTC-USD","cellId":"' + cell.cellId + '","stake":1e300}',
        undefined,
        'validation_failed',
      ],
      ['unsafe integer stake', JSON.stringify({ ...good, stake: 2 ** 53 }), undefined, 'validation_failed'],
      ['non-UUID clientBetId', JSON.stringify({ ...good, clientBetId: 'abc' }), undefined, 'validation_failed'],
      ['minMultiplier with 3 decimals', JSON.stringify({ ...good, minMultiplier: 1.234 }), undefined, 'validation_failed'],
      ['minMultiplier negative', JSON.stringify({ ...good, minMultiplier: -2 }), undefined, 'validation_failed'],
      ['unknown field', JSON.stringify({ ...good, extra: 1 }), undefined, 'validation_failed'],
    ];
    for (const [name, body, type, code] of cases) {
      const r = await send('POST', '/v1/bets', body, { auth: 'player', contentType: type });
      expect({ name, code: r.code }).toEqual({ name, code });
      if (code === 'validation_failed' && name !== 'invalid JSON' && name !== 'empty body')
        expect(Array.isArray((r.body.error as { details?: unknown }).details)).toBe(true);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('POST /v1/bets: business rejections change nothing', async () => {
    const cell = await farCell(platform.baseUrl);
    const base = { marketId: 'BTC-USD', cellId: cell.cellId, stake: 10 };
    const before = await snapshot();
    const cases: [Record<string, unknown>, number, string][] = [
      [{ ...base, marketId: 'NOPE-USD' }, 404, 'unknown_market'],
      [{ ...base, cellId: 'BTC-USD:123:4' }, 404, 'unknown_cell'],
      [{ ...base, cellId: 'garbage' }, 404, 'unknown_cell'],
      [{ ...base, cellId: cell.cellId.replace(/:(\d+):/, (_m, ws: string) => `:${Number(ws) + 3_600_000}:`) }, 404, 'unknown_cell'],
      [{ ...base, cellId: cell.cellId.replace(/:(\d+):/, (_m, ws: string) => `:${Number(ws) - 600_000}:`) }, 422, 'cell_closed'],
      [{ ...base, stake: 9 }, 422, 'stake_out_of_range'],
      [{ ...base, stake: 100_001 }, 422, 'stake_out_of_range'],
      [{ ...base, minMultiplier: 1000 }, 422, 'quote_moved'],
      [{ ...base, stake: 6_000 }, 422, 'insufficient_funds'],
    ];
    for (const [body, status, code] of cases) {
      const r = await send('POST', '/v1/bets', JSON.stringify({ clientBetId: randomUUID(), ...body }), { auth: 'player' });
      expect({ body, status: r.status, code: r.code }).toEqual({ body, status, code });
    }
    expect(await snapshot()).toEqual(before);
  });

  it('admin routes: malformed players, deposits, staff and ticks change nothing', async () => {
    const before = await snapshot();
    const dep = `/v1/admin/players/${player.playerId}/deposits`;
    const cases: [string, string, string | undefined, string | null | undefined, number, string][] = [
      ['POST', '/v1/admin/players', '{}', undefined, 400, 'validation_failed'],
      ['POST', '/v1/admin/players', JSON.stringify({ displayName: 5 }), undefined, 400, 'validation_failed'],
      ['POST', '/v1/admin/players', JSON.stringify({ displayName: 'x' }), 'text/plain', 415, 'unsupported_media_type'],
      ['POST', dep, JSON.stringify({ amount: 0, reference: 'r' }), undefined, 400, 'validation_failed'],
      ['POST', dep, JSON.stringify({ amount: 1.5, reference: 'r' }), undefined, 400, 'validation_failed'],
      ['POST', dep, JSON.stringify({ amount: -100, reference: 'r' }), undefined, 400, 'validation_failed'],
      ['POST', dep, JSON.stringify({ amount: 1e12 + 1, reference: 'r' }), undefined, 400, 'validation_failed'],
      ['POST', dep, JSON.stringify({ amount: '100', reference: 'r' }), undefined, 400, 'validation_failed'],
      ['POST', dep, JSON.stringify({ amount: 100 }), undefined, 400, 'validation_failed'],
      ['POST', dep, '{"amount": 100, "reference": ', undefined, 400, 'validation_failed'],
      [
        'POST',
        `/v1/admin/players/${randomUUID()}/deposits`,
        JSON.stringify({ amount: 100, reference: 'r' }),
        undefined,
        404,
        'unknown_player',
      ],
      ['POST', '/v1/admin/staff', JSON.stringify({ name: 'x', role: 'king' }), undefined, 400, 'validation_failed'],
      ['POST', '/v1/admin/markets/BTC-USD/ticks', JSON.stringify({ price: -1 }), undefined, 400, 'validation_failed'],
      ['POST', '/v1/admin/markets/BTC-USD/ticks', JSON.stringify({ price: 'x' }), undefined, 400, 'validation_failed'],
      [
        'POST',
        '/v1/admin/markets/BTC-USD/ticks',
        JSON.stringify({ price: 100, ts: Date.now() + 60_000 }),
        undefined,
        400,
        'validation_failed',
      ],
      ['POST', '/v1/admin/markets/NOPE/ticks', JSON.stringify({ price: 100 }), undefined, 404, 'unknown_market'],
    ];
    for (const [method, target, body, type, status, code] of cases) {
      const r = await send(method, target, body, { auth: 'admin', contentType: type });
      expect({ target, body, status: r.status, code: r.code }).toEqual({ target, body, status, code });
    }
    expect(await snapshot()).toEqual(before);
  });

  it('GET /v1/bets query validation', async () => {
    for (const target of [
      '/v1/bets',
      '/v1/bets?since=abc',
      '/v1/bets?since=0&limit=0',
      '/v1/bets?since=0&limit=1001',
      '/v1/bets?clientBetId=nope',
      '/v1/bets?since=0&cursor=%%%',
    ]) {
      const r = await send('GET', target, undefined, { auth: 'player', contentType: null });
      expect({ target, code: r.code }).toEqual({ target, code: 'validation_failed' });
    }
    const r = await send('GET', `/v1/bets?clientBetId=${randomUUID()}`, undefined, { auth: 'player', contentType: null });
    expect(r.code).toBe('not_found');
    const other = await send('GET', `/v1/bets/${randomUUID()}`, undefined, { auth: 'player', contentType: null });
    expect(other.code).toBe('not_found');
  });

  it('unknown market grid is 404 unknown_market', async () => {
    const r = await fetch(`${platform.baseUrl}/v1/markets/NOPE/grid`);
    expect(r.status).toBe(404);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('unknown_market');
  });
});
