-- KEYS units, seen, stale, events, presence (a stale patrol leaves it: presence-index.ts), status, unit counts
-- ARGV now, cutoff (ms), maxlen, limit
-- Tracked units last seen before cutoff become stale, announced in one units:freshness event. Returns how many.
-- Runs after live-prelude.lua (addEvent, freshnessEventJson, statsEventJson).
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[2], 'LIMIT', 0, ARGV[4])
local stale = {}
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[2], id)
  if redis.call('HEXISTS', KEYS[1], id) == 1 and redis.call('SADD', KEYS[3], id) == 1 then
    stale[#stale + 1] = id
    redis.call('ZREM', KEYS[5], id)
    local roster, st = redis.call('HGET', KEYS[1], id), redis.call('HGET', KEYS[6], id)
    unitCountsMove(KEYS[7], roster, st, false, -1)
    unitCountsMove(KEYS[7], roster, st, true, 1)
  end
end
if #stale > 0 then addEvent(KEYS[4], ARGV[3], ARGV[1], freshnessEventJson(stale, {})) end
return #stale
