/** SPEC 4.2's header names and timestamp window: no node:crypto here, so browser bundles can import them. */
export const SIGNING_HEADERS = {
  apiKey: 'x-api-key',
  timestamp: 'x-timestamp',
  nonce: 'x-nonce',
  signature: 'x-signature',
} as const;

/** SPEC 4.2: a signed timestamp is accepted from this long before the server's clock… */
export const SIGNED_TS_PAST_MS = 30_000;
/** …to this long after it. */
export const SIGNED_TS_FUTURE_MS = 5_000;
