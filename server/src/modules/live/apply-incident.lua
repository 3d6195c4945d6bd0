-- Compare-and-set of one incident, with its indexes, day counters and events.
-- KEYS incident, open, byTime, events, todayStats, then one key per distinct statistics bucket the moves touch
-- ARGV expected ('' = must not exist), newJson, eventJson, id, reportedAt, isOpen, now, maxlen, today,
--      moveCount, checkOrder ('1': the write applies a producer report), version, revisedAt, entryId ('' when
--      the report has none), then per move: bucketKeyIndex (1-based among the bucket keys), field, by
-- Returns 1 when written, 0 when the stored incident was not the expected one (the caller retries), -1 when the
-- report is older than the one the stored incident last applied (compareReportOrder in incident-rules.ts; the
-- caller decided on the same stored text, so this only guards a caller that did not).
-- Runs after live-prelude.lua (addEvent, freshnessEventJson, statsEventJson).
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
