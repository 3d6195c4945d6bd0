// Bad input on both ingest paths, HTTP twins, and no loss across a server restart — against a real redis-server.
import { describe, expect, it } from 'vitest';
import type { IncidentReport } from '@ccr/shared';
import { fixtureGridCentre, startRedisServer, startTestServer, useTestbed, type TestServer } from '../../testing/index.js';

const bed = useTestbed('i');
const server = (keyPrefix?: string) => bed.server(keyPrefix ? { keyPrefix } : {});
const mirror = (s: TestServer) => bed.mirror(s);
let n = 0;
const [lng, lat] = fixtureGridCentre(0, 1);
const report = (id: string): IncidentReport => ({ id, type: 'dispute', priority: 2, lng, lat, address: '测试路2号', reportedAt: Date.now(), source: 'volunteer', summary: '邻里纠纷' });
async function metrics(s: TestServer): Promise<Map<string, number>> {
  const text = await (await bed.fetch(s, '/metrics')).text();
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('ccr_ingest_rejected_total{')) m.set(line.slice(line.indexOf('{'), line.lastIndexOf('}') + 1), Number(line.split(' ').pop()));
  }
  return m;
}
const rejected = (m: Map<string, number>, path: string, reason: string): number => m.get(`{path="${path}",reason="${reason}"}`) ?? 0;

