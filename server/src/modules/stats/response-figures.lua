-- A period's response figures from its day and month response buckets (stats-buckets.ts): per step and priority,
-- the incidents with the step, those within target, the sum of their intervals (ms) and the bin of the lower
-- median (the ⌈n/2⌉-th smallest), found by descending the rank tree: the top nodes, then RANK_FANOUT children per
-- level down to the bins. The fields read are bounded by the tree's shape, not by how many distinct seconds the
-- buckets hold.
-- KEYS  response buckets of days or months: the first ARGV[1] are added, the rest subtracted (a month less its
--       days after the date); all of them must be day or month buckets (hour buckets keep no tree)
-- ARGV  how many KEYS are added, RANK_FANOUT, RANK_LEVELS, nodes at the top level
-- Buckets written before the tree existed are planted here (rank-tree.lua, the prelude): a bucket whose top nodes
-- do not add up to its `<step>|prio:<p>|n` counters (written with the bins since before the tree; judge-responses.lua
-- gives older buckets theirs), or that has bins but no such counter at all (not judged yet: planted again at each
-- read until it is), gets its tree rebuilt from its bins. Atomic, so steps written before or after it count once
-- either way; a bucket written with the tree is never rewritten by this read.
-- Returns 24 integers: for (step, priority) d1 d2 d3 s1 s2 s3 in turn, count, within, ms and median bin (-1: none).
local added, fanout, levels, top = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])

local function planted(key)
  local fields = {}
  for _, step in ipairs({ 'd', 's' }) do
    for p = 1, 3 do
      local stem = step .. '|prio:' .. p .. '|'
      fields[#fields + 1] = stem .. 'n'
      for i = 0, top - 1 do fields[#fields + 1] = stem .. 'r' .. levels .. ':' .. i end
    end
  end
  local row = redis.call('HMGET', key, unpack(fields))
  local counted, j = false, 1
  for _ = 1, 6 do
    local n, tops = row[j], 0
    for i = 1, top do tops = tops + (tonumber(row[j + i]) or 0) end
    if tops ~= (tonumber(n) or 0) then return false end
    if n then counted = true end
    j = j + 1 + top
  end
  -- No counter at all: an empty bucket, or one not judged yet.
  return counted or redis.call('HLEN', key) == 0
end

local function plant(key)
  if not planted(key) then plantRankTree(key, fanout, levels) end
end

for k = 1, #KEYS do plant(KEYS[k]) end

-- The same fields summed over the buckets, added or subtracted.
local function sum(fields)
  local out = {}
  for i = 1, #fields do out[i] = 0 end
  for k = 1, #KEYS do
    local sign = k <= added and 1 or -1
    local row = redis.call('HMGET', KEYS[k], unpack(fields))
    for i = 1, #fields do out[i] = out[i] + sign * (tonumber(row[i]) or 0) end
  end
  return out
end

-- Counts of `n` consecutive nodes of a level from `first` (level 0: the bins themselves).
local function nodes(stem, level, first, n)
  local fields = {}
  for i = 0, n - 1 do
    if level == 0 then fields[i + 1] = stem .. (first + i) else fields[i + 1] = stem .. 'r' .. level .. ':' .. (first + i) end
  end
  return sum(fields)
end

local out = {}
for _, step in ipairs({ 'd', 's' }) do
  for p = 1, 3 do
    local stem = step .. '|prio:' .. p .. '|'
    local counts = nodes(stem, levels, 0, top)
    local count = 0
    for i = 1, #counts do count = count + counts[i] end
    local scalars = sum({ stem .. 'in', stem .. 'ms' })
    local median = -1
    if count > 0 then
      local want, seen, first = math.ceil(count / 2), 0, 0
      for level = levels, 0, -1 do
        local chosen
        for i = 1, #counts do
          if seen + counts[i] >= want then chosen = first + i - 1; break end
          seen = seen + counts[i]
        end
        if chosen == nil then break end -- inconsistent counters: no median rather than a wrong one
        if level == 0 then median = chosen; break end
        first = chosen * fanout
        counts = nodes(stem, level - 1, first, fanout)
      end
    end
    out[#out + 1] = count
    out[#out + 1] = scalars[1]
    out[#out + 1] = scalars[2]
    out[#out + 1] = median
  end
end
return out
