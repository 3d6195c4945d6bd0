-- Prelude of response-figures.lua and month-responses.lua: a response bucket's rank tree (stats-buckets.ts) rebuilt
-- from its bins. `<step>|prio:<p>|r<k>:<i>` counts the bins in [i·fanout^k, (i+1)·fanout^k), k = 1..levels.
-- Old tree fields are dropped and only non-zero nodes written, so the result depends on the bins alone.
local function plantRankTree(key, fanout, levels)
  local flat = redis.call('HGETALL', key)
  local stale, sums, order = {}, {}, {}
  for i = 1, #flat, 2 do
    local f = flat[i]
    if string.match(f, '^[ds]|prio:[123]|r%d+:%d+$') then
      stale[#stale + 1] = f
    else
      local stem, bin = string.match(f, '^([ds]|prio:[123]|)(%d+)$')
      if stem then
        local n, index = tonumber(flat[i + 1]), tonumber(bin)
        for k = 1, levels do
          index = math.floor(index / fanout)
          local node = stem .. 'r' .. k .. ':' .. index
          if sums[node] == nil then order[#order + 1] = node; sums[node] = 0 end
          sums[node] = sums[node] + n
        end
      end
    end
  end
  for j = 1, #stale, 1000 do redis.call('HDEL', key, unpack(stale, j, math.min(j + 999, #stale))) end
  for _, node in ipairs(order) do
    if sums[node] ~= 0 then redis.call('HSET', key, node, sums[node]) end
  end
end
