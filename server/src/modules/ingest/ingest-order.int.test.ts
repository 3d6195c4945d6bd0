// Reports of one incident are ordered, however and whenever they are delivered — against a real redis-server.
// The stranded correction: a node reads v2 and dies before acknowledging it; v3 is applied; v2 is claimed later.
import { describe, expect, it } from 'vitest';
import type { Incident, IncidentReport } from '@ccr/shared';
import { fixtureGridCentre, postJson, useTestbed, type TestServer } from '../../testing/index.js';

const bed = useTestbed('o');
const [lng, lat] = fixtureGridCentre(0, 1);
const CLAIM_IDLE_MS = 3_000;
let n = 0;

const report = (id: string, extra: Partial<IncidentReport> = {}): IncidentReport => ({
  id, type: 'dispute', priority: 3, lng, lat, address: '测试路9号', reportedAt: Date.now() - 60_000, source: '110', summary: 'v1', ...extra,
});

async function rejectedStale(s: TestServer): Promise<number> {
  const text = await (await bed.fetch(s, '/metrics')).text();
  return Number(/^ccr_ingest_rejected_total\{path="incidents",reason="stale_report"\} (\S+)/m.exec(text)?.[1] ?? 0);
}

async function stored(prefix: string, id: string): Promise<Incident> {
  return JSON.parse((await bed.producer.get(`${prefix}incident:${id}`))!) as Incident;
}

/**
 * Adds an entry that a node of the group reads and never acknowledges (it died), in one step: no running node
 * can read it first.
 */
async function addReadByDeadNode(stream: string, data: string): Promise<string> {
  return (await bed.producer.eval(`
    local id = redis.call('XADD', KEYS[1], '*', 'data', ARGV[1])
    redis.call('XREADGROUP', 'GROUP', 'ccr-server', 'dead-node', 'COUNT', 1, 'STREAMS', KEYS[1], '>')
    return id`, { keys: [stream], arguments: [data] })) as string;
}

const start = (prefix: string, nodeId: string) =>
  bed.server({ keyPrefix: prefix, nodeId, ingest: { claimIdleMs: CLAIM_IDLE_MS, keepEntries: 10_000, keepBytes: 16 * 1_048_576, keepMs: 86_400_000, rejectSample: 1_000, positionClockSkewMs: 5_000, positionFrozenAfterMs: 180_000, positionAccuracyM: 100 } });

describe('a stranded older correction never undoes a newer one', () => {
  for (const nodes of [1, 2]) {
    it(`on ${nodes} node${nodes > 1 ? 's' : ''}`, async () => {
      const prefix = bed.base(`stranded${++n}:`);
      const stream = `${prefix}in:incidents`;
      const servers = [await start(prefix, 'node-a')];
      if (nodes > 1) servers.push(await start(prefix, 'node-b'));
      const m = bed.mirror(servers[servers.length - 1]!);
      await m.ready();
      await bed.producer.xAdd(stream, '*', { data: JSON.stringify(report('JQ-S1')) });
      await m.waitFor(() => m.incidents.get('JQ-S1')?.summary === 'v1', 5_000, 'v1');

      // v2 is read by a node that dies before acknowledging it; then v3 (priority 1) is added and applied.
      const stranded = await addReadByDeadNode(stream, JSON.stringify(report('JQ-S1', { priority: 2, summary: 'v2' })));
      await bed.producer.xAdd(stream, '*', { data: JSON.stringify(report('JQ-S1', { priority: 1, summary: 'v3' })) });
      await m.waitFor(() => m.incidents.get('JQ-S1')?.summary === 'v3', 5_000, 'v3 applied');
      // …while v2 is still pending, read by the dead node.
      const pendingIds = async () => ((await bed.producer.sendCommand(['XPENDING', stream, 'ccr-server', '-', '+', '10'])) as [string][]).map((p) => p[0]);
      await expect.poll(pendingIds, { timeout: 2_000, interval: 20 }).toEqual([stranded]);

      // A dispatcher acts on v3: the command rewrites the incident and must keep its report order.
      const dispatched = await postJson(`${servers[0]!.url}/api/incidents/JQ-S1/dispatch`, { unitIds: ['P-01'], commandId: `cmd-${Date.now().toString(36)}-${n}` }, await bed.token(servers[0]!, 'dispatcher'));
      expect(dispatched.status, JSON.stringify(dispatched.body)).toBe(200);
      expect((await stored(prefix, 'JQ-S1')).reportOrder?.entryId).toBeDefined();

      // The stranded v2 is claimed once idle, refused as stale, counted, kept in the sample and removed.
      await expect.poll(async () => (await Promise.all(servers.map(rejectedStale))).reduce((a, b) => a + b, 0), { timeout: 15_000, interval: 200 }).toBe(1);
      const now = await stored(prefix, 'JQ-S1');
      expect(now).toMatchObject({ summary: 'v3', priority: 1, status: 'dispatched' });
      expect(m.incidents.get('JQ-S1')).toMatchObject({ summary: 'v3', priority: 1 });
      expect(m.deltas.some((d) => d.event.type === 'incident:updated' && d.event.incident.summary === 'v2')).toBe(false);
      expect(((await bed.producer.sendCommand(['XPENDING', stream, 'ccr-server'])) as [number])[0]).toBe(0);
      expect(await bed.producer.xRange(stream, stranded, stranded)).toEqual([]);
      const sample = await bed.producer.xRange(`${stream}:rejected`, '-', '+');
      expect(sample.map((e) => [e.message.reason, e.message.source])).toEqual([['stale_report', stranded]]);
    });
  }
});

