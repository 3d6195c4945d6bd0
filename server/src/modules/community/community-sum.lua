-- Sums community counter hashes group by group inside Redis, so a 13-month range with its 同比 and 环比 periods
-- sends back six summed hashes (a few hundred fields each) instead of every month, week and day hash it covers.
-- KEYS  the hashes, group after group
-- ARGV  how many KEYS each group has, in order
-- Returns per group a flat list field, value, … (values as integer strings; fields summing to 0 left out).
local out, k = {}, 0
for g = 1, #ARGV do
  local sum, order = {}, {}
  for _ = 1, tonumber(ARGV[g]) do
    k = k + 1
    local flat = redis.call('HGETALL', KEYS[k])
    for j = 1, #flat, 2 do
      local v = tonumber(flat[j + 1])
      if v then
        local f = flat[j]
        if sum[f] == nil then order[#order + 1] = f; sum[f] = 0 end
        sum[f] = sum[f] + v
      end
    end
  end
  local row = {}
  for _, f in ipairs(order) do
    if sum[f] ~= 0 then row[#row + 1] = f; row[#row + 1] = string.format('%d', sum[f]) end
  end
  out[g] = row
end
return out
