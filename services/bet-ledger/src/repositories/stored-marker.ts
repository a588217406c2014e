import { STORED_MARKER_TTL_S, type RedisKeys } from '@wagerflow/contracts';
import type { Redis } from '@wagerflow/queue';

/**
 * Replace a bet's pending record with the stored marker — unless the record names another bet: after an old marker
 * expired, a later request may have claimed the key anew (the ledger will find the key stored and drop or re-publish
 * it), and a redelivery of the stored bet must not overwrite that claim and strand its window and pending entries.
 * KEYS: the records. ARGV: TTL s, then each record's bet id (the marker is `{"betId", "stored": true}`).
 */
const MARK_STORED = `
local ttl = ARGV[1]
local marked = 0
for i = 1, #KEYS do
  local betId = ARGV[i + 1]
  local cur = redis.call('GET', KEYS[i])
  local ok, rec = true, nil
  if cur then ok, rec = pcall(cjson.decode, cur) end
  if not (cur and ok and type(rec) == 'table' and rec.betId ~= betId and not rec.stored) then
    redis.call('SET', KEYS[i], cjson.encode({ betId = betId, stored = true }), 'EX', ttl)
    marked = marked + 1
  end
end
return marked`;
/** Records marked per script call: bounds how long one call holds Redis. */
const PER_CALL = 500;

export interface StoredMarkers {
  /** Queue the marker writes on `pipeline` (the caller executes it with its other writes). */
  queue(pipeline: ReturnType<Redis['pipeline']>, bets: { betId: string; playerId: string; clientBetId: string }[]): void;
}

export function createStoredMarkers(redis: Redis, keys: RedisKeys): StoredMarkers {
  redis.defineCommand('wfMarkStored', { lua: MARK_STORED });
  return {
    queue(pipeline, bets) {
      const p = pipeline as unknown as { wfMarkStored(numKeys: number, ...args: (string | number)[]): unknown };
      for (let i = 0; i < bets.length; i += PER_CALL) {
        const chunk = bets.slice(i, i + PER_CALL);
        p.wfMarkStored(
          chunk.length,
          ...chunk.map((b) => keys.pendingBet(b.playerId, b.clientBetId)),
          STORED_MARKER_TTL_S,
          ...chunk.map((b) => b.betId),
        );
      }
    },
  };
}
