import { SIGNED_TS_FUTURE_MS, SIGNED_TS_PAST_MS, sign, signatureMatches } from '@wagerflow/contracts';
export const NONCE_TTL_S = 90;

const TS_RE = /^[0-9]{13}$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface SignedParts {
  ts: string | undefined;
  nonce: string | undefined;
  signature: string | undefined;
  method: string;
  target: string;
  body: Buffer;
}

export type SignatureVerdict = 'ok' | 'invalid_signature' | 'stale_timestamp';

/**
 * SPEC 4.2 checks after the key is known, in order: headers well formed and signature right
 * (constant-time), then the timestamp window. The nonce is spent by the caller only after 'ok'.
 */
export function verifySignedParts(secret: string, p: SignedParts, now: number): SignatureVerdict {
  if (!p.ts || !TS_RE.test(p.ts) || !p.nonce || !UUID_RE.test(p.nonce) || !p.signature) return 'invalid_signature';
  const expected = sign(secret, p.ts, p.nonce, p.method, p.target, p.body);
  if (!signatureMatches(expected, p.signature)) return 'invalid_signature';
  const ts = Number(p.ts);
  if (ts < now - SIGNED_TS_PAST_MS || ts > now + SIGNED_TS_FUTURE_MS) return 'stale_timestamp';
  return 'ok';
}
