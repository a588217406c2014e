import { randomUUID } from 'node:crypto';
import { sign } from '@wagerflow/contracts';
import type { PlayerCredentials } from './credentials.js';

export type { PlayerCredentials } from './credentials.js';

// Node only (synchronous, node:crypto): for tests and scripts that build requests by hand. The SDK itself signs with
// WebCrypto (web-signing.ts), which runs in browsers too.

/** SPEC 4.2 headers for one request; a fresh nonce every call (retries included). */
export function signedHeaders(
  creds: PlayerCredentials,
  method: string,
  target: string,
  body = '',
  now = Date.now(),
): Record<string, string> {
  const ts = String(now);
  const nonce = randomUUID();
  return {
    'x-api-key': creds.apiKey,
    'x-timestamp': ts,
    'x-nonce': nonce,
    'x-signature': sign(creds.apiSecret, ts, nonce, method, target, body),
  };
}

/** Query string of the signed WebSocket upgrade (SPEC 4.5). */
export function streamQuery(creds: PlayerCredentials, now = Date.now()): string {
  const ts = String(now);
  const nonce = randomUUID();
  const sig = sign(creds.apiSecret, ts, nonce, 'GET', '/v1/stream', '');
  return new URLSearchParams({ apiKey: creds.apiKey, ts, nonce, sig }).toString();
}
