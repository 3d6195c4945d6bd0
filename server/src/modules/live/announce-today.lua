-- KEYS todayStats, events; ARGV date, now, maxlen. Announces a new day's (usually empty) counts at midnight.
-- Runs after live-prelude.lua (addEvent, freshnessEventJson, statsEventJson).
return addEvent(KEYS[2], ARGV[3], ARGV[2], statsEventJson(KEYS[1], ARGV[1]))
