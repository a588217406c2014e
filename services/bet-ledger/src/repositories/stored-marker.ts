import { STORED_MARKER_TTL_S, type RedisKeys, type StoredMarker } from '@wagerflow/contracts';
import type { Redis } from '@wagerflow/queue';

/**
 * Replace a bet's pending record with the stored marker — unless the record names another bet: after an old marker
 * expired, a later request may have claimed the key anew (the ledger will find the key stored and drop or re-publish
 * it), and a redelivery of the stored bet must not overwrite that claim and strand its window and pending entries.
 * KEYS[1]: the record. ARGV: bet id, marker, TTL s.
 */
const MARK_STORED = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local ok, rec = pcall(cjson.decode, cur)
  if ok and type(rec) == 'table' and rec.betId ~= ARGV[1] and not rec.stored then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1`;

export interface StoredMarkers {
  /** Queue the marker writes on `pipeline` (the caller executes it with its other writes). */
  queue(pipeline: ReturnType<Redis['pipeline']>, bets: { betId: string; playerId: string; clientBetId: string }[]): void;
}

export function createStoredMarkers(redis: Redis, keys: RedisKeys): StoredMarkers {
  redis.defineCommand('wfMarkStored', { numberOfKeys: 1, lua: MARK_STORED });
  return {
    queue(pipeline, bets) {
      const p = pipeline as unknown as { wfMarkStored(key: string, betId: string, marker: string, ttl: number): unknown };
      for (const b of bets) {
        const marker: StoredMarker = { betId: b.betId, stored: true };
        p.wfMarkStored(keys.pendingBet(b.playerId, b.clientBetId), b.betId, JSON.stringify(marker), STORED_MARKER_TTL_S);
      }
    },
  };
}
