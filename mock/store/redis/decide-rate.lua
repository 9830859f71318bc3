-- One rate-limit decision, atomically (contract: RL, HDR): the Lua mirror of
-- contract/limits/limiter.ts (decideRate) with its token bucket, bucketed log (rolling hour,
-- sliding minute) and fixed window. Kept equal to the TypeScript core by a fast-check property
-- against a real Redis (mock/store/redis/decide-rate.test.ts); change both together.
--
-- Time: `now` is the mock's clock (ARGV[1], Unix ms), never Redis TIME. Every other rule of a
-- request (key expiry, the Reset header) reads that clock, a virtual clock moves only through
-- the control API, and the workers of one mock share one clock origin and scale, so the
-- limiter must see the same time as the rest of the pipeline.
--
-- KEYS[1]: the hash of every key's limiter state:
--   <keyId>:m  the minute algorithm's letter, then its state: t = struct <units, at>,
--              f = struct <start, count>, s = a bucketed log's head (below);
--   <keyId>:h  the hour log's head;
--   <log>:<n>  bucket n of a bucketed log, struct <index, count, latest admission>, for
--              n = first .. last - 1 (the newest bucket lives in the head only).
-- A log's head is struct <total, first, last, head count, head latest, tail index, tail count,
-- tail latest>: what a decision needs (the live total, the oldest bucket to see whether it left
-- the window, the newest to count into), so an admission reads one field and writes one or two.
-- The other buckets are read only when the oldest leaves the window or when a request is
-- refused (to find the wait).
--
-- Why this shape (it is the speed of every request over Redis): Redis's Lua hashes every byte
-- of every string it makes, so the earlier log, one 2.5 KB text of 60 buckets copied and parsed
-- whole, cost about 30 µs a decision; every redis.call costs 1-2 µs, and Lua's tonumber and
-- string.format of 13-digit times go through strtod and printf, so numbers are kept as doubles
-- (struct 'd', exact for every integer below 2^53) and the common decision makes one HMGET and
-- one HSET.
--
-- ARGV: now, keyId, perMinute, perHour, burst, algorithm (t | s | f)
-- Returns {allowed (0|1), limit, remaining, reset, retryAfter (0 when allowed)}.
-- Numbers are Lua doubles like JavaScript's, so every floor, ceil and division rounds the same.

local UNITS_PER_TOKEN = 60000
local MINUTE_MS = 60000
local HOUR_MS = 3600000
local HOUR_GRANULARITY_MS = 60000
local SLIDING_GRANULARITY_MS = 1000
local PAIR = '<dd'
local LOG = '<dddddddd'
local BUCKET = '<ddd'

local now = tonumber(ARGV[1])
local keyId = ARGV[2]
local perMinute = tonumber(ARGV[3])
local perHour = tonumber(ARGV[4])
local burst = tonumber(ARGV[5])
local algorithm = ARGV[6]
local limits = KEYS[1]

