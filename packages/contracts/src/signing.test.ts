import { createHmac } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { sign, signatureMatches, signingString } from './signing.js';
import { SIGNING_HEADERS } from './signing-window.js';

const SECRET = 'sk_test_5f1c0a2b9e';
const TS = '1700000000123';
const NONCE = '0b6f3c1e-8a4d-4f2e-9c7b-1d2e3f4a5b6c';

/** Independent reference: SPEC 4.2's formula written out with node:crypto. */
const reference = (secret: string, ts: string, nonce: string, method: string, target: string, body: string | Buffer): string =>
  createHmac('sha256', secret)
    .update(Buffer.concat([Buffer.from(`${ts}\n${nonce}\n${method}\n${target}\n`), Buffer.isBuffer(body) ? body : Buffer.from(body)]))
    .digest('hex');

describe('signingString', () => {
  it('is ts \\n nonce \\n METHOD \\n target \\n body', () => {
    expect(signingString(TS, NONCE, 'POST', '/v1/bets', '{"a":1}').toString('utf8')).toBe(`${TS}\n${NONCE}\nPOST\n/v1/bets\n{"a":1}`);
    expect(signingString(TS, NONCE, 'GET', '/v1/me', '').toString('utf8')).toBe(`${TS}\n${NONCE}\nGET\n/v1/me\n`);
  });

  it('keeps body bytes as they are', () => {
    const body = Buffer.from([0xff, 0x00, 0x0a, 0xc3]);
    const s = signingString(TS, NONCE, 'POST', '/x', body);
    expect(s.subarray(s.length - 4)).toEqual(body);
  });
});

describe('sign', () => {
  it('is lower-case hex HMAC-SHA256 over the SPEC 4.2 string', () => {
    const body = '{"clientBetId":"c","stake":100}';
    const sig = sign(SECRET, TS, NONCE, 'POST', '/v1/bets', body);
    expect(sig).toMatch(/^[0-9a-f]{64}$/);
    expect(sig).toBe(reference(SECRET, TS, NONCE, 'POST', '/v1/bets', body));
  });

  it('signs an empty body (GET) as an empty last line', () => {
    expect(sign(SECRET, TS, NONCE, 'GET', '/v1/bets?since=0&limit=10', '')).toBe(
      reference(SECRET, TS, NONCE, 'GET', '/v1/bets?since=0&limit=10', ''),
    );
  });

  it('matches a fixed known vector', () => {
    // printf '1\nn\nGET\n/\n' | openssl dgst -sha256 -hmac key
    expect(sign('key', '1', 'n', 'GET', '/', '')).toBe('9757c33c3dbfc13cb8ceefd3561ca361e1466c6d6feed8c487643f6db0c3b777');
  });

  it('gives the same signature for a string body and its UTF-8 bytes', () => {
    const body = '{"name":"zoë ✓"}';
    expect(sign(SECRET, TS, NONCE, 'POST', '/x', body)).toBe(sign(SECRET, TS, NONCE, 'POST', '/x', Buffer.from(body, 'utf8')));
    expect(sign(SECRET, TS, NONCE, 'POST', '/x', body)).toBe(reference(SECRET, TS, NONCE, 'POST', '/x', Buffer.from(body, 'utf8')));
  });

  it('upper-cases the method', () => {
    expect(sign(SECRET, TS, NONCE, 'post', '/v1/bets', '')).toBe(reference(SECRET, TS, NONCE, 'POST', '/v1/bets', ''));
  });

  it('changes with every part', () => {
    const base = sign(SECRET, TS, NONCE, 'POST', '/v1/bets', '{}');
    const variants = [
      sign('other', TS, NONCE, 'POST', '/v1/bets', '{}'),
      sign(SECRET, '1700000000124', NONCE, 'POST', '/v1/bets', '{}'),
      sign(SECRET, TS, NONCE.replace('0b6f', '0b6e'), 'POST', '/v1/bets', '{}'),
      sign(SECRET, TS, NONCE, 'PUT', '/v1/bets', '{}'),
      sign(SECRET, TS, NONCE, 'POST', '/v1/bets/', '{}'),
      sign(SECRET, TS, NONCE, 'POST', '/v1/bets?', '{}'),
      sign(SECRET, TS, NONCE, 'POST', '/v1/bets', '{} '),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });

  it('does not normalise the target (query order, percent-encoding)', () => {
    expect(sign(SECRET, TS, NONCE, 'GET', '/v1/bets?a=1&b=2', '')).not.toBe(sign(SECRET, TS, NONCE, 'GET', '/v1/bets?b=2&a=1', ''));
    expect(sign(SECRET, TS, NONCE, 'GET', '/v1/bets?x=%2F', '')).not.toBe(sign(SECRET, TS, NONCE, 'GET', '/v1/bets?x=/', ''));
  });

  it('signs the body bytes exactly: re-serialised JSON does not verify', () => {
    const sent = '{ "stake": 100, "marketId": "BTC-USD" }';
    const reserialised = JSON.stringify(JSON.parse(sent)); // same value, different whitespace
    expect(reserialised).toBe('{"stake":100,"marketId":"BTC-USD"}');
    const sig = sign(SECRET, TS, NONCE, 'POST', '/v1/bets', sent);
    expect(signatureMatches(sign(SECRET, TS, NONCE, 'POST', '/v1/bets', sent), sig)).toBe(true);
    expect(signatureMatches(sign(SECRET, TS, NONCE, 'POST', '/v1/bets', reserialised), sig)).toBe(false);
  });

  it('keeps field separators unambiguous', () => {
    // moving a character across the ts/nonce boundary changes the signed bytes
    expect(sign(SECRET, '12', '3', 'GET', '/', '')).not.toBe(sign(SECRET, '1', '23', 'GET', '/', ''));
  });
});

describe('signatureMatches', () => {
  const expected = sign(SECRET, TS, NONCE, 'POST', '/v1/bets', '{}');

  it('accepts the exact lower-case signature', () => {
    expect(signatureMatches(expected, expected)).toBe(true);
  });

  it('rejects a different valid-looking signature', () => {
    const flipped = (expected[0] === '0' ? '1' : '0') + expected.slice(1);
    expect(signatureMatches(expected, flipped)).toBe(false);
    const lastFlipped = expected.slice(0, 63) + (expected[63] === 'a' ? 'b' : 'a');
    expect(signatureMatches(expected, lastFlipped)).toBe(false);
  });

  it.each([
    ['upper-case hex', () => expected.toUpperCase()],
    ['one upper-case letter', () => expected.replace(/[a-f]/, (c) => c.toUpperCase())],
    ['too short', () => expected.slice(0, 62)],
    ['odd length', () => expected.slice(0, 63)],
    ['too long', () => `${expected}00`],
    ['empty', () => ''],
    ['non-hex', () => `${expected.slice(0, 63)}g`],
    ['whitespace', () => ` ${expected.slice(1)}`],
    ['0x prefix', () => `0x${expected.slice(2)}`],
    ['base64 of the digest', () => Buffer.from(expected, 'hex').toString('base64')],
  ])('rejects %s without throwing', (_label, received) => {
    const r = received();
    expect(r).not.toBe(expected);
    expect(() => signatureMatches(expected, r)).not.toThrow();
    expect(signatureMatches(expected, r)).toBe(false);
  });
});

describe('SIGNING_HEADERS', () => {
  it('names the SPEC 4.2 headers in lower case (as node exposes them)', () => {
    expect(SIGNING_HEADERS).toEqual({ apiKey: 'x-api-key', timestamp: 'x-timestamp', nonce: 'x-nonce', signature: 'x-signature' });
  });
});
