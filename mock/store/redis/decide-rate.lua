-- One rate-limit decision, atomically (contract: RL, HDR): the Lua mirror of
-- mock/core/limits/limiter.ts (decideRate) with its token bucket, bucketed log (rolling hour,
-- sliding minute) and fixed window. Kept equal to the TypeScript core by a fast-check property
-- against a real Redis (mock/store/redis/decide-rate.test.ts); change both together.
--
-- Time: `now` is the mock's clock (ARGV[1], Unix ms), never Redis TIME. Every other rule of a
-- request (key expiry, the Reset header) reads that clock, a virtual clock moves only through
-- the control API, and the workers of one mock share one clock origin and scale, so the
-- limiter must see the same time as the rest of the pipeline.
--
-- KEYS[1]: the hash of every key's limiter state; field <keyId>:m (the minute algorithm's state,
-- prefixed with the algorithm's letter) and <keyId>:h (the hour log).
-- ARGV: now, keyId, perMinute, perHour, burst, algorithm (t | s | f)
-- Returns {allowed (0|1), limit, remaining, reset, retryAfter (0 when allowed)}.
-- Numbers are Lua doubles like JavaScript's, so every floor, ceil and division rounds the same.

local UNITS_PER_TOKEN = 60000
local MINUTE_MS = 60000
local HOUR_MS = 3600000
local HOUR_GRANULARITY_MS = 60000
local SLIDING_GRANULARITY_MS = 1000

local now = tonumber(ARGV[1])
local keyId = ARGV[2]
local perMinute = tonumber(ARGV[3])
local perHour = tonumber(ARGV[4])
local burst = tonumber(ARGV[5])
local algorithm = ARGV[6]

local function parse(text)
  local out = {}
  if text then
    for word in string.gmatch(text, '%S+') do out[#out + 1] = tonumber(word) end
  end
  return out
end

local function format(list)
  local out = {}
  for i = 1, #list do out[i] = string.format('%.0f', list[i]) end
  return table.concat(out, ' ')
end

-- bucketed-log.ts, kept as text that is read only where needed: the live total (12 characters),
-- then one fixed-width record a bucket (index, count, latest admission). A decision reads the
-- buckets that leave the window and the newest one, not the whole hour, and writes one string.
local RECORD = 41
local function record(index, count, last) return string.format('%13d%12d%16d', index, count, last) end
local function indexAt(log, i) return tonumber(string.sub(log, (i - 1) * RECORD + 1, (i - 1) * RECORD + 13)) end
local function countAt(log, i) return tonumber(string.sub(log, (i - 1) * RECORD + 14, (i - 1) * RECORD + 25)) end
local function lastAt(log, i) return tonumber(string.sub(log, (i - 1) * RECORD + 26, i * RECORD)) end

local function bucketedLog(text, windowMs, granularityMs, limit)
  local total = 0
  local log = ''
  if text and #text > 0 then
    total = tonumber(string.sub(text, 1, 12))
    log = string.sub(text, 13)
  end
  local n = #log / RECORD
  -- Buckets whose latest admission is at or before now - window hold nothing inside the window.
  local first = 1
  while first <= n and lastAt(log, first) <= now - windowMs do
    total = total - countAt(log, first)
    first = first + 1
  end
  local live = log
  if first > 1 then live = string.sub(log, (first - 1) * RECORD + 1) end
  local count = n - first + 1
  if total < limit then
    local index = math.floor(now / granularityMs)
    local newest, nextLog
    if count > 0 and indexAt(live, count) == index then
      newest = math.max(lastAt(live, count), now)
      nextLog = string.sub(live, 1, (count - 1) * RECORD) .. record(index, countAt(live, count) + 1, newest)
    else
      newest = now
      nextLog = live .. record(index, 1, now)
    end
    return true, limit - total - 1, 0, newest + windowMs - now, string.format('%12d', total + 1) .. nextLog
  end
  -- Refused: wait until enough of the oldest buckets have left for one more admission.
  local excess = total - limit + 1
  local waitMs = windowMs
  for i = 1, count do
    excess = excess - countAt(live, i)
    if excess <= 0 then
      waitMs = lastAt(live, i) + windowMs - now
      break
    end
  end
  local fullMs = 0
  if count > 0 then fullMs = lastAt(live, count) + windowMs - now end
  return false, 0, math.max(1, waitMs), fullMs, nil
end

-- token-bucket.ts: {units, at}, empty for a rested key
local function tokenBucket(state)
  local capacity = burst * UNITS_PER_TOKEN
  local refill = perMinute
  local units, at
  if #state == 0 then
    units = capacity
    at = now
  else
    local elapsed = 0
    if now > state[2] then elapsed = now - state[2] end
    units = math.min(capacity, state[1] + elapsed * refill)
    at = state[2]
    if now > state[2] then at = now end
  end
  if units >= UNITS_PER_TOKEN then
    local left = units - UNITS_PER_TOKEN
    return true, math.floor(left / UNITS_PER_TOKEN), 0, math.ceil((capacity - left) / refill), { left, at }
  end
  return false, 0, math.ceil((UNITS_PER_TOKEN - units) / refill), math.ceil((capacity - units) / refill), { units, at }
end

-- fixed-window.ts: {start, count}
local function fixedWindow(state)
  local limit = perMinute + burst
  local start = math.floor(now / MINUTE_MS) * MINUTE_MS
  local count = 0
  if #state > 0 and state[1] >= start then
    start = state[1]
    count = state[2]
  end
  local ending = start + MINUTE_MS - now
  if count < limit then
    return true, limit - count - 1, 0, ending, { start, count + 1 }
  end
  return false, 0, ending, ending, { start, count }
end

local function resetOf(inMs)
  return math.min(math.ceil((now + inMs) / 1000), math.floor(now / 1000) + 3600)
end

local minuteField = keyId .. ':m'
local hourField = keyId .. ':h'
local stored = redis.call('HMGET', KEYS[1], minuteField, hourField)
-- A minute state kept under another algorithm (a restart with another --algorithm) is not this one's.
local minuteText = nil
if stored[1] and string.sub(stored[1], 1, 1) == algorithm then minuteText = string.sub(stored[1], 2) end

local mAllowed, mRemaining, mWait, mFull, mNext
if algorithm == 't' then
  mAllowed, mRemaining, mWait, mFull, mNext = tokenBucket(parse(minuteText))
  mNext = format(mNext)
elseif algorithm == 's' then
  mAllowed, mRemaining, mWait, mFull, mNext = bucketedLog(minuteText, MINUTE_MS, SLIDING_GRANULARITY_MS, perMinute + burst)
elseif algorithm == 'f' then
  mAllowed, mRemaining, mWait, mFull, mNext = fixedWindow(parse(minuteText))
  mNext = format(mNext)
else
  return redis.error_reply('unknown rate-limit algorithm ' .. tostring(algorithm))
end
local hAllowed, hRemaining, hWait, hFull, hNext = bucketedLog(stored[2] or nil, HOUR_MS, HOUR_GRANULARITY_MS, perHour)

if mAllowed and hAllowed then
  redis.call('HSET', KEYS[1], minuteField, algorithm .. mNext, hourField, hNext)
  return { 1, perMinute, math.min(mRemaining, hRemaining), resetOf(mFull), 0 }
end
-- Refused: nothing is consumed, nothing written.
local waitMs = 0
if not mAllowed then waitMs = mWait end
if not hAllowed and hWait > waitMs then waitMs = hWait end
return { 0, perMinute, 0, resetOf(waitMs), math.max(1, math.ceil(waitMs / 1000)) }