-- bucketed-log.ts. `field` names the log's head, `stored` holds it from byte `at` (nil: empty).
-- Returns allowed, remaining, waitMs, fullMs and, when allowed, the head's next value, the bucket
-- to write (the newest one, when a newer bucket replaces it as the tail) and the fields to delete.
local function bucketedLog(field, stored, at, windowMs, granularityMs, limit)
  local total, first, last, headCount, headLatest, tailIndex, tailCount, tailLatest = 0, 1, 0, 0, 0, 0, 0, 0
  if stored then total, first, last, headCount, headLatest, tailIndex, tailCount, tailLatest = struct.unpack(LOG, stored, at) end
  local prefix = field .. ':'
  local dropped = nil
  -- Buckets whose latest admission is at or before now - window hold nothing inside the window.
  while first <= last do
    local count, latest = headCount, headLatest
    if first == last then count, latest = tailCount, tailLatest end
    if latest > now - windowMs then break end
    total = total - count
    dropped = dropped or {}
    dropped[#dropped + 1] = prefix .. first
    first = first + 1
    if first < last then
      local _
      _, headCount, headLatest = struct.unpack(BUCKET, redis.call('HMGET', limits, prefix .. first)[1])
    end
  end
  if total < limit then
    local index = math.floor(now / granularityMs)
    local sealed = nil
    if first <= last and tailIndex == index then
      tailCount = tailCount + 1
      if now > tailLatest then tailLatest = now end
    else
      if first <= last then
        -- The newest bucket becomes an older one: it gets its own field.
        sealed = { prefix .. last, struct.pack(BUCKET, tailIndex, tailCount, tailLatest) }
        if first == last then headCount, headLatest = tailCount, tailLatest end
      end
      last = last + 1
      tailIndex, tailCount, tailLatest = index, 1, now
    end
    local head = struct.pack(LOG, total + 1, first, last, headCount, headLatest, tailIndex, tailCount, tailLatest)
    return true, limit - total - 1, 0, tailLatest + windowMs - now, head, sealed, dropped
  end
  -- Refused: wait until enough of the oldest buckets have left for one more admission.
  local excess = total - limit + 1
  local waitMs = windowMs
  if first < last then
    local fields = {}
    for n = first, last - 1 do fields[#fields + 1] = prefix .. n end
    local older = redis.call('HMGET', limits, unpack(fields))
    for i = 1, #older do
      local _, count, latest = struct.unpack(BUCKET, older[i])
      excess = excess - count
      if excess <= 0 then
        waitMs = latest + windowMs - now
        break
      end
    end
  end
  if excess > 0 and first <= last then
    excess = excess - tailCount
    if excess <= 0 then waitMs = tailLatest + windowMs - now end
  end
  local fullMs = 0
  if first <= last then fullMs = tailLatest + windowMs - now end
  return false, 0, math.max(1, waitMs), fullMs, nil, nil, nil
end

-- token-bucket.ts: <units, at>, nothing for a rested key
local function tokenBucket(stored)
  local capacity = burst * UNITS_PER_TOKEN
  local refill = perMinute
  local units, at
  if not stored then
    units = capacity
    at = now
  else
    local was
    units, was = struct.unpack(PAIR, stored, 2)
    local elapsed = 0
    if now > was then elapsed = now - was end
    units = math.min(capacity, units + elapsed * refill)
    at = was
    if now > was then at = now end
  end
  if units >= UNITS_PER_TOKEN then
    local left = units - UNITS_PER_TOKEN
    return true, math.floor(left / UNITS_PER_TOKEN), 0, math.ceil((capacity - left) / refill), 't' .. struct.pack(PAIR, left, at)
  end
  return false, 0, math.ceil((UNITS_PER_TOKEN - units) / refill), math.ceil((capacity - units) / refill), nil
end

-- fixed-window.ts: <start, count>
local function fixedWindow(stored)
  local limit = perMinute + burst
  local start = math.floor(now / MINUTE_MS) * MINUTE_MS
  local count = 0
  if stored then
    local was, counted = struct.unpack(PAIR, stored, 2)
    if was >= start then
      start = was
      count = counted
    end
  end
  local ending = start + MINUTE_MS - now
  if count < limit then
    return true, limit - count - 1, 0, ending, 'f' .. struct.pack(PAIR, start, count + 1)
  end
  return false, 0, ending, ending, nil
end

local function resetOf(inMs)
  return math.min(math.ceil((now + inMs) / 1000), math.floor(now / 1000) + 3600)
end

local minuteField = keyId .. ':m'
local hourField = keyId .. ':h'
local stored = redis.call('HMGET', limits, minuteField, hourField)
-- A minute state kept under another algorithm (a restart with another --algorithm) is not this one's.
local minuteStored = nil
if stored[1] and string.sub(stored[1], 1, 1) == algorithm then minuteStored = stored[1] end

local mAllowed, mRemaining, mWait, mFull, mNext, mSealed, mDropped
if algorithm == 't' then
  mAllowed, mRemaining, mWait, mFull, mNext = tokenBucket(minuteStored)
elseif algorithm == 's' then
  mAllowed, mRemaining, mWait, mFull, mNext, mSealed, mDropped = bucketedLog(minuteField, minuteStored, 2, MINUTE_MS, SLIDING_GRANULARITY_MS, perMinute + burst)
  if mNext then mNext = 's' .. mNext end
elseif algorithm == 'f' then
  mAllowed, mRemaining, mWait, mFull, mNext = fixedWindow(minuteStored)
else
  return redis.error_reply('unknown rate-limit algorithm ' .. tostring(algorithm))
end
local hAllowed, hRemaining, hWait, hFull, hNext, hSealed, hDropped = bucketedLog(hourField, stored[2] or nil, 1, HOUR_MS, HOUR_GRANULARITY_MS, perHour)

if mAllowed and hAllowed then
  local writes = { minuteField, mNext, hourField, hNext }
  if mSealed then writes[5], writes[6] = mSealed[1], mSealed[2] end
  if hSealed then writes[#writes + 1], writes[#writes + 2] = hSealed[1], hSealed[2] end
  redis.call('HSET', limits, unpack(writes))
  if mDropped then
    if hDropped then for i = 1, #hDropped do mDropped[#mDropped + 1] = hDropped[i] end end
    hDropped = mDropped
  end
  if hDropped then redis.call('HDEL', limits, unpack(hDropped)) end
  return { 1, perMinute, math.min(mRemaining, hRemaining), resetOf(mFull), 0 }
end
-- Refused: nothing is consumed, nothing written.
local waitMs = 0
if not mAllowed then waitMs = mWait end
if not hAllowed and hWait > waitMs then waitMs = hWait end
return { 0, perMinute, 0, resetOf(waitMs), math.max(1, math.ceil(waitMs / 1000)) }
