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

-- bucketed-log.ts: flat {index, count, last, index, count, last, ...}
local function bucketedLog(flat, windowMs, granularityMs, limit)
  local n = #flat / 3
  local first = 1
  while first <= n and flat[(first - 1) * 3 + 3] <= now - windowMs do first = first + 1 end
  local live = {}
  local total = 0
  for i = first, n do
    local b = (i - 1) * 3
    live[#live + 1] = flat[b + 1]
    live[#live + 1] = flat[b + 2]
    live[#live + 1] = flat[b + 3]
    total = total + flat[b + 2]
  end
  local count = #live / 3
  if total < limit then
    local index = math.floor(now / granularityMs)
    local nextLog = {}
    for i = 1, #live do nextLog[i] = live[i] end
    local tail = (count - 1) * 3
    if count > 0 and live[tail + 1] == index then
      nextLog[tail + 2] = live[tail + 2] + 1
      nextLog[tail + 3] = math.max(live[tail + 3], now)
    else
      nextLog[#nextLog + 1] = index
      nextLog[#nextLog + 1] = 1
      nextLog[#nextLog + 1] = now
    end
    return true, limit - total - 1, 0, nextLog[#nextLog] + windowMs - now, nextLog
  end
  local excess = total - limit + 1
  local waitMs = windowMs
  for i = 1, count do
    excess = excess - live[(i - 1) * 3 + 2]
    if excess <= 0 then
      waitMs = live[(i - 1) * 3 + 3] + windowMs - now
      break
    end
  end
  local fullMs = 0
  if count > 0 then fullMs = live[count * 3] + windowMs - now end
  return false, 0, math.max(1, waitMs), fullMs, live
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
local minuteState = {}
if stored[1] and string.sub(stored[1], 1, 1) == algorithm then minuteState = parse(string.sub(stored[1], 2)) end
local hourState = parse(stored[2] or nil)

local mAllowed, mRemaining, mWait, mFull, mNext
if algorithm == 't' then
  mAllowed, mRemaining, mWait, mFull, mNext = tokenBucket(minuteState)
elseif algorithm == 's' then
  mAllowed, mRemaining, mWait, mFull, mNext = bucketedLog(minuteState, MINUTE_MS, SLIDING_GRANULARITY_MS, perMinute + burst)
elseif algorithm == 'f' then
  mAllowed, mRemaining, mWait, mFull, mNext = fixedWindow(minuteState)
else
  return redis.error_reply('unknown rate-limit algorithm ' .. tostring(algorithm))
end
local hAllowed, hRemaining, hWait, hFull, hNext = bucketedLog(hourState, HOUR_MS, HOUR_GRANULARITY_MS, perHour)

if mAllowed and hAllowed then
  redis.call('HSET', KEYS[1], minuteField, algorithm .. format(mNext), hourField, format(hNext))
  return { 1, perMinute, math.min(mRemaining, hRemaining), resetOf(mFull), 0 }
end
-- Refused: nothing is consumed, nothing written.
local waitMs = 0
if not mAllowed then waitMs = mWait end
if not hAllowed and hWait > waitMs then waitMs = hWait end
return { 0, perMinute, 0, resetOf(waitMs), math.max(1, math.ceil(waitMs / 1000)) }