describe('malformed input is rejected, counted, and never reaches a client', () => {
  it('on the positions channel', async () => {
    const s = await server();
    const m = mirror(s);
    await m.ready();
    const ch = `${s.prefix}in:positions`;
    const now = Date.now();
    const bad: [string, string][] = [
      ['not_json', 'this is not json'],
      ['not_json', '{"unitId":"P-01","lng":NaN,"lat":39,"ts":1}'],
      ['schema', JSON.stringify({ unitId: 'P-01', lng })],
      ['schema', JSON.stringify({ unitId: 'P-01', lng: '116.6', lat, ts: now })],
      ['schema', JSON.stringify({ unitId: 'P-01', lng, lat: 91, ts: now })],
      ['schema', JSON.stringify({ unitId: 'P-01', lng, lat, ts: now, extra: true })],
      ['schema', JSON.stringify({ unitId: 'x'.repeat(1_000), lng, lat, ts: now })],
      ['too_large', JSON.stringify({ unitId: 'P-01', lng, lat, ts: now, note: 'x'.repeat(1_048_576) })],
      // 100,000 positions is ~6 MB: refused by its size before it is parsed.
      ['too_large', JSON.stringify(Array.from({ length: 100_000 }, () => ({ unitId: 'P-01', lng, lat, ts: now })))],
      ['too_many', JSON.stringify(Array.from({ length: 10_001 }, () => ({ unitId: 'P-01', lng: 1, lat: 1, ts: 1 })))],
      ['ts_in_future', JSON.stringify({ unitId: 'P-01', lng, lat, ts: now + 3_600_000 })],
      ['unknown_unit', JSON.stringify({ unitId: 'NOBODY', lng, lat, ts: now })],
    ];
    for (const [, body] of bad) await bed.producer.publish(ch, body);
    // A batch with one broken report keeps the good one.
    await bed.producer.publish(ch, JSON.stringify([{ unitId: 'P-02', lng, lat, ts: now }, { unitId: 'P-03', lng: 500, lat, ts: now }]));
    await m.waitFor(() => m.units.get('P-02')?.position?.ts === now, 10_000, 'good position from the mixed batch');

    const counts = await metrics(s);
    const expected = new Map<string, number>();
    for (const [reason] of bad) expected.set(reason, (expected.get(reason) ?? 0) + 1);
    expected.set('schema', (expected.get('schema') ?? 0) + 1); // the broken half of the batch
    for (const [reason, count] of expected) expect(rejected(counts, 'positions', reason), reason).toBe(count);
    // Nothing of it reached the client: P-01 never moved, NOBODY does not exist.
    expect(m.units.get('P-01')?.position).toBeNull();
    expect(m.units.has('NOBODY')).toBe(false);
    for (const f of m.frames) for (const p of f.positions) expect(['P-02']).toContain(p[0]);
    // …and the server keeps serving.
    expect((await fetch(`${s.url}/api/health`)).status).toBe(200);
  });

  it('on the incidents stream, keeping the refused entries for inspection', async () => {
    const s = await server();
    const m = mirror(s);
    await m.ready();
    const stream = `${s.prefix}in:incidents`;
    const good = report('JQ-OK');
    const bad: [string, Record<string, string>][] = [
      ['not_json', { data: '{"id": "JQ-X",' }],
      ['schema', { data: JSON.stringify({ ...good, id: 'JQ-B1', lat: 91 }) }],
      ['schema', { data: JSON.stringify({ ...good, id: 'JQ-B2', priority: 7 }) }],
      ['schema', { data: JSON.stringify({ ...good, id: 'JQ-B3', type: 'alien_invasion' }) }],
      ['schema', { data: JSON.stringify({ id: 'JQ-B4' }) }],
      ['schema', { data: JSON.stringify({ ...good, id: 'JQ-B5', lng: '116.7' }) }],
      ['schema', { payload: JSON.stringify(good) }],
      ['too_large', { data: JSON.stringify({ ...good, id: 'JQ-B6', summary: 'x'.repeat(1_048_576) }) }],
      ['bad_time', { data: JSON.stringify({ ...good, id: 'JQ-B7', reportedAt: '2026-13-45T99:00:00+08:00' }) }],
      ['ts_in_future', { data: JSON.stringify({ ...good, id: 'JQ-B8', reportedAt: Date.now() + 86_400_000 }) }],
    ];
    for (const [, fields] of bad) await bed.producer.xAdd(stream, '*', fields);
    await bed.producer.xAdd(stream, '*', { data: JSON.stringify(good) });
    await m.waitFor(() => m.incidents.has('JQ-OK'), 3_000, 'the good incident after the bad ones');

    const counts = await metrics(s);
    const expected = new Map<string, number>();
    for (const [reason] of bad) expected.set(reason, (expected.get(reason) ?? 0) + 1);
    for (const [reason, count] of expected) expect(rejected(counts, 'incidents', reason), reason).toBe(count);
    expect([...m.incidents.keys()]).toEqual(['JQ-OK']);
    expect(m.deltas.filter((d) => d.event.type === 'incident:reported')).toHaveLength(1);
    // Every entry was acknowledged (nothing stuck pending) and every refusal kept with its reason.
    const pending = (await bed.producer.sendCommand(['XPENDING', stream, 'ccr-server'])) as [number];
    expect(pending[0]).toBe(0);
    const kept = await bed.producer.xRange(`${stream}:rejected`, '-', '+');
    expect(kept.map((e) => e.message.reason)).toEqual(bad.map(([r]) => r));
    expect((await fetch(`${s.url}/api/health`)).status).toBe(200);
  });

  it('on the HTTP twins, with reasons in the answer and the producer token required', async () => {
    const s = await server();
    const m = mirror(s);
    await m.ready();
    const auth = { authorization: `Bearer ${s.config.producerToken}`, 'content-type': 'application/json' };
    const post = (path: string, body: string, headers: Record<string, string> = auth) => fetch(`${s.url}${path}`, { method: 'POST', headers, body });

    expect((await post('/api/ingest/incidents', JSON.stringify(report('JQ-H1')), { 'content-type': 'application/json' })).status).toBe(401);
    const badRes = await post('/api/ingest/incidents', JSON.stringify({ ...report('JQ-H2'), lat: 91 }));
    expect(badRes.status).toBe(400);
    expect(((await badRes.json()) as { reasons: { reason: string }[] }).reasons[0]!.reason).toBe('schema');
    expect((await post('/api/ingest/incidents', '{not json')).status).toBe(400);
    expect((await post('/api/ingest/positions', 'x'.repeat(1_100_000))).status).toBe(413);

    const ok = await post('/api/ingest/incidents', JSON.stringify(report('JQ-H3')));
    expect(ok.status).toBe(202);
    const pos = await post('/api/ingest/positions', JSON.stringify([{ unitId: 'P-01', lng, lat, ts: Date.now() }, { unitId: 'P-02', lng, lat: 95, ts: Date.now() }]));
    expect(pos.status).toBe(202);
    expect(await pos.json()).toEqual({ accepted: 1, rejected: 1 });
    await m.waitFor(() => m.incidents.has('JQ-H3') && m.units.get('P-01')?.position !== null, 3_000, 'twins took effect');
    expect(m.incidents.has('JQ-H2')).toBe(false);
  });
});

