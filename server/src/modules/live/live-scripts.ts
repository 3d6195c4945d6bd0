// Lua run inside Redis so that live state, statistics and the domain-event stream change together:
// a client that reads a snapshot at sequence S and then applies deltas after S ends exactly where Redis is.
import { LuaScript } from '../../plugins/lua-script.js';

/** Helpers shared by the scripts. Events are assembled as strings rather than with cjson, which would turn
 *  an empty array into {}. */
export const PRELUDE = `
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
`;

/**
 * KEYS units, status, pos, posTs, geo, seen, stale, events, tracked
 * ARGV now, maxlen, trustUntil, then per position: id, lng, lat, ts, positionJson
 * Returns per position 1 (accepted), 0 (unknown unit), -1 (older than the stored one).
 * An equal ts is accepted without writing: another server node already stored it, and this node's
 * clients still need it. A stored ts after trustUntil came from a clock ahead of the server's (stored before
 * ingest clamped such times): it does not count as newer, or the unit would freeze until that time.
 */
export const APPLY_POSITIONS = new LuaScript('applyPositions', `${PRELUDE}
local now, maxlen, trustUntil = ARGV[1], ARGV[2], tonumber(ARGV[3])
local out = {}
local fresh = {}
for b = 4, #ARGV, 5 do
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
      if (not prev) or ts > tonumber(prev) then
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
        if redis.call('SREM', KEYS[7], id) == 1 then fresh[#fresh + 1] = id end
      end
      out[#out + 1] = 1
    end
  end
end
if #fresh > 0 then addEvent(KEYS[8], maxlen, now, freshnessEventJson({}, fresh)) end
return out
`);

/**
 * Flags and unflags units whose fix is frozen (identical coordinates while driving to a scene; the duration is
 * judged by the caller, shared/src/position-plausibility.ts), announced in one units:frozen event with, for each
 * unit flagged, the time its fix froze.
 * KEYS units, status, frozen, events
 * ARGV now, maxlen, watched statuses (comma-separated), then per unit: id, since ('' : its fix moved)
 * A unit is flagged when its status is a watched one, and unflagged when its fix moved or its status is not.
 * Returns how many units were newly flagged.
 */
export const UPDATE_FROZEN = new LuaScript('updateFrozen', `
local watched = {}
for s in string.gmatch(ARGV[3], '[^,]+') do watched[s] = true end
local frozen, sinces, moving = {}, {}, {}
for b = 4, #ARGV, 2 do
  local id, since = ARGV[b], ARGV[b + 1]
  local status = nil
  if since ~= '' and redis.call('HEXISTS', KEYS[1], id) == 1 then
    status = string.match(redis.call('HGET', KEYS[2], id) or '', '"status":"([a-z_]+)"')
  end
  if status and watched[status] then
    if redis.call('HSETNX', KEYS[3], id, since) == 1 then frozen[#frozen + 1] = id; sinces[#sinces + 1] = tonumber(since) or 0 end
  elseif redis.call('HDEL', KEYS[3], id) == 1 then
    moving[#moving + 1] = id
  end
end
if #frozen + #moving > 0 then
  local function list(ids) if #ids == 0 then return '[]' end return '["' .. table.concat(ids, '","') .. '"]' end
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[2], '*', 'at', ARGV[1], 'e',
    '{"type":"units:frozen","frozen":' .. list(frozen) .. ',"since":[' .. table.concat(sinces, ',') .. '],"moving":' .. list(moving) .. '}')
end
return #frozen
`);

/**
 * KEYS units, seen, stale, events
 * ARGV now, cutoff (ms), maxlen, limit
 * Tracked units last seen before cutoff become stale, announced in one units:freshness event. Returns how many.
 */
export const MARK_STALE = new LuaScript('markStale', `${PRELUDE}
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[2], 'LIMIT', 0, ARGV[4])
local stale = {}
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[2], id)
  if redis.call('HEXISTS', KEYS[1], id) == 1 and redis.call('SADD', KEYS[3], id) == 1 then stale[#stale + 1] = id end
end
if #stale > 0 then addEvent(KEYS[4], ARGV[3], ARGV[1], freshnessEventJson(stale, {})) end
return #stale
`);

