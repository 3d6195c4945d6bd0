-- Acknowledges one order of one unit: it is no longer re-sent, and is remembered as acknowledged (for keepMs) so
-- an acknowledgement repeated because its answer was lost is recognised, not refused.
-- KEYS unit's order hash, pending-orders index, unit's acknowledged orders (sorted set by time);
-- ARGV unitId, orderId, now, keepMs.
-- Returns 1 when it was pending, 2 when the unit had acknowledged it already, 0 when the unit has no such order.
local n = redis.call('HDEL', KEYS[1], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[1] .. '|' .. ARGV[2])
if n == 1 then
  local now = tonumber(ARGV[3])
  redis.call('ZADD', KEYS[3], now, ARGV[2])
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[4]))
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
  return 1
end
if redis.call('ZSCORE', KEYS[3], ARGV[2]) then return 2 end
return 0
