-- KEYS  1 events, 2 open, 3 byTime, 4 units (roster), 5 unit status, 6 positions, 7 stale, 8 assignments,
--       9 command record ('' allowed when there is no command id), 10 pending-orders index, 11 today's stats,
--       12 alerted set of the incident (may be unused),
--       then nInc incident keys, then nOrders order-hash keys (one per order), then nBuckets statistics bucket keys,
--       then the patrol presence index and its last scores (live/presence-index.ts: off duty leaves it, back on duty
--       returns with the last score when not stale), then the unit counts (live-prelude.lua, unitCountsMove)
-- ARGV  1 now, 2 maxlen, 3 today, 4 ttl (ms) of the command record and of a unit's unacknowledged orders, 5 body hash ('' = no command record), 6 command id,
--       7 result incident JSON ('' = none), 8 nInc, 9 nUnits, 10 nOrders, 11 nMoves, 12 nResultUnits,
--       13 order channel, 14 nAlerted, 15 the alerted incident's id ('' = none), 16 ttl (ms) of its alerted set,
--       then per incident: expectedRaw, newJson, id, reportedAt, isOpen ('1'/'0')
--       then per unit: id, expected status fragment, new status fragment, assignment JSON ('' = not assigned)
--       then per order: unitId, orderId, orderJson
--       then per move: bucket index (1-based among the bucket keys), field, by
--       then the result's unit ids, then the alerted unit ids
-- Returns {'ok', resultJson} | {'replay'} | {'incident', id} | {'unit', id, currentFragment} | {'alerted', id}
-- Nothing is written unless every expectation holds. A call-out expects its incident still open and none of its
-- units alerted for it yet (a concurrent call-out of the same ring plans again and finds them taken).
-- Runs after live/live-prelude.lua (addEvent, statsEventJson).
local now, maxlen, today = ARGV[1], ARGV[2], ARGV[3]
local nInc, nUnits, nOrders, nMoves, nRes, nAlerted =
  tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12]), tonumber(ARGV[14])
