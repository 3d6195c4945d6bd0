// Faults on the emergency units' terminal write paths against a real redis-server (append-only, fsync on every
// write): a call-out answer (callout:report) and a roll-call answer (rollcall:answer). Each is sent and its reply
// lost — its node died between the Lua commit and the reply (two nodes share one Redis), or Redis was killed and
// restarted — and sent again: exactly one effect (the answer, the tier's figures and the promise statistics counted
// once), and nothing acknowledged is lost.
import { describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { DEVICE_NAMESPACE, type CallOut, type CallOutStats, type Readiness, type RollCall } from '@ccr/shared';
import { LuaScript } from '../../plugins/lua-script.js';
import { fixtureGridCentre, postJson, useTestbed, type TestServer } from '../../testing/index.js';

const bed = useTestbed('rf');
const [lng, lat] = fixtureGridCentre(0, 0); // the school emergency unit E-0001 (12 people, grid G1) is here
let seq = 0;
const cmd = (): string => `rf-${Date.now().toString(36)}-${++seq}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Ack = { ok: true; data: Record<string, unknown> } | { ok: false; error: { code: string; message: string } };
const deployment = (prefix: string, nodes: number) => bed.deployment(prefix, nodes, {
  rollCall: { answerMs: 60_000, missesToFlag: 2, closeEveryMs: 1_000 }, auth: { rateLimitPerMinute: 100_000 },
});

async function terminal(s: TestServer, unitId: string): Promise<{ emit(event: string, body: unknown): Promise<Ack> }> {
  const socket: Socket = io(`${s.url}${DEVICE_NAMESPACE}`, { transports: ['websocket'], auth: { token: await bed.token(s, 'device', unitId) }, reconnection: false, forceNew: true });
  bed.onCleanup(() => { socket.close(); });
  await new Promise<void>((resolve, reject) => { socket.once('connect', () => resolve()); socket.once('connect_error', reject); });
  return { emit: (event, body) => socket.timeout(10_000).emitWithAck(event, body) as Promise<Ack> };
}

/** Sends until answered (the same body every time), as the terminal app does while the server says unavailable. */
async function persist(send: () => Promise<Ack>): Promise<Ack> {
  for (let attempt = 0; attempt < 150; attempt++) {
    const r = await send().catch(() => null);
    if (r && (r.ok || r.error.code !== 'unavailable')) return r;
    await sleep(100);
  }
  throw new Error('never answered');
}

/** Node `s` dies right after the named script commits: the write is in Redis, the terminal is answered unavailable. */
function dieAfterScript(s: TestServer, name: string): () => void {
  const run = LuaScript.prototype.run;
  LuaScript.prototype.run = async function (this: LuaScript, client, keys, args) {
    const out = await run.call(this, client, keys, args);
    if (this.name === name && client === s.app.redis.command) throw new Error('simulated crash between the commit and the reply');
    return out;
  };
  return () => { LuaScript.prototype.run = run; };
}

async function incident(s: TestServer, id: string): Promise<void> {
  const r = await postJson(`${s.url}/api/ingest/incidents`, { id, type: 'fight', priority: 1, lng, lat, reportedAt: Date.now(), source: '110', summary: '校门口有人持刀' }, await bed.token(s, 'producer'));
  expect(r.status).toBe(202);
  await expect.poll(async () => (await bed.fetch(s, `/api/incidents/${id}`, {}, 'dispatcher')).status).toBe(200);
}
async function get<T>(s: TestServer, path: string): Promise<T> {
  const res = await bed.fetch(s, path, {}, 'leader');
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}
const callOutOf = (s: TestServer, id: string) => get<CallOut>(s, `/api/incidents/${id}/call-out`);
const g1 = async (s: TestServer) => (await get<Readiness>(s, '/api/roll-calls/readiness')).grids.find((g) => g.gridId === 'G1');

describe('emergency units\' answers under faults', () => {
  it('a node killed between its commit and its reply: the answer sent again to another node has one effect', async () => {
    const { nodes } = await deployment('rfk:', 2);
    const [a, b] = nodes as [TestServer, TestServer];
    await incident(b, 'JQ-RF-1');
    expect((await postJson(`${b.url}/api/incidents/JQ-RF-1/alert-emergency-units`, { commandId: cmd(), ring: 1 }, await bed.token(b, 'dispatcher'))).status).toBe(200);
    const onA = await terminal(a, 'E-0001');
    const onB = await terminal(b, 'E-0001');

    for (const [answer, extra] of [['coming', { people: 8 }], ['arrived', {}]] as const) {
      const report = { reportId: `rf-k-${answer}`, incidentId: 'JQ-RF-1', answer, ...extra };
      const restore = dieAfterScript(a, 'callOutReport');
      expect(await onA.emit('callout:report', report)).toMatchObject({ ok: false, error: { code: 'unavailable' } });
      restore();
      expect(await onB.emit('callout:report', report)).toEqual({ ok: true, data: { answer, replayed: true } });
      expect(await onA.emit('callout:report', report)).toEqual({ ok: true, data: { answer, replayed: true } });
    }
    const c = await callOutOf(b, 'JQ-RF-1');
    expect(c.tiers[0]).toMatchObject({ ring: 1, called: 1, coming: 1, people: 8, arrived: 1 });
    expect(c.units).toEqual([expect.objectContaining({ unitId: 'E-0001', people: 8 })]);
    const stats = await get<CallOutStats>(b, '/api/stats/call-outs');
    expect(stats).toMatchObject({ calledOut: 1, selfHelpWithin1: 1 });

    const rc = await postJson<RollCall>(`${b.url}/api/roll-calls`, { commandId: cmd(), gridId: 'G1' }, await bed.token(b, 'leader'));
    expect(rc.status).toBe(200);
    const restore = dieAfterScript(a, 'rollCallAnswer');
    expect(await onA.emit('rollcall:answer', { rollCallId: rc.body.id, people: 9 })).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    restore();
    expect(await onB.emit('rollcall:answer', { rollCallId: rc.body.id, people: 9 })).toEqual({ ok: true, data: { rollCallId: rc.body.id, people: 9 } });
    expect(await onA.emit('rollcall:answer', { rollCallId: rc.body.id, people: 9 })).toMatchObject({ ok: true });
    expect(await g1(b)).toMatchObject({ rollCallId: rc.body.id, units: 1, answeredUnits: 1, registered: 12, acknowledged: 9 });
  }, 60_000);

  it('Redis killed and restarted between an answer and its retry: nothing acknowledged is lost, the retry has no second effect', async () => {
    const { redis, nodes } = await deployment('rfr:', 1);
    const s = nodes[0]!;
    await incident(s, 'JQ-RF-2');
    expect((await postJson(`${s.url}/api/incidents/JQ-RF-2/alert-emergency-units`, { commandId: cmd(), ring: 1 }, await bed.token(s, 'dispatcher'))).status).toBe(200);
    const rc = await postJson<RollCall>(`${s.url}/api/roll-calls`, { commandId: cmd(), gridId: 'G1' }, await bed.token(s, 'leader'));
    expect(rc.status).toBe(200);
    const t = await terminal(s, 'E-0001');
    const reports = [
      { reportId: 'rf-r-coming', incidentId: 'JQ-RF-2', answer: 'coming', people: 6 },
      { reportId: 'rf-r-arrived', incidentId: 'JQ-RF-2', answer: 'arrived' },
      { reportId: 'rf-r-done', incidentId: 'JQ-RF-2', answer: 'done', note: '已疏散' },
    ];
    const send = async (): Promise<Ack[]> => {
      const out: Ack[] = [];
      for (const r of reports) out.push(await persist(() => t.emit('callout:report', r)));
      out.push(await persist(() => t.emit('rollcall:answer', { rollCallId: rc.body.id, people: 5 })));
      return out;
    };
    const first = await send();
    expect(first.every((r) => r.ok)).toBe(true);
    const callOut = await callOutOf(s, 'JQ-RF-2');
    const readiness = await g1(s);
    await redis.crash();
    const again = await send();
    expect(again.slice(0, 3)).toEqual(reports.map((r) => ({ ok: true, data: { answer: r.answer, replayed: true } })));
    expect(again[3]).toMatchObject({ ok: true });
    expect(await callOutOf(s, 'JQ-RF-2')).toEqual(callOut);
    expect(callOut.units).toEqual([expect.objectContaining({ unitId: 'E-0001', people: 6, note: '已疏散' })]);
    expect(await g1(s)).toEqual(readiness);
    expect(readiness).toMatchObject({ answeredUnits: 1, acknowledged: 5 });
    expect(await get<CallOutStats>(s, '/api/stats/call-outs')).toMatchObject({ calledOut: 1, selfHelpWithin1: 1 });
  }, 60_000);
});
