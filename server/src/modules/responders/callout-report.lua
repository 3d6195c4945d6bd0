-- A called unit's answer (coming / can't / arrived / done), applied once per report id and only onto the record
-- Node planned from (compare-and-set), with the promise statistics counted in the same write.
-- KEYS 1 the incident's call-out hash, 2 the report's command record, 3 the statistics hash of the call-out's day
-- ARGV 1 unitId, 2 expected record JSON, 3 new record JSON, 4 body hash, 5 ttl (ms) of the command record,
--      6 result JSON, 7 '1' when this write is the unit's arrival, 8 tier, 9 ms from the first call-out to now
-- Returns {'ok', result} | {'replay', storedResult} | {'reused'} | {'changed'}
if redis.call('EXISTS', KEYS[2]) == 1 then
  if redis.call('HGET', KEYS[2], 'h') == ARGV[4] then return { 'replay', redis.call('HGET', KEYS[2], 'r') } end
  return { 'reused' }
end
if redis.call('HGET', KEYS[1], 'u:' .. ARGV[1]) ~= ARGV[2] then return { 'changed' } end
redis.call('HSET', KEYS[1], 'u:' .. ARGV[1], ARGV[3])
if ARGV[7] == '1' then
  local elapsed = tonumber(ARGV[9])
  -- 1分钟自救: a unit of the 1-minute ring on scene within a minute of the first call; 3分钟互助: one of the
  -- 3-minute ring (a neighbour) within three. Each counted once per call-out, by the arrival that first keeps it.
  if ARGV[8] == '1' and elapsed <= 60000 and redis.call('HSETNX', KEYS[1], 'selfHelp1', '1') == 1 then
    redis.call('HINCRBY', KEYS[3], 'selfHelpWithin1', 1)
  end
  if ARGV[8] == '3' and elapsed <= 180000 and redis.call('HSETNX', KEYS[1], 'mutualAid3', '1') == 1 then
    redis.call('HINCRBY', KEYS[3], 'mutualAidWithin3', 1)
  end
end
redis.call('HSET', KEYS[2], 'h', ARGV[4], 'r', ARGV[6])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return { 'ok', ARGV[6] }
