-- A terminal acknowledges a notice of its inbox (inbox.ts): it is no longer sent again.
-- KEYS 1 the recipient's notice hash, 2 the pending-notice index (members "<recipient>|<noticeId>")
-- ARGV 1 recipient, 2 noticeId
-- Returns 1 when the notice was pending, 0 when the recipient had no such notice (already acknowledged, or another's).
local n = redis.call('HDEL', KEYS[1], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[1] .. '|' .. ARGV[2])
return n
