// Roll-call (点名) against a real redis-server with the demo town's emergency units: a grid's units are told on their
// terminals (also one that connects after the start), answer before the due time, and the readiness per grid equals
// a recount of the answers; late answers are refused; a unit that misses two roll-calls in a row is flagged.
import { describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import {
  DEVICE_NAMESPACE, gridFigures, type DeviceClientToServerEvents, type DeviceServerToClientEvents, type Readiness, type RollCall,
  type RollCallEntry, type RollCallNotice,
} from '@ccr/shared';
import { postJson, useTestbed, type TestServer } from '../../testing/index.js';
import { DEMO_JURISDICTION_DIR, loadJurisdiction } from '../jurisdiction/index.js';

const bed = useTestbed('rc');
type DeviceSocket = Socket<DeviceServerToClientEvents, DeviceClientToServerEvents>;
const ANSWER_MS = 1_500;

async function terminal(s: TestServer, unitId: string): Promise<{ socket: DeviceSocket; notices: RollCallNotice[] }> {
  const socket: DeviceSocket = io(`${s.url}${DEVICE_NAMESPACE}`, { transports: ['websocket'], auth: { token: await bed.token(s, 'device', unitId) }, reconnection: false });
  const notices: RollCallNotice[] = [];
  socket.on('rollcall:issued', (n) => notices.push(n));
  bed.onCleanup(() => { socket.close(); });
  await new Promise<void>((resolve, reject) => { socket.once('connect', () => resolve()); socket.once('connect_error', reject); });
  return { socket, notices };
}
const start = async (s: TestServer, commandId: string, gridId?: string) =>
  postJson<RollCall & { error?: string }>(`${s.url}/api/roll-calls`, { commandId, ...(gridId ? { gridId } : {}) }, await bed.token(s, 'leader'));
const readiness = async (s: TestServer): Promise<Readiness> => (await (await bed.fetch(s, '/api/roll-calls/readiness', {}, 'operator')).json()) as Readiness;

describe('roll-call of minimum emergency units', () => {
  it('tells the grid\'s units, counts answers before the due time, readiness equals a recount, flags repeated misses', async () => {
    const s = await bed.server({ jurisdictionDir: DEMO_JURISDICTION_DIR, rollCall: { answerMs: ANSWER_MS, missesToFlag: 2 } });
    const town = await loadJurisdiction(DEMO_JURISDICTION_DIR);
    const g01 = town.units.filter((u) => u.kind === 'emergency_unit' && u.gridId === 'G01');
    expect(g01.length).toBeGreaterThanOrEqual(4);
    const [a, b, c, d] = g01 as [typeof g01[0], typeof g01[0], typeof g01[0], typeof g01[0]];
    const ta = await terminal(s, a.id);
    const tb = await terminal(s, b.id);

    const first = await start(s, 'rc-test-first-0001', 'G01');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ gridId: 'G01', units: g01.length, replayed: false });
    // The same command again: the same roll-call, not a second one.
    expect((await start(s, 'rc-test-first-0001', 'G01')).body).toMatchObject({ id: first.body.id, replayed: true });
    expect(await start(s, 'rc-test-nogrid-01', 'G99')).toMatchObject({ status: 400, body: { error: 'no_emergency_units' } });

    await expect.poll(() => ta.notices.length).toBe(1);
    expect(ta.notices[0]).toEqual({ rollCallId: first.body.id, startedAt: first.body.startedAt, dueAt: first.body.dueAt });
    const tc = await terminal(s, c.id); // connects after the start: told on connect
    await expect.poll(() => tc.notices.length).toBe(1);

    const id = first.body.id;
    expect(await ta.socket.emitWithAck('rollcall:answer', { rollCallId: id, people: 5 })).toEqual({ ok: true, data: { rollCallId: id, people: 5 } });
    expect(await ta.socket.emitWithAck('rollcall:answer', { rollCallId: id, people: 1 })).toMatchObject({ ok: true }); // the first answer stands
    expect(await tb.socket.emitWithAck('rollcall:answer', { rollCallId: id })).toEqual({ ok: true, data: { rollCallId: id, people: b.members } });
    expect(await tc.socket.emitWithAck('rollcall:answer', { rollCallId: id, people: 500 })).toMatchObject({ ok: true }); // more than registered: counts as all
    const outsider = town.units.find((u) => u.kind === 'emergency_unit' && u.gridId !== 'G01')!;
    const to = await terminal(s, outsider.id);
    expect(await to.socket.emitWithAck('rollcall:answer', { rollCallId: id })).toMatchObject({ ok: false, error: { code: 'not_in_roll_call' } });
    expect(await to.socket.emitWithAck('rollcall:answer', { rollCallId: 'RC-nothing' })).toMatchObject({ ok: false, error: { code: 'roll_call_unknown' } });
    expect(await to.socket.emitWithAck('rollcall:answer', { rollCallId: id, people: -1 })).toMatchObject({ ok: false, error: { code: 'invalid_request' } });

    // Readiness = a recount of the answers from the roster.
    const answers = new Map<string, number>([[a.id, 5], [b.id, b.members!], [c.id, 500]]);
    const recount = (): ReturnType<typeof gridFigures> => gridFigures(g01.map((u): RollCallEntry => ({ unitId: u.id, gridId: 'G01', members: u.members ?? 0, answered: answers.get(u.id) ?? null })), 'G01');
    const open = await readiness(s);
    expect(open.grids).toEqual([expect.objectContaining({ gridId: 'G01', rollCallId: id, closed: false, ...recount() })]);
    expect(recount()).toMatchObject({ units: g01.length, answeredUnits: 3, acknowledged: Math.min(5, a.members!) + b.members! + c.members! });
    expect(open).toMatchObject({ registered: recount().registered, acknowledged: recount().acknowledged, flagged: [] });

    // After the due time: a late answer is refused with the time it closed, and changes nothing.
    await new Promise((r) => setTimeout(r, ANSWER_MS + 400));
    const td = await terminal(s, d.id);
    expect(await td.socket.emitWithAck('rollcall:answer', { rollCallId: id })).toMatchObject({ ok: false, error: { code: 'roll_call_closed', params: { rollCallId: id } } });
    const closed = await readiness(s);
    expect(closed.grids[0]).toMatchObject({ closed: true, ...recount() });

    // A second roll-call of everyone that nobody answers: the units of G01 that missed both are flagged.
    const second = await start(s, 'rc-test-second-002');
    expect(second.status).toBe(200);
    await new Promise((r) => setTimeout(r, ANSWER_MS + 400));
    const after = await readiness(s);
    expect(after.flagged.map((f) => f.unitId).sort()).toEqual(g01.filter((u) => !answers.has(u.id)).map((u) => u.id).sort());
    expect(after.flagged.every((f) => f.misses === 2)).toBe(true);
    expect(after.grids.every((g) => g.rollCallId === second.body.id && g.acknowledged === 0)).toBe(true);
    expect(after.share).toBe(0);
  });
});
