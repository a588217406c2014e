import { describe, expect, it } from 'vitest';
import { until } from './testing/fake-gateway.js';
import { accepted, betView, CELL, ClientHarness } from './testing/client-harness.js';

/**
 * The request timeout of tests where one POST hangs: the other POSTs must answer within it, and under a loaded CI run
 * (the whole suite on two cores) a local answer has taken over 100 ms.
 */
const SLOW_POST_MS = 1_000;

describe('WagerflowClient: POST and lookup failures', () => {
  const h = new ClientHarness();

  it('POST timeout → UNKNOWN → 404 → resubmitted with the same clientBetId and a fresh nonce', async () => {
    h.script({ post: (r, n) => (n === 0 ? 'hang' : accepted(r)), lookup: () => ({ status: 404, body: { error: { code: 'not_found' } } }) });
    await h.client({ requestTimeoutMs: SLOW_POST_MS }).connect();
    const outcome = h.sdk.placeBet(CELL);
    await until(() => h.posts().length === 2, 5_000, 'the resubmit');
    const [first, second] = h.posts();
    expect(second!.body).toBe(first!.body);
    expect(second!.nonce).not.toBe(first!.nonce);
    const { clientBetId } = JSON.parse(first!.body) as { clientBetId: string };
    await until(() => h.sdk.bet(clientBetId)?.betId === 'b1');
    h.gw.push({ type: 'bet:confirmed', betId: 'b1', clientBetId, multiplier: 2, balance: 900, walletSeq: 2 });
    await expect(outcome).resolves.toMatchObject({ phase: 'CONFIRMED', submits: 2, lastFailure: 'timeout' });
    expect(h.phases).toEqual(['PENDING', 'UNKNOWN', 'PENDING', 'CONFIRMED']);
  });

  it('every submit failed and still 404 → stays UNKNOWN (gave up resubmitting), then found by a later lookup', async () => {
    const notFound = { status: 404, body: { error: { code: 'not_found' } } };
    h.script({
      post: () => ({ status: 503, body: { error: { code: 'service_unavailable' } } }),
      lookup: (id, n) => (n < 4 ? notFound : { status: 200, body: betView(id, 'confirmed') }),
    });
    await h.client().connect();
    await expect(h.sdk.placeBet(CELL)).resolves.toMatchObject({ phase: 'CONFIRMED', submits: 3, lookups: 5, gaveUpResubmitting: true });
    expect(h.posts()).toHaveLength(3);
    expect(h.phases).toEqual(['PENDING', 'UNKNOWN', 'PENDING', 'UNKNOWN', 'PENDING', 'UNKNOWN', 'UNKNOWN', 'CONFIRMED']);
    const gaveUp = h.seen.bet!.find((e) => e.state.gaveUpResubmitting)!;
    expect(gaveUp).toMatchObject({ state: { phase: 'UNKNOWN', lastFailure: 'service_unavailable' }, previous: { phase: 'UNKNOWN' } });
  });

  it("a resubmit's 422 → provisional REJECTED; the earlier POST lands late and bet:confirmed overrides it", async () => {
    h.script({
      post: (_r, n) => (n === 0 ? 'hang' : { status: 422, body: { error: { code: 'cell_closed' } } }),
      lookup: () => ({ status: 404, body: { error: { code: 'not_found' } } }),
    });
    await h.client({ requestTimeoutMs: SLOW_POST_MS }).connect();
    const first = await h.sdk.placeBet(CELL);
    expect(first).toMatchObject({ phase: 'REJECTED', reason: 'cell_closed', provisional: true, submits: 2 });
    const { clientBetId } = first.body;
    h.gw.push({ type: 'bet:confirmed', betId: 'b7', clientBetId, multiplier: 2, balance: 900, walletSeq: 2 });
    await until(() => h.sdk.bet(clientBetId)?.phase === 'CONFIRMED', 3_000, 'the correction');
    expect(h.sdk.bet(clientBetId)).toMatchObject({ betId: 'b7', reason: null, provisional: false, result: 'open' });
    expect(h.phases).toEqual(['PENDING', 'UNKNOWN', 'PENDING', 'REJECTED', 'CONFIRMED']);
    expect(h.seen.bet!.at(-1)!.previous).toMatchObject({ phase: 'REJECTED', provisional: true });
    expect(h.sdk.balance).toEqual({ balance: 900, walletSeq: 2 });
  });

  it('an answer lost after the bet landed → found by lookup, never resubmitted', async () => {
    h.script({ post: () => 'destroy', lookup: (id) => ({ status: 200, body: betView(id, 'confirmed') }) });
    await h.client().connect();
    await expect(h.sdk.placeBet(CELL)).resolves.toMatchObject({ phase: 'CONFIRMED', lastFailure: 'network_error' });
    expect(h.posts()).toHaveLength(1);
  });

  it('5xx → UNKNOWN → found rejected → REJECTED with the ledger reason', async () => {
    h.script({
      post: () => ({ status: 503, body: { error: { code: 'service_unavailable' } } }),
      lookup: (id) => ({ status: 200, body: betView(id, 'rejected', { reason: 'insufficient_funds' }) }),
    });
    await h.client().connect();
    await expect(h.sdk.placeBet(CELL)).resolves.toMatchObject({ phase: 'REJECTED', reason: 'insufficient_funds' });
    expect(h.phases).toEqual(['PENDING', 'UNKNOWN', 'REJECTED']);
  });

  it('a 4xx → REJECTED with its code at once, no lookup', async () => {
    h.script({ post: () => ({ status: 422, body: { error: { code: 'cell_closed' } } }) });
    await h.client().connect();
    await expect(h.sdk.placeBet(CELL)).resolves.toMatchObject({ phase: 'REJECTED', reason: 'cell_closed' });
    expect(h.lookups()).toHaveLength(0);
  });

  it('pending past the timeout → UNKNOWN; lookups retry until decided', async () => {
    h.script({ lookup: (id, n) => ({ status: 200, body: betView(id, n < 2 ? 'pending' : 'confirmed') }) });
    await h.client({ pendingTimeoutMs: 50 }).connect();
    await expect(h.sdk.placeBet(CELL)).resolves.toMatchObject({ phase: 'CONFIRMED', lastFailure: 'pending_timeout', lookups: 3 });
  });

  it('without a live socket a bet is UNKNOWN from the start and resolved by lookups', async () => {
    h.script({ lookup: (id) => ({ status: 200, body: betView(id, 'confirmed') }) });
    await expect(h.client().placeBet(CELL)).resolves.toMatchObject({ phase: 'CONFIRMED' });
    expect(h.phases).toEqual(['PENDING', 'UNKNOWN', 'CONFIRMED']);
  });

  it('the same clientBetId twice is one bet', async () => {
    h.script({ post: () => 'hang' });
    h.client();
    const id = '44444444-4444-4444-8444-444444444444';
    const first = h.sdk.placeBet({ ...CELL, clientBetId: id, minMultiplier: 1.5 });
    expect(h.sdk.placeBet({ ...CELL, clientBetId: id })).toBe(first);
    await until(() => h.posts().length === 1);
    expect(JSON.parse(h.posts()[0]!.body)).toMatchObject({ minMultiplier: 1.5 });
    await h.sdk.close();
    await expect(first).rejects.toThrow('closed before the bet was decided');
    await expect(h.sdk.placeBet(CELL)).rejects.toThrow('client closed');
  });

  it('forgets the oldest decided bets beyond maxTrackedBets', async () => {
    h.script({ post: () => ({ status: 422, body: { error: { code: 'cell_closed' } } }) });
    h.client({ maxTrackedBets: 1 });
    const first = await h.sdk.placeBet(CELL);
    await h.sdk.placeBet(CELL);
    expect(h.sdk.bet(first.body.clientBetId)).toBeUndefined();
  });

  it('keeps a provisional REJECTED beyond maxTrackedBets: its correction must still find it', async () => {
    h.script({
      post: (_r, n) => (n === 0 ? 'hang' : { status: 422, body: { error: { code: 'cell_closed' } } }),
      lookup: () => ({ status: 404, body: { error: { code: 'not_found' } } }),
    });
    h.client({ maxTrackedBets: 1, requestTimeoutMs: SLOW_POST_MS });
    const first = await h.sdk.placeBet(CELL);
    expect(first).toMatchObject({ phase: 'REJECTED', provisional: true });
    await h.sdk.placeBet(CELL);
    expect(h.sdk.bet(first.body.clientBetId)).toMatchObject({ phase: 'REJECTED', provisional: true });
  });
});
