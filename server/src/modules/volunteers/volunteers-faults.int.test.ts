// Faults on the 群防群治 write paths against a real redis-server (append-only, fsync on every write): a public clue,
// a clue turned into an incident, a broadcast search's acknowledgement, sighting and "found", and a 护学岗 check-in.
// Each is sent, its reply lost — the node died between the commit and the reply (two nodes share one Redis), or Redis
// was killed and restarted — and sent again: exactly one effect (one record, one event on the live stream), and
// nothing acknowledged is lost.
import { describe, expect, it } from 'vitest';
import type { createClient } from 'redis';
import { io, type Socket } from 'socket.io-client';
import { VOLUNTEER_NAMESPACE, type Clue, type GuardBoard, type Search, type Sighting } from '@ccr/shared';
import { fixtureGridCentre, postJson, useTestbed, type TestServer } from '../../testing/index.js';
import type { VolunteerWrite } from './volunteers-repository.js';

const bed = useTestbed('vf');
const [lng, lat] = fixtureGridCentre(0, 0);
let seq = 0;
const cmd = (): string => `vf-${Date.now().toString(36)}-${++seq}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const settings = {
  volunteers: { publicClues: { perAddressPerHour: 1_000, perPhonePerDay: 1_000, duplicateWindowMs: 60_000 }, guardWindows: { morning: '00:00-23:58', afternoon: '23:59-23:59' } },
  auth: { rateLimitPerMinute: 100_000 },
};
type Ack<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };

type Client = ReturnType<typeof createClient>;
/** Nodes on one append-only Redis, sharing a key prefix (one deployment), and a client of that Redis. */
const deployment = (prefix: string, nodes: number) => bed.deployment(prefix, nodes, settings);

async function volunteerPhone(s: TestServer, id: string): Promise<{ emit<T>(event: string, body: unknown): Promise<Ack<T>> }> {
  const socket: Socket = io(`${s.url}${VOLUNTEER_NAMESPACE}`, { transports: ['websocket'], auth: { token: await bed.token(s, 'volunteer', id) }, reconnection: false, forceNew: true });
  bed.onCleanup(() => { socket.close(); });
  await new Promise<void>((resolve, reject) => { socket.once('connect', () => resolve()); socket.once('connect_error', reject); });
  return { emit: (event, body) => socket.timeout(10_000).emitWithAck(event, body) as Promise<never> };
}

/** Sends until answered (the same body every time), as a terminal or page does while the server says unavailable. */
async function persist<T>(send: () => Promise<T>, answered: (r: T) => boolean): Promise<T> {
  for (let attempt = 0; attempt < 150; attempt++) {
    const r = await send().catch(() => null);
    if (r !== null && answered(r)) return r;
    await sleep(100);
  }
  throw new Error('never answered');
}
const httpAnswered = (r: { status: number }) => r.status < 500;
const ackAnswered = (r: Ack<unknown>) => r.ok || r.error.code !== 'unavailable';

/** The node dies right after its commit: the write is in Redis, the caller gets no answer. */
function dieAfterCommit(s: TestServer): () => void {
  const repo = s.app.volunteers.repo;
  const commit = repo.commit.bind(repo);
  repo.commit = async (w: VolunteerWrite) => { await commit(w); throw new Error('simulated crash between the commit and the reply'); };
  return () => { repo.commit = commit; };
}
/** The node loses Redis after checking the command but before its commit: nothing is written. */
function failBeforeCommit(s: TestServer): () => void {
  const repo = s.app.volunteers.repo;
  const commit = repo.commit.bind(repo);
  repo.commit = () => Promise.reject(new Error('simulated Redis gone before the commit'));
  return () => { repo.commit = commit; };
}

/** How many events on the deployment's live stream match. */
async function eventsOf(c: Client, s: TestServer, pick: (e: { type: string; [k: string]: unknown }) => boolean): Promise<number> {
  const entries = await c.xRange(s.app.live.repo.keys.events, '-', '+');
  return entries.map((e) => JSON.parse(e.message.e ?? 'null') as { type: string; [k: string]: unknown }).filter(pick).length;
}
async function get<T>(s: TestServer, path: string): Promise<T> {
  const res = await bed.fetch(s, path, {}, 'dispatcher');
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}
async function reportIncident(s: TestServer, id: string): Promise<void> {
  const r = await postJson(`${s.url}/api/ingest/incidents`, { id, type: 'missing_person', priority: 1, lng, lat, reportedAt: Date.now(), source: '110', summary: '七旬老人走失' }, await bed.token(s, 'producer'));
  expect(r.status).toBe(202);
  await expect.poll(async () => (await bed.fetch(s, `/api/incidents/${id}`, {}, 'dispatcher')).status).toBe(200);
}
const clueCount = async (s: TestServer, text: string) => (await s.app.volunteers.repo.cluesBetween(0, Date.now() + 1, 1_000)).filter((c) => c.text === text).length;
const readSearch = async (s: TestServer, id: string): Promise<Search> => (await s.app.volunteers.repo.readSearch(id))!.value;

describe('群防群治 write paths under faults', () => {
  it('a node killed between its commit and its reply: the command sent again to another node has one effect', async () => {
    const { client, nodes } = await deployment('vfk:', 2);
    const [a, b] = nodes as [TestServer, TestServer];
    const dispatcherA = await bed.token(a, 'dispatcher');
    const dispatcherB = await bed.token(b, 'dispatcher');

    // A public clue whose first try lost Redis after claiming its text but before its commit: the retry stores it.
    const first = { commandId: cmd(), text: '菜市场东门有人兜售假药', phone: '13900000001', lng, lat };
    let restore = failBeforeCommit(a);
    expect((await postJson(`${a.url}/api/public/clues`, first)).status).toBe(500);
    restore();
    const stored = await postJson<{ id: string }>(`${b.url}/api/public/clues`, first);
    expect(stored.status).toBe(202);
    expect(await clueCount(b, first.text)).toBe(1);
    // Another whose commit went through and whose node died before answering: the retry answers the same id.
    const pub = { commandId: cmd(), text: '公园北门长椅旁有个无人认领的书包', lng, lat };
    restore = dieAfterCommit(a);
    expect((await postJson(`${a.url}/api/public/clues`, pub)).status).toBe(500);
    restore();
    const again = await Promise.all([b, b, a].map((s) => postJson<{ id: string }>(`${s.url}/api/public/clues`, pub)));
    expect(again.map((r) => r.status)).toEqual([202, 202, 202]);
    expect(new Set(again.map((r) => r.body.id)).size).toBe(1);
    expect(await clueCount(b, pub.text)).toBe(1);
    // The same command id with another text is refused, not stored.
    expect((await postJson<{ error: string }>(`${b.url}/api/public/clues`, { ...pub, text: '别的内容' })).body).toMatchObject({ error: 'command_id_reused' });
    const clueId = again[0]!.body.id;

    // The clue becomes an incident: the node dies after marking the clue, before recording the incident.
    const toIncident = { commandId: cmd(), type: 'fraud', priority: 2 };
    restore = dieAfterCommit(a);
    expect((await postJson(`${a.url}/api/clues/${clueId}/incident`, toIncident, dispatcherA)).status).toBe(500);
    restore();
    const made = await postJson<Clue>(`${b.url}/api/clues/${clueId}/incident`, toIncident, dispatcherB);
    expect(made).toMatchObject({ status: 200, body: { status: 'incident', incidentId: `CL-${clueId}` } });
    expect((await postJson<Clue>(`${b.url}/api/clues/${clueId}/incident`, toIncident, dispatcherB)).body).toEqual(made.body);
    await expect.poll(async () => (await bed.fetch(b, `/api/incidents/CL-${clueId}`, {}, 'dispatcher')).status).toBe(200);
    expect(await eventsOf(client, b, (e) => e.type === 'incident:reported' && (e.incident as { id: string }).id === `CL-${clueId}`)).toBe(1);
    expect(await eventsOf(client, b, (e) => e.type === 'clue:changed' && (e.clue as Clue).id === clueId && (e.clue as Clue).status === 'incident')).toBe(1);
    expect((await get<{ counts: Record<string, number> }>(b, '/api/clues')).counts['public|incident']).toBe(1);

    // A broadcast search to the couriers; the volunteer's phone is on both nodes.
    await reportIncident(b, 'JQ-VF-1');
    const search = (await postJson<Search>(`${b.url}/api/searches`, { commandId: cmd(), incidentId: 'JQ-VF-1', kind: 'missing_person', description: '七旬男性，灰色外套', radiusM: 2_000, teams: ['V-1'], gridOfficers: false, emergencyUnits: false }, dispatcherB)).body;
    expect(search.recipients).toEqual(['v:V-1-01']);
    const onA = await volunteerPhone(a, 'V-1-01');
    const onB = await volunteerPhone(b, 'V-1-01');

    restore = dieAfterCommit(a);
    expect(await onA.emit('search:acknowledge', { searchId: search.id, status: 'active' })).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    restore();
    const ackedAt = (await readSearch(b, search.id)).acks['v:V-1-01'];
    expect(ackedAt).toBeTypeOf('number'); // the lost one stands
    expect(await onB.emit('search:acknowledge', { searchId: search.id, status: 'active' })).toMatchObject({ ok: true });
    expect(await onB.emit('search:acknowledge', { searchId: search.id, status: 'active' })).toMatchObject({ ok: true });
    expect((await readSearch(b, search.id)).acks).toEqual({ 'v:V-1-01': ackedAt });
    expect(await client.hLen(b.app.volunteers.repo.inbox.boxKey('v:V-1-01'))).toBe(0); // the notice is no longer sent

    const sighting = { commandId: cmd(), searchId: search.id, lng, lat, text: '超市门口看到一位拄拐老人' };
    restore = dieAfterCommit(a);
    expect(await onA.emit('search:sighting', sighting)).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    restore();
    const seen = await onB.emit<Sighting>('search:sighting', sighting);
    expect(seen).toMatchObject({ ok: true, data: { id: `${search.id}-S1`, text: sighting.text } });
    expect(await onA.emit('search:sighting', sighting)).toEqual(seen);
    expect((await readSearch(b, search.id)).sightings).toHaveLength(1);

    const found = { commandId: cmd() };
    restore = dieAfterCommit(a);
    expect((await postJson(`${a.url}/api/searches/${search.id}/found`, found, dispatcherA)).status).toBe(500);
    restore();
    const ended = await postJson<Search>(`${b.url}/api/searches/${search.id}/found`, found, dispatcherB);
    expect(ended).toMatchObject({ status: 200, body: { status: 'found' } });
    expect((await readSearch(b, search.id)).timeToFoundMs).toBe(ended.body.timeToFoundMs);
    expect(await eventsOf(client, b, (e) => e.type === 'search:changed' && (e.search as Search).id === search.id && (e.search as Search).status === 'found')).toBe(1);

    // 护学岗: the post's check-in, its reply lost on a dying node, sent again on the other.
    const guardA = await volunteerPhone(a, 'V-2-01');
    const guardB = await volunteerPhone(b, 'V-2-01');
    const checkIn = { commandId: cmd(), lng, lat };
    restore = dieAfterCommit(a);
    expect(await guardA.emit('guard:check-in', checkIn)).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    restore();
    const checkedAt = (await get<GuardBoard>(b, '/api/guard-posts')).posts.find((p) => p.teamId === 'V-2')?.checkIns.morning?.at;
    expect(checkedAt).toBeTypeOf('number');
    expect(await guardB.emit('guard:check-in', checkIn)).toEqual({ ok: true, data: { window: 'morning' } });
    expect((await get<GuardBoard>(b, '/api/guard-posts')).posts.find((p) => p.teamId === 'V-2')?.checkIns.morning?.at).toBe(checkedAt);
    expect(await eventsOf(client, b, (e) => e.type === 'guard:checked-in' && e.teamId === 'V-2')).toBe(1);
  }, 60_000);

  it('Redis killed and restarted between a command and its retry: nothing acknowledged is lost, each retry has no second effect', async () => {
    const { redis, client, nodes } = await deployment('vfr:', 1);
    const s = nodes[0]!;
    const dispatcher = await bed.token(s, 'dispatcher');
    await reportIncident(s, 'JQ-VF-2');
    const phone = await volunteerPhone(s, 'V-1-01');
    const guard = await volunteerPhone(s, 'V-2-01');

    const pub = { commandId: cmd(), text: '河堤上有两个孩子在冰面玩耍', phone: '13900000002', lng, lat };
    const toIncident = { commandId: cmd(), type: 'fraud', priority: 2 };
    const startSearch = { commandId: cmd(), incidentId: 'JQ-VF-2', kind: 'lost_child', description: '红衣女孩 6岁', radiusM: 2_000, teams: ['V-1'], gridOfficers: false, emergencyUnits: false };
    const checkIn = { commandId: cmd(), lng, lat };
    const found = { commandId: cmd() };

    /** Every command once (or again, after the restart): its answers. */
    const run = async (): Promise<Record<string, unknown>> => {
      const clue = await persist(() => postJson<{ id: string }>(`${s.url}/api/public/clues`, pub), httpAnswered);
      expect(clue.status).toBe(202);
      const made = await persist(() => postJson<Clue>(`${s.url}/api/clues/${clue.body.id}/incident`, toIncident, dispatcher), httpAnswered);
      expect(made.status).toBe(200);
      const started = await persist(() => postJson<Search>(`${s.url}/api/searches`, startSearch, dispatcher), httpAnswered);
      expect(started.status).toBe(200);
      const id = started.body.id;
      const acked = await persist(() => phone.emit<Search>('search:acknowledge', { searchId: id, status: 'active' }), ackAnswered);
      expect(acked.ok).toBe(true);
      const sighting = { commandId: `vf-sighting-${id}`, searchId: id, lng, lat, text: '桥下看到红衣小女孩' };
      const seen = await persist(() => phone.emit<Sighting>('search:sighting', sighting), ackAnswered);
      expect(seen.ok).toBe(true);
      const checked = await persist(() => guard.emit('guard:check-in', checkIn), ackAnswered);
      expect(checked).toEqual({ ok: true, data: { window: 'morning' } });
      const ended = await persist(() => postJson<Search>(`${s.url}/api/searches/${id}/found`, found, dispatcher), httpAnswered);
      expect(ended.status).toBe(200);
      return { clue: clue.body.id, incident: made.body.incidentId, search: id, sighting: seen.ok ? seen.data.id : null, timeToFoundMs: ended.body.timeToFoundMs };
    };
    const answers = await run();
    const stateBefore = await footprint(client, s);
    await redis.crash();
    const retried = await run();
    expect(retried).toEqual(answers);
    expect(await footprint(client, s)).toEqual(stateBefore);
    const search = await readSearch(s, answers.search as string);
    expect(search).toMatchObject({ status: 'found', sightings: [expect.objectContaining({ text: '桥下看到红衣小女孩' })] });
    expect(Object.keys(search.acks)).toEqual(['v:V-1-01']);
    expect(await clueCount(s, pub.text)).toBe(1);
    expect(await eventsOf(client, s, (e) => e.type === 'guard:checked-in')).toBe(1);
    expect(await eventsOf(client, s, (e) => e.type === 'incident:reported' && (e.incident as { id: string }).id === answers.incident)).toBe(1);
  }, 60_000);
});

/** Every volunteers key and value (id counters and public limits aside), and the incidents: equal means nothing changed. */
async function footprint(c: Client, s: TestServer): Promise<string> {
  const keys = (await c.keys(`${s.config.keyPrefix}vol:*`)).filter((k) => !k.includes(':seq:') && !k.includes(':pub:')).sort();
    const values = await Promise.all(keys.map(async (k) => {
      const type = await c.type(k);
      if (type === 'string') return c.get(k);
      // Fields sorted: a Redis reloaded from its append-only file may hand a hash's fields back in another order.
      if (type === 'hash') return JSON.stringify(Object.entries(await c.hGetAll(k)).sort(([x], [y]) => (x < y ? -1 : 1)));
      if (type === 'zset') return JSON.stringify(await c.zRangeWithScores(k, 0, -1));
      return type;
    }));
  return JSON.stringify([keys, values]);
}
