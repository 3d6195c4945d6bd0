// Roll-call (点名) against a real redis-server with the demo town's emergency units: a grid's units are told on their
// terminals (also one that connects after the start), answer before the due time, and the readiness per grid equals
// a recount of the answers; late answers are refused; a unit that misses two roll-calls in a row is flagged. Reading
// readiness writes nothing (not even after the due time), and closing is a chore any node takes over.
import { describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { io, type Socket } from 'socket.io-client';
import {
  DEVICE_NAMESPACE, gridFigures, type DeviceClientToServerEvents, type DeviceServerToClientEvents, type Readiness, type RollCall,
  type RollCallEntry, type RollCallNotice,
} from '@ccr/shared';
import { postJson, startTestServer, useTestbed, type TestServer } from '../../testing/index.js';
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
    const s = await bed.server({ jurisdictionDir: DEMO_JURISDICTION_DIR, rollCall: { answerMs: ANSWER_MS, missesToFlag: 2, closeEveryMs: 200 } });
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

    await expect.poll(() => ta.notices.length, { timeout: 5_000 }).toBe(1);
    expect(ta.notices[0]).toEqual({ rollCallId: first.body.id, startedAt: first.body.startedAt, dueAt: first.body.dueAt });
    const tc = await terminal(s, c.id); // connects after the start: told on connect
    await expect.poll(() => tc.notices.length, { timeout: 5_000 }).toBe(1);

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

    // Readiness = a recount of the answers from the roster, and of the roll-call hash as stored.
    const answers = new Map<string, number>([[a.id, 5], [b.id, b.members!], [c.id, 500]]);
    const stored = await bed.producer.hGetAll(`${s.prefix}rollcall:${id}`);
    const storedAnswers = new Map(Object.entries(stored).filter(([f, v]) => f.startsWith('u:') && v !== '').map(([f, v]) => [f.slice(2), Number(v)]));
    expect(storedAnswers).toEqual(answers);
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
    await expect.poll(async () => bed.producer.hExists(`${s.prefix}rollcall:${id}`, 'closed')).toBe(1); // by the chore

    // A second roll-call of everyone that nobody answers: the units of G01 that missed both are flagged.
    const second = await start(s, 'rc-test-second-002');
    expect(second.status).toBe(200);
    await new Promise((r) => setTimeout(r, ANSWER_MS + 400));
    await expect.poll(async () => (await readiness(s)).flagged.length).toBeGreaterThan(0);
    const after = await readiness(s);
    expect(after.flagged.map((f) => f.unitId).sort()).toEqual(g01.filter((u) => !answers.has(u.id)).map((u) => u.id).sort());
    expect(after.flagged.every((f) => f.misses === 2)).toBe(true);
    expect(after.grids.every((g) => g.rollCallId === second.body.id && g.acknowledged === 0)).toBe(true);
    expect(after.share).toBe(0);
  });

  it('reading readiness after the due time writes nothing: not closing, not counting (keyspace events of the roll-call keys)', async () => {
    // No closing chore within the test (its first tick is a minute away): only a read could close it here.
    const s = await bed.server({ jurisdictionDir: DEMO_JURISDICTION_DIR, rollCall: { answerMs: ANSWER_MS, missesToFlag: 1, closeEveryMs: 60_000 } });
    const town = await loadJurisdiction(DEMO_JURISDICTION_DIR);
    const g02 = town.units.filter((u) => u.kind === 'emergency_unit' && u.gridId === 'G02');
    const first = await start(s, 'rc-test-nowrite-01', 'G02');
    expect(first.status).toBe(200);
    const t = await terminal(s, g02[0]!.id);
    expect(await t.socket.emitWithAck('rollcall:answer', { rollCallId: first.body.id, people: 2 })).toMatchObject({ ok: true });
    await new Promise((r) => setTimeout(r, ANSWER_MS + 300));

    await bed.producer.configSet('notify-keyspace-events', 'KA');
    bed.onCleanup(async () => { await bed.producer.configSet('notify-keyspace-events', ''); });
    const listener = createClient({ url: bed.redis.url });
    await listener.connect();
    bed.onCleanup(() => listener.close());
    const written: string[] = [];
    await listener.pSubscribe(`__keyspace@0__:${s.prefix}rollcall:*`, (event, channel) => written.push(`${channel} ${event}`));
    // The listener sees a write made now (so silence below means no write, not a deaf listener).
    await bed.producer.set(`${s.prefix}rollcall:probe`, '1');
    await expect.poll(() => written.length).toBe(1);
    written.length = 0;

    const r = await readiness(s);
    expect(r.grids).toEqual([expect.objectContaining({ gridId: 'G02', rollCallId: first.body.id, closed: true, answeredUnits: 1, units: g02.length })]);
    expect(r.flagged).toEqual([]); // not closed by the read, so nobody has missed it yet
    await readiness(s);
    await new Promise((r) => setTimeout(r, 200));
    expect(written).toEqual([]);
    expect(await bed.producer.hExists(`${s.prefix}rollcall:${first.body.id}`, 'closed')).toBe(0);
    expect(await bed.producer.zScore(`${s.prefix}rollcall:open`, first.body.id)).not.toBeNull();
  });

  it('a roll-call started on a node that then dies is closed by another node\'s chore', async () => {
    const settings = { jurisdictionDir: DEMO_JURISDICTION_DIR, keyPrefix: 'rcnodes:', rollCall: { answerMs: ANSWER_MS, missesToFlag: 1, closeEveryMs: 200 } };
    const a = await startTestServer({ redisUrl: bed.redis.url, ...settings, nodeId: 'node-a' });
    let aClosed = false;
    bed.onCleanup(async () => { if (!aClosed) await a.close(); });
    // node-a holds the closing lease before node-b exists.
    await expect.poll(async () => bed.producer.get('rcnodes:lock:rollcall-close')).toMatch(/^node-a\//);
    const b = await startTestServer({ redisUrl: bed.redis.url, ...settings, nodeId: 'node-b' });
    bed.onCleanup(() => b.close());
    const town = await loadJurisdiction(DEMO_JURISDICTION_DIR);
    const g03 = town.units.filter((u) => u.kind === 'emergency_unit' && u.gridId === 'G03').map((u) => u.id).sort();
    const started = await postJson<RollCall>(`${a.url}/api/roll-calls`, { commandId: 'rc-test-nodedies-1', gridId: 'G03' }, await bed.token(a, 'leader'));
    expect(started.status).toBe(200);
    // node-a dies before the due time, its lease still held (nothing releases it).
    await a.close();
    aClosed = true;
    expect(await bed.producer.get('rcnodes:lock:rollcall-close')).toMatch(/^node-a\//);
    await expect.poll(async () => bed.producer.hExists(`rcnodes:rollcall:${started.body.id}`, 'closed'), { timeout: 15_000 }).toBe(1);
    expect(await bed.producer.get('rcnodes:lock:rollcall-close')).toMatch(/^node-b\//);
    const r = (await (await fetch(`${b.url}/api/roll-calls/readiness`, { headers: await bed.headers(b, 'operator') })).json()) as Readiness;
    expect(r.flagged.map((f) => f.unitId)).toEqual(g03);
    expect(r.flagged.every((f) => f.misses === 1)).toBe(true);
  }, 30_000);
});
