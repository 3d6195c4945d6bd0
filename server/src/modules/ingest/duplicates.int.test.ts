// 疑似重复 through both ingest paths against a real redis-server: the later of a matching pair is flagged, a
// different type far away is not, a related type is; two nodes applying a pair at once flag exactly one; a
// redelivered report changes nothing; the console's dismissal and merge work and are audited.
import { describe, expect, it } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import type { AuditPage, CommandResult, Incident, IncidentReport } from '@ccr/shared';
import { fixtureGridCentre, postJson, useTestbed, type TestServer } from '../../testing/index.js';
import { LiveRepository } from '../live/live-repository.js';
import { Keyspace } from '../../plugins/keyspace.js';
import { IncidentRecorder } from './incident-ingest.js';
import { DuplicateCheck } from './duplicate-check.js';
import { fixedStatsRules } from '../stats/stats-buckets.js';

const bed = useTestbed('dup');
const [lng, lat] = fixtureGridCentre(1, 1);
/** A point `m` metres north of the fixture point. */
const north = (m: number): number => lat + m / 111_195;
let seq = 0;
const cmd = (): string => `dup-${Date.now().toString(36)}-${++seq}`;
const T = (): number => Date.now() - 60_000;

function report(id: string, extra: Partial<IncidentReport> = {}): IncidentReport {
  return { id, type: 'fight', priority: 1, lng, lat, address: '中山街12号', reportedAt: T(), source: '110', summary: '两人打架', reporter: '路人', ...extra };
}
const viaStream = (s: { prefix: string }, r: IncidentReport) => bed.producer.xAdd(`${s.prefix}in:incidents`, '*', { data: JSON.stringify(r) });
async function viaHttp(s: TestServer, r: IncidentReport): Promise<void> {
  const res = await fetch(`${s.url}/api/ingest/incidents`, {
    method: 'POST', headers: { authorization: `Bearer ${s.config.producerToken}`, 'content-type': 'application/json' }, body: JSON.stringify(r),
  });
  expect(res.status).toBe(202);
}
async function post<T = CommandResult>(s: TestServer, path: string, body: unknown) {
  return postJson<T>(`${s.url}${path}`, body, await bed.token(s, 'dispatcher'));
}
async function flaggedCount(s: TestServer): Promise<number> {
  const text = await (await bed.fetch(s, '/metrics')).text();
  return Number(/^ccr_incidents_suspected_duplicate_total (\S+)/m.exec(text)?.[1] ?? 0);
}

