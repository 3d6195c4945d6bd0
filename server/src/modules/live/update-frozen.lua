-- Flags and unflags units whose fix is frozen (identical coordinates while driving to a scene; the duration is
-- judged by the caller, shared/src/position-plausibility.ts), announced in one units:frozen event with, for each
-- unit flagged, the time its fix froze.
-- KEYS units, status, frozen, events
-- ARGV now, maxlen, watched statuses (comma-separated), then per unit: id, since ('' : its fix moved)
-- A unit is flagged when its status is a watched one, and unflagged when its fix moved or its status is not.
-- Returns how many units were newly flagged.
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
