import { createHmac } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { SIGNED_TS_FUTURE_MS, SIGNED_TS_PAST_MS } from '@wagerflow/contracts';
import { NONCE_TTL_S, verifySignedParts, type SignedParts } from './signed-request.js';

const SECRET = 'player-secret-3b7e';
const NOW = 1_700_000_000_000;
const NONCE = '6f1d2c3b-4a5e-4f60-8b7a-9c0d1e2f3a4b';
const BODY = '{"clientBetId":"6f1d2c3b-4a5e-4f60-8b7a-9c0d1e2f3a4b","stake":100}';

/** Independent signer (SPEC 4.2), not the module's own `sign`. */
const hmac = (secret: string, ts: string, nonce: string, method: string, target: string, body: string) =>
  createHmac('sha256', secret).update(`${ts}\n${nonce}\n${method}\n${target}\n${body}`).digest('hex');

/** A correctly signed request at `ts`; `over` replaces parts after signing. */
function signed(ts: number | string = NOW, over: Partial<SignedParts> = {}): SignedParts {
  const tsText = String(ts);
  const parts: SignedParts = {
    ts: tsText,
    nonce: NONCE,
    method: 'POST',
    target: '/v1/bets',
    body: Buffer.from(BODY),
    signature: hmac(SECRET, tsText, NONCE, 'POST', '/v1/bets', BODY),
  };
  return { ...parts, ...over };
}
const verify = (p: SignedParts, now = NOW) => verifySignedParts(SECRET, p, now);

describe('verifySignedParts', () => {
  it('accepts a correctly signed, fresh request', () => {
    expect(verify(signed())).toBe('ok');
  });

  it('accepts an empty body signed as an empty last line', () => {
    const ts = String(NOW);
    const sig = hmac(SECRET, ts, NONCE, 'GET', '/v1/me', '');
    expect(verify({ ts, nonce: NONCE, method: 'GET', target: '/v1/me', body: Buffer.alloc(0), signature: sig })).toBe('ok');
  });

  it('accepts an upper-case UUID nonce it was signed with', () => {
    const nonce = NONCE.toUpperCase();
    const ts = String(NOW);
    expect(verify({ ...signed(), nonce, signature: hmac(SECRET, ts, nonce, 'POST', '/v1/bets', BODY) })).toBe('ok');
  });

  describe('invalid_signature', () => {
    it.each<[string, Partial<SignedParts>]>([
      ['missing ts', { ts: undefined }],
      ['empty ts', { ts: '' }],
      ['12-digit ts', { ts: '170000000000' }],
      ['14-digit ts', { ts: '17000000000000' }],
      ['ts with a sign', { ts: '+700000000000' }],
      ['ts with a decimal point', { ts: '1700000000.00' }],
      ['ts with whitespace', { ts: ' 1700000000000' }],
      ['ts in seconds', { ts: '1700000000' }],
      ['missing nonce', { nonce: undefined }],
      ['empty nonce', { nonce: '' }],
      ['nonce not a UUID', { nonce: 'not-a-uuid' }],
      ['nonce without dashes', { nonce: NONCE.replaceAll('-', '') }],
      ['nonce in braces', { nonce: `{${NONCE}}` }],
      ['nonce with a non-hex digit', { nonce: NONCE.replace('6f1d', '6g1d') }],
      ['missing signature', { signature: undefined }],
      ['empty signature', { signature: '' }],
    ])('%s', (_label, over) => {
      // re-sign with the replaced values where they exist, so only the malformed part is at fault
      const base = signed();
      const ts = 'ts' in over ? over.ts : base.ts;
      const nonce = 'nonce' in over ? over.nonce : base.nonce;
      const signature = 'signature' in over ? over.signature : hmac(SECRET, ts ?? '', nonce ?? '', 'POST', '/v1/bets', BODY);
      expect(verify({ ...base, ts, nonce, signature })).toBe('invalid_signature');
    });

    it('wrong secret', () => {
      expect(verifySignedParts('another-secret', signed(), NOW)).toBe('invalid_signature');
    });

    it('upper-case hex signature', () => {
      const p = signed();
      expect(verify({ ...p, signature: p.signature!.toUpperCase() })).toBe('invalid_signature');
    });

    it('truncated signature', () => {
      const p = signed();
      expect(verify({ ...p, signature: p.signature!.slice(0, 63) })).toBe('invalid_signature');
    });

    it.each<[string, Partial<SignedParts>]>([
      ['method', { method: 'PUT' }],
      ['target', { target: '/v1/bets?x=1' }],
      ['body', { body: Buffer.from(`${BODY} `) }],
      ['re-serialised body', { body: Buffer.from(JSON.stringify(JSON.parse(BODY), null, 1)) }],
      ['nonce', { nonce: '6f1d2c3b-4a5e-4f60-8b7a-9c0d1e2f3a4c' }],
      ['ts', { ts: String(NOW + 1) }],
    ])('signature over a different %s', (_label, over) => {
      expect(verify(signed(NOW, over))).toBe('invalid_signature');
    });

    it('checks the signature before the timestamp: stale ts with a wrong signature', () => {
      const stale = signed(NOW - 60_000);
      expect(verify(stale)).toBe('stale_timestamp');
      expect(verify({ ...stale, signature: '0'.repeat(64) })).toBe('invalid_signature');
      expect(verify({ ...signed(NOW + 60_000), signature: 'f'.repeat(64) })).toBe('invalid_signature');
    });
  });

  describe('timestamp window [now − 30 000, now + 5 000]', () => {
    it('has the SPEC bounds', () => {
      expect(SIGNED_TS_PAST_MS).toBe(30_000);
      expect(SIGNED_TS_FUTURE_MS).toBe(5_000);
      expect(NONCE_TTL_S).toBe(90);
    });

    it.each([
      [NOW - 30_000, 'ok'],
      [NOW - 30_001, 'stale_timestamp'],
      [NOW + 5_000, 'ok'],
      [NOW + 5_001, 'stale_timestamp'],
      [NOW - 29_999, 'ok'],
      [NOW + 4_999, 'ok'],
      [NOW - 3_600_000, 'stale_timestamp'],
      [NOW + 3_600_000, 'stale_timestamp'],
    ])('ts %d → %s', (ts, verdict) => {
      expect(verify(signed(ts))).toBe(verdict);
    });

    it('is relative to `now`', () => {
      const p = signed(NOW);
      expect(verifySignedParts(SECRET, p, NOW + 30_000)).toBe('ok');
      expect(verifySignedParts(SECRET, p, NOW + 30_001)).toBe('stale_timestamp');
      expect(verifySignedParts(SECRET, p, NOW - 5_000)).toBe('ok');
      expect(verifySignedParts(SECRET, p, NOW - 5_001)).toBe('stale_timestamp');
    });
  });
});
