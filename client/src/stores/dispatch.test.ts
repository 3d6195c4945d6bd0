// The console store against a stand-in fetch: what each command sends, one command id across retries, the
// conflict sentence, backup for an incident already being handled, the tiered call-out, and following the
// queue when the selected incident leaves the board.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import type { Candidate, Recommendation } from '@ccr/shared';
import { delta, incident, snapshot, T0, unit } from '../test/fixtures';
import { useLiveStore } from './live';
import { useDispatchStore } from './dispatch';

type Reply = { status: number; body?: unknown } | 'network';
let calls: { url: string; method: string; body: Record<string, unknown> | null }[] = [];
let posts: Reply[] = [];

const cand = (unitId: string, eta: number): Candidate => ({ unitId, name: unitId, kind: 'patrol_car', team: 'patrol', status: 'available', distanceMeters: eta * 8, etaSeconds: eta, positionAgeMs: 0, reasons: [] });
const rec = (incidentId: string): Recommendation => ({
  incidentId, computedAt: T0, candidates: [cand('P-01', 60), cand('P-02', 90), cand('P-03', 120)],
  rings: [{ minutes: 1, radiusMeters: 64, units: [], people: 0 }, { minutes: 3, radiusMeters: 194, units: [], people: 0 }, { minutes: 5, radiusMeters: 323, units: [], people: 0 }],
});
const result = (commandId: string) => ({ commandId, replayed: false, units: [] });

beforeEach(() => {
  setActivePinia(createPinia());
  calls = [];
  posts = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    const body = init.body ? JSON.parse(String(init.body)) as Record<string, unknown> : null;
    calls.push({ url, method: init.method ?? 'GET', body });
    if ((init.method ?? 'GET') === 'GET') {
      const id = decodeURIComponent(url.split('/')[3]!);
      return new Response(JSON.stringify(rec(id)), { status: 200 });
    }
    const r = posts.shift() ?? { status: 200, body: result(String(body?.commandId)) };
    if (r === 'network') throw new TypeError('Failed to fetch');
    return new Response(JSON.stringify(r.body ?? result(String(body?.commandId))), { status: r.status });
  });
});
afterEach(() => {
  useDispatchStore().stop();
  vi.unstubAllGlobals();
});

async function ready(incidents = [incident({ id: 'JQ-1', priority: 1 }), incident({ id: 'JQ-2', priority: 2 })]) {
  const live = useLiveStore();
  live.applySnapshot(snapshot({ incidents, units: [unit({ id: 'P-01' }), unit({ id: 'P-02' }), unit({ id: 'P-03' })] }));
  const d = useDispatchStore();
  d.setRetryOptions({ sleep: async () => {} });
  d.select('JQ-1');
  await vi.waitFor(() => expect(d.candidates).toHaveLength(3));
  return { live, d };
}
const commandPosts = () => calls.filter((c) => c.method === 'POST');

