// The Lua scripts of the Redis store: each change of shared state is one script, so that Redis
// applies it whole or not at all and no worker ever reads half of it.
import { readFileSync } from 'node:fs';

/** One rate-limit decision (the Lua mirror of mock/core/limits; see the file's header). */
export const DECIDE_RATE_LUA = readFileSync(new URL('./decide-rate.lua', import.meta.url), 'utf8');

/** KEYS: records by id, records by lookup, id order. ARGV: id, lookup, record JSON. */
export const PUT_KEY_LUA = `
if redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) == 1 then redis.call('RPUSH', KEYS[3], ARGV[1]) end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return 1`;

/** KEYS: entities by id, id order. ARGV: id, entity JSON. */
export const PUT_ENTITY_LUA = `
if redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) == 1 then redis.call('RPUSH', KEYS[2], ARGV[1]) end
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
