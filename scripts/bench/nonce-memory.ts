/**
 * Redis memory of the nonce store (SPEC 4.2: one `<prefix>:nonce:<uuid>` key per signed request, 90 s TTL): a full
 * `SCAN … MATCH <prefix>:nonce:*` counts the keys exactly, and `MEMORY USAGE` of the first sampled ones gives the
 * mean size; keys × mean = the estimate. Taken right after the load, when the store holds the last 90 s of requests.
 */
import type { Redis } from 'ioredis';
import type { NonceStoreMemory } from './result-types.js';

export async function measureNonceStore(redis: Redis, prefix: string, sampleSize = 200): Promise<NonceStoreMemory> {
  const pattern = `${prefix}:nonce:*`;
  const sample: string[] = [];
  let keys = 0;
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 5_000);
    cursor = next;
    keys += batch.length;
    for (const k of batch) if (sample.length < sampleSize) sample.push(k);
  } while (cursor !== '0');
  let total = 0;
  let sampled = 0;
  for (const k of sample) {
    // SAMPLES 0: exact for these small string keys.
    const bytes = (await redis.call('MEMORY', 'USAGE', k, 'SAMPLES', '0')) as number | null;
    if (bytes !== null) {
      total += bytes;
      sampled += 1;
    }
  }
  const mean = sampled > 0 ? total / sampled : null;
  return {
    keys,
    sampled,
    meanBytesPerKey: mean,
    estimatedBytes: mean === null ? null : Math.round(mean * keys),
    method: `SCAN MATCH ${pattern} (exact count) × mean MEMORY USAGE of ${sampled} sampled keys`,
  };
}