describe('producer order', () => {
  it('a resend of an old version that arrives after a newer one is stale (version), and so is an older revisedAt', async () => {
    const s = await start(`versions${++n}:`, 'node-v');
    const m = bed.mirror(s);
    await m.ready();
    const stream = `${s.prefix}in:incidents`;
    await bed.producer.xAdd(stream, '*', { data: JSON.stringify(report('JQ-V1', { version: 3, summary: 'v3' })) });
    await bed.producer.xAdd(stream, '*', { data: JSON.stringify(report('JQ-V1', { version: 2, summary: 'v2' })) });
    const t0 = Date.now() - 10_000;
    await bed.producer.xAdd(stream, '*', { data: JSON.stringify(report('JQ-T1', { revisedAt: new Date(t0 + 2_000).toISOString(), summary: 't2' })) });
    await bed.producer.xAdd(stream, '*', { data: JSON.stringify(report('JQ-T1', { revisedAt: t0 + 1_000, summary: 't1' })) });
    // Through the HTTP twin too (it adds to the same stream).
    const auth = { authorization: `Bearer ${s.config.producerToken}`, 'content-type': 'application/json' };
    const http = await fetch(`${s.url}/api/ingest/incidents`, { method: 'POST', headers: auth, body: JSON.stringify(report('JQ-V1', { version: 1, summary: 'v1 over http' })) });
    expect(http.status).toBe(202);
    await expect.poll(() => rejectedStale(s), { timeout: 5_000, interval: 100 }).toBe(3);
    expect(m.incidents.get('JQ-V1')?.summary).toBe('v3');
    expect(m.incidents.get('JQ-T1')?.summary).toBe('t2');
    expect((await stored(s.prefix, 'JQ-V1')).reportOrder).toMatchObject({ version: 3 });
    // A newer version still applies.
    await bed.producer.xAdd(stream, '*', { data: JSON.stringify(report('JQ-V1', { version: 4, summary: 'v4' })) });
    await m.waitFor(() => m.incidents.get('JQ-V1')?.summary === 'v4', 3_000, 'v4');
  });

  it('an incident stored before reports were ordered takes the next report', async () => {
    const s = await start(`legacy${++n}:`, 'node-l');
    const m = bed.mirror(s);
    await m.ready();
    const stream = `${s.prefix}in:incidents`;
    await bed.producer.xAdd(stream, '*', { data: JSON.stringify(report('JQ-L1')) });
    await m.waitFor(() => m.incidents.has('JQ-L1'), 3_000);
    const key = `${s.prefix}incident:JQ-L1`;
    const { reportOrder, ...legacy } = await stored(s.prefix, 'JQ-L1');
    expect(reportOrder).toBeDefined();
    await bed.producer.set(key, JSON.stringify(legacy));
    await bed.producer.xAdd(stream, '*', { data: JSON.stringify(report('JQ-L1', { summary: 'after upgrade' })) });
    await m.waitFor(() => m.incidents.get('JQ-L1')?.summary === 'after upgrade', 3_000, 'update of a legacy incident');
    expect((await stored(s.prefix, 'JQ-L1')).reportOrder?.entryId).toBeDefined();
  });
});
