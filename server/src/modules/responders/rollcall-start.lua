-- Starts a roll-call once per command id, and makes it the latest of each grid it calls: the grid's readiness
-- counters start again from this roll-call's registered units and people, none acknowledged.
-- KEYS 1 the command record, 2 the roll-call hash, 3 the readiness counters (hash, below), 4 the open roll-calls
--      (sorted set by due time)
-- ARGV 1 a JSON struct: { id, startedAt, dueAt, keepMs (ttl of the roll-call and the command record), meta (JSON
--      text), grids: [{ gridId, units, registered }], unitIds: [called unit ids] }
-- Fields of the roll-call hash: meta, dueAt, u:<unitId> ('' until answered, then the people said ready).
-- Fields of the readiness counters, per grid g: g|id, g|startedAt, g|dueAt (its latest roll-call), g|units,
--      g|registered (called units and their registered people), g|answered, g|acknowledged (of those, answered so far).
-- Returns {'ok', id} | {'replay', id of the roll-call the command started}
local prior = redis.call('GET', KEYS[1])
if prior then return { 'replay', prior } end
local a = cjson.decode(ARGV[1])
redis.call('SET', KEYS[1], a.id, 'PX', a.keepMs)
redis.call('HSET', KEYS[2], 'meta', a.meta, 'dueAt', a.dueAt)
for _, u in ipairs(a.unitIds) do redis.call('HSET', KEYS[2], 'u:' .. u, '') end
redis.call('PEXPIRE', KEYS[2], a.keepMs)
for _, g in ipairs(a.grids) do
  local p = g.gridId .. '|'
  redis.call('HSET', KEYS[3], p .. 'id', a.id, p .. 'startedAt', a.startedAt, p .. 'dueAt', a.dueAt, p .. 'units', g.units,
    p .. 'registered', g.registered, p .. 'answered', 0, p .. 'acknowledged', 0)
end
redis.call('ZADD', KEYS[4], a.dueAt, a.id)
return { 'ok', a.id }
