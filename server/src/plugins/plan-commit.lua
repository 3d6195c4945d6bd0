-- The one atomic commit of a command written as a packed plan (the community loops, the volunteers' clues and
-- searches; plan-commit.ts builds the plan). Node reads, plans purely and packs what to write; this script checks
-- that every document it replaces is still what Node read, then writes it all at once: documents, indexes, figure
-- counters, terminal notices and the live events. Nothing is written unless every expectation holds, so two people
-- acting on one case at the same moment cannot both succeed and a figure moves once per change.
--
-- KEYS  1 live event stream, 2 command record (a placeholder key when the command has none),
--       3.. every other key the plan touches; the plan names them by index into KEYS (no key is built here).
-- ARGV  1 the plan, one JSON object (every number as a string, so nothing is rounded by cjson):
--   cmd      '1' when the command record is to be written (and a replay answered), '0' otherwise
--   bodyHash the request's hash, kept in the record to tell a retry from a reused command id
--   now, maxlen, ttl    event time, event stream MAXLEN ~, record ttl (ms)
--   expect   [[k, raw]]            GET KEYS[k] must equal raw ('' = must not exist)
--   set      [[k, value]]          SET
--   zadd     [[k, score, member]]  ZADD
--   zrem     [[k, member]]         ZREM
--   hincr    [[k, field, by]]      HINCRBY
--   hset     [[k, field, value]]   HSET
--   hdel     [[k, field]]          HDEL
--   pexpire  [[k, ms]]             PEXPIRE
--   publish  [[channel, message]]  PUBLISH (channels are not keys)
--   events   [json]                XADD to KEYS[1], in order
--   result   the command's answer (JSON), stored in the record
-- Returns {'ok', result} | {'replay'} | {'changed', k} (KEYS[k] no longer holds what was read).
local p = cjson.decode(ARGV[1])

if p.cmd == '1' and redis.call('EXISTS', KEYS[2]) == 1 then return { 'replay' } end
for _, e in ipairs(p.expect) do
  local cur = redis.call('GET', KEYS[tonumber(e[1])])
  if (cur or '') ~= e[2] then return { 'changed', e[1] } end
end

for _, s in ipairs(p.set) do redis.call('SET', KEYS[tonumber(s[1])], s[2]) end
for _, z in ipairs(p.zadd) do redis.call('ZADD', KEYS[tonumber(z[1])], z[2], z[3]) end
for _, z in ipairs(p.zrem) do redis.call('ZREM', KEYS[tonumber(z[1])], z[2]) end
for _, h in ipairs(p.hincr) do redis.call('HINCRBY', KEYS[tonumber(h[1])], h[2], h[3]) end
for _, h in ipairs(p.hset) do redis.call('HSET', KEYS[tonumber(h[1])], h[2], h[3]) end
for _, h in ipairs(p.hdel) do redis.call('HDEL', KEYS[tonumber(h[1])], h[2]) end
for _, x in ipairs(p.pexpire) do redis.call('PEXPIRE', KEYS[tonumber(x[1])], x[2]) end
for _, m in ipairs(p.publish) do redis.call('PUBLISH', m[1], m[2]) end
for _, e in ipairs(p.events) do
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', p.maxlen, '*', 'at', p.now, 'e', e)
end

if p.cmd == '1' then
  redis.call('HSET', KEYS[2], 'h', p.bodyHash, 'r', p.result)
  redis.call('PEXPIRE', KEYS[2], p.ttl)
end
return { 'ok', p.result }
