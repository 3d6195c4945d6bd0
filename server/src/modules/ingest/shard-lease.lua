-- One node's turn at holding its fair share of the position shards (position-shards.ts), every tick.
-- KEYS[1]      the live nodes: a sorted set of owner tokens scored by when each lapses (ms)
-- KEYS[2 ..]   the shard leases, shard i at KEYS[i + 2]: a string holding its owner's token, with a TTL
-- ARGV[1] the node's token · ARGV[2] now (ms) · ARGV[3] lease TTL (ms) · ARGV[4] '1': the node is stopping,
--         give everything back
-- Returns the 0-based shards the node holds after its turn.
local token, now, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
if ARGV[4] == '1' then
  redis.call('ZREM', KEYS[1], token)
  for i = 2, #KEYS do
    if redis.call('GET', KEYS[i]) == token then redis.call('DEL', KEYS[i]) end
  end
  return {}
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + ttl, token)
redis.call('PEXPIRE', KEYS[1], ttl * 2)
local fair = math.ceil((#KEYS - 1) / redis.call('ZCARD', KEYS[1]))
local held = {}
for i = 2, #KEYS do
  if redis.call('GET', KEYS[i]) == token then held[#held + 1] = i end
end
-- Above the fair share (a node joined): the last ones go back, for the newcomer to take on its turn.
while #held > fair do
  redis.call('DEL', KEYS[held[#held]])
  held[#held] = nil
end
for _, i in ipairs(held) do redis.call('PEXPIRE', KEYS[i], ttl) end
-- Below it (a node left, or this one just started): free shards are taken.
for i = 2, #KEYS do
  if #held >= fair then break end
  if redis.call('GET', KEYS[i]) ~= token and redis.call('SET', KEYS[i], token, 'NX', 'PX', ttl) then held[#held + 1] = i end
end
local out = {}
for _, i in ipairs(held) do out[#out + 1] = i - 2 end
return out
