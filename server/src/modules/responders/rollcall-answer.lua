-- A called unit answers a roll-call: counted only before its due time, and only its first answer.
-- KEYS 1 the roll-call hash; ARGV 1 unitId, 2 now (ms), 3 people said ready
-- Returns 'ok' | 'again' (answered before: the first answer stands) | 'unknown' | 'not_in' | 'closed'
local due = redis.call('HGET', KEYS[1], 'dueAt')
if not due then return 'unknown' end
local cur = redis.call('HGET', KEYS[1], 'u:' .. ARGV[1])
if not cur then return 'not_in' end
if cur ~= '' then return 'again' end
if tonumber(ARGV[2]) > tonumber(due) then return 'closed' end
redis.call('HSET', KEYS[1], 'u:' .. ARGV[1], ARGV[3])
return 'ok'
