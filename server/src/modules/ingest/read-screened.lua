-- Reads entries for a consumer of the group one at a time and screens each inside Redis: an entry whose fields
-- add up to more than `maxBytes` comes back as its id, its size and a `sampleBytes` prefix, never whole, so a
-- flood of 1 MB entries costs the server a few hundred bytes each (and Redis one copy into the script).
-- KEYS stream
-- ARGV group, consumer, mode, cursor, maxEntries, maxBytes, sampleBytes, budgetBytes, minIdleMs
--   mode 'new': entries never delivered (XREADGROUP >); 'pending': this consumer's own unacknowledged entries
--   after `cursor` (XREADGROUP <cursor>); 'claim': entries idle for minIdleMs, taken over from any consumer
--   (XAUTOCLAIM from `cursor`). Stops after maxEntries entries or budgetBytes read.
-- Returns { nextCursor, { { id, status, payload, size }, … } } with status
--   'ok' (payload: the data field), 'too_large' / 'no_data' (payload: a prefix, for the refused sample),
--   'gone' (a pending entry deleted from the stream meanwhile).
local stream, group, consumer, mode, cursor = KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local maxEntries, maxBytes, sampleBytes, budget = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local out, seen = {}, 0
local function screen(id, fields)
  if not fields then
    out[#out + 1] = { id, 'gone', '', 0 }
    return
  end
  local size, data = 0, nil
  for i = 1, #fields - 1, 2 do
    size = size + #fields[i] + #fields[i + 1]
    if fields[i] == 'data' then data = fields[i + 1] end
  end
  seen = seen + size
  if size > maxBytes then
    out[#out + 1] = { id, 'too_large', string.sub(data or fields[2] or '', 1, sampleBytes), size }
  elseif not data then
    out[#out + 1] = { id, 'no_data', string.sub(table.concat(fields, ' '), 1, sampleBytes), size }
  else
    out[#out + 1] = { id, 'ok', data, size }
  end
end
if mode == 'claim' then
  -- COUNT 1 scans at most 10 pending entries per call; maxEntries calls bound the script's work.
  for _ = 1, maxEntries do
    local r = redis.call('XAUTOCLAIM', stream, group, consumer, ARGV[9], cursor, 'COUNT', 1)
    cursor = r[1]
    local e = r[2][1]
    if e then screen(e[1], e[2]) end
    if cursor == '0-0' or seen >= budget then break end
  end
else
  while #out < maxEntries and seen < budget do
    local r = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', 1, 'STREAMS', stream, mode == 'new' and '>' or cursor)
    local e = r and r[1][2][1]
    if not e then break end
    if mode == 'pending' then cursor = e[1] end
    screen(e[1], e[2])
  end
end
return { cursor, out }