/**
 * Compare-and-set of one incident, with its indexes, day counters and events.
 * KEYS incident, open, byTime, events, todayStats, then one key per distinct statistics bucket the moves touch
 * ARGV expected ('' = must not exist), newJson, eventJson, id, reportedAt, isOpen, now, maxlen, today,
 *      moveCount, checkOrder ('1': the write applies a producer report), version, revisedAt, entryId ('' when
 *      the report has none), then per move: bucketKeyIndex (1-based among the bucket keys), field, by
 * Returns 1 when written, 0 when the stored incident was not the expected one (the caller retries), -1 when the
 * report is older than the one the stored incident last applied (compareReportOrder in incident-rules.ts; the
 * caller decided on the same stored text, so this only guards a caller that did not).
 */
export const APPLY_INCIDENT = new LuaScript('applyIncident', `${PRELUDE}
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '' then
  if cur then return 0 end
elseif cur ~= ARGV[1] then
  return 0
end
if cur and ARGV[11] == '1' then
  local ok, stored = pcall(cjson.decode, cur)
  local o = ok and type(stored) == 'table' and stored.reportOrder
  if type(o) == 'table' then
    local function num(v) if type(v) == 'number' then return v end return nil end
    local function cmp(a, b) if a < b then return -1 elseif a > b then return 1 end return 0 end
    local c = 0
    local nv, sv = tonumber(ARGV[12]), num(o.version)
    local nt, st = tonumber(ARGV[13]), num(o.revisedAt)
    if nv and sv and nv ~= sv then c = cmp(nv, sv)
    elseif nt and st and nt ~= st then c = cmp(nt, st)
    elseif ARGV[14] ~= '' and type(o.entryId) == 'string' then
      local nm, ns = string.match(ARGV[14], '^(%d+)-(%d+)$')
      local sm, ss = string.match(o.entryId, '^(%d+)-(%d+)$')
      if nm and sm then
        c = cmp(tonumber(nm), tonumber(sm))
        if c == 0 then c = cmp(tonumber(ns), tonumber(ss)) end
      end
    end
    if c < 0 then return -1 end
  end
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[4])
if ARGV[6] == '1' then redis.call('ZADD', KEYS[2], ARGV[5], ARGV[4]) else redis.call('ZREM', KEYS[2], ARGV[4]) end
addEvent(KEYS[4], ARGV[8], ARGV[7], ARGV[3])
local touchedToday = false
for b = 15, 14 + tonumber(ARGV[10]) * 3, 3 do
  local key = KEYS[5 + tonumber(ARGV[b])]
  redis.call('HINCRBY', key, ARGV[b + 1], ARGV[b + 2])
  if key == KEYS[5] then touchedToday = true end
end
if touchedToday then addEvent(KEYS[4], ARGV[8], ARGV[7], statsEventJson(KEYS[5], ARGV[9])) end
return 1
`);

/** KEYS todayStats, events; ARGV date, now, maxlen. Announces a new day's (usually empty) counts at midnight. */
export const ANNOUNCE_TODAY = new LuaScript('announceToday', `${PRELUDE}
return addEvent(KEYS[2], ARGV[3], ARGV[2], statsEventJson(KEYS[1], ARGV[1]))
`);

/**
 * One consistent read of the live picture and the sequence it corresponds to.
 * KEYS units, status, pos, stale, open, events, todayStats, frozen
 * Returns { seq, unitsFlat, statusFlat, posFlat, staleIds, openIncidentJsons, todayFlat, frozenFlat }
 */
export const READ_SNAPSHOT = new LuaScript('readSnapshot', `
local last = redis.call('XREVRANGE', KEYS[6], '+', '-', 'COUNT', 1)
local seq = '0-0'
if #last > 0 then seq = last[1][1] end
local ids = redis.call('ZREVRANGE', KEYS[5], 0, -1)
local incidents = {}
local prefix = string.sub(KEYS[5], 1, -string.len('incidents:open') - 1)
for i, id in ipairs(ids) do
  incidents[#incidents + 1] = redis.call('GET', prefix .. 'incident:' .. id) or ''
end
return { seq, redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[3]),
  redis.call('SMEMBERS', KEYS[4]), incidents, redis.call('HGETALL', KEYS[7]), redis.call('HGETALL', KEYS[8]) }
`);