describe('dispatch store', () => {
  it('Enter sends the top recommendation; picked units when there are picks', async () => {
    const { d } = await ready();
    await d.dispatch();
    expect(commandPosts()[0]).toMatchObject({ url: '/api/incidents/JQ-1/dispatch', body: { unitIds: ['P-01'] } });
    d.select('JQ-2');
    await vi.waitFor(() => expect(d.candidates).toHaveLength(3));
    d.togglePick(3);
    d.togglePick(2);
    d.note = '  带上执法记录仪 ';
    await d.dispatch();
    expect(commandPosts()[1]).toMatchObject({ url: '/api/incidents/JQ-2/dispatch', body: { unitIds: ['P-03', 'P-02'], note: '带上执法记录仪' } });
    expect(d.picked).toEqual([]);
    expect(d.message?.tone).toBe('ok');
  });

  it('retries a command lost to the network with the same command id', async () => {
    const { d } = await ready();
    posts.push('network', 'network');
    await d.dispatch();
    const sent = commandPosts();
    expect(sent).toHaveLength(3);
    expect(new Set(sent.map((c) => c.body!.commandId)).size).toBe(1);
    expect(d.message?.tone).toBe('ok');
    // the next action is a new command with a new id
    await d.backup();
    expect(commandPosts()[3]!.body!.commandId).not.toBe(sent[0]!.body!.commandId);
  });

  it('shows who holds a unit when the server answers 409', async () => {
    const { d } = await ready();
    const held = { error: 'unit_held', params: { unitId: 'P-01', incidentId: 'JQ-0099', by: 'leader' }, message: 'unit P-01 is not available', unitId: 'P-01', heldByIncidentId: 'JQ-0099', heldBy: 'leader' };
    posts.push({ status: 409, body: held });
    await d.dispatch();
    expect(commandPosts()).toHaveLength(1);
    expect(d.message).toMatchObject({ tone: 'error', text: 'P-01 已被 JQ-0099 调派（leader）' });
    // by name when the unit has one
    useLiveStore().applyDelta(delta('1000-1', { type: 'unit:updated', unit: unit({ id: 'P-01', name: '巡逻车 01' }) }));
    posts.push({ status: 409, body: { ...held, params: { ...held.params, by: 'system' } } });
    await d.dispatch();
    expect(d.message?.text).toBe('巡逻车 01（P-01） 已被 JQ-0099 调派（系统(到场判定)）');
    // the state a unit is in, by its label
    posts.push({ status: 409, body: { error: 'unit_unavailable', params: { unitId: 'P-01', status: 'off_duty' }, message: 'unit P-01 is not available: off_duty' } });
    await d.dispatch();
    expect(d.message?.text).toBe('巡逻车 01（P-01） 当前下勤，不能调派');
  });

  it('sends backup (not a second dispatch) for an incident already dispatched', async () => {
    const { live, d } = await ready();
    live.applyDelta(delta('1000-1', { type: 'incident:updated', incident: incident({ id: 'JQ-1', priority: 1, status: 'dispatched', assignedUnitIds: ['P-09'] }) }));
    await d.dispatch();
    expect(commandPosts()[0]!.url).toBe('/api/incidents/JQ-1/backup');
  });

  it('calls out the emergency units ring by ring: 1 minute, then 3, then 5', async () => {
    const { d } = await ready();
    await d.alertEmergency();
    // The answer reached no unit: the console says the ring was empty, not "已呼叫".
    expect(d.message?.text).toBe('1 分钟圈内没有最小应急单元，未呼叫任何单元；再按 A 呼叫 3 分钟圈');
    await d.alertEmergency();
    await d.alertEmergency();
    expect(d.nextAlertRing).toBeNull();
    await d.alertEmergency();
    expect(commandPosts().map((c) => c.body!.ring)).toEqual([1, 3, 5]);
  });

  it('forgets the call-out of an incident once it is closed (a console left on keeps no history)', async () => {
    const { live, d } = await ready();
    await d.alertEmergency();
    d.select('JQ-2');
    await d.alertEmergency();
    expect([...d.alerted.keys()].sort()).toEqual(['JQ-1', 'JQ-2']);
    live.applyDelta(delta('1000-1', { type: 'incident:updated', incident: incident({ id: 'JQ-1', priority: 1, status: 'closed' }) }));
    await vi.waitFor(() => expect([...d.alerted.keys()]).toEqual(['JQ-2']));
    expect(d.nextAlertRing).toBe(3);
  });

  it('closes with an outcome and cancels only with a reason', async () => {
    const { d } = await ready();
    expect(await d.cancel('   ')).toBe(false);
    expect(commandPosts()).toHaveLength(0);
    expect(await d.cancel('重复报警')).toBe(true);
    expect(await d.close('mediated', '双方和解')).toBe(true);
    expect(commandPosts().map((c) => [c.url, c.body!.reason ?? c.body!.outcome])).toEqual([
      ['/api/incidents/JQ-1/cancel', '重复报警'], ['/api/incidents/JQ-1/close', 'mediated'],
    ]);
  });

  it('moves to the incident now in its place when the selected one is closed', async () => {
    const { live, d } = await ready();
    live.applyDelta(delta('1000-1', { type: 'incident:updated', incident: incident({ id: 'JQ-1', priority: 1, status: 'closed' }) }));
    await vi.waitFor(() => expect(d.selectedId).toBe('JQ-2'));
  });

  it('sets a unit status with a command id', async () => {
    const { d } = await ready();
    await d.setUnitStatus('P-02', 'off_duty');
    expect(commandPosts()[0]).toMatchObject({ url: '/api/units/P-02/status', body: { status: 'off_duty' } });
    expect(typeof commandPosts()[0]!.body!.commandId).toBe('string');
  });

  it('疑似重复: M merges into the incident the flag names, D dismisses; neither is sent for an incident not flagged', async () => {
    const flag = { of: 'JQ-2', distanceMeters: 35, seconds: 8, flaggedAt: T0 };
    const { live, d } = await ready([incident({ id: 'JQ-1', priority: 1, suspectedDuplicate: flag }), incident({ id: 'JQ-2', priority: 1, reportedAt: T0 - 8_000 })]);
    expect(d.duplicate).toMatchObject({ of: 'JQ-2', distanceMeters: 35, seconds: 8, mergeable: true });
    expect(d.mergeReady()).toBe(true);
    expect(await d.merge(' 同一起打架 ')).toBe(true);
    await d.notDuplicate();
    expect(commandPosts().map((c) => [c.url, c.body!.intoIncidentId ?? null, c.body!.note ?? null])).toEqual([
      ['/api/incidents/JQ-1/merge', 'JQ-2', '同一起打架'], ['/api/incidents/JQ-1/not-duplicate', null, null],
    ]);
    // The original ended meanwhile: M says so instead of opening a dialog that can only be refused (409).
    live.applyDelta(delta('1000-1', { type: 'incident:updated', incident: incident({ id: 'JQ-2', priority: 1, status: 'closed' }) }));
    await vi.waitFor(() => expect(d.duplicate?.mergeable).toBe(false));
    expect(d.mergeReady()).toBe(false);
    expect(d.message?.text).toContain('JQ-2');
    d.select('JQ-2');
    expect(d.duplicate).toBeNull();
    await d.notDuplicate();
    expect(await d.merge('')).toBe(false);
    expect(commandPosts()).toHaveLength(2);
  });
});
