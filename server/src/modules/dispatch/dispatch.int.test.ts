// Dispatch end to end against a real redis-server: HTTP commands, the atomic commit under concurrency, command
// ids, the device channel, arrival by geofence, and what screens see through the live event stream.
import { describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import {
  DEVICE_NAMESPACE, type AuditPage, type CommandConflict, type CommandResult, type DeviceClientToServerEvents,
  type DeviceOrder, type DeviceServerToClientEvents, type Incident, type IncidentReport, type LiveUnit,
  localDayOf, responseIntervals,
} from '@ccr/shared';
import { fixtureGridCentre, postJson, useTestbed, type TestServer } from '../../testing/index.js';
import { COMMAND_TTL_MS } from './dispatch-repository.js';

const bed = useTestbed('d');
const [lng, lat] = fixtureGridCentre(1, 0); // inside grid G2
let seq = 0;
const cmd = (): string => `cmd-${Date.now().toString(36)}-${++seq}`;

function report(id: string, extra: Partial<IncidentReport> = {}): IncidentReport {
  return { id, type: 'theft', priority: 1, lng, lat, address: '测试路1号', reportedAt: new Date().toISOString(), source: '110', summary: '电动车被盗', reporter: '王先生', ...extra };
}
const addIncident = (s: { prefix: string }, r: IncidentReport) => bed.producer.xAdd(`${s.prefix}in:incidents`, '*', { data: JSON.stringify(r) });
/** A fix taken `agoMs` before now: a unit that covers kilometres between two fixes must be given the time to
 *  (faster is refused as a GPS jump). */
const publishPosition = (s: { prefix: string }, unitId: string, at: [number, number], agoMs = 0) =>
  bed.producer.publish(`${s.prefix}in:positions`, JSON.stringify({ unitId, lng: at[0], lat: at[1], ts: Date.now() - agoMs }));
/** A point `metres` east of the incident. */
const east = (metres: number): [number, number] => [lng + metres / (111_320 * Math.cos((lat * Math.PI) / 180)), lat];

async function post<T = CommandResult>(s: TestServer, path: string, body: unknown, role: 'dispatcher' | 'leader' | 'operator' | null = 'dispatcher') {
  return postJson<T>(`${s.url}${path}`, body, role ? await bed.token(s, role) : undefined);
}

async function incidents(s: TestServer & { prefix: string }, ids: string[]): Promise<void> {
  const m = bed.mirror(s);
  await m.ready();
  for (const id of ids) await addIncident(s, report(id));
  await m.waitFor(() => ids.every((id) => m.incidents.has(id)), 5_000, 'incidents ingested');
  m.close();
}

async function audit(s: TestServer, query: string): Promise<AuditPage['items']> {
  const res = await fetch(`${s.url}/api/audit?limit=500&${query}`, { headers: await bed.headers(s, 'leader') });
  expect(res.status).toBe(200);
  return ((await res.json()) as AuditPage).items;
}

type DeviceSocket = Socket<DeviceServerToClientEvents, DeviceClientToServerEvents>;
async function device(s: TestServer, unitId: string): Promise<{ socket: DeviceSocket; orders: DeviceOrder[] }> {
  const token = await bed.token(s, 'device', unitId);
  const socket: DeviceSocket = io(`${s.url}${DEVICE_NAMESPACE}`, { transports: ['websocket'], auth: { token }, reconnection: false });
  const orders: DeviceOrder[] = [];
  socket.on('order:issued', (o) => orders.push(o));
  bed.onCleanup(() => { socket.close(); });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return { socket, orders };
}
async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('dispatch commands', () => {
  it('full flow: dispatch → en route → geofence arrival → resolve → close, seen by a screen as deltas', async () => {
    const s = await bed.server();
    const m = bed.mirror(s);
    await m.ready();
    await publishPosition(s, 'P-01', east(2_000), 120_000);
    await addIncident(s, report('JQ-F1'));
    await m.waitFor(() => m.incidents.has('JQ-F1'), 5_000, 'incident');
    const dev = await device(s, 'P-01');

    const dispatched = await post(s, '/api/incidents/JQ-F1/dispatch', { unitIds: ['P-01'], commandId: cmd(), note: '速去' });
    expect(dispatched.status).toBe(200);
    expect(dispatched.body.replayed).toBe(false);
    expect(dispatched.body.incident).toMatchObject({ status: 'dispatched', assignedUnitIds: ['P-01'] });
    expect(dispatched.body.incident!.timeline.at(-1)).toMatchObject({ status: 'dispatched', by: 'dispatcher' });
    expect(dispatched.body.units).toEqual([expect.objectContaining({ id: 'P-01', status: 'dispatched', incidentId: 'JQ-F1' })]);
    await m.waitFor(() => m.units.get('P-01')?.status === 'dispatched' && m.incidents.get('JQ-F1')?.status === 'dispatched', 3_000, 'dispatched deltas');
    expect(m.units.get('P-01')?.incidentId).toBe('JQ-F1');

    await until(() => dev.orders.length === 1, 'the dispatch order');
    expect(dev.orders[0]).toMatchObject({ unitId: 'P-01', kind: 'dispatch', issuedBy: 'dispatcher', incident: { id: 'JQ-F1', lng, lat }, note: '速去' });
    expect(await dev.socket.emitWithAck('order:acknowledge', { orderId: dev.orders[0]!.orderId })).toEqual({ ok: true, data: { orderId: dev.orders[0]!.orderId } });

    expect(await dev.socket.emitWithAck('unit:report', { status: 'en_route', incidentId: 'JQ-F1' })).toEqual({ ok: true, data: { status: 'en_route' } });
    await m.waitFor(() => m.incidents.get('JQ-F1')?.status === 'en_route' && m.units.get('P-01')?.status === 'en_route', 3_000, 'en route');

    await publishPosition(s, 'P-01', east(300), 60_000); // still outside the 50 m fence
    await new Promise((r) => setTimeout(r, 700));
    expect(m.units.get('P-01')?.status).toBe('en_route');
    await publishPosition(s, 'P-01', east(20));
    await m.waitFor(() => m.units.get('P-01')?.status === 'on_scene' && m.incidents.get('JQ-F1')?.status === 'on_scene', 3_000, 'arrival by geofence');
    expect(m.incidents.get('JQ-F1')!.timeline.at(-1)).toMatchObject({ status: 'on_scene', by: 'system', remark: { code: 'arrived_geofence', params: { unitId: 'P-01' } } });

    const resolved = await post(s, '/api/incidents/JQ-F1/resolve', { commandId: cmd(), note: '已追回' });
    expect(resolved.status).toBe(200);
    expect(resolved.body.incident).toMatchObject({ status: 'resolved', assignedUnitIds: [] });
    expect(resolved.body.units).toEqual([expect.objectContaining({ id: 'P-01', status: 'available' })]);
    expect(resolved.body.units[0]!.incidentId).toBeUndefined();
    await until(() => dev.orders.some((o) => o.kind === 'recall'), 'recall order');

    const closed = await post(s, '/api/incidents/JQ-F1/close', { commandId: cmd(), outcome: 'handled_on_scene' });
    expect(closed.status).toBe(200);
    expect(closed.body.incident).toMatchObject({ status: 'closed', outcome: 'handled_on_scene' });
    await m.waitFor(() => !m.incidents.has('JQ-F1') && m.units.get('P-01')?.status === 'available', 3_000, 'closed leaves the board');

    const incidentStatuses = m.deltas.flatMap((d) => (d.event.type === 'incident:updated' && d.event.incident.id === 'JQ-F1' ? [d.event.incident.status] : []));
    expect(incidentStatuses).toEqual(['dispatched', 'en_route', 'on_scene', 'resolved', 'closed']);
    const unitStatuses = m.deltas.flatMap((d) => (d.event.type === 'unit:updated' && d.event.unit.id === 'P-01' ? [d.event.unit.status] : []));
    expect(unitStatuses).toEqual(['dispatched', 'en_route', 'on_scene', 'available']);
    const stored = (await (await fetch(`${s.url}/api/incidents/JQ-F1`, { headers: await bed.headers(s, 'operator') })).json()) as Incident;
    expect(stored.timeline.map((e) => e.status)).toEqual(['received', 'dispatched', 'en_route', 'on_scene', 'resolved', 'closed']);
    // The statistics moved in the same commits: response intervals from the timeline, the closure counted once.
    const day = localDayOf(stored.reportedAt, s.app.live.timeZone);
    const resp = await bed.producer.hGetAll(`${s.prefix}stats:resp:${day}`);
    const intervals = responseIntervals(stored);
    expect(Number(resp['d|prio:1|ms'])).toBe(intervals.dispatch);
    expect(Number(resp['s|prio:1|ms'])).toBe(intervals.on_scene);
    expect(await bed.producer.hGet(`${s.prefix}stats:day:${day}`, 'closed')).toBe('1');

    const entries = await audit(s, 'target=incident:JQ-F1');
    expect(entries.map((e) => e.action).sort()).toEqual(['incident.close', 'incident.dispatch', 'incident.resolve']);
    expect(entries.every((e) => e.outcome === 'ok' && e.user === 'dispatcher')).toBe(true);
    const unitEntries = await audit(s, 'target=unit:P-01');
    expect(unitEntries).toEqual(expect.arrayContaining([
      expect.objectContaining({ action: 'unit.report.en_route', user: 'device:P-01', role: 'device', outcome: 'ok' }),
      expect.objectContaining({ action: 'unit.arrival', user: 'system', role: 'system', outcome: 'ok' }),
    ]));
  });

  it('20 parallel dispatches of one unit to 20 incidents: exactly one succeeds, the rest 409 naming the holder', async () => {
    const s = await bed.server();
    const ids = Array.from({ length: 20 }, (_, i) => `JQ-C${i}`);
    await incidents(s, ids);
    const token = await bed.token(s, 'dispatcher');
    const answers = await Promise.all(ids.map((id) =>
      postJson<CommandResult & CommandConflict>(`${s.url}/api/incidents/${id}/dispatch`, { unitIds: ['P-02'], commandId: cmd() }, token)));
    const ok = answers.filter((a) => a.status === 200);
    const conflicts = answers.filter((a) => a.status === 409);
    expect(ok).toHaveLength(1);
    expect(conflicts).toHaveLength(19);
    const winner = ok[0]!.body.incident!.id;
    for (const c of conflicts) {
      expect(c.body).toMatchObject({
        error: 'unit_held', params: { unitId: 'P-02', incidentId: winner, by: 'dispatcher' },
        unitId: 'P-02', unitStatus: 'dispatched', heldByIncidentId: winner, heldBy: 'dispatcher',
      });
      expect(c.body.message).toContain(winner);
    }
    // Redis agrees with the answers.
    const all = (await (await fetch(`${s.url}/api/incidents?status=all`, { headers: await bed.headers(s, 'operator') })).json()) as { items: Incident[] };
    for (const i of all.items) {
      if (i.id === winner) expect(i).toMatchObject({ status: 'dispatched', assignedUnitIds: ['P-02'] });
      else expect(i).toMatchObject({ status: 'received', assignedUnitIds: [] });
    }
    const unit = (await (await fetch(`${s.url}/api/units/P-02`, { headers: await bed.headers(s, 'operator') })).json()) as LiveUnit;
    expect(unit).toMatchObject({ status: 'dispatched', incidentId: winner });
    expect((await s.app.dispatch.repo.readAssignments()).get('P-02')?.incidentId).toBe(winner);
    expect(await s.app.dispatch.repo.pendingOrders('P-02')).toHaveLength(1);
    const entries = await audit(s, 'action=incident.dispatch');
    expect(entries.filter((e) => e.outcome === 'ok')).toHaveLength(1);
    expect(entries.filter((e) => e.outcome === 'refused')).toHaveLength(19);
  });

  it('a repeated command id has one effect and answers the stored result; the same id for another command is 409', async () => {
    const s = await bed.server();
    await incidents(s, ['JQ-R1', 'JQ-R2']);
    const m = bed.mirror(s);
    await m.ready();
    const id = cmd();
    const body = { unitIds: ['P-03'], commandId: id };
    const [a, b] = await Promise.all([post(s, '/api/incidents/JQ-R1/dispatch', body), post(s, '/api/incidents/JQ-R1/dispatch', body)]);
    const c = await post(s, '/api/incidents/JQ-R1/dispatch', body);
    expect([a.status, b.status, c.status]).toEqual([200, 200, 200]);
    expect([a.body.replayed, b.body.replayed].sort()).toEqual([false, true]);
    expect(c.body.replayed).toBe(true);
    expect(c.body.incident).toEqual(a.body.incident ?? b.body.incident);
    const stored = s.app.live.repo.getIncident('JQ-R1');
    expect((await stored)!.timeline.filter((e) => e.status === 'dispatched')).toHaveLength(1);

    const reused = await post<CommandConflict>(s, '/api/incidents/JQ-R2/dispatch', { unitIds: ['P-04'], commandId: id });
    expect(reused.status).toBe(409);
    expect(reused.body.error).toBe('command_id_reused');
    expect((await s.app.live.repo.getIncident('JQ-R2'))!.status).toBe('received');

    await m.waitFor(() => m.incidents.get('JQ-R1')?.status === 'dispatched', 3_000, 'delta');
    await new Promise((r) => setTimeout(r, 200));
    expect(m.deltas.filter((d) => d.event.type === 'incident:updated')).toHaveLength(1);
    expect(m.deltas.filter((d) => d.event.type === 'unit:updated')).toHaveLength(1);
    const entries = await audit(s, 'action=incident.dispatch');
    expect(entries.filter((e) => e.detail?.replayed === true)).toHaveLength(2);
    expect(entries.filter((e) => e.outcome === 'refused' && e.detail?.error === 'command_id_reused')).toHaveLength(1);
  });

  it('refuses what is not allowed: roles, bad input, unknown targets, illegal transitions, unavailable units', async () => {
    const s = await bed.server();
    await incidents(s, ['JQ-X1', 'JQ-X2']);
    expect((await post(s, '/api/incidents/JQ-X1/dispatch', { unitIds: ['P-01'], commandId: cmd() }, null)).status).toBe(401);
    expect((await post(s, '/api/incidents/JQ-X1/dispatch', { unitIds: ['P-01'], commandId: cmd() }, 'operator')).status).toBe(403);
    const bad = await post<CommandConflict>(s, '/api/incidents/JQ-X1/dispatch', { unitIds: [], commandId: cmd() });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'invalid_request', params: { path: '/body/unitIds' }, message: expect.stringMatching(/^invalid request/) });
    expect((await post(s, '/api/incidents/JQ-X1/dispatch', { unitIds: ['P-01'], commandId: cmd(), extra: 1 })).status).toBe(400);
    expect((await post(s, '/api/incidents/JQ-NOPE/dispatch', { unitIds: ['P-01'], commandId: cmd() })).status).toBe(404);
    expect((await post(s, '/api/incidents/JQ-X1/dispatch', { unitIds: ['P-99'], commandId: cmd() })).status).toBe(404);

    const close = await post<CommandConflict>(s, '/api/incidents/JQ-X1/close', { commandId: cmd(), outcome: 'no_action' });
    expect(close.status).toBe(409);
    expect(close.body).toMatchObject({ error: 'illegal_transition', params: { subject: 'incident', id: 'JQ-X1', from: 'received', to: 'closed' } });
    expect(close.body.message).toContain('from received to closed');

    const busy = await post(s, '/api/units/P-04/status', { commandId: cmd(), status: 'busy', note: '送医' }, 'leader');
    expect(busy.status).toBe(200);
    expect(busy.body.units).toEqual([expect.objectContaining({ id: 'P-04', status: 'busy' })]);
    expect((await audit(s, 'action=unit.status&target=unit:P-04'))[0]?.detail).toMatchObject({ status: 'busy', note: '送医' });
    const refused = await post<CommandConflict>(s, '/api/incidents/JQ-X1/dispatch', { unitIds: ['P-04'], commandId: cmd() });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: 'unit_unavailable', params: { unitId: 'P-04', status: 'busy' }, unitId: 'P-04', unitStatus: 'busy' });
    expect((await post(s, '/api/units/P-04/status', { commandId: cmd(), status: 'busy' })).status).toBe(409); // busy → busy

    // A unit at work cannot be stood down by status; it is reassigned instead.
    expect((await post(s, '/api/incidents/JQ-X1/dispatch', { unitIds: ['P-01'], commandId: cmd() })).status).toBe(200);
    const stood = await post<CommandConflict>(s, '/api/units/P-01/status', { commandId: cmd(), status: 'off_duty' });
    expect(stood.status).toBe(409);
    expect(stood.body).toMatchObject({ error: 'unit_assigned', params: { unitId: 'P-01', incidentId: 'JQ-X1' }, heldByIncidentId: 'JQ-X1' });
    const again = await post<CommandConflict>(s, '/api/incidents/JQ-X1/dispatch', { unitIds: ['P-02'], commandId: cmd() });
    expect(again.status).toBe(409); // already dispatched: backup is the command for more units
    expect(again.body).toMatchObject({ error: 'already_dispatched', params: { incidentId: 'JQ-X1' } });
    expect((await post(s, '/api/incidents/JQ-X1/backup', { unitIds: ['P-02'], commandId: cmd() })).status).toBe(200);
    expect((await post(s, '/api/incidents/JQ-X2/backup', { unitIds: ['P-03'], commandId: cmd() })).status).toBe(409);

    const refusals = await audit(s, 'outcome=refused');
    expect(refusals.map((e) => e.action)).toEqual(expect.arrayContaining(['incident.close', 'incident.dispatch', 'unit.status', 'incident.backup']));
    expect(refusals.filter((e) => e.detail?.error === 'invalid_request' && e.user === 'dispatcher' && e.target === 'incident:JQ-X1')).toHaveLength(2);
  });

  it('documents every command in the OpenAPI document with its answers', async () => {
    const s = await bed.server();
    const doc = (await (await fetch(`${s.url}/docs/json`)).json()) as { paths: Record<string, { post?: { tags: string[]; responses: Record<string, unknown> } }> };
    const commands = ['dispatch', 'backup', 'reassign', 'cancel', 'merge', 'alert-emergency-units', 'resolve', 'close'].map((c) => `/api/incidents/{id}/${c}`);
    for (const path of [...commands, '/api/units/{id}/status']) {
      const op = doc.paths[path]?.post;
      expect(op, path).toBeDefined();
      expect(op!.tags).toEqual(['dispatch']);
      expect(Object.keys(op!.responses).sort()).toEqual(['200', '400', '401', '403', '404', '409']);
    }
  });

  it('reassign, cancel and merge release or move units; emergency units are called out ring by ring, once each', async () => {
    const s = await bed.server();
    const [ex, ey] = fixtureGridCentre(0, 0); // the school emergency unit E-0001 is here
    const m = bed.mirror(s);
    await m.ready();
    await addIncident(s, report('JQ-M1'));
    await addIncident(s, report('JQ-M2'));
    await addIncident(s, report('JQ-M3', { lng: ex + 0.0005, lat: ey }));
    await m.waitFor(() => ['JQ-M1', 'JQ-M2', 'JQ-M3'].every((id) => m.incidents.has(id)), 5_000, 'incidents');

    expect((await post(s, '/api/incidents/JQ-M1/dispatch', { unitIds: ['P-01', 'P-02'], commandId: cmd() })).status).toBe(200);
    const re = await post(s, '/api/incidents/JQ-M1/reassign', { fromUnitId: 'P-02', toUnitId: 'P-03', commandId: cmd() });
    expect(re.status).toBe(200);
    expect(re.body.incident!.assignedUnitIds).toEqual(['P-01', 'P-03']);
    expect(Object.fromEntries(re.body.units.map((u) => [u.id, u.status]))).toEqual({ 'P-02': 'available', 'P-03': 'dispatched' });
    expect((await s.app.dispatch.repo.pendingOrders('P-02')).map((o) => o.kind)).toEqual(['dispatch', 'recall']);

    const todayTotal = async () => ((await (await bed.fetch(s, '/api/stats/overview')).json()) as { today: { total: number } }).today.total;
    const totalBeforeMerge = await todayTotal();
    const merged = await post(s, '/api/incidents/JQ-M1/merge', { intoIncidentId: 'JQ-M2', commandId: cmd() });
    expect(merged.status).toBe(200);
    // A duplicate counts once: merged into JQ-M2, JQ-M1 leaves today's count.
    expect(await todayTotal()).toBe(totalBeforeMerge - 1);
    expect(merged.body.incident).toMatchObject({ status: 'merged', mergedInto: 'JQ-M2', assignedUnitIds: [] });
    const m2 = (await s.app.live.repo.getIncident('JQ-M2'))!;
    expect(m2).toMatchObject({ status: 'dispatched', assignedUnitIds: ['P-01', 'P-03'] });
    expect(merged.body.units.map((u) => [u.id, u.status, u.incidentId]).sort()).toEqual([['P-01', 'dispatched', 'JQ-M2'], ['P-03', 'dispatched', 'JQ-M2']]);

    const cancelled = await post(s, '/api/incidents/JQ-M2/cancel', { commandId: cmd(), reason: '报警人撤回' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.incident).toMatchObject({ status: 'cancelled', assignedUnitIds: [] });
    expect(cancelled.body.units.every((u) => u.status === 'available' && u.incidentId === undefined)).toBe(true);
    expect((await s.app.dispatch.repo.readAssignments()).size).toBe(0);
    await m.waitFor(() => !m.incidents.has('JQ-M1') && !m.incidents.has('JQ-M2'), 3_000, 'merged and cancelled leave the board');

    const emergency = await device(s, 'E-0001');
    const one = await post(s, '/api/incidents/JQ-M3/alert-emergency-units', { commandId: cmd(), ring: 1 });
    expect(one.status).toBe(200);
    expect(one.body.units.map((u) => u.id)).toEqual(['E-0001']);
    await until(() => emergency.orders.length === 1, 'alert order');
    expect(emergency.orders[0]).toMatchObject({ kind: 'alert', incident: { id: 'JQ-M3' } });
    const three = await post(s, '/api/incidents/JQ-M3/alert-emergency-units', { commandId: cmd(), ring: 3 });
    expect(three.status).toBe(200);
    expect(three.body.units).toEqual([]); // already called out by the first tier
    expect((await audit(s, 'action=incident.alert_emergency_units')).length).toBe(2);
    const done = (await audit(s, 'outcome=ok')).map((e) => `${e.action} ${e.target}`);
    expect(done).toEqual(expect.arrayContaining([
      'incident.dispatch incident:JQ-M1', 'incident.reassign incident:JQ-M1', 'incident.merge incident:JQ-M1', 'incident.cancel incident:JQ-M2',
    ]));
  });

  it('drops an order never acknowledged after a day, from the unit\'s order hash too', async () => {
    const s = await bed.server();
    await incidents(s, ['JQ-O1']);
    expect((await post(s, '/api/incidents/JQ-O1/dispatch', { unitIds: ['P-04'], commandId: cmd() })).status).toBe(200);
    expect(await s.app.dispatch.repo.pendingOrders('P-04')).toHaveLength(1);
    const later = Date.now() + COMMAND_TTL_MS + 1_000;
    expect(await s.app.dispatch.repo.unitsWithOverdueOrders(later - 5_000, later, 100)).toEqual([]);
    expect(await s.app.dispatch.repo.pendingOrders('P-04')).toEqual([]);
  });

  it('dispatches an incident reported at a fractional epoch ms and counts its response time', async () => {
    const s = await bed.server();
    const m = bed.mirror(s);
    await m.ready();
    await addIncident(s, report('JQ-FR1', { reportedAt: Date.now() - 10_000.25 }));
    await m.waitFor(() => m.incidents.has('JQ-FR1'), 5_000, 'incident');
    const res = await post(s, '/api/incidents/JQ-FR1/dispatch', { unitIds: ['P-04'], commandId: cmd() });
    expect(res.status).toBe(200);
    const o = (await (await fetch(`${s.url}/api/stats/overview`, { headers: await bed.headers(s, 'leader') })).json()) as { response: { today: { dispatch: { count: number }[] } } };
    expect(o.response.today.dispatch[0]!.count).toBe(1);
  });

  it('parallel call-outs of the same ring alert each emergency unit once', async () => {
    const s = await bed.server();
    const [ex, ey] = fixtureGridCentre(0, 0); // the school emergency unit E-0001 is here
    const m = bed.mirror(s);
    await m.ready();
    await addIncident(s, report('JQ-A1', { lng: ex + 0.0005, lat: ey }));
    await m.waitFor(() => m.incidents.has('JQ-A1'), 5_000, 'incident');
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(s, '/api/incidents/JQ-A1/alert-emergency-units', { commandId: cmd(), ring: 3 })));
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 8 }, () => 200));
    expect(answers.flatMap((a) => a.body.units.map((u) => u.id))).toEqual(['E-0001']);
    expect((await s.app.dispatch.repo.pendingOrders('E-0001')).map((o) => o.kind)).toEqual(['alert']);
    expect(await bed.producer.pTTL(`${s.prefix}dispatch:alerted:JQ-A1`)).toBeGreaterThan(0); // not kept for ever
  });

  it('an acknowledgement ends an incident\'s alarm on every screen, once; a more urgent correction raises it again', async () => {
    const s = await bed.server();
    const m = bed.mirror(s);
    await m.ready();
    await addIncident(s, report('JQ-K1', { priority: 2 }));
    await m.waitFor(() => m.incidents.has('JQ-K1'), 5_000, 'incident');

    expect((await post(s, '/api/incidents/JQ-K1/acknowledge', { commandId: cmd() }, 'operator')).status).toBe(403);
    const first = await post(s, '/api/incidents/JQ-K1/acknowledge', { commandId: cmd() }, 'leader');
    expect(first.status).toBe(200);
    expect(first.body.incident!.alarmAcknowledged).toMatchObject({ by: 'leader' });
    await m.waitFor(() => m.incidents.get('JQ-K1')?.alarmAcknowledged?.by === 'leader', 3_000, 'acknowledgement on the screen');

    // A second leader is told who did it; nothing changes.
    const again = await post<CommandConflict>(s, '/api/incidents/JQ-K1/acknowledge', { commandId: cmd() });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: 'already_acknowledged', params: { incidentId: 'JQ-K1', by: 'leader' } });

    // The producer raises it to P1: a new alarm, no longer acknowledged; a P3 correction would not have cleared it.
    await addIncident(s, report('JQ-K1', { priority: 1, summary: '有人持刀' }));
    await m.waitFor(() => m.incidents.get('JQ-K1')?.priority === 1, 5_000, 'the correction');
    expect(m.incidents.get('JQ-K1')!.alarmAcknowledged).toBeUndefined();
    expect((await post(s, '/api/incidents/JQ-K1/acknowledge', { commandId: cmd() })).status).toBe(200);
    await addIncident(s, report('JQ-K1', { priority: 1, summary: '有人持刀，已离开' }));
    await m.waitFor(() => m.incidents.get('JQ-K1')?.summary === '有人持刀，已离开', 5_000, 'a second correction');
    expect(m.incidents.get('JQ-K1')!.alarmAcknowledged).toMatchObject({ by: 'dispatcher' });

    // A closed incident has no alarm to acknowledge.
    expect((await post(s, '/api/incidents/JQ-K1/cancel', { commandId: cmd(), reason: '误报' })).status).toBe(200);
    const closed = await post<CommandConflict>(s, '/api/incidents/JQ-K1/acknowledge', { commandId: cmd() });
    expect(closed.status).toBe(409);
    expect((await audit(s, 'action=incident.acknowledge')).map((e) => e.outcome).sort()).toEqual(['ok', 'ok', 'refused', 'refused']);
  });
});

