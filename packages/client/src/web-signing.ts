import type { PlayerCredentials } from './credentials.js';

/**
 * SPEC 4.2 signing on WebCrypto (`globalThis.crypto`: every browser and Node ≥ 19), so the same code signs in a
 * browser and in Node. WebCrypto's HMAC is asynchronous; signing happens when a request is sent.
 */
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
const encoder = new TextEncoder();
const keys = new Map<string, Promise<HmacKey>>();

function keyFor(secret: string): Promise<HmacKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    // A handful of secrets per process at most (one per player this client acts as).
    if (keys.size >= 64) keys.clear();
    keys.set(secret, key);
  }
  return key;
}

/** Lower-case hex HMAC-SHA256(secret, ts \n nonce \n METHOD \n target \n rawBody), all UTF-8, exactly as sent. */
export async function signWeb(secret: string, ts: string, nonce: string, method: string, target: string, rawBody: string): Promise<string> {
  const mac = await crypto.subtle.sign(
    'HMAC',
    await keyFor(secret),
    encoder.encode(`${ts}\n${nonce}\n${method.toUpperCase()}\n${target}\n${rawBody}`),
  );
  let hex = '';
  for (const b of new Uint8Array(mac)) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** A random (v4) UUID: nonces and `clientBetId`s. */
export function newUuid(): string {
  return crypto.randomUUID();
}

/** SPEC 4.2 headers for one request, signed now; a fresh nonce every call (retries included). */
export async function signRequest(
  creds: PlayerCredentials,
  method: string,
  target: string,
  body = '',
  now = Date.now(),
): Promise<Record<string, string>> {
  const ts = String(now);
  const nonce = newUuid();
  return {
    'x-api-key': creds.apiKey,
    'x-timestamp': ts,
    'x-nonce': nonce,
    'x-signature': await signWeb(creds.apiSecret, ts, nonce, method, target, body),
  };
}

/** Query string of the signed WebSocket upgrade (SPEC 4.5), signed now. */
export async function signStreamQuery(creds: PlayerCredentials, now = Date.now()): Promise<string> {
  const ts = String(now);
  const nonce = newUuid();
  const sig = await signWeb(creds.apiSecret, ts, nonce, 'GET', '/v1/stream', '');
  return new URLSearchParams({ apiKey: creds.apiKey, ts, nonce, sig }).toString();
}
