// The test bed is what it says it is: one redis-server, or with CCR_TEST_REDIS=cluster (the server-cluster project)
// a 3-master Redis Cluster whose servers each keep their keys under their own hash tag, on that tag's master.
import { describe, expect, it } from 'vitest';
import { onCluster, useTestbed } from './testbed.js';

const bed = useTestbed('bed');

describe('the test bed', () => {
  it(onCluster ? 'is a 3-master Redis Cluster, each server under its own tag on its master' : 'is one redis-server', async () => {
    const [a, b] = [await bed.server(), await bed.server()];
    expect(a.config.redisCluster).toBe(onCluster);
    expect(await bed.producer.info('cluster')).toContain(`cluster_enabled:${onCluster ? 1 : 0}`);
    expect(a.prefix).toBe(onCluster ? `{${a.config.keyPrefix.slice(0, -1)}}:` : a.config.keyPrefix);
    // Each server's start-up writes are found under its base (on a cluster, asked of the master of its tag only).
    for (const s of [a, b]) await expect.poll(async () => (await bed.producer.keys(`${s.prefix}*`)).length).toBeGreaterThan(0);
    // A second node named by the first's base joins the same deployment.
    const a2 = await bed.server({ keyPrefix: a.prefix });
    expect(a2.prefix).toBe(a.prefix);
  });
});
