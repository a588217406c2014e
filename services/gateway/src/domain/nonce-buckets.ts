import { NONCE_TTL_S } from './signed-request.js';

/**
 * The nonce store (SPEC 4.2: a nonce used in the last 90 s is refused) as time buckets: every nonce is added to the set
 * of the bucket of the moment it was spent, and a new nonce is checked against every bucket that can hold one spent in
 * the last 90 s. A set member costs about a third of a key with its own TTL (no key object, no expiry entry), so the
 * store fits the memory budget at 3,000 requests/s. The time is Redis's own (SPEND_NONCE reads TIME), so gateway
 * replicas whose clocks disagree still see each other's nonces.
 */
export const NONCE_BUCKET_MS = 10_000;
export const NONCE_WINDOW_MS = NONCE_TTL_S * 1_000;

/**
 * KEYS: none (bucket keys are `ARGV[1] .. bucket`, derived from Redis's clock: a standalone Redis, as BullMQ needs).
 * ARGV: key prefix, member, bucket ms, window ms. Returns 1 when the nonce was unused in the window and is now spent.
 * A bucket expires one bucket after the last check that can look at it: floor((now − window) / B) ≤ k until
 * now ≥ (k + 1)·B + window.
 */
export const SPEND_NONCE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local size = tonumber(ARGV[3])
local window = tonumber(ARGV[4])
local current = math.floor(now / size)
for b = math.floor((now - window) / size), current do
  if redis.call('SISMEMBER', ARGV[1] .. b, ARGV[2]) == 1 then return 0 end
end
redis.call('SADD', ARGV[1] .. current, ARGV[2])
redis.call('PEXPIREAT', ARGV[1] .. current, (current + 2) * size + window)
return 1`;

/** A UUID's 16 bytes (any case): the set member, smaller than its 36-character text. */
export function nonceMember(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}
