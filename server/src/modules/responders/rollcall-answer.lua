-- A called unit answers a roll-call: counted only before its due time, and only its first answer. When the
-- roll-call is still its grid's latest, the grid's readiness counters count it (rollcall-start.lua).
-- KEYS 1 the roll-call hash, 2 the readiness counters
-- ARGV 1 roll-call id, 2 unitId, 3 now (ms), 4 people said ready, 5 the unit's grid, 6 the people it counts for
--      (the people said ready, at most the unit's registered members)
-- Returns 'ok' | 'again' (answered before: the first answer stands) | 'unknown' | 'not_in' | 'closed'
local due = redis.call('HGET', KEYS[1], 'dueAt')
if not due then return 'unknown' end
local cur = redis.call('HGET', KEYS[1], 'u:' .. ARGV[2])
if not cur then return 'not_in' end
if cur ~= '' then return 'again' end
if tonumber(ARGV[3]) > tonumber(due) then return 'closed' end
redis.call('HSET', KEYS[1], 'u:' .. ARGV[2], ARGV[4])
local p = ARGV[5] .. '|'
if redis.call('HGET', KEYS[2], p .. 'id') == ARGV[1] then
  redis.call('HINCRBY', KEYS[2], p .. 'answered', 1)
  redis.call('HINCRBY', KEYS[2], p .. 'acknowledged', ARGV[6])
end
return 'ok'