describe('duplicate reports (疑似重复)', () => {
  it('stream path: the later of two identical P1 reports seconds apart is flagged, naming the first, its distance and time', async () => {
    const s = await bed.server();
    const m = bed.mirror(s);
    await m.ready();
    const t = T();
    await viaStream(s, report('JQ-S1', { reportedAt: t }));
    await viaStream(s, report('JQ-S2', { reportedAt: t + 8_000, lat: north(30) }));
    await m.waitFor(() => !!m.incidents.get('JQ-S2')?.suspectedDuplicate, 10_000, 'JQ-S2 flagged');
    expect(m.incidents.get('JQ-S2')!.suspectedDuplicate).toMatchObject({ of: 'JQ-S1', seconds: 8 });
    const d = m.incidents.get('JQ-S2')!.suspectedDuplicate!.distanceMeters;
    expect(d).toBeGreaterThanOrEqual(29);
    expect(d).toBeLessThanOrEqual(31);
    expect(m.incidents.get('JQ-S1')!.suspectedDuplicate).toBeUndefined();
    // Not a producer's revision: the flag leaves the report's own count alone.
    expect(m.incidents.get('JQ-S2')!.revision).toBe(1);
    expect(await flaggedCount(s)).toBe(1);
  });

  it('HTTP path: the twin route flags too; a different type far away is not flagged, a related type nearby is', async () => {
    const s = await bed.server();
    const m = bed.mirror(s);
    await m.ready();
    const t = T();
    await viaHttp(s, report('JQ-H1', { reportedAt: t }));
    await viaHttp(s, report('JQ-H2', { reportedAt: t + 5_000 }));
    await viaHttp(s, report('JQ-H3', { reportedAt: t + 6_000, type: 'theft', lat: north(3_000) })); // other type, 3 km
    await viaHttp(s, report('JQ-H4', { reportedAt: t + 7_000, type: 'fight', lat: north(3_000) })); // same type, 3 km
    await viaHttp(s, report('JQ-H5', { reportedAt: t + 8_000, type: 'theft', lat: north(3_010) })); // same as H3, 10 m
    await viaHttp(s, report('JQ-H6', { reportedAt: t + 9_000, type: 'public_order', lat: north(20) })); // related to a fight
    await viaHttp(s, report('JQ-H7', { reportedAt: t + 10_000, type: 'fraud', lat: north(5) })); // unrelated to a fight, 5 m
    await m.waitFor(() => ['JQ-H1', 'JQ-H2', 'JQ-H3', 'JQ-H4', 'JQ-H5', 'JQ-H6', 'JQ-H7'].every((id) => m.incidents.has(id)), 10_000, 'all seven');
    await m.waitFor(() => !!m.incidents.get('JQ-H6')?.suspectedDuplicate && !!m.incidents.get('JQ-H5')?.suspectedDuplicate, 10_000, 'flags');
    const flags = Object.fromEntries([...m.incidents.values()].map((i) => [i.id, i.suspectedDuplicate?.of ?? null]));
    expect(flags).toEqual({
      'JQ-H1': null, 'JQ-H2': 'JQ-H1', 'JQ-H3': null, 'JQ-H4': null, 'JQ-H5': 'JQ-H3', 'JQ-H6': 'JQ-H1', 'JQ-H7': null,
    });
  });

  it('two nodes applying an identical pair at the same time flag exactly one of it, the later by (reportedAt, id)', async () => {
    const prefix = bed.base('dupcc:');
    const conns = [await bed.connect(prefix), await bed.connect(prefix)];
    const rules = { radiusMeters: 200, windowMs: 30 * 60_000 };
    // Node 0 also flags before its commit (as the app does); node 1 only after, so both orders are exercised.
    const nodes = conns.map((c, n) => {
      const live = new LiveRepository(c, new Keyspace({ keyPrefix: 'dupcc:', cluster: bed.cluster }), 10_000);
      const log = { warn: () => {} } as unknown as FastifyBaseLogger;
      const check = new DuplicateCheck(c, live, rules, fixedStatsRules('Asia/Shanghai'), log);
      return { live, check, recorder: new IncidentRecorder(live, () => null, fixedStatsRules('Asia/Shanghai'), n === 0 ? (i, t) => check.preflag(i, t) : undefined) };
    });
    const now = Date.now();
    for (let k = 0; k < 30; k++) {
      // Each pair far from every other pair, alternately the same instant (the id decides) and 3 s apart.
      const at = now - 120_000;
      const a = report(`JQ-C${k}a`, { lat: north(k * 1_000), reportedAt: at });
      const b = report(`JQ-C${k}b`, { lat: north(k * 1_000), reportedAt: at + (k % 2) * 3_000 });
      const [n1, n2] = k % 3 === 0 ? [nodes[0]!, nodes[1]!] : [nodes[1]!, nodes[0]!];
      // Each node applies its report and checks it, concurrently with the other.
      await Promise.all([
        n1.recorder.record(a, now).then(() => n1.check.check(a.id, now)),
        n2.recorder.record(b, now).then(() => n2.check.check(b.id, now)),
      ]);
      const [ia, ib] = [(await nodes[0]!.live.getIncident(a.id))!, (await nodes[0]!.live.getIncident(b.id))!];
      expect([ia.suspectedDuplicate?.of ?? null, ib.suspectedDuplicate?.of ?? null], `pair ${k}`).toEqual([null, a.id]);
    }
    // A redelivered report is checked again and changes nothing (same flag, no new event).
    const before = await nodes[0]!.live.readIncidentRaw('JQ-C0b');
    const events = await conns[0]!.xLen(`${prefix}events`);
    expect(await nodes[1]!.recorder.record(report('JQ-C0b', { lat: north(0), reportedAt: now - 120_000 }), now + 5_000)).toBe('unchanged');
    expect(await nodes[1]!.check.check('JQ-C0b', now + 5_000)).toEqual([]);
    expect(await nodes[0]!.check.check('JQ-C0a', now + 5_000)).toEqual([]);
    expect((await nodes[0]!.live.readIncidentRaw('JQ-C0b'))!.raw).toBe(before!.raw);
    expect(await conns[0]!.xLen(`${prefix}events`)).toBe(events);
  });

  it('no flag against a closed original; a flag against one that closes later stays, and merging into it is refused with 409', async () => {
    const s = await bed.server();
    const m = bed.mirror(s);
    await m.ready();
    const t = T();
    await viaStream(s, report('JQ-X1', { reportedAt: t }));
    await m.waitFor(() => m.incidents.has('JQ-X1'), 10_000, 'JQ-X1');
    expect((await post(s, '/api/incidents/JQ-X1/cancel', { commandId: cmd(), reason: '报警人撤回' })).status).toBe(200);
    await viaStream(s, report('JQ-X2', { reportedAt: t + 4_000 }));
    await m.waitFor(() => m.incidents.has('JQ-X2'), 10_000, 'JQ-X2');
    await viaStream(s, report('JQ-X3', { reportedAt: t + 9_000 }));
    await m.waitFor(() => !!m.incidents.get('JQ-X3')?.suspectedDuplicate, 10_000, 'JQ-X3 flagged');
    // JQ-X2 repeats only a cancelled incident: it stands alone; JQ-X3 repeats JQ-X2.
    expect(m.incidents.get('JQ-X2')!.suspectedDuplicate).toBeUndefined();
    expect(m.incidents.get('JQ-X3')!.suspectedDuplicate!.of).toBe('JQ-X2');

    expect((await post(s, '/api/incidents/JQ-X2/cancel', { commandId: cmd(), reason: '误报' })).status).toBe(200);
    const refused = await post<{ error: string; params: unknown; message: string }>(s, '/api/incidents/JQ-X3/merge', { commandId: cmd(), intoIncidentId: 'JQ-X2' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: 'merge_target_closed', params: { incidentId: 'JQ-X2', status: 'cancelled' } });
    const x3 = (await s.app.live.repo.getIncident('JQ-X3'))!;
    expect(x3).toMatchObject({ status: 'received', suspectedDuplicate: { of: 'JQ-X2' } });
  });

  it('不是重复 clears the flag for good and is audited; merge by the console\'s command folds the duplicate into the original', async () => {
    const s = await bed.server();
    const m = bed.mirror(s);
    await m.ready();
    const t = T();
    await viaStream(s, report('JQ-D1', { reportedAt: t }));
    await viaStream(s, report('JQ-D2', { reportedAt: t + 3_000 }));
    await viaStream(s, report('JQ-D3', { reportedAt: t + 6_000, lat: north(150), type: 'dispute' }));
    await m.waitFor(() => !!m.incidents.get('JQ-D2')?.suspectedDuplicate && !!m.incidents.get('JQ-D3')?.suspectedDuplicate, 10_000, 'D2 and D3 flagged');

    // Dismissing something not flagged is refused; dismissing D3 clears it, once (the same command id replays).
    expect((await post(s, '/api/incidents/JQ-D1/not-duplicate', { commandId: cmd() })).status).toBe(409);
    const id = cmd();
    const dismissed = await post(s, '/api/incidents/JQ-D3/not-duplicate', { commandId: id, note: '另一户人家' });
    expect(dismissed.status).toBe(200);
    expect(dismissed.body.incident!.suspectedDuplicate).toBeUndefined();
    expect(dismissed.body.incident!.duplicateDismissed).toMatchObject({ of: 'JQ-D1', by: 'dispatcher' });
    expect((await post(s, '/api/incidents/JQ-D3/not-duplicate', { commandId: id, note: '另一户人家' })).body.replayed).toBe(true);
    await m.waitFor(() => !m.incidents.get('JQ-D3')?.suspectedDuplicate, 5_000, 'flag cleared on screens');
    const res = await fetch(`${s.url}/api/audit?limit=50&action=incident.dismiss_duplicate`, { headers: await bed.headers(s, 'leader') });
    const entries = ((await res.json()) as AuditPage).items;
    expect(entries.map((e) => [e.target, e.outcome, e.user])).toEqual(expect.arrayContaining([
      ['incident:JQ-D3', 'ok', 'dispatcher'], ['incident:JQ-D1', 'refused', 'dispatcher'],
    ]));
    expect(entries.find((e) => e.target === 'incident:JQ-D3' && e.outcome === 'ok' && !e.detail?.replayed)!.detail).toMatchObject({ of: 'JQ-D1', note: '另一户人家' });

    // A correction of the dismissed report (a new version) is checked again and still not flagged.
    await viaStream(s, report('JQ-D3', { reportedAt: t + 6_000, lat: north(150), type: 'dispute', summary: '补充：楼上楼下', version: 2 }));
    await m.waitFor(() => m.incidents.get('JQ-D3')?.revision === 2, 5_000, 'correction applied');
    expect(m.incidents.get('JQ-D3')!.suspectedDuplicate).toBeUndefined();

    // The console's M: merge the flagged one into the incident it names.
    const d2: Incident = m.incidents.get('JQ-D2')!;
    const merged = await post(s, '/api/incidents/JQ-D2/merge', { commandId: cmd(), intoIncidentId: d2.suspectedDuplicate!.of });
    expect(merged.status).toBe(200);
    expect(merged.body.incident).toMatchObject({ status: 'merged', mergedInto: 'JQ-D1' });
    await m.waitFor(() => !m.incidents.has('JQ-D2'), 5_000, 'the merged duplicate leaves the board');
  });
});
