// The cluster test bed itself: three masters join, every slot is served, and keys in different slots round-trip
// through a cluster client (which follows the slot map) and are each stored on the master that owns their slot.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createCluster } from 'redis';
import { startRedisCluster, type RedisClusterHandle } from './redis-cluster.js';

let cluster: RedisClusterHandle;
beforeAll(async () => { cluster = await startRedisCluster(); });
afterAll(async () => { await cluster?.dispose(); });

describe('startRedisCluster', () => {
  it('starts three masters sharing every slot, and keys round-trip', async () => {
    expect(cluster.nodes).toHaveLength(3);
    const info = createClient({ url: cluster.nodes[0]!.url });
    await info.connect();
    const text = await info.clusterInfo();
    await info.close();
    expect(text).toContain('cluster_state:ok');
    expect(text).toContain('cluster_slots_assigned:16384');
    expect(text).toContain('cluster_size:3');

    const client = createCluster({ rootNodes: cluster.url.split(',').map((url) => ({ url })) });
    await client.connect();
    try {
      const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
      for (const k of keys) await client.set(k, `v-${k}`);
      for (const k of keys) expect(await client.get(k)).toBe(`v-${k}`);
      // Each key sits on the master of its slot and nowhere else; six keys land on more than one master.
      const owners = new Set<number>();
      for (const k of keys) {
        const owner = await cluster.masterOf(k);
        owners.add(owner.port);
        for (const n of cluster.nodes) {
          const c = createClient({ url: n.url });
          await c.connect();
          const slot = await c.clusterKeySlot(k);
          expect(await c.clusterCountKeysInSlot(slot)).toBe(n.port === owner.port ? 1 : 0);
          await c.close();
        }
      }
      expect(owners.size).toBeGreaterThan(1);
    } finally {
      await client.close();
    }
  });
});

describe('startRedisCluster with replicas', () => {
  it('fails over to the replica when a master is killed, and keeps what was replicated', async () => {
    const c6 = await startRedisCluster({ replicas: true });
    try {
      expect(c6.nodes).toHaveLength(6);
      const before = await c6.masterOf('k');
      const client = createClient({ url: before.url });
      client.on('error', () => undefined);
      await client.connect();
      await client.set('k', 'kept');
      expect(await client.wait(1, 2_000)).toBe(1); // replicated before the kill
      await client.close();
      await before.kill();
      await c6.waitOk('k');
      const after = await c6.masterOf('k');
      expect(after.port).not.toBe(before.port);
      const c = createClient({ url: after.url });
      await c.connect();
      expect(await c.get('k')).toBe('kept');
      await c.close();
    } finally {
      await c6.dispose();
    }
  });
});
