-- Rebuilds a month's response bucket (stats-buckets.ts) as the sum of its days' response fields, atomically, so
-- a month written before month buckets existed reads like one written with them. Steps written meanwhile are in
-- both the days and the month, so the rebuilt sum holds them once; running it again gives the same hash. The
-- month's rank tree is planted from the summed bins (rank-tree.lua, the prelude), not summed from the days' trees:
-- a day written before the tree has none yet.
-- KEYS[1]    the month's response bucket
-- KEYS[2..]  the response buckets of the month's days
-- ARGV       RANK_FANOUT, RANK_LEVELS
-- Returns the number of fields written.
redis.call('DEL', KEYS[1])
local sum, order = {}, {}
for k = 2, #KEYS do
  local flat = redis.call('HGETALL', KEYS[k])
  for i = 1, #flat, 2 do
    local f = flat[i]
    if string.match(f, '^[ds]|prio:[123]|') and not string.match(f, '|r%d+:%d+$') then
      if sum[f] == nil then order[#order + 1] = f; sum[f] = 0 end
      sum[f] = sum[f] + tonumber(flat[i + 1])
    end
  end
end
local written = 0
for _, f in ipairs(order) do
  if sum[f] ~= 0 then
    redis.call('HSET', KEYS[1], f, sum[f])
    written = written + 1
  end
end
plantRankTree(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
return written
