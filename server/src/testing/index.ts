export { startRedisServer, freePort, type RedisServerHandle } from './redis-server.js';
export { startRedisCluster, type RedisClusterHandle, type ClusterNodeHandle } from './redis-cluster.js';
/** A deployment's key base (the prefix, as a hash tag on a Cluster): what a producer's names start with. */
export { keyBase } from '../plugins/keyspace.js';
export { writeFixtureJurisdiction, fixtureGridCentre, FIXTURE_ORIGIN } from './fixture-jurisdiction.js';
export { LiveMirror } from './live-mirror.js';
export { startTestServer, type TestServer, type TestServerOverrides } from './test-server.js';
/** Settings as the server reads them from an environment (a test's own GUARD_* windows, say). */
export { loadConfig } from '../config.js';
export { DEMO_PASSWORD } from '../modules/auth/auth-config.js';
/** The provisioning contract, for the simulator's check that its own keys equal the server's. */
export { deviceKey, DEMO_DEVICE_SECRET } from '../modules/auth/device-key.js';
export { login, deviceLogin, tokenFor, tokenCache, postJson, TEST_DEVICE_UNIT } from './auth-helpers.js';
export { useTestbed, type Testbed } from './testbed.js';
export { recountDisputes, recountTasks, pick } from '../modules/community/community-recount.js';
/** For the apply bench (tests/bench/apply-bench.ts): the live repository on a keyspace, with the real presence index. */
export { LiveRepository, POSITION_ACCEPTED, POSITION_SAME, positionJson, type NormalisedPosition } from '../modules/live/live-repository.js';
export { presenceOf, type PresenceOf } from '../modules/live/presence-index.js';
export { gridLocatorFor } from '../modules/ingest/incident-ingest.js';
export { Keyspace } from '../plugins/keyspace.js';
export { LuaScript } from '../plugins/lua-script.js';
/** The helpers every live script is loaded after (the apply bench loads its baseline script after them too). */
export { LIVE_PRELUDE } from '../modules/live/live-scripts.js';
