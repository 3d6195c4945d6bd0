-- Closes a roll-call past its due time, once: each called unit that did not answer has one more miss in a row,
-- each that answered starts again from none.
-- KEYS 1 the roll-call hash, 2 the misses in a row per unit (hash), 3 the open roll-calls (sorted set),
--      4 the flagged units (hash unitId → misses in a row, for those with at least ARGV 3)
-- ARGV 1 now (ms), 2 roll-call id, 3 misses in a row that flag a unit
-- Returns the number of units that missed it, or -1 when it is not due yet, -2 when closed before (or gone).
local due = redis.call('HGET', KEYS[1], 'dueAt')
if not due then redis.call('ZREM', KEYS[3], ARGV[2]) return -2 end
if tonumber(ARGV[1]) <= tonumber(due) then return -1 end
redis.call('ZREM', KEYS[3], ARGV[2])
if redis.call('HSETNX', KEYS[1], 'closed', ARGV[1]) == 0 then return -2 end
local fields = redis.call('HGETALL', KEYS[1])
local missed = 0
for i = 1, #fields, 2 do
  local f = fields[i]
  if string.sub(f, 1, 2) == 'u:' then
    local unit = string.sub(f, 3)
    if fields[i + 1] == '' then
      local n = redis.call('HINCRBY', KEYS[2], unit, 1)
      if n >= tonumber(ARGV[3]) then redis.call('HSET', KEYS[4], unit, n) end
      missed = missed + 1
    else
      redis.call('HSET', KEYS[2], unit, 0)
      redis.call('HDEL', KEYS[4], unit)
    end
  end
end
return missed
