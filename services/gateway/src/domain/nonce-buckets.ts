import { NONCE_TTL_S } from './signed-request.js';

/**
 * The nonce store (SPEC 4.2: a nonce used in the last 90 s is refused) as time buckets: every nonce is added to the set
 * of the bucket of the moment it was spent, and a new nonce is checked against every bucket that can hold one spent in
 * the last 90 s. A set member costs about a third of a key with its own TTL (no key object, no expiry entry), so the
 * store fits the memory budget at 3,000 requests/s; the guarantee is unchanged (a replay is refused for at least 90 s,
 * with one bucket of slack on each side for clock skew between gateway replicas).
 */
export const NONCE_BUCKET_MS = 10_000;
const WINDOW_MS = NONCE_TTL_S * 1_000;

export interface NonceBuckets {
  /** Bucket the nonce is added to. */
  current: number;
  /** Buckets checked before adding (the current one included). */
  check: number[];
  /** When the current bucket may go (epoch ms): no checker, skewed by up to a bucket, can still look at it. */
  expireAtMs: number;
}

export function nonceBuckets(now: number, bucketMs = NONCE_BUCKET_MS, windowMs = WINDOW_MS): NonceBuckets {
  const current = Math.floor(now / bucketMs);
  const first = Math.floor((now - windowMs - bucketMs) / bucketMs);
  const check: number[] = [];
  for (let b = first; b <= current + 1; b++) check.push(b);
  // The last checker that includes bucket k runs before (k + 2)·B + window on its clock; one more B for skew.
  return { current, check, expireAtMs: (current + 3) * bucketMs + windowMs };
}

/** A UUID's 16 bytes (any case): the set member, smaller than its 36-character text. */
export function nonceMember(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}
