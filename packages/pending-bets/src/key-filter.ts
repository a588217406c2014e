import { createHash } from 'node:crypto';

/**
 * A player's key filter: a Bloom filter of every idempotency key (clientBetId) the player ever claimed, kept in Redis
 * beside the pending records, so that a new bet's key is proved unused without asking Postgres (the gateway's one
 * Postgres read per bet). A key whose bits are not all set was never claimed; one whose bits are all set may have
 * been (of unused keys: about 0.02 % right after a build, 0.5 % when the filter reaches its capacity), and only then
 * is Postgres asked. The claim script
 * sets the bits in the same step as it writes the pending record, so no claim can slip between a check and the bits.
 *
 * Hashing: SHA-1 of the key (Redis' Lua has `redis.sha1hex`); its first two 32-bit words h1, h2 give the positions
 * (h1 + i·(2·h2 + 1)) mod m for i < HASHES (double hashing; the odd stride visits distinct bits of a power-of-two m).
 * Every number stays below 2^37, exact in Lua's and JavaScript's doubles.
 */
export const KEY_FILTER_HASHES = 5;
/** Bits a key at the filter's capacity: 12 bits and 5 hashes read "maybe" for about 0.5 % of unused keys. */
export const KEY_FILTER_BITS_PER_KEY = 12;
/** The smallest filter (128 bytes, room for 85 keys). */
export const KEY_FILTER_MIN_BITS = 1_024;
/** The largest (512 MiB is Redis' string limit; this is 64 MiB): a player with more than about 22 M keys goes unfiltered. */
export const KEY_FILTER_MAX_BITS = 2 ** 29;

/** A filter's size for a player with `keys` keys: room for twice that many, so a rebuild comes after as many again. */
export function keyFilterBits(keys: number): number {
  const wanted = Math.max(KEY_FILTER_MIN_BITS, 2 * keys * KEY_FILTER_BITS_PER_KEY);
  return 2 ** Math.ceil(Math.log2(wanted));
}

/** The keys a filter of `bits` bits holds before the next claim drops it for a bigger one. */
export const keyFilterCapacity = (bits: number): number => Math.floor(bits / KEY_FILTER_BITS_PER_KEY);

/** The bit offsets (Redis SETBIT numbering) of `clientBetId` in a filter of `bits` bits; the Lua below computes the same. */
export function keyFilterPositions(clientBetId: string, bits: number): number[] {
  const digest = createHash('sha1').update(clientBetId, 'utf8').digest();
  const h1 = digest.readUInt32BE(0);
  const stride = 2 * digest.readUInt32BE(4) + 1;
  return Array.from({ length: KEY_FILTER_HASHES }, (_, i) => (h1 + i * stride) % bits);
}

/** Set `clientBetId`'s bits in `bitmap` (bit 0 is the first byte's high bit, as Redis numbers them). */
export function addToBitmap(bitmap: Buffer, clientBetId: string): void {
  for (const p of keyFilterPositions(clientBetId, bitmap.length * 8)) bitmap[p >> 3]! |= 0x80 >> (p & 7);
}

/** The Lua twin of keyFilterPositions, and its setter; prepended to the scripts that read or write a filter. */
export const KEY_FILTER_LUA = `
local function kf_positions(id, m)
  local h = redis.sha1hex(id)
  local h1 = tonumber(string.sub(h, 1, 8), 16)
  local stride = 2 * tonumber(string.sub(h, 9, 16), 16) + 1
  local out = {}
  for i = 0, ${KEY_FILTER_HASHES - 1} do out[i + 1] = (h1 + i * stride) % m end
  return out
end
local function kf_add(bits, id, m)
  for _, p in ipairs(kf_positions(id, m)) do redis.call('SETBIT', bits, p, 1) end
end
-- A claim's part: a ready filter gets the key's bits (or is dropped once past its capacity, for a bigger one); a
-- filter being built logs the key, so the build adds it.
local function kf_claimed(meta, bits, log, id)
  local f = redis.call('HMGET', meta, 'state', 'm', 'cap', 'n')
  if f[1] == 'ready' then
    local n = tonumber(f[4]) + 1
    if n > tonumber(f[3]) or redis.call('EXISTS', bits) == 0 then
      redis.call('DEL', meta, bits)
    else
      kf_add(bits, id, tonumber(f[2]))
      redis.call('HSET', meta, 'n', n)
    end
  elseif f[1] == 'building' then
    redis.call('RPUSH', log, id)
    -- Gone with the build's state if the build never seals (the list may be new here: the start found it empty).
    redis.call('PEXPIRE', log, math.max(redis.call('PTTL', meta), 1))
  end
end
`;
