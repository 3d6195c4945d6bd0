export { startRedisServer, freePort, type RedisServerHandle } from './redis-server.js';
export { writeFixtureJurisdiction, fixtureGridCentre, FIXTURE_ORIGIN } from './fixture-jurisdiction.js';
export { LiveMirror } from './live-mirror.js';
export { startTestServer, type TestServer } from './test-server.js';
export { useTestbed, type Testbed } from './testbed.js';
