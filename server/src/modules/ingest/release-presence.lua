-- KEYS presence; ARGV token. Lets go of the presence if this process holds it.
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
