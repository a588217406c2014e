import { defineScript } from '@wagerflow/redis-scripts';
import { KEY_FILTER_LUA } from './key-filter.js';

/**
 * Claim a bet's idempotency key: only when the pending record is new are its id and its window membership written
 * (settlement of the window waits until the ledger removes it) and its place in the player's pending list. A losing
 * duplicate, whatever cell it names, leaves nothing behind. A claimed key goes into the player's key filter (key-filter.ts).
 * Returns 1 when claimed, 0 when the key is taken, -1 when Redis's clock is past claimBy (then nothing is written: the ledger drops an intent that has no record).
 */
export const CLAIM = defineScript<
  [record: string, betId: string, window: string, playerPending: string, filter: string, filterBits: string, filterLog: string],
  [record: string, member: string, placedAt: number, clientBetId: string, claimBy: number],
  number
>({
  // Renamed with the key filter: a gateway still on the old script would claim keys its filter never hears of.
  name: 'wfClaimPendingBetFiltered',
  lua: `${KEY_FILTER_LUA}
local now = redis.call('TIME')
if tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) > tonumber(ARGV[5]) then
  return -1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('SET', KEYS[2], ARGV[2])
  redis.call('SADD', KEYS[3], ARGV[2])
  redis.call('ZADD', KEYS[4], ARGV[3], ARGV[4])
  kf_claimed(KEYS[5], KEYS[6], KEYS[7], ARGV[4])
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

/**
 * Whether the player's key filter proves `clientBetId` never claimed: 1 (some bit unset: never claimed), 0 (every bit
 * set: maybe; ask Postgres), -1 (no ready filter: ask Postgres, and build one). Read-only.
 */
export const FILTER_CHECK = defineScript<[filter: string, filterBits: string], [clientBetId: string], -1 | 0 | 1>({
  name: 'wfKeyFilterCheck',
  lua: `${KEY_FILTER_LUA}
local f = redis.call('HMGET', KEYS[1], 'state', 'm')
if f[1] ~= 'ready' then return -1 end
for _, p in ipairs(kf_positions(ARGV[1], tonumber(f[2]))) do
  if redis.call('GETBIT', KEYS[2], p) == 0 then
    -- GETBIT reads a missing key as zeros: only bits that exist prove anything.
    if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
    return 1
  end
end
return 0`,
});

/**
 * Start building the player's filter as `generation`, unless a ready one exists or another build started less than
 * buildMs ago: from here every claim logs its key, and the keys pending now are logged too, so what the caller then
 * reads from Postgres (the keys of stored and archived bets) and the log together hold every key ever claimed: a key
 * that left the pending list did so after its bet's commit. Returns 1 when this call started the build, else 0.
 */
export const FILTER_START = defineScript<
  [filter: string, filterBits: string, filterLog: string, playerPending: string],
  [generation: string, buildMs: number],
  0 | 1
>({
  name: 'wfKeyFilterStart',
  lua: `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local f = redis.call('HMGET', KEYS[1], 'state', 'since')
if f[1] == 'ready' and redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if f[1] == 'building' and now - tonumber(f[2]) < tonumber(ARGV[2]) then return 0 end
redis.call('DEL', KEYS[1], KEYS[3])
redis.call('HSET', KEYS[1], 'state', 'building', 'gen', ARGV[1], 'since', now)
redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[2]))
local ids = redis.call('ZRANGE', KEYS[4], 0, -1)
for i = 1, #ids, 1000 do
  redis.call('RPUSH', KEYS[3], unpack(ids, i, math.min(i + 999, #ids)))
end
redis.call('PEXPIRE', KEYS[3], 2 * tonumber(ARGV[2]))
return 1`,
});

/**
 * Finish the build `generation` started: its staged bits (the Postgres keys, set by the caller) become the filter,
 * the logged keys are added, and it is ready for ttlMs (then rebuilt on the player's next bet). Returns 1, or 0 when
 * the build is no longer the current one (a newer build replaced it, or it took so long its state expired).
 */
export const FILTER_SEAL = defineScript<
  [filter: string, filterBits: string, filterLog: string, staging: string],
  [generation: string, bits: number, capacity: number, stagedKeys: number, ttlMs: number],
  0 | 1
>({
  name: 'wfKeyFilterSeal',
  lua: `${KEY_FILTER_LUA}
local f = redis.call('HMGET', KEYS[1], 'state', 'gen')
if f[1] ~= 'building' or f[2] ~= ARGV[1] or redis.call('EXISTS', KEYS[4]) == 0 then
  redis.call('DEL', KEYS[4])
  return 0
end
local m = tonumber(ARGV[2])
redis.call('RENAME', KEYS[4], KEYS[2])
local logged = redis.call('LRANGE', KEYS[3], 0, -1)
for _, id in ipairs(logged) do kf_add(KEYS[2], id, m) end
redis.call('DEL', KEYS[3])
redis.call('HSET', KEYS[1], 'state', 'ready', 'm', m, 'cap', ARGV[3], 'n', tonumber(ARGV[4]) + #logged)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return 1`,
});
