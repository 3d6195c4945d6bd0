-- Helpers shared by the live scripts and the dispatch commit, loaded ahead of them (LuaScript.fromFile). Events
-- are assembled as strings rather than with cjson, which would turn an empty array into {}.
local function addEvent(eventsKey, maxlen, now, eventJson)
  return redis.call('XADD', eventsKey, 'MAXLEN', '~', maxlen, '*', 'at', now, 'e', eventJson)
end
-- Unit ids match ^[A-Za-z0-9][A-Za-z0-9_.:-]*$ (checked at ingest and roster load): safe to quote as is.
local function freshnessEventJson(stale, fresh)
  local function list(ids) if #ids == 0 then return '[]' end return '["' .. table.concat(ids, '","') .. '"]' end
  return '{"type":"units:freshness","stale":' .. list(stale) .. ',"fresh":' .. list(fresh) .. '}'
end
local function statsEventJson(statsKey, date)
  local h = redis.call('HGETALL', statsKey)
  local types, prios, total = {}, {}, '0'
  for i = 1, #h, 2 do
    local f, v = h[i], h[i + 1]
    if f == 'total' then total = v
    elseif string.sub(f, 1, 5) == 'type:' then types[#types + 1] = '"' .. string.sub(f, 6) .. '":' .. v
    elseif string.sub(f, 1, 5) == 'prio:' then prios[#prios + 1] = '"' .. string.sub(f, 6) .. '":' .. v end
  end
  return '{"type":"stats:today","today":{"date":"' .. date .. '","total":' .. total .. ',"byType":{' ..
    table.concat(types, ',') .. '},"byPriority":{' .. table.concat(prios, ',') .. '}}}'
end
-- The overview's unit figures kept at write time (a hash, Keyspace live.unitCounts): per team `<team>|total`,
-- `<team>|on_duty` (not off duty), `<team>|available` (available and not stale); for emergency units `eu|units`,
-- `eu|people`, `eu|active`, `eu|active_people` (members, 1 when not given). A change of a unit's status or
-- staleness takes its old contribution out (by -1) and puts the new one in (by 1). A missing status reads as
-- available, as the live picture reads it.
local function unitCountsMove(countsKey, rosterJson, statusFragment, stale, by)
  if not rosterJson then return end
  local u = cjson.decode(rosterJson)
  local offDuty = statusFragment and string.find(statusFragment, '"status":"off_duty"', 1, true)
  local available = (not statusFragment) or string.find(statusFragment, '"status":"available"', 1, true)
  if type(u.team) == 'string' then
    redis.call('HINCRBY', countsKey, u.team .. '|total', by)
    if not offDuty then redis.call('HINCRBY', countsKey, u.team .. '|on_duty', by) end
    if available and not stale then redis.call('HINCRBY', countsKey, u.team .. '|available', by) end
  end
  if u.kind == 'emergency_unit' then
    local people = tonumber(u.members) or 1
    redis.call('HINCRBY', countsKey, 'eu|units', by)
    redis.call('HINCRBY', countsKey, 'eu|people', by * people)
    if not offDuty then
      redis.call('HINCRBY', countsKey, 'eu|active', by)
      redis.call('HINCRBY', countsKey, 'eu|active_people', by * people)
    end
  end
end
