-- Records a refused entry in the capped sample, then acknowledges and deletes it, in one step: refused input
-- never stays on the ingest stream.
-- KEYS stream, rejected
-- ARGV group, id, sampleMaxLen, source, reason, detail, data, at
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'source', ARGV[2], 'reason', ARGV[5], 'detail', ARGV[6], 'data', ARGV[7], 'at', ARGV[8])
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return 1
