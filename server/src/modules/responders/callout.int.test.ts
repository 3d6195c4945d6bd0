// Call-out clocks against a real redis-server: a dispatcher calls out the 1-minute ring, then the 3- and 5-minute
// rings; the called unit's leader answers on the terminal (coming with how many people, arrived, done); each tier's
// call and answers are recorded once however often a terminal replays them; the promise statistics equal a recount.
import { describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import {
  DEVICE_NAMESPACE, localDay, type CallOut, type CallOutStats, type DeviceClientToServerEvents, type DeviceOrder,
  type DeviceServerToClientEvents, type IncidentReport,
} from '@ccr/shared';
import { fixtureGridCentre, postJson, useTestbed, type TestServer } from '../../testing/index.js';

const bed = useTestbed('co');
const [lng, lat] = fixtureGridCentre(0, 0); // the school emergency unit E-0001 is here
let seq = 0;
const cmd = (): string => `cmd-${Date.now().toString(36)}-${++seq}`;
type DeviceSocket = Socket<DeviceServerToClientEvents, DeviceClientToServerEvents>;

async function terminal(s: TestServer, unitId: string): Promise<{ socket: DeviceSocket; orders: DeviceOrder[] }> {
  const socket: DeviceSocket = io(`${s.url}${DEVICE_NAMESPACE}`, { transports: ['websocket'], auth: { token: await bed.token(s, 'device', unitId) }, reconnection: false });
  const orders: DeviceOrder[] = [];
  socket.on('order:issued', (o) => orders.push(o));
  bed.onCleanup(() => { socket.close(); });
  await new Promise<void>((resolve, reject) => { socket.once('connect', () => resolve()); socket.once('connect_error', reject); });
  return { socket, orders };
}
async function incident(s: TestServer & { prefix: string }, id: string): Promise<void> {
  const r: IncidentReport = { id, type: 'fight', priority: 1, lng, lat, address: '中心小学门口', reportedAt: new Date().toISOString(), source: '110', summary: '校门口有人持刀' };
  const m = bed.mirror(s);
  await m.ready();
  await bed.producer.xAdd(`${s.prefix}in:incidents`, '*', { data: JSON.stringify(r) });
  await m.waitFor(() => m.incidents.has(id), 5_000, 'incident ingested');
  m.close();
}
const callOut = async (s: TestServer, id: string, ring: 1 | 3 | 5) =>
  postJson(`${s.url}/api/incidents/${id}/alert-emergency-units`, { commandId: cmd(), ring }, await bed.token(s, 'dispatcher'));
const read = async (s: TestServer, id: string): Promise<CallOut> => (await (await bed.fetch(s, `/api/incidents/${id}/call-out`, {}, 'dispatcher')).json()) as CallOut;
const stats = async (s: TestServer): Promise<CallOutStats> => (await (await bed.fetch(s, '/api/stats/call-outs', {}, 'leader')).json()) as CallOutStats;

describe('call-out clocks', () => {
  it('records each tier, the unit\'s answers once, arrival against 1-3-5, and counts the promise at write time', async () => {
    const s = await bed.server();
    await incident(s, 'JQ-C1');
    const leader = await terminal(s, 'E-0001');
    const t0 = Date.now();
    expect((await callOut(s, 'JQ-C1', 1)).status).toBe(200);
    await expect.poll(() => leader.orders.length).toBe(1);
    expect(leader.orders[0]).toMatchObject({ kind: 'alert', incident: { id: 'JQ-C1' } });
    expect((await callOut(s, 'JQ-C1', 3)).status).toBe(200);
    const before = await read(s, 'JQ-C1');
    expect(before.calledAt).toBeGreaterThanOrEqual(t0);
    expect(before.tiers.map((t) => [t.ring, t.called, t.coming, t.arrived, t.kept])).toEqual([[1, 1, 0, 0, null], [3, 0, 0, 0, null]]);
    expect(before.units).toEqual([expect.objectContaining({ unitId: 'E-0001', name: '中心小学应急单元', members: 12, tier: 1 })]);

    // Coming with 8 of 12, sent twice (the answer was lost): one answer.
    const coming = { reportId: 'co-c1-coming-01', incidentId: 'JQ-C1', answer: 'coming' as const, people: 8 };
    expect(await leader.socket.emitWithAck('callout:report', coming)).toEqual({ ok: true, data: { answer: 'coming' } });
    expect(await leader.socket.emitWithAck('callout:report', coming)).toEqual({ ok: true, data: { answer: 'coming', replayed: true } });
    expect((await read(s, 'JQ-C1')).tiers[0]).toMatchObject({ ring: 1, coming: 1, people: 8, arrived: 0 });
    // The 5-minute tier called after the answer: its clock starts now, the unit stays in tier 1.
    expect((await callOut(s, 'JQ-C1', 5)).status).toBe(200);

    const arrived = { reportId: 'co-c1-arrived-02', incidentId: 'JQ-C1', answer: 'arrived' as const };
    expect(await leader.socket.emitWithAck('callout:report', arrived)).toEqual({ ok: true, data: { answer: 'arrived' } });
    expect(await leader.socket.emitWithAck('callout:report', arrived)).toEqual({ ok: true, data: { answer: 'arrived', replayed: true } });
    // Done needs no arrival again; changing the answer after arriving is refused with its reason.
    expect(await leader.socket.emitWithAck('callout:report', { reportId: 'co-c1-cannot-03', incidentId: 'JQ-C1', answer: 'cannot' }))
      .toMatchObject({ ok: false, error: { code: 'callout_already_arrived', params: { unitId: 'E-0001', incidentId: 'JQ-C1' } } });
    expect(await leader.socket.emitWithAck('callout:report', { reportId: 'co-c1-done-04', incidentId: 'JQ-C1', answer: 'done', note: '已疏散学生，持刀人被控制' }))
      .toEqual({ ok: true, data: { answer: 'done' } });
    const after = await read(s, 'JQ-C1');
    expect(after.tiers.map((t) => t.ring)).toEqual([1, 3, 5]);
    expect(after.tiers[0]).toMatchObject({ coming: 1, people: 8, arrived: 1, arrivedPeople: 8, kept: true });
    expect(after.tiers[0]!.firstArrivalMs).toBeLessThan(60_000);
    expect(after.units[0]).toMatchObject({ answer: 'coming', people: 8, note: '已疏散学生，持刀人被控制' });
    expect(after.units[0]!.doneAt).toBeGreaterThanOrEqual(after.units[0]!.arrivedAt!);

    // A second call-out whose first call was two minutes ago (the clock moved back by hand): arrival too late for 1分钟自救.
    await incident(s, 'JQ-C2');
    expect((await callOut(s, 'JQ-C2', 1)).status).toBe(200);
    await bed.producer.hSet(`${(s as { prefix: string }).prefix}callout:JQ-C2`, 'calledAt', String(Date.now() - 120_000));
    expect(await leader.socket.emitWithAck('callout:report', { reportId: 'co-c2-arrived-01', incidentId: 'JQ-C2', answer: 'arrived' })).toMatchObject({ ok: true });
    expect((await read(s, 'JQ-C2')).tiers[0]).toMatchObject({ arrived: 1, people: 12, kept: false });

    // The statistics equal a recount of the call-outs' records.
    const st = await stats(s);
    const records = [await read(s, 'JQ-C1'), await read(s, 'JQ-C2')];
    const recount = {
      calledOut: records.filter((c) => c.calledAt !== null).length,
      selfHelpWithin1: records.filter((c) => c.units.some((u) => u.tier === 1 && u.arrivedAt !== undefined && u.arrivedAt - c.calledAt! <= 60_000)).length,
      mutualAidWithin3: records.filter((c) => c.units.some((u) => u.tier === 3 && u.arrivedAt !== undefined && u.arrivedAt - c.calledAt! <= 180_000)).length,
    };
    expect(recount).toEqual({ calledOut: 2, selfHelpWithin1: 1, mutualAidWithin3: 0 });
    expect(st).toMatchObject({ ...recount, selfHelpShare: 50, mutualAidShare: 0, from: localDay(Date.now(), 'Asia/Shanghai') });
  });

  it('refuses what is not the unit\'s to answer, and bad input, changing nothing', async () => {
    const s = await bed.server();
    await incident(s, 'JQ-C3');
    const leader = await terminal(s, 'E-0001');
    // Not called out (yet).
    expect(await leader.socket.emitWithAck('callout:report', { reportId: 'co-c3-coming-01', incidentId: 'JQ-C3', answer: 'coming', people: 3 }))
      .toMatchObject({ ok: false, error: { code: 'not_called_out' } });
    expect((await callOut(s, 'JQ-C3', 1)).status).toBe(200);
    // Another unit's terminal cannot answer for it.
    const car = await terminal(s, 'P-01');
    expect(await car.socket.emitWithAck('callout:report', { reportId: 'co-c3-coming-02', incidentId: 'JQ-C3', answer: 'coming', people: 3 }))
      .toMatchObject({ ok: false, error: { code: 'not_called_out', params: { unitId: 'P-01' } } });
    expect(await leader.socket.emitWithAck('callout:report', { reportId: 'co-c3-done-03', incidentId: 'JQ-C3', answer: 'done' }))
      .toMatchObject({ ok: false, error: { code: 'callout_not_arrived' } });
    expect(await leader.socket.emitWithAck('callout:report', { reportId: 'co-c3-coming-04', incidentId: 'JQ-C3', answer: 'coming', people: 0 }))
      .toMatchObject({ ok: false, error: { code: 'invalid_request', params: { path: 'callout:report' } } });
    expect(await leader.socket.emitWithAck('callout:report', { reportId: 'co-c3-cannot-05', incidentId: 'JQ-C3', answer: 'cannot', note: 'x'.repeat(501) }))
      .toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(await leader.socket.emitWithAck('callout:report', { reportId: 'co-c3-cannot-06', incidentId: 'JQ-C3', answer: 'cannot', note: '店里只有一人' })).toMatchObject({ ok: true });
    expect(await leader.socket.emitWithAck('callout:report', { reportId: 'co-c3-arrived-07', incidentId: 'JQ-C3', answer: 'arrived' }))
      .toMatchObject({ ok: false, error: { code: 'callout_not_coming' } });
    // A report id reused for another answer.
    expect(await leader.socket.emitWithAck('callout:report', { reportId: 'co-c3-cannot-06', incidentId: 'JQ-C3', answer: 'coming', people: 2 }))
      .toMatchObject({ ok: false, error: { code: 'command_id_reused' } });
    const c = await read(s, 'JQ-C3');
    expect(c.units[0]).toMatchObject({ answer: 'cannot', note: '店里只有一人' });
    expect(c.tiers[0]).toMatchObject({ coming: 0, cannot: 1, arrived: 0 });
    expect(await stats(s)).toMatchObject({ calledOut: 1, selfHelpWithin1: 0 });
  });
});
