-- Adds presence seconds per grid to an hour and its day, once per marker: a sample slot (live sampler) or an hour of
-- seeded history. A second node that also sampled the slot, or a second seeding run, adds nothing.
-- KEYS[1]  the marker hash (`stats:presence-slots:<day>` or `stats:presence-history`)
-- KEYS[2]  the hour's presence bucket; KEYS[3] the day's; KEYS[4] grid → last visit (a zset)
-- ARGV     markerField, markerTtlSeconds (0 = keep), visitAt (0 = not a visit now), then grid, seconds pairs
-- Returns 1 when added, 0 when the marker was already set.
if redis.call('HSETNX', KEYS[1], ARGV[1], '1') == 0 then return 0 end
if tonumber(ARGV[2]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
for i = 4, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i + 1])
  redis.call('HINCRBY', KEYS[3], ARGV[i], ARGV[i + 1])
  if ARGV[3] ~= '0' then redis.call('ZADD', KEYS[4], 'GT', ARGV[3], ARGV[i]) end
end
return 1
