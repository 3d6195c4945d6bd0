-- The position apply as it was before issue 12 slimmed it (commit 353c624's apply-positions.lua), kept as the apply
-- bench's baseline: loaded after the live prelude (live-prelude.lua, unchanged since then) as the server loads its own,
-- run in the same Redis beside the script of the day, on a roster of its own, with the same positions.
-- KEYS units, status, pos, posTs, geo, seen, stale, events, tracked, presence, presenceScore, unit counts
-- ARGV now, maxlen, trustUntil, then per position: id, lng, lat, ts, positionJson, presence ('' not a patrol, '-' a
--      patrol outside every grid, else its presence score: presence-index.ts)
-- Returns per position 1 (accepted), 0 (unknown unit), -1 (older than the stored one).
-- An equal ts is accepted without writing: another server node already stored it, and this node's
-- clients still need it. A stored ts after trustUntil came from a clock ahead of the server's (stored before
-- ingest clamped such times): it does not count as newer, or the unit would freeze until that time.
-- Runs after live-prelude.lua (addEvent, freshnessEventJson, statsEventJson).
local now, maxlen, trustUntil = ARGV[1], ARGV[2], tonumber(ARGV[3])
local out = {}
local fresh = {}
for b = 4, #ARGV, 6 do
  local id = ARGV[b]
  if redis.call('HEXISTS', KEYS[1], id) == 0 then
    out[#out + 1] = 0
  else
    local ts = tonumber(ARGV[b + 3])
    local prev = redis.call('HGET', KEYS[4], id)
    if prev and tonumber(prev) > trustUntil then prev = nil end
    if prev and ts < tonumber(prev) then
      out[#out + 1] = -1
    else
      local written = (not prev) or ts > tonumber(prev)
      if written then
        redis.call('HSET', KEYS[3], id, ARGV[b + 4])
        redis.call('HSET', KEYS[4], id, ARGV[b + 3])
        local lat = tonumber(ARGV[b + 2])
        -- Redis GEO indexes latitudes up to ±85.05°; beyond that the position is kept but not indexed.
        if lat <= 85.05112878 and lat >= -85.05112878 then
          redis.call('GEOADD', KEYS[5], ARGV[b + 1], ARGV[b + 2], id)
        end
      end
      if redis.call('SISMEMBER', KEYS[9], id) == 1 then
        redis.call('ZADD', KEYS[6], now, id)
        if redis.call('SREM', KEYS[7], id) == 1 then
          fresh[#fresh + 1] = id
          written = true
          local roster, st = redis.call('HGET', KEYS[1], id), redis.call('HGET', KEYS[2], id)
          unitCountsMove(KEYS[12], roster, st, true, -1)
          unitCountsMove(KEYS[12], roster, st, false, 1)
        end
      end
      -- A patrol's stored fix moved, or it came back from stale: it is not stale now, so it counts for presence
      -- unless off duty (a member is not: the dispatch commit takes it out when it goes off duty).
      local presence = ARGV[b + 5]
      if presence ~= '' and written then
        if presence == '-' then
          redis.call('ZREM', KEYS[10], id)
          redis.call('HDEL', KEYS[11], id)
        else
          redis.call('HSET', KEYS[11], id, presence)
          if redis.call('ZADD', KEYS[10], 'XX', 'CH', presence, id) == 0 then
            local st = redis.call('HGET', KEYS[2], id)
            if not (st and string.find(st, '"status":"off_duty"', 1, true)) then redis.call('ZADD', KEYS[10], presence, id) end
          end
        end
      end
      out[#out + 1] = 1
    end
  end
end
if #fresh > 0 then addEvent(KEYS[8], maxlen, now, freshnessEventJson({}, fresh)) end
return out
