import { describe, expect, it } from 'vitest';
import { errorCode, failureCause, lookupAnswerEvent, postAnswerEvent, toSnapshot } from './bet-responses.js';

const err = (code: string) => ({ error: { code, message: code } });
const view = {
  betId: 'b1',
  clientBetId: 'c1',
  status: 'confirmed',
  multiplier: 1.9,
  reason: null,
  result: 'won',
  payout: 190,
};

describe('postAnswerEvent', () => {
  it('202 and a 200 replay → accepted with the snapshot', () => {
    expect(postAnswerEvent({ status: 202, body: { betId: 'b1', clientBetId: 'c1', status: 'pending', multiplier: 2 } })).toEqual({
      type: 'post:accepted',
      bet: { betId: 'b1', status: 'pending', multiplier: 2, reason: null, result: null, payout: null },
    });
    expect(postAnswerEvent({ status: 200, body: view })).toMatchObject({
      type: 'post:accepted',
      bet: { status: 'confirmed', result: 'won' },
    });
  });
  it('a 2xx without a bet in it is ambiguous', () => {
    expect(postAnswerEvent({ status: 202, body: 'oops' })).toEqual({ type: 'post:failed', cause: 'malformed_202' });
  });
  it.each([
    [400, 'validation_failed'],
    [401, 'replayed_nonce'],
    [404, 'unknown_cell'],
    [422, 'insufficient_funds'],
    [422, 'idempotency_key_reused'],
  ])('%i %s → definitive rejection', (status, code) => {
    expect(postAnswerEvent({ status, body: err(code) })).toEqual({ type: 'post:rejected', code });
  });
  it('503 market_suspended is definitive; other 5xx are ambiguous', () => {
    expect(postAnswerEvent({ status: 503, body: err('market_suspended') })).toEqual({ type: 'post:rejected', code: 'market_suspended' });
    expect(postAnswerEvent({ status: 503, body: err('service_unavailable') })).toEqual({
      type: 'post:failed',
      cause: 'service_unavailable',
    });
    expect(postAnswerEvent({ status: 502, body: '<html>' })).toEqual({ type: 'post:failed', cause: 'http_502' });
  });
});

describe('lookupAnswerEvent', () => {
  it('200 → found, 404 → not found, anything else → failed', () => {
    expect(lookupAnswerEvent({ status: 200, body: view })).toMatchObject({ type: 'lookup:found', bet: { betId: 'b1' } });
    expect(lookupAnswerEvent({ status: 404, body: err('not_found') })).toEqual({ type: 'lookup:notFound' });
    expect(lookupAnswerEvent({ status: 503, body: err('service_unavailable') })).toEqual({
      type: 'lookup:failed',
      cause: 'service_unavailable',
    });
    expect(lookupAnswerEvent({ status: 200, body: { betId: 'b1' } })).toEqual({ type: 'lookup:failed', cause: 'http_200' });
  });
});

describe('helpers', () => {
  it('toSnapshot rejects bodies that are not bets', () => {
    expect(toSnapshot(null)).toBeNull();
    expect(toSnapshot({ ...view, status: 'weird' })).toBeNull();
    expect(toSnapshot({ ...view, multiplier: '2' })).toBeNull();
    expect(toSnapshot({ ...view, result: 'bogus', reason: 'r' })).toMatchObject({ result: null, reason: 'r' });
  });
  it('errorCode falls back to the status', () => {
    expect(errorCode({ status: 500, body: { error: 'x' } })).toBe('http_500');
    expect(errorCode({ status: 500, body: { error: { code: 1 } } })).toBe('http_500');
  });
  it('failureCause tells our deadline from a transport error', () => {
    expect(failureCause(new DOMException('t', 'TimeoutError'))).toBe('timeout');
    expect(failureCause(new DOMException('a', 'AbortError'))).toBe('timeout');
    expect(failureCause(new TypeError('fetch failed'))).toBe('network_error');
    expect(failureCause('weird')).toBe('network_error');
  });
});

describe('postAnswerEvent: 503 overloaded', () => {
  it('→ shed with Retry-After in ms (1 s when absent or not delta-seconds) and the jitter given', () => {
    const shed = (h?: Record<string, string>) => ({ status: 503, body: err('overloaded'), ...(h ? { headers: new Headers(h) } : {}) });
    expect(postAnswerEvent(shed({ 'retry-after': '3' }), 0.25)).toEqual({ type: 'post:shed', retryAfterMs: 3_000, jitter: 0.25 });
    expect(postAnswerEvent(shed(), 0)).toEqual({ type: 'post:shed', retryAfterMs: 1_000, jitter: 0 });
    expect(postAnswerEvent(shed({ 'retry-after': 'Wed, 21 Oct 2026 07:28:00 GMT' }), 0)).toMatchObject({ retryAfterMs: 1_000 });
    // Another 503 stays ambiguous.
    expect(postAnswerEvent({ status: 503, body: err('service_unavailable') })).toEqual({
      type: 'post:failed',
      cause: 'service_unavailable',
    });
  });
});
