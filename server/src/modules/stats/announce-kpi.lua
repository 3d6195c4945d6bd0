-- Announces today's KPIs when they differ from the last announcement (one event per change, whichever node computes
-- them).
-- KEYS[1]  the KPIs last announced (a string, kept two days); KEYS[2] the live event stream
-- ARGV     kpiJson, eventJson, now, maxlen
-- Returns 1 when announced, 0 when unchanged.
if redis.call('GET', KEYS[1]) == ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', 172800)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', 'at', ARGV[3], 'e', ARGV[2])
return 1
