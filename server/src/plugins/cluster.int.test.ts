// The whole app on a real Redis Cluster (REDIS_CLUSTER=1, REDIS_URL naming every node): plain redis-server
// processes in cluster mode (testing/redis-cluster.ts). A producer on node-redis's cluster client feeds the ingest
// contract, a dispatcher commits a dispatch, the statistics are read, a screen on a second server node sees it all,
// and every key of the deployment lies on the one master of its hash tag. With replicas: the tag's master is killed,
// its replica takes over, the acknowledged dispatch is still there and the app serves (ingest, commands, screens)
// on the new master.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createCluster } from 'redis';
import { io, type Socket } from 'socket.io-client';
import { DEVICE_NAMESPACE, type CommandResult, type IncidentReport, type StatsOverviewResponse } from '@ccr/shared';
import { LiveMirror } from '../testing/live-mirror.js';
import { startRedisCluster, type RedisClusterHandle } from '../testing/redis-cluster.js';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { fixtureGridCentre, writeFixtureJurisdiction } from '../testing/index.js';
import { postJson, tokenCache } from '../testing/auth-helpers.js';
import { Keyspace } from './keyspace.js';

const [lng, lat] = fixtureGridCentre(1, 0);
const east = (metres: number): [number, number] => [lng + metres / (111_320 * Math.cos((lat * Math.PI) / 180)), lat];
const report = (id: string): IncidentReport => ({ id, type: 'theft', priority: 1, lng, lat, address: '测试路1号', reportedAt: new Date().toISOString(), source: '110', summary: '电动车被盗' });
const token = tokenCache();
let jurisdictionDir: string;
const cleanup: (() => Promise<void> | void)[] = [];
let seq = 0;
const cmd = (): string => `cmd-c-${Date.now().toString(36)}-${++seq}`;

beforeAll(async () => { jurisdictionDir = await writeFixtureJurisdiction(); });
afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

type Producer = ReturnType<typeof createCluster>;
async function producerOn(cluster: RedisClusterHandle): Promise<Producer> {
  const p = createCluster({ rootNodes: cluster.url.split(',').map((url) => ({ url })) });
  p.on('error', () => undefined); // a killed master, in the failover test
  await p.connect();
  cleanup.push(() => p.destroy());
  return p;
}
async function server(cluster: RedisClusterHandle, keyPrefix: string, nodeId: string, redisWaitReplicas = 0): Promise<TestServer> {
  const s = await startTestServer({ redisUrl: cluster.url, redisCluster: true, redisWaitReplicas, keyPrefix, nodeId, jurisdictionDir, frameIntervalMs: 50 });
  cleanup.push(() => s.close());
  return s;
}
async function screen(s: TestServer): Promise<LiveMirror> {
  const m = new LiveMirror(s.url, { token: () => token(s, 'operator') });
  cleanup.push(() => m.close());
  await m.ready();
  return m;
}
const dispatch = async (s: TestServer, incidentId: string, unitId: string, commandId: string) =>
  postJson<CommandResult>(`${s.url}/api/incidents/${incidentId}/dispatch`, { unitIds: [unitId], commandId }, await token(s, 'dispatcher'));
async function keysOn(url: string): Promise<string[]> {
  const c = createClient({ url });
  await c.connect();
  try { return await c.keys('*'); } finally { c.destroy(); }
}

describe('the app on a 3-master Redis Cluster', () => {
  let cluster: RedisClusterHandle;
  beforeAll(async () => { cluster = await startRedisCluster(); });
  afterAll(async () => { await cluster?.dispose(); });

  it('ingests, dispatches and counts on the tag\'s master; a screen on another node sees it', async () => {
    const ks = new Keyspace({ keyPrefix: 'cl1:', cluster: true });
    const a = await server(cluster, 'cl1:', 'node-a');
    const b = await server(cluster, 'cl1:', 'node-b');
    const wall = await screen(b);
    const producer = await producerOn(cluster);
    await producer.xAdd(ks.ingest.incidents, '*', { data: JSON.stringify(report('JQ-C1')) });
    // A unit reports every second, as a real one does: while the two nodes split the position shards between them,
    // a fix for a shard being handed over is applied by neither (and superseded by the next).
    const ts = Date.now() - 120_000;
    for (let i = 0; i < 20 && wall.units.get('P-01')?.stale !== false; i++) {
      await producer.publish(ks.ingest.positions, JSON.stringify({ unitId: 'P-01', lng: east(2_000)[0], lat, ts: ts + i * 1_000 }));
      await wall.waitFor(() => wall.units.get('P-01')?.stale === false, 1_000, 'position').catch(() => undefined);
    }
    await wall.waitFor(() => wall.incidents.has('JQ-C1') && wall.units.get('P-01')?.stale === false, 5_000, 'incident and position');

    const done = await dispatch(a, 'JQ-C1', 'P-01', cmd());
    expect(done.status).toBe(200);
    expect(done.body.incident).toMatchObject({ status: 'dispatched', assignedUnitIds: ['P-01'] });
    await wall.waitFor(() => wall.units.get('P-01')?.status === 'dispatched' && wall.incidents.get('JQ-C1')?.status === 'dispatched', 5_000, 'dispatched, seen from node b');

    const res = await fetch(`${b.url}/api/stats/overview`, { headers: { authorization: `Bearer ${await token(b, 'leader')}` } });
    expect(res.status).toBe(200);
    const overview = (await res.json()) as StatsOverviewResponse;
    expect(overview.today.total).toBe(1);

    // Every key of the deployment is on the master of its tag, and on no other master.
    const master = await cluster.masterOf(ks.base);
    for (const n of cluster.nodes) {
      const mine = (await keysOn(n.url)).filter((k) => k.includes('cl1'));
      if (n.port === master.port) {
        expect(mine).toContain(ks.live.incident('JQ-C1'));
        expect(mine.filter((k) => !k.startsWith(ks.base))).toEqual([]);
      } else {
        expect(mine).toEqual([]);
      }
    }
  });
});