describe('nothing is lost', () => {
  it('incidents added while the server is down all appear after it restarts, none doubled', async () => {
    const prefix = bed.base(`restart${++n}:`);
    const first = await server(prefix);
    await bed.producer.xAdd(`${prefix}in:incidents`, '*', { data: JSON.stringify(report('JQ-R0')) });
    const m1 = mirror(first);
    await m1.ready();
    await m1.waitFor(() => m1.incidents.has('JQ-R0'), 3_000);
    m1.close();
    await first.close();

    const ids = Array.from({ length: 50 }, (_, i) => `JQ-R${i + 1}`);
    for (const id of ids) await bed.producer.xAdd(`${prefix}in:incidents`, '*', { data: JSON.stringify(report(id)) });
    // A resend of one of them while down: still one incident.
    await bed.producer.xAdd(`${prefix}in:incidents`, '*', { data: JSON.stringify(report('JQ-R7')) });

    const second = await server(prefix);
    const m2 = mirror(second);
    await m2.ready();
    await m2.waitFor(() => m2.incidents.size === 51, 5_000, 'all 51 incidents');
    const all = (await (await bed.fetch(second, `/api/incidents?status=all&limit=1000`)).json()) as { total: number; items: { id: string }[] };
    expect(all.total).toBe(51);
    expect(new Set(all.items.map((i) => i.id)).size).toBe(51);
    expect(m2.today?.total).toBe(51);
  });

  it('an incident read but not acknowledged by a node that died is applied once after restart', async () => {
    const prefix = bed.base(`pending${++n}:`);
    const stream = `${prefix}in:incidents`;
    // Simulate a node that read an entry and died before applying it: read it into the group, no ack.
    await bed.producer.sendCommand(['XGROUP', 'CREATE', stream, 'ccr-server', '0', 'MKSTREAM']);
    await bed.producer.xAdd(stream, '*', { data: JSON.stringify(report('JQ-P1')) });
    const s0 = await server(prefix);
    const consumer = s0.config.nodeId;
    await s0.close();
    await bed.producer.xAdd(stream, '*', { data: JSON.stringify(report('JQ-P2')) });
    await bed.producer.sendCommand(['XREADGROUP', 'GROUP', 'ccr-server', consumer, 'COUNT', '10', 'STREAMS', stream, '>']);
    const s = await server(prefix);
    const m = mirror(s);
    await m.ready();
    await m.waitFor(() => m.incidents.has('JQ-P2'), 3_000, 'pending entry applied');
    // Acknowledged after the duplicate check that follows the commit (JQ-P2 repeats JQ-P1): soon, not at once.
    await expect.poll(async () => (await bed.producer.sendCommand(['XPENDING', stream, 'ccr-server']) as [number])[0], { timeout: 5_000 }).toBe(0);
    expect(m.today?.total).toBe(2);
  });
});

describe('HTTP read API', () => {
  it('answers health, units, grids, jurisdiction, metrics and documents every route', async () => {
    const s = await server();
    const health = await (await fetch(`${s.url}/api/health`)).json() as { status: string; redis: { ok: boolean } };
    expect(health).toMatchObject({ status: 'ok', redis: { ok: true } });
    const units = await (await bed.fetch(s, `/api/units?kind=patrol_car`)).json() as { id: string; team: string }[];
    expect(units.map((u) => u.id)).toEqual(['P-01', 'P-02', 'P-03', 'P-04']);
    expect(units[0]!.team).toBe('patrol');
    expect((await bed.fetch(s, `/api/units?kind=spaceship`)).status).toBe(400);
    const missing = await bed.fetch(s, `/api/units/NOPE`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not_found', params: { subject: 'unit', id: 'NOPE' }, message: expect.stringContaining('NOPE') });
    const grids = await (await bed.fetch(s, `/api/grids`)).json() as { id: string; officerName: string; areaKm2: number }[];
    expect(grids).toHaveLength(4);
    expect(grids[0]).toMatchObject({ id: 'G1', officerName: '社区民警1' });
    expect(grids[0]!.areaKm2).toBeGreaterThan(20); // 0.05° × 0.05° near 39° N ≈ 24 km²
    const j = await (await bed.fetch(s, `/api/jurisdiction`)).json() as { grids: { features: unknown[] }; station: { timeZone: string } };
    expect(j.grids.features).toHaveLength(4);
    expect(j.station.timeZone).toBe('Asia/Shanghai');
    const metrics = await (await bed.fetch(s, '/metrics')).text();
    expect(metrics).toContain('ccr_socket_clients');
    expect(metrics).toContain('ccr_fanout_lag_ms');
    const doc = await (await bed.fetch(s, `/docs/json`)).json() as { paths: Record<string, unknown> };
    for (const path of ['/api/health', '/api/units', '/api/units/{id}', '/api/incidents', '/api/incidents/{id}', '/api/grids', '/api/jurisdiction', '/metrics', '/api/ingest/positions', '/api/ingest/incidents']) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
  });

  it('reports Redis unreachable as 503 and recovers when it returns', async () => {
    const own = await startRedisServer();
    bed.onCleanup(() => own.dispose());
    const s = await startTestServer({ redisUrl: own.url, jurisdictionDir: bed.jurisdictionDir, keyPrefix: 'h:' });
    bed.onCleanup(() => s.close());
    await own.stop();
    const down = await fetch(`${s.url}/api/health`);
    expect(down.status).toBe(503);
    expect(((await down.json()) as { redis: { ok: boolean } }).redis.ok).toBe(false);
    await own.restart();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await fetch(`${s.url}/api/health`)).status;
    }
    expect(status).toBe(200);
  });
});
