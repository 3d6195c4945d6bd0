// The producer on a real Redis Cluster (REDIS_CLUSTER): its names carry the prefix as the server's hash tag, so
// positions go out on the tagged channel and incidents into the tagged stream on the tag's master; and, with
// replicas, killing that master's process: positions resume on the new master and every incident the simulation
// made is in the stream exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { keyBase } from '@ccr/shared';
import { startRedisCluster, type ClusterNodeHandle, type RedisClusterHandle } from '@ccr/server/testing';
import { DEMO_SEED, buildDemoJurisdiction } from './jurisdiction-generator.js';
import { ingestKeys, runProducer } from './producer.js';
import { createSimulation, type Simulation } from './simulation.js';

const demo = buildDemoJurisdiction({ seed: DEMO_SEED });

async function withNode<T>(node: ClusterNodeHandle, fn: (c: ReturnType<typeof createClient>) => Promise<T>): Promise<T> {
  const c = createClient({ url: node.url });
  c.on('error', () => undefined); // the node killed under a stalled command
  await c.connect();
  try {
    return await fn(c);
  } finally {
    c.destroy();
  }
}

/** The data of the stream's entries on `node`, in stream order. */
const streamData = (node: ClusterNodeHandle, key: string): Promise<string[]> =>
  withNode(node, async (c) => (await c.xRange(key, '-', '+')).map((e) => String(e.message.data)));

/** A simulation that also notes every incident report it makes (a correction re-sends an id with new content). */
function noting(made: string[], make: () => Simulation): Simulation {
  const sim = make();
  return {
    ...sim,
    tick: () => {
      const t = sim.tick();
      made.push(...t.incidents.map((r) => JSON.stringify(r)));
      return t;
    },
  };
}

/** A subscriber on `node`: a classic PUBLISH reaches every node of a Cluster. */
async function listen(node: ClusterNodeHandle, channel: string): Promise<{ at: number[]; close(): void }> {
  const sub = createClient({ url: node.url });
  sub.on('error', () => undefined);
  await sub.connect();
  const at: number[] = [];
  await sub.subscribe(channel, () => { at.push(Date.now()); });
  return { at, close: () => sub.destroy() };
}

describe('the producer on a 3-master Redis Cluster', () => {
  let cluster: RedisClusterHandle;
  beforeAll(async () => { cluster = await startRedisCluster(); }, 60_000);
  afterAll(async () => { await cluster?.dispose(); });

  it('publishes positions on the tagged channel and adds incidents to the tagged stream, on the tag\'s master', async () => {
    const keys = ingestKeys('c1:', true);
    expect(keys).toEqual({ positions: '{c1}:in:positions', incidents: '{c1}:in:incidents' });
    const master = await cluster.masterOf(keyBase({ keyPrefix: 'c1:', cluster: true }));
    // REDIS_URL names another node first: the link finds the master itself.
    const others = cluster.nodes.filter((n) => n !== master);
    const positions = await listen(others[0]!, keys.positions);
    try {
      const simulation = (startMs: number) => createSimulation({ jurisdiction: demo, seed: 3, startMs, rateHz: 4, timeScale: 60, firstIncidentAfterS: 0.5 });
      const stats = await runProducer({ redisUrl: [...others, master].map((n) => n.url).join(','), prefix: 'c1:', cluster: true, simulation, rateHz: 4, durationS: 2 });
      await new Promise((r) => setTimeout(r, 200)); // the last PUBLISH, across the cluster bus
      expect(stats).toMatchObject({ ticks: 8, positionsSent: 8 * 136, positionsDropped: 0, incidentsQueued: 0, incidentsUnconfirmed: 0 });
      expect(positions.at).toHaveLength(8);
      const data = await streamData(master, keys.incidents);
      expect(data.length).toBe(stats.incidentsSent);
      expect(data.length).toBeGreaterThanOrEqual(1);
      // Nothing of the deployment elsewhere.
      for (const n of others) expect(await withNode(n, (c) => c.keys('*c1*'))).toEqual([]);
    } finally {
      positions.close();
    }
  }, 30_000);
});

describe('the producer through a failover of the tag\'s master', () => {
  let cluster: RedisClusterHandle;
  beforeAll(async () => { cluster = await startRedisCluster({ replicas: true }); }, 90_000);
  afterAll(async () => { await cluster?.dispose(); });

  it('keeps positions flowing on the new master and every incident in the stream exactly once', async () => {
    const base = keyBase({ keyPrefix: 'f1:', cluster: true });
    const keys = ingestKeys('f1:', true);
    const before = await cluster.masterOf(base);
    const replicas = await cluster.replicasOf(before);
    // Listen on a node the failover leaves alone.
    const bystander = cluster.nodes.find((n) => n !== before && !replicas.includes(n))!;
    const positions = await listen(bystander, keys.positions);
    const lines: string[] = [];
    const stop = new AbortController();
    // Many incidents (about 5 a second), so some are in flight when the master dies.
    const made: string[] = [];
    const simulation = (startMs: number) => noting(made, () => createSimulation({
      jurisdiction: demo, seed: 5, startMs, rateHz: 5, timeScale: 60, incidentsPerHour: 300, firstIncidentAfterS: 0.2,
    }));
    const running = runProducer({
      redisUrl: cluster.url, prefix: 'f1:', cluster: true, simulation, rateHz: 5, signal: stop.signal, log: (l) => lines.push(l),
      commandTimeoutMs: 1000,
    });
    try {
      const until = (what: string, ok: () => boolean, ms: number) => expect.poll(ok, { timeout: ms, interval: 50, message: what }).toBe(true);
      await until('positions before the failover', () => positions.at.length >= 5, 10_000);

      // The master stops answering (commands time out, some incidents are on their way), then dies.
      const stall = withNode(before, (c) => c.sendCommand(['DEBUG', 'SLEEP', '1.5'])).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 1200));
      await before.kill();
      await stall;
      const killedAt = Date.now();
      await cluster.waitOk(base);
      expect((await cluster.masterOf(base)).port).not.toBe(before.port);
      await until('positions after the failover', () => positions.at.filter((t) => t > killedAt).length >= 10, 20_000);
      expect(lines.some((l) => l.includes('slot moved'))).toBe(true);
      // Incidents sent into the stall were looked for on the new master before anything more was sent.
      expect(lines.some((l) => /^incidents: [1-9]\d* of uncertain fate/.test(l)), lines.filter((l) => l.startsWith('redis')).join('\n')).toBe(true);
    } finally {
      stop.abort();
    }
    const stats = await running;
    positions.close();

    expect(made.length).toBeGreaterThan(5);
    expect(stats).toMatchObject({ incidentsQueued: 0, incidentsUnconfirmed: 0, incidentsSent: made.length });
    // Every report the simulation made (an incident, or a correction of one) is in the stream once.
    const data = await streamData(await cluster.masterOf(base), keys.incidents);
    expect(new Set(data).size, 'no report twice').toBe(data.length);
    expect([...data].sort()).toEqual([...made].sort());
  }, 90_000);
});
