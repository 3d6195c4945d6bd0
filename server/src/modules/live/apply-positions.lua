-- KEYS units, status, pos, posTs, geo, seen, stale, events, tracked
-- ARGV now, maxlen, trustUntil, then per position: id, lng, lat, ts, positionJson
-- Returns per position 1 (accepted), 0 (unknown unit), -1 (older than the stored one).
-- An equal ts is accepted without writing: another server node already stored it, and this node's
-- clients still need it. A stored ts after trustUntil came from a clock ahead of the server's (stored before
-- ingest clamped such times): it does not count as newer, or the unit would freeze until that time.
-- Runs after live-prelude.lua (addEvent, freshnessEventJson, statsEventJson).
local now, maxlen, trustUntil = ARGV[1], ARGV[2], tonumber(ARGV[3])
local out = {}
local fresh = {}
for b = 4, #ARGV, 5 do
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
      if (not prev) or ts > tonumber(prev) then
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
        if redis.call('SREM', KEYS[7], id) == 1 then fresh[#fresh + 1] = id end
      end
      out[#out + 1] = 1
    end
  end
end
if #fresh > 0 then addEvent(KEYS[8], maxlen, now, freshnessEventJson({}, fresh)) end
return out
