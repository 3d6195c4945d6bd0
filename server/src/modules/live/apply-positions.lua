-- KEYS units, status, pos, posTs, geo, seen, stale, events, presence, presenceScore, unit counts
-- ARGV now, maxlen, trustUntil, positions: one packed string, a line per position (LiveRepository.applyPositions):
--      `<unit id> <ts> <lng> <lat> <tracked 1|0> <presence> <position JSON>\n`, presence '_' not a patrol, '-' a
--      patrol outside every grid, else its presence score (presence-index.ts). Only roster units are sent: the
--      server answers the others itself, and says which units are tracked.
-- Returns per position 1 (accepted), 2 (the stored report again: nothing written) or -1 (older than the stored
-- one); an error reply, before anything is written, when the arguments are not as above.
-- An equal ts is the report already stored (delivered twice, or applied first by the node that took its shard
-- over, position-shards.ts): it is not written, and it is neither relayed to screens again nor counted as stale;
-- it still counts as seen, and brings a stale unit back (then it is 1). A stored ts after trustUntil came from a clock ahead of the server's (stored before
-- ingest clamped such times): it does not count as newer, or the unit would freeze until that time.
--
-- Why batched: each redis.call costs about as much as the work it asks for, so the stored times, the stale flags and
-- the presence members are read once for the whole batch and every write goes out as one variadic command per key
-- (in pieces, under Lua's unpack limit). A unit twice in one batch is judged against its own earlier fix here, as
-- if the positions were applied one by one: the writes keep the batch's order, and the last one of a field wins.
-- Runs after live-prelude.lua (addEvent, freshnessEventJson, unitCountsMove).
local now, maxlen, trustUntil, packed = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local function refuse(why) return redis.error_reply('ERR apply-positions: ' .. why) end
if #ARGV ~= 4 or not tonumber(now) or not tonumber(maxlen) or not trustUntil then
  return refuse('expected ARGV now, maxlen, trustUntil, packed positions')
end

local find = string.find
local ids, tss, tsRaw, lngs, lats, latOf, tracked, presence, json = {}, {}, {}, {}, {}, {}, {}, {}, {}
local n, at, len = 0, 1, #packed
while at <= len do
  local _, e, id, ts, lng, lat, tr, pr, js = find(packed, '^([%w][%w_.:-]*) ([^ \n]+) ([^ \n]+) ([^ \n]+) ([01]) ([^ \n]+) ({[^\n]*})\n', at)
  if not e then return refuse('position ' .. (n + 1) .. ' (byte ' .. at .. ') is not `id ts lng lat tracked presence json`') end
  local t, x, y = tonumber(ts), tonumber(lng), tonumber(lat)
  -- Comparisons with NaN are false: each range check below refuses it.
  if not (t and t >= 0 and t < 1e15) then return refuse('position ' .. (n + 1) .. ': ts ' .. ts) end
  if not (x and y and x >= -180 and x <= 180 and y >= -90 and y <= 90) then return refuse('position ' .. (n + 1) .. ': lng/lat ' .. lng .. ' ' .. lat) end
  if not (pr == '_' or pr == '-' or find(pr, '^%d+$')) then return refuse('position ' .. (n + 1) .. ': presence ' .. pr) end
  n = n + 1
  ids[n], tss[n], tsRaw[n], lngs[n], lats[n], latOf[n], tracked[n], presence[n], json[n] = id, t, ts, lng, lat, y, tr == '1', pr, js
  at = e + 1
end
if n == 0 then return {} end

-- Variadic commands sent in pieces: unpack gives at most a few thousand values. `list` holds `stride` values per
-- member (field and value, lng lat member, …), so a piece never splits one.
local PIECE = 2400
local function send(cmd, key, list, stride)
  local per = PIECE - PIECE % stride
  for i = 1, #list, per do redis.call(cmd, key, unpack(list, i, math.min(#list, i + per - 1))) end
end
local function readAll(cmd, key, list)
  if #list <= PIECE then return redis.call(cmd, key, unpack(list)) end
  local out = {}
  for i = 1, #list, PIECE do
    local part = redis.call(cmd, key, unpack(list, i, math.min(#list, i + PIECE - 1)))
    for j = 1, #part do out[#out + 1] = part[j] end
  end
  return out
end

local stored = readAll('HMGET', KEYS[4], ids)
local trackedIds, trackedAt = {}, {}
for i = 1, n do if tracked[i] then trackedIds[#trackedIds + 1] = ids[i]; trackedAt[i] = #trackedIds end end
local wasStale = #trackedIds > 0 and readAll('SMISMEMBER', KEYS[7], trackedIds) or {}

local pos, posTs, geo, seen, np, ng, ns = {}, {}, {}, {}, 0, 0, 0
local out, fresh, isFresh = {}, {}, {}
-- Per unit: its stored time as the batch goes (false: none), and the last presence move it asked for.
local prevOf, moveOf, moved = {}, {}, {}
for i = 1, n do
  local id, ts = ids[i], tss[i]
  local prev = prevOf[id]
  if prev == nil then prev = tonumber(stored[i]) or false end
  if prev and prev > trustUntil then prev = false end
  if prev and ts < prev then
    out[i] = -1
  else
    local written = (not prev) or ts > prev
    if written then
      prevOf[id] = ts
      pos[np + 1], pos[np + 2], posTs[np + 1], posTs[np + 2] = id, json[i], id, tsRaw[i]
      np = np + 2
      -- Redis GEO indexes latitudes up to ±85.05°; beyond that the position is kept but not indexed.
      local y = latOf[i]
      if y <= 85.05112878 and y >= -85.05112878 then
        geo[ng + 1], geo[ng + 2], geo[ng + 3] = lngs[i], lats[i], id
        ng = ng + 3
      end
    else
      prevOf[id] = prev
    end
    if tracked[i] then
      seen[ns + 1], seen[ns + 2] = now, id
      ns = ns + 2
      if wasStale[trackedAt[i]] == 1 and not isFresh[id] then
        isFresh[id] = true
        fresh[#fresh + 1] = id
        written = true
      end
    end
    if written and presence[i] ~= '_' then
      if not moveOf[id] then moved[#moved + 1] = id end
      moveOf[id] = presence[i]
    end
    out[i] = written and 1 or 2
  end
end
send('HSET', KEYS[3], pos, 2)
send('HSET', KEYS[4], posTs, 2)
send('GEOADD', KEYS[5], geo, 3)
send('ZADD', KEYS[6], seen, 2)

if #fresh > 0 then
  redis.call('SREM', KEYS[7], unpack(fresh))
  for _, id in ipairs(fresh) do
    local roster, st = redis.call('HGET', KEYS[1], id), redis.call('HGET', KEYS[2], id)
    unitCountsMove(KEYS[11], roster, st, true, -1)
    unitCountsMove(KEYS[11], roster, st, false, 1)
  end
end

-- A patrol's stored fix moved, or it came back from stale: it is not stale now, so it counts for presence
-- unless off duty (a member is not: the dispatch commit takes it out when it goes off duty). Each unit's last move
-- in the batch decides where it ends, as it would have one position at a time.
if #moved > 0 then
  local leave, scored = {}, {}
  for _, id in ipairs(moved) do if moveOf[id] == '-' then leave[#leave + 1] = id else scored[#scored + 1] = id end end
  if #leave > 0 then
    send('ZREM', KEYS[9], leave, 1)
    send('HDEL', KEYS[10], leave, 1)
  end
  if #scored > 0 then
    local member = readAll('ZMSCORE', KEYS[9], scored)
    local outside = {}
    for j, id in ipairs(scored) do if not member[j] then outside[#outside + 1] = id end end
    local offDuty = {}
    if #outside > 0 then
      local st = readAll('HMGET', KEYS[2], outside)
      for j, id in ipairs(outside) do if st[j] and string.find(st[j], '"status":"off_duty"', 1, true) then offDuty[id] = true end end
    end
    local scores, zadd = {}, {}
    for _, id in ipairs(scored) do
      scores[#scores + 1], scores[#scores + 2] = id, moveOf[id]
      if not offDuty[id] then zadd[#zadd + 1], zadd[#zadd + 2] = moveOf[id], id end
    end
    send('HSET', KEYS[10], scores, 2)
    send('ZADD', KEYS[9], zadd, 2)
  end
end
if #fresh > 0 then addEvent(KEYS[8], maxlen, now, freshnessEventJson({}, fresh)) end
return out