local incBase, unitBase = 17, 17 + nInc * 5
local orderBase = unitBase + nUnits * 4
local moveBase = orderBase + nOrders * 3
local resBase = moveBase + nMoves * 3
local alertBase = resBase + nRes
local incKey0, orderKey0 = 12, 12 + nInc
local bucketKey0 = orderKey0 + nOrders
local presenceKey, presenceScoreKey, unitCountsKey = KEYS[#KEYS - 2], KEYS[#KEYS - 1], KEYS[#KEYS]

if ARGV[5] ~= '' and redis.call('EXISTS', KEYS[9]) == 1 then return { 'replay' } end
for i = 0, nInc - 1 do
  local b = incBase + i * 5
  if redis.call('GET', KEYS[incKey0 + 1 + i]) ~= ARGV[b] then return { 'incident', ARGV[b + 2] } end
end
for i = 0, nUnits - 1 do
  local b = unitBase + i * 4
  local cur = redis.call('HGET', KEYS[5], ARGV[b]) or ''
  -- A unit taken off the roster meanwhile fails here, before anything is written (a script error later would
  -- leave what was already written).
  if cur ~= ARGV[b + 1] or redis.call('HEXISTS', KEYS[4], ARGV[b]) == 0 then return { 'unit', ARGV[b], cur } end
end
if nAlerted > 0 then
  if not redis.call('ZSCORE', KEYS[2], ARGV[15]) then return { 'incident', ARGV[15] } end
  for i = 0, nAlerted - 1 do
    if redis.call('SISMEMBER', KEYS[12], ARGV[alertBase + i]) == 1 then return { 'alerted', ARGV[15] } end
  end
end

for i = 0, nInc - 1 do
  local b = incBase + i * 5
  local id, json = ARGV[b + 2], ARGV[b + 1]
  redis.call('SET', KEYS[incKey0 + 1 + i], json)
  redis.call('ZADD', KEYS[3], ARGV[b + 3], id)
  if ARGV[b + 4] == '1' then redis.call('ZADD', KEYS[2], ARGV[b + 3], id) else redis.call('ZREM', KEYS[2], id) end
  addEvent(KEYS[1], maxlen, now, '{"type":"incident:updated","incident":' .. json .. '}')
end

local function liveUnitJson(id)
  local roster = redis.call('HGET', KEYS[4], id)
  if not roster then return nil end
  local st = redis.call('HGET', KEYS[5], id) or '"status":"available","statusSince":0'
  local stale = 'false'
  if redis.call('SISMEMBER', KEYS[7], id) == 1 then stale = 'true' end
  local pos = redis.call('HGET', KEYS[6], id) or 'null'
  return string.sub(roster, 1, -2) .. ',' .. st .. ',"stale":' .. stale .. ',"position":' .. pos .. '}'
end

for i = 0, nUnits - 1 do
  local b = unitBase + i * 4
  local id = ARGV[b]
  local roster, before, isStale = redis.call('HGET', KEYS[4], id), redis.call('HGET', KEYS[5], id), redis.call('SISMEMBER', KEYS[7], id) == 1
  unitCountsMove(unitCountsKey, roster, before, isStale, -1)
  unitCountsMove(unitCountsKey, roster, ARGV[b + 2], isStale, 1)
  redis.call('HSET', KEYS[5], id, ARGV[b + 2])
  if string.find(ARGV[b + 2], '"status":"off_duty"', 1, true) then
    redis.call('ZREM', presenceKey, id)
  else
    local score = redis.call('HGET', presenceScoreKey, id)
    if score and redis.call('SISMEMBER', KEYS[7], id) == 0 then redis.call('ZADD', presenceKey, score, id) end
  end
  if ARGV[b + 3] == '' then redis.call('HDEL', KEYS[8], id) else redis.call('HSET', KEYS[8], id, ARGV[b + 3]) end
  addEvent(KEYS[1], maxlen, now, '{"type":"unit:updated","unit":' .. liveUnitJson(id) .. '}')
end

for i = 0, nOrders - 1 do
  local b = orderBase + i * 3
  redis.call('HSET', KEYS[orderKey0 + 1 + i], ARGV[b + 1], ARGV[b + 2])
  redis.call('PEXPIRE', KEYS[orderKey0 + 1 + i], ARGV[4])
  redis.call('ZADD', KEYS[10], now, ARGV[b] .. '|' .. ARGV[b + 1])
  redis.call('PUBLISH', ARGV[13], ARGV[b + 2])
end
for i = 0, nAlerted - 1 do redis.call('SADD', KEYS[12], ARGV[alertBase + i]) end
if nAlerted > 0 then redis.call('PEXPIRE', KEYS[12], ARGV[16]) end

local touchedToday = false
for i = 0, nMoves - 1 do
  local b = moveBase + i * 3
  local key = KEYS[bucketKey0 + tonumber(ARGV[b])]
  redis.call('HINCRBY', key, ARGV[b + 1], ARGV[b + 2])
  if key == KEYS[11] then touchedToday = true end
end
if touchedToday then addEvent(KEYS[1], maxlen, now, statsEventJson(KEYS[11], today)) end

local units = {}
for i = 0, nRes - 1 do
  local j = liveUnitJson(ARGV[resBase + i])
  if j then units[#units + 1] = j end
end
local result = '{"commandId":"' .. ARGV[6] .. '","replayed":false,'
if ARGV[7] ~= '' then result = result .. '"incident":' .. ARGV[7] .. ',' end
result = result .. '"units":[' .. table.concat(units, ',') .. ']}'
if ARGV[5] ~= '' then
  redis.call('HSET', KEYS[9], 'h', ARGV[5], 'r', result)
  redis.call('PEXPIRE', KEYS[9], ARGV[4])
end
return { 'ok', result }
