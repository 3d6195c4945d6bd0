// The terminal app's contract with the device channel, against a real redis-server: a phone that is offline when
// its order is issued gets it on reconnect; reports it queued offline carry their own ids and are applied once and
// in order however often they are replayed; bad input (a huge note, a forged token or key) is refused and changes
// nothing.
import { describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import {
  DEVICE_NAMESPACE, type AuditPage, type DeviceClientToServerEvents, type DeviceOrder, type DeviceServerToClientEvents, type IncidentReport,
} from '@ccr/shared';
import { fixtureGridCentre, postJson, useTestbed, type TestServer } from '../../testing/index.js';

const bed = useTestbed('t');
const [lng, lat] = fixtureGridCentre(1, 0);
let seq = 0;
const cmd = (): string => `cmd-${Date.now().toString(36)}-${++seq}`;

type DeviceSocket = Socket<DeviceServerToClientEvents, DeviceClientToServerEvents>;

async function connect(s: TestServer, token: string): Promise<{ socket: DeviceSocket; orders: DeviceOrder[] }> {
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

async function incident(s: TestServer & { prefix: string }, id: string): Promise<void> {
  const r: IncidentReport = { id, type: 'fight', priority: 1, lng, lat, address: '测试路2号', reportedAt: new Date().toISOString(), source: '110', summary: '两人斗殴' };
  const m = bed.mirror(s);
  await m.ready();
  await bed.producer.xAdd(`${s.prefix}in:incidents`, '*', { data: JSON.stringify(r) });
  await m.waitFor(() => m.incidents.has(id), 5_000, 'incident ingested');
  m.close();
}

describe('the terminal app on the device channel', () => {
  it('an order issued while offline arrives on reconnect; queued reports replayed twice apply once, in order', async () => {
    const s = await bed.server();
    await incident(s, 'JQ-T1');
    const token = await bed.token(s, 'device', 'P-02');
    // The phone is offline: the order waits.
    const sent = await postJson(`${s.url}/api/incidents/JQ-T1/dispatch`, { unitIds: ['P-02'], commandId: cmd() }, await bed.token(s, 'dispatcher'));
    expect(sent.status).toBe(200);
    const phone = await connect(s, token);
    await until(() => phone.orders.length === 1, 'the pending order on connect');
    expect(phone.orders[0]).toMatchObject({ kind: 'dispatch', incident: { id: 'JQ-T1' } });
    expect(await phone.socket.emitWithAck('order:acknowledge', { orderId: phone.orders[0]!.orderId })).toMatchObject({ ok: true });

    // Queued offline, replayed in order — then the whole queue again (the answers were lost).
    const queue = [
      { reportId: 'rep-t1-enroute-0001', status: 'en_route' as const, incidentId: 'JQ-T1' },
      { reportId: 'rep-t1-onscene-0002', status: 'on_scene' as const, incidentId: 'JQ-T1', note: '已到达，现场两人' },
      { reportId: 'rep-t1-resolved-003', status: 'resolved' as const, incidentId: 'JQ-T1', note: '已劝散' },
    ];
    const first = [];
    for (const r of queue) first.push(await phone.socket.emitWithAck('unit:report', r));
    expect(first).toEqual([
      { ok: true, data: { status: 'en_route' } }, { ok: true, data: { status: 'on_scene' } }, { ok: true, data: { status: 'available' } },
    ]);
    const again = [];
    for (const r of queue) again.push(await phone.socket.emitWithAck('unit:report', r));
    expect(again).toEqual([
      { ok: true, data: { status: 'en_route', replayed: true } }, { ok: true, data: { status: 'on_scene', replayed: true } },
      { ok: true, data: { status: 'available', replayed: true } },
    ]);
    const done = (await s.app.live.repo.getIncident('JQ-T1'))!;
    expect(done.status).toBe('resolved');
    expect(done.timeline.map((e) => e.status)).toEqual(['received', 'dispatched', 'en_route', 'on_scene', 'resolved']);
    const audit = (await (await bed.fetch(s, '/api/audit?limit=100&target=unit:P-02', {}, 'leader')).json()) as AuditPage;
    expect(audit.items.filter((e) => e.action.startsWith('unit.report.')).map((e) => e.action).reverse())
      .toEqual(['unit.report.en_route', 'unit.report.on_scene', 'unit.report.resolved']);
    // The same id with other content is a reuse, refused.
    expect(await phone.socket.emitWithAck('unit:report', { ...queue[0]!, status: 'busy' })).toMatchObject({ ok: false, error: { code: 'command_id_reused' } });
    // Another unit's terminal using the same report id is its own report, not a replay of P-02's.
    const other = await connect(s, await bed.token(s, 'device', 'P-04'));
    expect(await other.socket.emitWithAck('unit:report', { reportId: queue[2]!.reportId, status: 'resolved' }))
      .toMatchObject({ ok: false, error: { code: 'no_incident' } });
  });

  it('bad input is refused with a reason and changes nothing', async () => {
    const s = await bed.server();
    await incident(s, 'JQ-T2');
    expect((await postJson(`${s.url}/api/incidents/JQ-T2/dispatch`, { unitIds: ['P-03'], commandId: cmd() }, await bed.token(s, 'dispatcher'))).status).toBe(200);
    const phone = await connect(s, await bed.token(s, 'device', 'P-03'));
    const before = await s.app.live.repo.getIncident('JQ-T2');

    // A note over the limit: refused by its schema, named.
    const long = await phone.socket.emitWithAck('unit:report', { status: 'on_scene', note: '很'.repeat(501) });
    expect(long).toMatchObject({ ok: false, error: { code: 'invalid_request', params: { path: 'unit:report' } } });
    // A 10 MB note: the socket layer drops the message and the connection (64 KB at most), nothing is applied.
    const closed = new Promise<string>((resolve) => phone.socket.once('disconnect', resolve));
    phone.socket.emit('unit:report', { status: 'on_scene', note: 'x'.repeat(10 * 1024 * 1024) }, () => undefined);
    expect(await closed).toMatch(/transport/);
    expect(await s.app.live.repo.getIncident('JQ-T2')).toEqual(before);

    // A forged device key: 401 with its code; a forged token: the handshake is refused.
    const forged = await postJson<{ error: string }>(`${s.url}/api/auth/device`, { unitId: 'P-03', key: 'f'.repeat(64) });
    expect(forged).toMatchObject({ status: 401, body: { error: 'bad_device_key' } });
    const err = await new Promise<Error | null>((resolve) => {
      const sock = io(`${s.url}${DEVICE_NAMESPACE}`, { transports: ['websocket'], auth: { token: `${'a'.repeat(40)}.forged` }, reconnection: false });
      sock.once('connect', () => { sock.close(); resolve(null); });
      sock.once('connect_error', (e) => { sock.close(); resolve(e); });
    });
    expect(err).toBeInstanceOf(Error);
    expect(await s.app.live.repo.getIncident('JQ-T2')).toEqual(before);
  });

  it('a phone shares its position through the position ingest; a fix 200 km away, a patrol car\'s phone and a jump are refused', async () => {
    const s = await bed.server();
    const officer = await connect(s, await bed.token(s, 'device', 'C-1'));
    const [glng, glat] = fixtureGridCentre(0, 0);
    const now = Date.now();
    expect(await officer.socket.emitWithAck('unit:position', { lng: glng, lat: glat, ts: now - 20_000, accuracy: 12 })).toEqual({ ok: true, data: { accepted: true } });
    await until(async () => (await s.app.live.repo.readFixes(['C-1']))[0]?.lng === glng, 'the phone fix applied');
    // 300 m further 10 s later: a walk, taken.
    const east = glng + 300 / (111_320 * Math.cos((glat * Math.PI) / 180));
    expect(await officer.socket.emitWithAck('unit:position', { lng: east, lat: glat, ts: now - 10_000 })).toMatchObject({ ok: true });
    await until(async () => (await s.app.live.repo.readFixes(['C-1']))[0]?.lng === east, 'the second fix applied');
    const before = await s.app.live.repo.readFixes(['C-1']);

    const far = await officer.socket.emitWithAck('unit:position', { lng: glng + 2.4, lat: glat, ts: now });
    expect(far).toMatchObject({ ok: false, error: { code: 'position_out_of_area' } });
    expect(far.ok ? 0 : Number(far.error.params?.km)).toBeGreaterThan(150);
    // 5 km in a second: a phone's cold-start jump.
    const jump = await officer.socket.emitWithAck('unit:position', { lng: glng, lat: glat + 0.045, ts: now - 9_000 });
    expect(jump).toMatchObject({ ok: false, error: { code: 'position_implausible' } });
    expect(await officer.socket.emitWithAck('unit:position', { lng: glng, lat: glat, ts: now, accuracy: 2_000 })).toMatchObject({ ok: false, error: { code: 'position_inaccurate', params: { max: 500 } } });
    expect(await officer.socket.emitWithAck('unit:position', { lng: 'x', lat: glat, ts: now } as never)).toMatchObject({ ok: false, error: { code: 'invalid_request', params: { path: 'unit:position' } } });
    const car = await connect(s, await bed.token(s, 'device', 'P-01'));
    expect(await car.socket.emitWithAck('unit:position', { lng: glng, lat: glat, ts: now })).toMatchObject({ ok: false, error: { code: 'position_not_tracked', params: { unitId: 'P-01', kind: 'patrol_car' } } });
    await new Promise((r) => setTimeout(r, 300));
    expect(await s.app.live.repo.readFixes(['C-1'])).toEqual(before);
    expect((await s.app.live.repo.readFixes(['P-01']))[0]).toBeNull();
    const metrics = await (await bed.fetch(s, '/metrics', {}, 'admin')).text();
    for (const reason of ['position_out_of_area', 'position_implausible', 'position_inaccurate', 'position_not_tracked', 'invalid_request']) {
      expect(metrics).toMatch(new RegExp(`ccr_terminal_refused_total\\{action="unit:position",reason="${reason}"\\} 1`));
    }
  });
});
