// Several server nodes on one Redis: each incident applied once, every screen on every node sees everything,
// and deployment-wide chores continue when a node goes away.
import { describe, expect, it } from 'vitest';
import { fixtureGridCentre, useTestbed, type TestServer } from '../../testing/index.js';

const bed = useTestbed('m');
const [lng, lat] = fixtureGridCentre(1, 1);

async function applied(s: TestServer): Promise<number> {
  const text = await (await bed.fetch(s, '/metrics')).text();
  return Number(/^ccr_incidents_applied_total\{change="reported"\} (\S+)/m.exec(text)?.[1] ?? 0);
}

describe('several server nodes', () => {
  it('share the incident stream (each applied once) and show every screen the same picture', async () => {
    const a = await bed.server({ nodeId: 'node-a', staleAfterMs: 1_500 });
    const b = await bed.server({ nodeId: 'node-b', staleAfterMs: 1_500, keyPrefix: a.prefix });
    const onA = bed.mirror(a);
    const onB = bed.mirror(b);
    await Promise.all([onA.ready(), onB.ready()]);

    const ids = Array.from({ length: 40 }, (_, i) => `JQ-M${i}`);
    for (const id of ids) {
      await bed.producer.xAdd(`${a.prefix}in:incidents`, '*', {
        data: JSON.stringify({ id, type: 'help', priority: 3, lng, lat, reportedAt: Date.now(), source: 'online' }),
      });
    }
    // The position shards are split between the two nodes a turn after the second starts; a report arriving in
    // that handover is applied by neither (position-shards.ts), so the test reports once they have settled.
    const held = async (s: TestServer): Promise<number> => Number(/^ccr_position_shards_held (\S+)/m.exec(await (await bed.fetch(s, '/metrics')).text())?.[1] ?? 0);
    for (let i = 0; i < 50; i++) {
      const [ha, hb] = [await held(a), await held(b)];
      if (ha > 0 && hb > 0 && ha + hb === 16) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 600));
    const ts = Date.now();
    await bed.producer.publish(`${a.prefix}in:positions`, JSON.stringify({ unitId: 'P-01', lng, lat, ts }));

    for (const m of [onA, onB]) {
      await m.waitFor(() => m.incidents.size === 40 && m.units.get('P-01')?.position?.ts === ts, 5_000, 'all incidents and the position');
    }
    expect(Object.fromEntries(onA.incidents)).toEqual(Object.fromEntries(onB.incidents));
    expect(onA.seq).toBe(onB.seq);
    expect(onA.today?.total).toBe(40);
    // The consumer group divided the work: together the nodes applied each incident exactly once.
    expect((await applied(a)) + (await applied(b))).toBe(40);

    // One node goes away; the other keeps the chores going (P-01 goes stale) and keeps serving.
    await a.close();
    await onB.waitFor(() => onB.units.get('P-01')?.stale === true, 6_000, 'stale marked by the remaining node');
    await bed.producer.xAdd(`${a.prefix}in:incidents`, '*', {
      data: JSON.stringify({ id: 'JQ-AFTER', type: 'theft', priority: 2, lng, lat, reportedAt: Date.now(), source: '110' }),
    });
    await onB.waitFor(() => onB.incidents.has('JQ-AFTER'), 5_000, 'incident after one node left');
  });
});
