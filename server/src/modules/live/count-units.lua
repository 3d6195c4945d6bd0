-- Recounts the overview's unit figures (live-prelude.lua, unitCountsMove) from the whole roster, after the roster
-- sync at a node's start: the only time they are counted from every unit; afterwards the scripts that change a
-- status or staleness move them.
-- KEYS units, status, stale, unit counts
-- Returns the number of units counted.
-- Runs after live-prelude.lua.
redis.call('DEL', KEYS[4])
local roster = redis.call('HGETALL', KEYS[1])
for i = 1, #roster, 2 do
  local id = roster[i]
  unitCountsMove(KEYS[4], roster[i + 1], redis.call('HGET', KEYS[2], id), redis.call('SISMEMBER', KEYS[3], id) == 1, 1)
end
return #roster / 2
