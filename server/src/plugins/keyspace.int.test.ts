// The whole app on the hash-tagged names a Redis Cluster needs (REDIS_CLUSTER), on one plain redis-server: a
// producer writes to the tagged contract names, the picture reaches a screen, and every key the app wrote carries
// the tag (so, on a cluster, shares one slot). The cluster itself is a later step.
import { describe, expect, it } from 'vitest';
import type { IncidentReport } from '@ccr/shared';
import { fixtureGridCentre, useTestbed } from '../testing/index.js';
import { Keyspace } from './keyspace.js';

const bed = useTestbed('kt');
const [lng, lat] = fixtureGridCentre(1, 0);

describe('REDIS_CLUSTER names', () => {
  it('runs the ingest contract and the live picture on tagged names only', async () => {
    const s = await bed.server({ redisCluster: true });
    const ks = new Keyspace({ keyPrefix: s.prefix, cluster: true });
    expect(ks.base).toBe(`{${s.prefix.slice(0, -1)}}:`);
    const m = bed.mirror(s);
    await m.ready();
    const report: IncidentReport = { id: 'JQ-K1', type: 'theft', priority: 1, lng, lat, address: '测试路1号', reportedAt: new Date().toISOString(), source: '110', summary: '电动车被盗' };
    await bed.producer.xAdd(ks.ingest.incidents, '*', { data: JSON.stringify(report) });
    await bed.producer.publish(ks.ingest.positions, JSON.stringify({ unitId: 'P-01', lng, lat, ts: Date.now() }));
    await m.waitFor(() => m.incidents.has('JQ-K1') && m.units.get('P-01')?.stale === false, 3_000, 'incident and position');
    // A new screen's snapshot (read-snapshot.lua, given the open incident's key) sees it too.
    const late = bed.mirror(s);
    await late.ready();
    expect(late.incidents.get('JQ-K1')).toMatchObject({ status: 'received' });

    const keys = await bed.producer.keys('*');
    const mine = keys.filter((k) => k.includes(s.prefix.slice(0, -1)));
    expect(mine).toContain(ks.live.incident('JQ-K1'));
    expect(mine.filter((k) => !k.startsWith(ks.base))).toEqual([]);
  });
});
