-- Starts a roll-call once per command id.
-- KEYS 1 the command record, 2 the roll-call hash, 3 the latest roll-call per grid (hash gridId → id),
--      4 the open roll-calls (sorted set by due time)
-- ARGV 1 roll-call id, 2 due time (ms), 3 ttl (ms) of the roll-call and the command record, 4 meta JSON,
--      5 number of grids n, then n grid ids, then the called unit ids
-- Fields of the roll-call hash: meta, dueAt, u:<unitId> ('' until answered, then the people said ready).
-- Returns {'ok', id} | {'replay', id of the roll-call the command started}
local prior = redis.call('GET', KEYS[1])
if prior then return { 'replay', prior } end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
redis.call('HSET', KEYS[2], 'meta', ARGV[4], 'dueAt', ARGV[2])
local n = tonumber(ARGV[5])
for i = 6, 5 + n do redis.call('HSET', KEYS[3], ARGV[i], ARGV[1]) end
for i = 6 + n, #ARGV do redis.call('HSET', KEYS[2], 'u:' .. ARGV[i], '') end
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1])
return { 'ok', ARGV[1] }
