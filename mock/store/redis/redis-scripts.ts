// The Lua scripts of the Redis store: each change of shared state is one script, so that Redis
// applies it whole or not at all and no worker ever reads half of it.
import { readFileSync } from 'node:fs';

/** One rate-limit decision (the Lua mirror of contract/limits; see the file's header). */
export const DECIDE_RATE_LUA = readFileSync(new URL('./decide-rate.lua', import.meta.url), 'utf8');

/**
 * A key's limiter state as decide-rate.lua keeps it (see its header), read in one step, for peek.
 * KEYS[1]: the limiter hash. ARGV[1]: the key id. Returns {the minute algorithm's letter or nil,
 * its two numbers (t, f) or nothing, 1 when an hour log exists, the sliding minute's buckets,
 * the hour's buckets}, each bucket as three numbers (index, count, latest), oldest first.
 */
export const PEEK_RATE_LUA = `
local function buckets(field, stored, at)
  local out = {}
  if not stored then return out end
  local _, first, last, _, _, tailIndex, tailCount, tailLatest = struct.unpack('<dddddddd', stored, at)
  for n = first, last - 1 do
    local index, count, latest = struct.unpack('<ddd', redis.call('HGET', KEYS[1], field .. ':' .. n))
    out[#out + 1], out[#out + 2], out[#out + 3] = index, count, latest
  end
  if first <= last then out[#out + 1], out[#out + 2], out[#out + 3] = tailIndex, tailCount, tailLatest end
  return out
end
local m, h = ARGV[1] .. ':m', ARGV[1] .. ':h'
local stored = redis.call('HMGET', KEYS[1], m, h)
local letter, pair, minuteBuckets = false, {}, {}
if stored[1] then
  letter = string.sub(stored[1], 1, 1)
  if letter == 's' then minuteBuckets = buckets(m, stored[1], 2) else pair = { struct.unpack('<dd', stored[1], 2) } ; pair[3] = nil end
end
local hour = 0
if stored[2] then hour = 1 end
return { letter, pair, hour, minuteBuckets, buckets(h, stored[2], 1) }`;

/** KEYS: records by id, records by lookup, id order. ARGV: id, lookup, record JSON. */
export const PUT_KEY_LUA = `
if redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) == 1 then redis.call('RPUSH', KEYS[3], ARGV[1]) end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return 1`;

/**
 * Entity writes, one or several, as one (all or none). KEYS: a hash and its id order per write; ARGV: id
 * and JSON per write, in the same order.
 */
export const PUT_ENTITIES_LUA = `
for i = 1, #KEYS, 2 do
  local at = i + 1
  if redis.call('HSET', KEYS[i], ARGV[i], ARGV[at]) == 1 then redis.call('RPUSH', KEYS[at], ARGV[i]) end
end
return 1`;

/** KEYS: a hash, its id order. Returns the values in order (HMGET in slices: Lua's stack is small). */
export const ALL_IN_ORDER_LUA = `
local ids = redis.call('LRANGE', KEYS[2], 0, -1)
local out = {}
for i = 1, #ids, 500 do
  local slice = {}
  for j = i, math.min(i + 499, #ids) do slice[#slice + 1] = ids[j] end
  local values = redis.call('HMGET', KEYS[1], unpack(slice))
  for j = 1, #values do if values[j] then out[#out + 1] = values[j] end end
end
return out`;

/**
 * Replaces the whole state with a snapshot (the seed) in one step.
 * KEYS: records by id, by lookup, key order, limiter states, the seeded marker, then for each
 * collection its hash and its order. ARGV[1]: "always" or "if-empty" (only when the marker is gone:
 * a Redis that came back without its data); ARGV[2]: the marker's value; then quadruples
 * ("k", id, lookup, JSON) or ("e", collection number from 1, id, JSON).
 */
export const REPLACE_ALL_LUA = `
if ARGV[1] == 'if-empty' and redis.call('EXISTS', KEYS[5]) == 1 then return 0 end
redis.call('DEL', unpack(KEYS))
for i = 3, #ARGV, 4 do
  if ARGV[i] == 'k' then
    redis.call('HSET', KEYS[1], ARGV[i + 1], ARGV[i + 3])
    redis.call('HSET', KEYS[2], ARGV[i + 2], ARGV[i + 3])
    redis.call('RPUSH', KEYS[3], ARGV[i + 1])
  else
    local slot = 5 + 2 * tonumber(ARGV[i + 1])
    redis.call('HSET', KEYS[slot - 1], ARGV[i + 2], ARGV[i + 3])
    redis.call('RPUSH', KEYS[slot], ARGV[i + 2])
  end
end
redis.call('SET', KEYS[5], ARGV[2])
return 1`;
