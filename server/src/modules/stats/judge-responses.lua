-- Counts within target, once, in a response bucket written before the counters existed (stats-buckets.ts): from
-- its histogram bins, `<step>|prio:<p>|n` (incidents with the step) and `<step>|prio:<p>|in` (those whose bin is
-- at most the priority's target, in whole seconds), then marks the bucket `judged`. A bucket already judged, or
-- missing, is left as it is, so running it again (another node, a restart half-way) changes nothing.
-- KEYS[1]  the response bucket (a hash)
-- ARGV     six target seconds: dispatch and on scene for priorities 1, 2, 3 (d1 s1 d2 s2 d3 s3)
-- Returns 1 when the bucket was judged now, 0 otherwise.
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'judged') == 1 then return 0 end
local target = {}
for p = 1, 3 do
  target['d' .. p] = tonumber(ARGV[2 * p - 1])
  target['s' .. p] = tonumber(ARGV[2 * p])
end
local count, within = {}, {}
local flat = redis.call('HGETALL', KEYS[1])
for i = 1, #flat, 2 do
  local step, p, bin = string.match(flat[i], '^([ds])|prio:([123])|(%d+)$')
  if step then
    local k = step .. p
    local n = tonumber(flat[i + 1])
    count[k] = (count[k] or 0) + n
    if tonumber(bin) <= target[k] then within[k] = (within[k] or 0) + n end
  end
end
for _, step in ipairs({ 'd', 's' }) do
  for p = 1, 3 do
    local k = step .. p
    local stem = step .. '|prio:' .. p .. '|'
    if (count[k] or 0) ~= 0 then redis.call('HSET', KEYS[1], stem .. 'n', count[k]) else redis.call('HDEL', KEYS[1], stem .. 'n') end
    if (within[k] or 0) ~= 0 then redis.call('HSET', KEYS[1], stem .. 'in', within[k]) else redis.call('HDEL', KEYS[1], stem .. 'in') end
  end
end
redis.call('HSET', KEYS[1], 'judged', '1')
return 1
