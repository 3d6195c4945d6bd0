-- A terminal acknowledges a task notice: it is no longer sent again.
-- KEYS 1 the unit's notice hash, 2 the pending-notice index (members "<unitId>|<noticeId>")
-- ARGV 1 unitId, 2 noticeId
-- Returns 1 when the notice was pending, 0 when the unit had no such notice (already acknowledged, or another's).
local n = redis.call('HDEL', KEYS[1], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[1] .. '|' .. ARGV[2])
return n
