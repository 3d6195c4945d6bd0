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
