import { defineScript } from '@wagerflow/redis-scripts';

/**
 * Claim a bet's idempotency key: only when the pending record is new are its id and its window membership written
 * (settlement of the window waits until the ledger removes it) and its place in the player's pending list. A losing
 * duplicate, whatever cell it names, leaves nothing behind. Returns 1 when claimed, 0 when the key is taken, -1 when
 * Redis's clock is past claimBy (then nothing is written: the ledger drops an intent that has no record).
 */
export const CLAIM = defineScript<
  [record: string, betId: string, window: string, playerPending: string],
  [record: string, member: string, placedAt: number, clientBetId: string, claimBy: number],
  number
>({
  name: 'wfClaimPendingBet',
  lua: `
local now = redis.call('TIME')
if tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) > tonumber(ARGV[5]) then
  return -1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('SET', KEYS[2], ARGV[2])
  redis.call('SADD', KEYS[3], ARGV[2])
  redis.call('ZADD', KEYS[4], ARGV[3], ARGV[4])
  return 1
end
return 0`,
});

/**
 * Replace each bet's pending record with the stored marker — unless the record names another bet: after an old marker
 * expired, a later request may have claimed the key anew (the ledger will find the key stored and drop or re-publish
 * it), and a redelivery of the stored bet must not overwrite that claim and strand its window and pending entries.
 * KEYS: the records. ARGV: TTL s, then each record's bet id (the marker is `{"betId", "stored": true}`).
 */
export const MARK_STORED = defineScript<string[], [ttlS: number, ...betIds: string[]], number>({
  name: 'wfMarkStored',
  lua: `
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
return marked`,
});
