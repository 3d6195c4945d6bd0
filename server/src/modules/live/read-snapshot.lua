-- One consistent read of the live picture and the sequence it corresponds to.
-- KEYS 1 units, 2 status, 3 pos, 4 stale, 5 open incidents, 6 events, 7 today's statistics, 8 frozen,
--      then 9.. the key of every incident the caller found open, in the order of ARGV
-- ARGV the ids of those incidents (read from KEYS[5] just before)
-- Returns { seq, unitsFlat, statusFlat, posFlat, staleIds, openIncidentJsons (newest first), todayFlat, frozenFlat },
-- or { 'moved' } when an incident opened after the caller read the ids: its key was not given, so the caller reads
-- the ids again (an incident closed meanwhile is simply left out). No key is built here.
local given = {}
for i, id in ipairs(ARGV) do given[id] = KEYS[8 + i] end
local ids = redis.call('ZREVRANGE', KEYS[5], 0, -1)
for _, id in ipairs(ids) do
  if not given[id] then return { 'moved' } end
end
local last = redis.call('XREVRANGE', KEYS[6], '+', '-', 'COUNT', 1)
local seq = '0-0'
if #last > 0 then seq = last[1][1] end
local incidents = {}
for _, id in ipairs(ids) do
  incidents[#incidents + 1] = redis.call('GET', given[id]) or ''
end
return { seq, redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[3]),
  redis.call('SMEMBERS', KEYS[4]), incidents, redis.call('HGETALL', KEYS[7]), redis.call('HGETALL', KEYS[8]) }
