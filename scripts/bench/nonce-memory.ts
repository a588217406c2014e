/**
 * Redis memory of the nonce store (SPEC 4.2; the gateway keeps spent nonces as 16-byte members of time-bucket sets,
 * `<prefix>:nonces:<bucket>`): a full `SCAN … MATCH <prefix>:nonces:*` finds the bucket sets, `SCARD` counts their
 * nonces and `MEMORY USAGE … SAMPLES 0` measures each set whole. Taken right after the load, when the store holds the
 * last ~2 minutes of requests.
 */
import type { Redis } from 'ioredis';
import { redisKeys } from '@wagerflow/contracts';
import type { NonceStoreMemory } from './result-types.js';

/** An upper bound of how long a nonce is held (a bucket set lives at most 90 s plus two 10 s buckets): rate × this × bytes. */
export const NONCE_HELD_S = 120;

export async function measureNonceStore(redis: Redis, prefix: string): Promise<NonceStoreMemory> {
  const pattern = `${redisKeys(prefix).nonceBucketPrefix}*`;
  const buckets: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
    cursor = next;
    buckets.push(...batch);
  } while (cursor !== '0');
  let nonces = 0;
  let bytes = 0;
  for (const key of buckets) {
    nonces += await redis.scard(key);
    bytes += ((await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) as number | null) ?? 0;
  }
  const bytesPerNonce = nonces > 0 ? bytes / nonces : null;
  return {
    nonces,
    buckets: buckets.length,
    bytes,
    bytesPerNonce,
    at3000PerSecBytes: bytesPerNonce === null ? null : Math.round(bytesPerNonce * 3_000 * NONCE_HELD_S),
    method: `SCAN MATCH ${pattern}; SCARD and MEMORY USAGE SAMPLES 0 of every bucket set`,
  };
}