describe('the app on a Redis Cluster with replicas', () => {
  it('keeps an acknowledged dispatch when the tag\'s master is killed, and serves again on its replica', async () => {
    const cluster = await startRedisCluster({ replicas: true });
    cleanup.push(() => cluster.dispose()); // last: after the servers and clients
    const ks = new Keyspace({ keyPrefix: 'cl2:', cluster: true });
    // Each command is answered once its replica holds it (REDIS_WAIT_REPLICAS=1).
    const s = await server(cluster, 'cl2:', 'node-a', 1);
    const wall = await screen(s);
    const producer = await producerOn(cluster);
    for (const [unitId, ago] of [['P-01', 120_000], ['P-02', 120_000]] as const) {
      await producer.publish(ks.ingest.positions, JSON.stringify({ unitId, lng: east(2_000)[0], lat, ts: Date.now() - ago }));
    }
    await producer.xAdd(ks.ingest.incidents, '*', { data: JSON.stringify(report('JQ-F1')) });
    await wall.waitFor(() => wall.incidents.has('JQ-F1') && wall.units.get('P-02')?.stale === false, 5_000, 'incident and positions');
    // The replica stalls for a while: the dispatch is answered only after it is back and holds the commit.
    const before = await cluster.masterOf(ks.base);
    const [replica] = await cluster.replicasOf(before);
    const stall = createClient({ url: replica!.url });
    await stall.connect();
    let replicaBackAt = 0;
    const stalled = stall.sendCommand(['DEBUG', 'SLEEP', '0.5']).then(() => { replicaBackAt = performance.now(); });
    const commandId = cmd();
    const done = await dispatch(s, 'JQ-F1', 'P-01', commandId);
    const answeredAt = performance.now();
    expect(done.status).toBe(200);
    expect(done.body.replayed).toBe(false);
    await stalled;
    stall.destroy();
    expect(replicaBackAt, 'the answer waited for the replica').toBeLessThanOrEqual(answeredAt);

    // A socket write as well: the unit's terminal acknowledges its order, answered once the stalled replica holds it.
    const terminal: Socket = io(`${s.url}${DEVICE_NAMESPACE}`, { transports: ['websocket'], auth: { token: await token(s, 'device', 'P-01') }, reconnection: false });
    cleanup.push(() => { terminal.close(); });
    const order = new Promise<{ orderId: string }>((resolve) => terminal.once('order:issued', resolve));
    const { orderId } = await order;
    const stall2 = createClient({ url: replica!.url });
    await stall2.connect();
    let replicaBack2 = 0;
    const stalled2 = stall2.sendCommand(['DEBUG', 'SLEEP', '0.5']).then(() => { replicaBack2 = performance.now(); });
    expect(await terminal.timeout(10_000).emitWithAck('order:acknowledge', { orderId })).toEqual({ ok: true, data: { orderId } });
    const ackedAt = performance.now();
    await stalled2;
    stall2.destroy();
    expect(replicaBack2, 'the acknowledgement waited for the replica').toBeLessThanOrEqual(ackedAt);

    await before.kill();
    await cluster.waitOk(ks.base);
    const after = await cluster.masterOf(ks.base);
    expect(after.port).not.toBe(before.port);

    // The same command again: replayed from its record, so the commit survived the failover.
    const until = Date.now() + 20_000;
    let again = await dispatch(s, 'JQ-F1', 'P-01', commandId).catch(() => undefined);
    while (again?.status !== 200 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 250));
      again = await dispatch(s, 'JQ-F1', 'P-01', commandId).catch(() => undefined);
    }
    expect(again?.status).toBe(200);
    expect(again!.body.replayed).toBe(true);
    expect(again!.body.incident).toMatchObject({ status: 'dispatched', assignedUnitIds: ['P-01'] });

    // The app serves on the new master: ingest (blocking stream read), a new command, the screen's live feed. A new
    // producer: node-redis's cluster client keeps a command for a dead master queued until that node answers again.
    const producer2 = await producerOn(cluster);
    await producer2.xAdd(ks.ingest.incidents, '*', { data: JSON.stringify(report('JQ-F2')) });
    await wall.waitFor(() => wall.incidents.has('JQ-F2'), 15_000, 'an incident ingested after the failover');
    const next = await dispatch(s, 'JQ-F2', 'P-02', cmd());
    expect(next.status).toBe(200);
    await wall.waitFor(() => wall.incidents.get('JQ-F2')?.status === 'dispatched', 5_000, 'a dispatch after the failover, on the screen');
    expect((await keysOn(after.url))).toContain(ks.live.incident('JQ-F2'));
  });
});
