-- A node's presence under its NODE_ID: held while renewed by the process that holds `token`.
-- KEYS presence; ARGV token, ttlMs. Returns 1 (renewed), 2 (was free, now ours), 0 (another process holds it).
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 2
end
return 0
