-- The position apply as it was before issue 12 slimmed it (commit 353c624: live-prelude.lua followed by
-- apply-positions.lua, as LuaScript.fromFile joins them), kept as the apply bench's baseline: run in the same Redis
-- beside the script of the day, on a roster of its own, with the same positions.
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

-- KEYS units, status, pos, posTs, geo, seen, stale, events, tracked, presence, presenceScore, unit counts
-- ARGV now, maxlen, trustUntil, then per position: id, lng, lat, ts, positionJson, presence ('' not a patrol, '-' a
--      patrol outside every grid, else its presence score: presence-index.ts)
-- Returns per position 1 (accepted), 0 (unknown unit), -1 (older than the stored one).
-- An equal ts is accepted without writing: another server node already stored it, and this node's
-- clients still need it. A stored ts after trustUntil came from a clock ahead of the server's (stored before
-- ingest clamped such times): it does not count as newer, or the unit would freeze until that time.
-- Runs after live-prelude.lua (addEvent, freshnessEventJson, statsEventJson).
local now, maxlen, trustUntil = ARGV[1], ARGV[2], tonumber(ARGV[3])
local out = {}
local fresh = {}
for b = 4, #ARGV, 6 do
  local id = ARGV[b]
  if redis.call('HEXISTS', KEYS[1], id) == 0 then
    out[#out + 1] = 0
  else
    local ts = tonumber(ARGV[b + 3])
    local prev = redis.call('HGET', KEYS[4], id)
    if prev and tonumber(prev) > trustUntil then prev = nil end
    if prev and ts < tonumber(prev) then
      out[#out + 1] = -1
    else
      local written = (not prev) or ts > tonumber(prev)
      if written then
        redis.call('HSET', KEYS[3], id, ARGV[b + 4])
        redis.call('HSET', KEYS[4], id, ARGV[b + 3])
        local lat = tonumber(ARGV[b + 2])
        -- Redis GEO indexes latitudes up to ±85.05°; beyond that the position is kept but not indexed.
        if lat <= 85.05112878 and lat >= -85.05112878 then
          redis.call('GEOADD', KEYS[5], ARGV[b + 1], ARGV[b + 2], id)
        end
      end
      if redis.call('SISMEMBER', KEYS[9], id) == 1 then
        redis.call('ZADD', KEYS[6], now, id)
        if redis.call('SREM', KEYS[7], id) == 1 then
          fresh[#fresh + 1] = id
          written = true
          local roster, st = redis.call('HGET', KEYS[1], id), redis.call('HGET', KEYS[2], id)
          unitCountsMove(KEYS[12], roster, st, true, -1)
          unitCountsMove(KEYS[12], roster, st, false, 1)
        end
      end
      -- A patrol's stored fix moved, or it came back from stale: it is not stale now, so it counts for presence
      -- unless off duty (a member is not: the dispatch commit takes it out when it goes off duty).
      local presence = ARGV[b + 5]
      if presence ~= '' and written then
        if presence == '-' then
          redis.call('ZREM', KEYS[10], id)
          redis.call('HDEL', KEYS[11], id)
        else
          redis.call('HSET', KEYS[11], id, presence)
          if redis.call('ZADD', KEYS[10], 'XX', 'CH', presence, id) == 0 then
            local st = redis.call('HGET', KEYS[2], id)
            if not (st and string.find(st, '"status":"off_duty"', 1, true)) then redis.call('ZADD', KEYS[10], presence, id) end
          end
        end
      end
      out[#out + 1] = 1
    end
  end
end
if #fresh > 0 then addEvent(KEYS[8], maxlen, now, freshnessEventJson({}, fresh)) end
return out
