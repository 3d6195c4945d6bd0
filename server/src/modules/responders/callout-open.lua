-- A call-out tier committed (dispatch's alert command): start its clock and each newly called unit's record.
-- KEYS 1 the incident's call-out hash, 2 the statistics hash of today
-- ARGV 1 now (ms), 2 ring (1/3/5), 3 ttl (ms) of the call-out hash, then pairs: unitId, the unit's record JSON
-- Fields: calledAt (the first tier's call), t<ring> (each tier's call), u:<unitId> (the unit's record).
-- Only the first writer of a field wins (a retried notification changes nothing). Returns 1 when this was the
-- incident's first call-out (counted in calledOut), else 0.
local first = redis.call('HSETNX', KEYS[1], 'calledAt', ARGV[1])
if first == 1 then redis.call('HINCRBY', KEYS[2], 'calledOut', 1) end
redis.call('HSETNX', KEYS[1], 't' .. ARGV[2], ARGV[1])
for i = 4, #ARGV, 2 do
  redis.call('HSETNX', KEYS[1], 'u:' .. ARGV[i], ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return first
