import { describe, expect, it } from 'vitest';
import { until, type FakeAnswer } from './testing/fake-gateway.js';
import { accepted, betView, CELL, ClientHarness } from './testing/client-harness.js';

describe('WagerflowClient: the stream', () => {
  const h = new ClientHarness();

  it('PENDING → CONFIRMED on bet:confirmed, with the balance of the event', async () => {
    await h.client().connect();
    const outcome = h.sdk.placeBet({ ...CELL, clientBetId: '11111111-1111-4111-8111-111111111111' });
    await until(() => h.sdk.bet('11111111-1111-4111-8111-111111111111')?.betId === 'b1', 3_000, 'the 202');
    h.gw.push({
      type: 'bet:confirmed',
      betId: 'b1',
      clientBetId: '11111111-1111-4111-8111-111111111111',
      multiplier: 2,
      balance: 900,
      walletSeq: 2,
    });
    await expect(outcome).resolves.toMatchObject({ phase: 'CONFIRMED', betId: 'b1', result: 'open', submits: 1 });
    expect(h.phases).toEqual(['PENDING', 'CONFIRMED']);
    expect(h.sdk.balance).toEqual({ balance: 900, walletSeq: 2 });
    expect(h.seen.balance).toEqual([
      { balance: 1_000, walletSeq: 1 },
      { balance: 900, walletSeq: 2 },
    ]);
    expect(JSON.parse(h.posts()[0]!.body)).toEqual({ ...CELL, clientBetId: '11111111-1111-4111-8111-111111111111' });
  });

  it('socket dropped after the 202 → UNKNOWN → lookup → CONFIRMED; reconnects and resyncs', async () => {
    h.script({ lookup: (id) => ({ status: 200, body: betView(id, 'confirmed') }) });
    await h.client().connect();
    const outcome = h.sdk.placeBet(CELL);
    await until(() => h.posts().length === 1);
    await until(() => h.sdk.bet(JSON.parse(h.posts()[0]!.body).clientBetId)?.betId === 'b1', 3_000, 'the 202');
    h.gw.lastSocket.terminate();
    await expect(outcome).resolves.toMatchObject({ phase: 'CONFIRMED' });
    expect(h.phases).toEqual(['PENDING', 'UNKNOWN', 'CONFIRMED']);
    await until(() => (h.seen.resync?.length ?? 0) === 1, 3_000, 'the resync');
    expect(h.seen.connection).toEqual([
      { state: 'up', reconnect: false },
      { state: 'down', reconnect: false },
      { state: 'up', reconnect: true },
    ]);
    expect(h.seen.resync![0]!.reason).toBe('reconnect');
    expect(h.posts()).toHaveLength(1);
  });

  it('socket dropped before the POST is answered → UNKNOWN; a live resync makes it PENDING; the event confirms it', async () => {
    let release!: (a: FakeAnswer) => void;
    let clientBetId = '';
    h.script({
      post: (r) => new Promise<FakeAnswer>((resolve) => (release = () => resolve(accepted(r)))),
      lookup: (id) => ({ status: 200, body: betView(id, 'pending') }),
      since: () => ({ status: 200, body: { bets: [betView(clientBetId, 'pending')], nextCursor: null } }),
    });
    // A long retry delay: the only lookup is answered before the socket returns (no race with the resync).
    await h.client({ retryBaseMs: 10_000, retryMaxMs: 10_000 }).connect();
    const outcome = h.sdk.placeBet(CELL);
    await until(() => h.posts().length === 1);
    clientBetId = (JSON.parse(h.posts()[0]!.body) as { clientBetId: string }).clientBetId;
    h.gw.refuseWith = 503;
    h.gw.lastSocket.terminate();
    await until(() => h.phases.includes('UNKNOWN'));
    release({ status: 0 });
    await until(() => h.lookups().length === 1 && h.sdk.bet(clientBetId)?.inFlight === null, 3_000, 'the lookup');
    expect(h.sdk.bet(clientBetId)).toMatchObject({ phase: 'UNKNOWN', betId: 'b1' });
    h.gw.refuseWith = null;
    await until(() => h.sdk.bet(clientBetId)?.phase === 'PENDING', 3_000, 'back to PENDING after the resync');
    h.gw.push({ type: 'bet:confirmed', betId: 'b1', clientBetId, multiplier: 2, balance: 900, walletSeq: 2 });
    await expect(outcome).resolves.toMatchObject({ phase: 'CONFIRMED' });
    expect(h.phases).toEqual(['PENDING', 'UNKNOWN', 'PENDING', 'CONFIRMED']);
    expect(h.posts()).toHaveLength(1);
  });

  it('a seq gap → resync from before the gap; a bet whose event was lost is decided by it', async () => {
    let clientBetId = '';
    h.script({
      since: () => ({ status: 200, body: { bets: [betView(clientBetId, 'confirmed', { result: 'won', payout: 200 })], nextCursor: null } }),
      me: { status: 200, body: { playerId: 'p1', balance: 1_100, walletSeq: 3, loyalty: { points: 0, tier: 'bronze' } } },
    });
    await h.client({ resyncMarginMs: 5_000 }).connect();
    const outcome = h.sdk.placeBet(CELL);
    await until(() => h.posts().length === 1);
    clientBetId = (JSON.parse(h.posts()[0]!.body) as { clientBetId: string }).clientBetId;
    await until(() => h.sdk.bet(clientBetId)?.betId === 'b1');
    const before = Date.now();
    h.gw.skip(2); // the confirmation and the settlement are lost
    h.gw.push({ type: 'feed:status', marketId: 'BTC-USD', status: 'DEGRADED' });
    await expect(outcome).resolves.toMatchObject({ phase: 'CONFIRMED', result: 'won', payout: 200 });
    const since = Number(new URL(h.gw.requestsTo('/v1/bets?since=')[0]!.target, 'http://x').searchParams.get('since'));
    expect(since).toBeLessThanOrEqual(before - 5_000);
    expect(h.lookups()).toHaveLength(0);
    await until(() => h.sdk.balance?.walletSeq === 3);
    expect(h.seen.settled).toHaveLength(1);
    expect(h.seen.feed).toEqual([{ marketId: 'BTC-USD', status: 'DEGRADED' }]);
  });

  it('a failed resync is reported and retried on the same connection', async () => {
    h.script({
      since: (n) =>
        n === 0 ? { status: 503, body: { error: { code: 'service_unavailable' } } } : { status: 200, body: { bets: [], nextCursor: null } },
    });
    await h.client().connect();
    h.gw.skip();
    h.gw.push({ type: 'feed:status', marketId: 'BTC-USD', status: 'HEALTHY' });
    await until(() => (h.seen.resync?.length ?? 0) === 1, 3_000, 'the retried resync');
    expect(h.seen.error![0]!.message).toContain('service_unavailable');
  });

  it('settlements, rejections and stale balances from the stream', async () => {
    await h.client().connect();
    const ids = ['22222222-2222-4222-8222-222222222222', '33333333-3333-4333-8333-333333333333'];
    const [a, b] = [h.sdk.placeBet({ ...CELL, clientBetId: ids[0] }), h.sdk.placeBet({ ...CELL, clientBetId: ids[1] })];
    await until(() => h.posts().length === 2);
    h.gw.push({ type: 'bet:confirmed', betId: 'b1', clientBetId: ids[0], multiplier: 2, balance: 900, walletSeq: 5 });
    h.gw.push({ type: 'bet:rejected', betId: 'b2', clientBetId: ids[1], reason: 'limit_exceeded' });
    h.gw.push({ type: 'bet:settled', betId: 'b1', clientBetId: ids[0], result: 'won', payout: 200, balance: 1_100, walletSeq: 4 });
    await expect(a).resolves.toMatchObject({ phase: 'CONFIRMED' });
    await expect(b).resolves.toMatchObject({ phase: 'REJECTED', reason: 'limit_exceeded' });
    await until(() => (h.seen.settled?.length ?? 0) === 1);
    expect(h.sdk.bet(ids[0]!)).toMatchObject({ result: 'won', payout: 200 });
    expect(h.sdk.balance).toEqual({ balance: 900, walletSeq: 5 }); // walletSeq 4 is older: ignored
  });
});