describe('device channel', () => {
  it('a device gets only its own orders, pending ones on (re)connect until acknowledged, and reports only for itself', async () => {
    const s = await bed.server();
    await incidents(s, ['JQ-D1', 'JQ-D2']);
    // P-03 is offline when it is sent.
    expect((await post(s, '/api/incidents/JQ-D1/dispatch', { unitIds: ['P-03'], commandId: cmd() })).status).toBe(200);
    const other = await device(s, 'P-04');
    const first = await device(s, 'P-03');
    await until(() => first.orders.length === 1, 'pending order on connect');
    expect(first.orders[0]).toMatchObject({ unitId: 'P-03', kind: 'dispatch', incident: { id: 'JQ-D1' } });
    first.socket.close();

    const again = await device(s, 'P-03');
    await until(() => again.orders.length === 1, 'still pending after a reconnect without acknowledging');
    expect(again.orders[0]!.orderId).toBe(first.orders[0]!.orderId);
    // Another unit cannot acknowledge it, and is told so (as for an id that names no order at all).
    const orderId = first.orders[0]!.orderId;
    expect(await other.socket.emitWithAck('order:acknowledge', { orderId })).toMatchObject({ ok: false, error: { code: 'unknown_order' } });
    expect(await other.socket.emitWithAck('order:acknowledge', { orderId: 'no-such-order' })).toMatchObject({ ok: false, error: { code: 'unknown_order' } });
    expect(await s.app.dispatch.repo.pendingOrders('P-03')).toHaveLength(1);
    expect(await again.socket.emitWithAck('order:acknowledge', { orderId })).toEqual({ ok: true, data: { orderId } });
    expect(await s.app.dispatch.repo.pendingOrders('P-03')).toHaveLength(0);
    // Acknowledged again (the first answer was lost): still an acknowledgement of a real order.
    expect(await again.socket.emitWithAck('order:acknowledge', { orderId })).toEqual({ ok: true, data: { orderId } });
    again.socket.close();
    // A terminal that restarted (and forgot what it acknowledged) is told its current job once more, under an
    // id fixed per assignment, so the unit is not stranded en route.
    const third = await device(s, 'P-03');
    await until(() => third.orders.length === 1, 'standing order on connect');
    expect(third.orders[0]).toMatchObject({ unitId: 'P-03', kind: 'dispatch', incident: { id: 'JQ-D1' } });
    expect(third.orders[0]!.orderId).toMatch(/^standing-JQ-D1-/);
    expect(third.orders[0]!.orderId).not.toBe(first.orders[0]!.orderId);
    const fourth = await device(s, 'P-03');
    await until(() => fourth.orders.length === 1, 'the same standing order again');
    expect(fourth.orders[0]!.orderId).toBe(third.orders[0]!.orderId);
    // The standing order is the unit's current job: its acknowledgement is one; another unit's is not.
    expect(await fourth.socket.emitWithAck('order:acknowledge', { orderId: third.orders[0]!.orderId })).toEqual({ ok: true, data: { orderId: third.orders[0]!.orderId } });
    expect(await other.socket.emitWithAck('order:acknowledge', { orderId: third.orders[0]!.orderId })).toMatchObject({ ok: false, error: { code: 'unknown_order', params: { orderId: third.orders[0]!.orderId } } });
    fourth.socket.close();

    // Reports: only for its own incident, only what its state allows, validated.
    const notMine = await other.socket.emitWithAck('unit:report', { status: 'on_scene', incidentId: 'JQ-D1' });
    expect(notMine).toMatchObject({ ok: false, error: { code: 'not_your_incident', params: { incidentId: 'JQ-D1' } } });
    const nothing = await other.socket.emitWithAck('unit:report', { status: 'resolved' });
    expect(nothing).toMatchObject({ ok: false, error: { code: 'no_incident', params: {} } });
    const invalid = await other.socket.emitWithAck('unit:report', { status: 'flying' } as never);
    expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid_request', params: { path: 'unit:report' } } });
    expect(await third.socket.emitWithAck('unit:report', { status: 'available' }))
      .toMatchObject({ ok: false, error: { code: 'report_too_early', params: { incidentId: 'JQ-D1', report: 'available' } } });
    expect(await third.socket.emitWithAck('unit:report', { status: 'on_scene' })).toEqual({ ok: true, data: { status: 'on_scene' } });
    expect((await s.app.live.repo.getIncident('JQ-D1'))!.status).toBe('on_scene');
    expect(await third.socket.emitWithAck('unit:report', { status: 'resolved', note: '纠纷已调解' })).toEqual({ ok: true, data: { status: 'available' } });
    const resolved = (await s.app.live.repo.getIncident('JQ-D1'))!;
    expect(resolved).toMatchObject({ status: 'resolved', assignedUnitIds: [] });
    expect(resolved.timeline.at(-1)).toMatchObject({ status: 'resolved', by: 'device:P-03' });
    expect(other.orders).toEqual([]);

    const reports = await audit(s, 'target=unit:P-04');
    expect(reports.filter((e) => e.action.startsWith('unit.report.') && e.outcome === 'refused')).toHaveLength(2);
    expect(reports.filter((e) => e.action === 'order.acknowledge' && e.outcome === 'refused').map((e) => e.detail?.orderId))
      .toEqual([third.orders[0]!.orderId, 'no-such-order', orderId]);
  });

  it('an order issued on one server node reaches a device connected to another', async () => {
    const a = await bed.server();
    const b = await bed.server({ keyPrefix: a.prefix });
    await incidents(a, ['JQ-N1']);
    const dev = await device(b, 'P-02');
    expect((await post(a, '/api/incidents/JQ-N1/dispatch', { unitIds: ['P-02'], commandId: cmd() })).status).toBe(200);
    await until(() => dev.orders.length === 1, 'order through the other node');
    expect(dev.orders[0]).toMatchObject({ unitId: 'P-02', kind: 'dispatch', incident: { id: 'JQ-N1' } });
  });

  it('refuses sockets without a device token', async () => {
    const s = await bed.server();
    const token = await bed.token(s, 'dispatcher');
    for (const auth of [{}, { token: 'nonsense' }, { token }]) {
      const socket = io(`${s.url}${DEVICE_NAMESPACE}`, { transports: ['websocket'], auth, reconnection: false });
      const err = await new Promise<Error | null>((resolve) => {
        socket.once('connect', () => resolve(null));
        socket.once('connect_error', resolve);
      });
      socket.close();
      expect(err).toBeInstanceOf(Error);
    }
  });
});
