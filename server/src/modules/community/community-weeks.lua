-- Makes community week counters (community-repository.ts) hold every write before they are read: a week not yet in
-- the built set (written before week counters existed, or first written since, so only partly) is rebuilt as the
-- sum of its seven days' counters, then added to the set. Writes since go to the day and the week in the same
-- commit, so a rebuilt week stays whole; rebuilding again would give the same hash. Atomic.
-- KEYS[1]  the built set
-- KEYS     then, per week, the week's hash followed by its seven days' hashes (Monday first)
-- ARGV     per week, its member in the built set (`disputes:<monday>` / `tasks:<monday>`)
-- Returns the number of weeks rebuilt.
local rebuilt = 0
for i = 1, #ARGV do
  if redis.call('SISMEMBER', KEYS[1], ARGV[i]) == 0 then
    local base = 1 + (i - 1) * 8
    local week = KEYS[base + 1]
    local sum, order = {}, {}
    for d = 2, 8 do
      local flat = redis.call('HGETALL', KEYS[base + d])
      for j = 1, #flat, 2 do
        local f = flat[j]
        if sum[f] == nil then order[#order + 1] = f; sum[f] = 0 end
        sum[f] = sum[f] + tonumber(flat[j + 1])
      end
    end
    redis.call('DEL', week)
    for _, f in ipairs(order) do
      -- %d: a sum of stage times in ms would print with an exponent past 14 digits otherwise.
      if sum[f] ~= 0 then redis.call('HSET', week, f, string.format('%d', sum[f])) end
    end
    redis.call('SADD', KEYS[1], ARGV[i])
    rebuilt = rebuilt + 1
  end
end
return rebuilt
