import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * SPEC 4.2: `hex(HMAC-SHA256(apiSecret, ts \n nonce \n METHOD \n target \n rawBody))`, where `ts`,
 * `target` and the body are exactly the bytes sent (no normalisation).
 */
export function signingString(ts: string, nonce: string, method: string, target: string, rawBody: string | Buffer): Buffer {
  const head = Buffer.from(`${ts}\n${nonce}\n${method.toUpperCase()}\n${target}\n`, 'utf8');
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  return Buffer.concat([head, body]);
}

export function sign(secret: string, ts: string, nonce: string, method: string, target: string, rawBody: string | Buffer): string {
  return createHmac('sha256', secret)
    .update(signingString(ts, nonce, method, target, rawBody))
    .digest('hex');
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** Constant-time comparison of a received signature with the expected one. */
export function signatureMatches(expectedHex: string, receivedHex: string): boolean {
  if (!HEX_SHA256.test(receivedHex)) return false;
  return timingSafeEqual(Buffer.from(expectedHex, 'hex'), Buffer.from(receivedHex, 'hex'));
}
