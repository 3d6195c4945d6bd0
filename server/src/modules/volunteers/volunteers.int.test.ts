// 群防群治 end to end against a real redis-server: volunteer logins, clues from a volunteer's phone and from the
// public channel (and its abuse limits), a clue turned into an incident that keeps its source and reporter, counts
// equal to a recount, a broadcast search's reach (a matrix of teams, kinds and distance), sightings, time to found,
// 护学岗 check-ins, and bad input refused with a reason and nothing changed.
import { describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import {
  DEVICE_NAMESPACE, VOLUNTEER_NAMESPACE, clueCountField, searchReach,
  type Clue, type Incident, type Search, type SearchNotice, type VolunteerProfile,
} from '@ccr/shared';
import { fixtureGridCentre, postJson, useTestbed, type TestServer } from '../../testing/index.js';

const bed = useTestbed('vol');
const [lng, lat] = fixtureGridCentre(0, 0);
let seq = 0;
const cmd = (): string => `cmd-${Date.now().toString(36)}-${++seq}`;

type Ack<T> = { ok: true; data: T } | { ok: false; error: { code: string; params?: Record<string, unknown>; message: string } };
interface Phone { socket: Socket; notices: SearchNotice[]; profile: () => VolunteerProfile | null; emit<T>(event: string, body: unknown): Promise<Ack<T>> }

async function phone(s: TestServer, nsp: string, token: string): Promise<Phone> {
  const socket = io(`${s.url}${nsp}`, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
  const notices: SearchNotice[] = [];
  let profile: VolunteerProfile | null = null;
  socket.on('search:issued', (n: SearchNotice) => notices.push(n));
  socket.on('volunteer:profile', (p: VolunteerProfile) => { profile = p; });
  bed.onCleanup(() => { socket.close(); });
  await new Promise<void>((resolve, reject) => { socket.once('connect', () => resolve()); socket.once('connect_error', reject); });
  return { socket, notices, profile: () => profile, emit: (event, body) => socket.timeout(5_000).emitWithAck(event, body) as Promise<never> };
}
const volunteerPhone = async (s: TestServer, id: string) => phone(s, VOLUNTEER_NAMESPACE, await bed.token(s, 'volunteer', id));
const unitTerminal = async (s: TestServer, unitId: string) => phone(s, DEVICE_NAMESPACE, await bed.token(s, 'device', unitId));

async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
const post = async <T>(s: TestServer, path: string, body: unknown, who: 'dispatcher' | 'operator' | 'volunteer' = 'dispatcher') =>
  postJson<T>(`${s.url}${path}`, body, await bed.token(s, who));
async function get<T>(s: TestServer, path: string): Promise<T> {
  const res = await bed.fetch(s, path, {}, 'dispatcher');
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}
/** Every volunteers key and value (id counters and public limits aside): equal before and after means nothing changed. */
async function footprint(s: TestServer & { prefix: string }): Promise<string> {
  const keys = (await bed.producer.keys(`${s.prefix}vol:*`)).filter((k) => !k.includes(':seq:') && !k.includes(':pub:')).sort();
  const values = await Promise.all(keys.map(async (k) => {
    const type = await bed.producer.type(k);
    if (type === 'string') return bed.producer.get(k);
    if (type === 'hash') return JSON.stringify(await bed.producer.hGetAll(k));
    if (type === 'zset') return JSON.stringify(await bed.producer.zRangeWithScores(k, 0, -1));
    return type;
  }));
  return JSON.stringify([keys, values]);
}
async function reportIncident(s: TestServer, id: string): Promise<void> {
  const r = await postJson(`${s.url}/api/ingest/incidents`, { id, type: 'missing_person', priority: 1, lng, lat, reportedAt: Date.now(), source: '110', summary: '七旬老人走失' }, await bed.token(s, 'producer'));
  expect(r.status).toBe(202);
  await until(async () => (await bed.fetch(s, `/api/incidents/${id}`, {}, 'dispatcher')).status === 200, `incident ${id}`);
}

describe('volunteer accounts', () => {
  it('log in with their provisioning key only, and may act only for themselves', async () => {
    const s = await bed.server();
    const ok = await postJson<{ user: { role: string; volunteerId: string; unitId: string; displayName: string } }>(`${s.url}/api/auth/volunteer`, {
      volunteerId: 'V-1-01', key: (await import('../auth/index.js')).volunteerKey(s.config.auth.deviceSecret!, 'V-1-01'),
    });
    expect(ok.status).toBe(200);
    expect(ok.body.user).toMatchObject({ role: 'volunteer', volunteerId: 'V-1-01', unitId: 'V-1', displayName: '张快递' });
    // A forged key, a unit's device key used as a volunteer's, an unknown volunteer: refused with a reason.
    const forged = await postJson<{ error: string }>(`${s.url}/api/auth/volunteer`, { volunteerId: 'V-1-01', key: 'f'.repeat(64) });
    expect(forged).toMatchObject({ status: 401, body: { error: 'bad_volunteer_key' } });
    const { deviceKey, volunteerKey } = await import('../auth/index.js');
    const crossed = await postJson<{ error: string }>(`${s.url}/api/auth/volunteer`, { volunteerId: 'V-1-01', key: deviceKey(s.config.auth.deviceSecret!, 'V-1-01') });
    expect(crossed.status).toBe(401);
    const unknown = await postJson<{ error: string }>(`${s.url}/api/auth/volunteer`, { volunteerId: 'V-9-99', key: volunteerKey(s.config.auth.deviceSecret!, 'V-9-99') });
    expect(unknown.status).toBe(401);
    // The console's routes are not theirs; a forged token cannot open the volunteer namespace.
    expect((await post(s, '/api/clues/XS-1/dismiss', { commandId: cmd(), reason: 'other' }, 'volunteer')).status).toBe(403);
    const bad = io(`${s.url}${VOLUNTEER_NAMESPACE}`, { transports: ['websocket'], auth: { token: 'not-a-token-0123456789abcdef' }, reconnection: false, forceNew: true });
    bed.onCleanup(() => { bad.close(); });
    await expect(new Promise((resolve, reject) => { bad.once('connect', () => resolve('connected')); bad.once('connect_error', reject); })).rejects.toThrow();
    // A unit terminal's token does not open it either.
    const unit = io(`${s.url}${VOLUNTEER_NAMESPACE}`, { transports: ['websocket'], auth: { token: await bed.token(s, 'device', 'P-01') }, reconnection: false, forceNew: true });
    bed.onCleanup(() => { unit.close(); });
    await expect(new Promise((resolve, reject) => { unit.once('connect', () => resolve('connected')); unit.once('connect_error', reject); })).rejects.toThrow();

    const p = await volunteerPhone(s, 'V-1-01');
    await until(() => p.profile() !== null, 'profile');
    expect(p.profile()).toMatchObject({ id: 'V-1-01', teamId: 'V-1', teamName: '快递小哥义警队', volunteerKind: 'courier', gridId: 'G1' });
  });
});

describe('clues', () => {
  it('a volunteer\'s clue becomes an incident that keeps its source and reporter; counts equal a recount', async () => {
    const s = await bed.server();
    const p = await volunteerPhone(s, 'V-1-01');
    const commandId = cmd();
    const sent = await p.emit<{ clue: Clue }>('clue:report', { commandId, text: '菜市场门口有人兜售假药', lng, lat });
    expect(sent.ok).toBe(true);
    const clue = (sent as { data: { clue: Clue } }).data.clue;
    expect(clue).toMatchObject({ source: 'volunteer', status: 'open', reporter: { volunteerId: 'V-1-01', name: '张快递', teamId: 'V-1' } });
    // The same command again (a phone retrying after a lost answer): the same clue, nothing new.
    const again = await p.emit<{ clue: Clue }>('clue:report', { commandId, text: '菜市场门口有人兜售假药', lng, lat });
    expect(again.ok && again.data.clue.id).toBe(clue.id);

    const queue = await get<{ total: number; items: Clue[] }>(s, '/api/clues');
    expect(queue.items.map((c) => c.id)).toEqual([clue.id]);

    const made = await post<Clue>(s, `/api/clues/${clue.id}/incident`, { commandId: cmd(), type: 'fraud', priority: 2 });
    expect(made.status).toBe(200);
    expect(made.body).toMatchObject({ status: 'incident', incidentId: `CL-${clue.id}`, decidedBy: 'dispatcher' });
    const incident = await get<Incident>(s, `/api/incidents/CL-${clue.id}`);
    expect(incident).toMatchObject({ source: 'volunteer', type: 'fraud', priority: 2, lng, lat, gridId: 'G1', summary: '菜市场门口有人兜售假药' });
    expect(incident.reporter).toBe('快递小哥义警队 张快递');
    // Decided once: a second decision is refused with the clue's status, and changes nothing.
    const before = await footprint(s);
    const twice = await post<{ error: string; params: Record<string, string> }>(s, `/api/clues/${clue.id}/dismiss`, { commandId: cmd(), reason: 'duplicate' });
    expect(twice).toMatchObject({ status: 409, body: { error: 'clue_decided', params: { id: clue.id, status: 'incident' } } });
    expect(await footprint(s)).toBe(before);

    // A public clue, dismissed; another left open; then counts against a recount of every clue.
    const pub = await postJson<{ id: string }>(`${s.url}/api/public/clues`, { text: '小区门口路灯坏了好几天', phone: '13912345678', lng, lat });
    expect(pub.status).toBe(202);
    expect((await post(s, `/api/clues/${pub.body.id}/dismiss`, { commandId: cmd(), reason: 'not_police' })).status).toBe(200);
    await postJson(`${s.url}/api/public/clues`, { text: '夜里有人撬电动车', address: '幸福小区3号楼' });
    const list = await get<{ counts: Record<string, number> }>(s, '/api/clues');
    const all = await s.app.volunteers.repo.cluesBetween(0, Date.now() + 1, 1_000);
    const recount: Record<string, number> = {};
    for (const c of all) recount[clueCountField(c)] = (recount[clueCountField(c)] ?? 0) + 1;
    expect(list.counts).toEqual(recount);
    expect(list.counts).toEqual({ 'V-1|incident': 1, 'public|dismissed': 1, 'public|open': 1 });
    // The public reporter's phone is kept masked only.
    expect(JSON.stringify(await bed.producer.keys(`${s.prefix}*`))).not.toContain('13912345678');
    expect(all.find((c) => c.id === pub.body.id)?.reporter).toEqual({ phone: '139****5678' });
  });

  it('the public channel refuses abuse with a reason and counts it: honeypot, duplicates, per phone, per address, size', async () => {
    const s = await bed.server({ volunteers: { publicClues: { perAddressPerHour: 4, perPhonePerDay: 2, duplicateWindowMs: 60_000 }, guardWindows: { morning: '07:10-08:00', afternoon: '16:20-17:30' } } });
    const send = (body: unknown) => postJson<{ id?: string; error?: string; params?: { reason: string } }>(`${s.url}/api/public/clues`, body);
    // A bot filling the hidden field is answered as if accepted; nothing is stored.
    const honey = await send({ text: '点击领取大奖', website: 'http://spam.example' });
    expect(honey.status).toBe(202);
    expect((await get<{ total: number }>(s, '/api/clues')).total).toBe(0);
    expect((await send({ text: '桥下有可疑人员', phone: '13800000001' })).status).toBe(202);
    // The same words again (spacing and punctuation aside) are a duplicate.
    expect((await send({ text: '桥下 有可疑人员！' })).body).toMatchObject({ error: 'clue_limited', params: { reason: 'duplicate' } });
    expect((await send({ text: '第二条线索内容', phone: '13800000001' })).status).toBe(202);
    // The same number with +86 is the same phone: over its limit (2 a day).
    expect((await send({ text: '第三条线索内容', phone: '+8613800000001' })).body).toMatchObject({ error: 'clue_limited', params: { reason: 'phone' } });
    // Over the address limit (4 an hour; every request that reached the limits counts, refused ones too).
    const over = await send({ text: '第四条线索内容' });
    expect(over).toMatchObject({ status: 429, body: { error: 'clue_limited', params: { reason: 'address' } } });
    // Bad input: a 10 MB note, a bad phone, an unknown field.
    const huge = await fetch(`${s.url}/api/public/clues`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'x'.repeat(10 * 1024 * 1024) }) });
    expect(huge.status).toBe(413);
    expect((await send({ text: '有效内容', phone: '12345' })).status).toBe(400);
    expect((await send({ text: '有效内容', extra: 1 })).status).toBe(400);
    expect((await get<{ total: number }>(s, '/api/clues')).total).toBe(2);
    const metrics = await (await bed.fetch(s, '/metrics', {}, 'admin')).text();
    expect(metrics).toMatch(/ccr_volunteers_refused_total\{action="clue.public",reason="honeypot"\} 1/);
    expect(metrics).toMatch(/ccr_volunteers_refused_total\{action="clue.public",reason="duplicate"\} 1/);
    expect(metrics).toMatch(/ccr_volunteers_refused_total\{action="clue.public",reason="address"\} 1/);
    expect(metrics).toMatch(/ccr_volunteers_refused_total\{action="clue.public",reason="phone"\} 1/);
  });

  it('the per-phone limit holds across addresses', async () => {
    const s = await bed.server({ volunteers: { publicClues: { perAddressPerHour: 100, perPhonePerDay: 2, duplicateWindowMs: 60_000 }, guardWindows: { morning: '07:10-08:00', afternoon: '16:20-17:30' } } });
    const send = (text: string) => postJson<{ error?: string; params?: { reason: string } }>(`${s.url}/api/public/clues`, { text, phone: '13700000002' });
    expect((await send('线索一号内容')).status).toBe(202);
    expect((await send('线索二号内容')).status).toBe(202);
    expect((await send('线索三号内容')).body).toMatchObject({ error: 'clue_limited', params: { reason: 'phone' } });
  });
});

describe('broadcast search (协查)', () => {
  it('reaches exactly the chosen teams and kinds within the radius; acknowledgements, sightings and found come back', async () => {
    const s = await bed.server();
    await reportIncident(s, 'JQ-XC-1');
    const near = await volunteerPhone(s, 'V-1-01'); // V-1, at G1's centre
    const far = await volunteerPhone(s, 'V-1-02'); // V-1, in G4 (~7 km)
    const guard = await volunteerPhone(s, 'V-2-01'); // V-2 (not chosen), G2
    const officer1 = await unitTerminal(s, 'C-1'); // G1's officer (roster home: none → no live fix: not reached)
    const emergency = await unitTerminal(s, 'E-0001'); // G1's centre
    const patrol = await unitTerminal(s, 'P-01'); // a patrol car: never a recipient
    const wall = bed.mirror(s);
    await wall.ready();

    // The reach matrix: who is reached for each choice, at 2 km around G1's centre.
    const reach = async (teams: string[], gridOfficers: boolean, emergencyUnits: boolean, radiusM = 2_000) =>
      searchReach([lng, lat], radiusM, { teams, gridOfficers, emergencyUnits }, await s.app.volunteers.service.reachCandidates(Date.now()));
    expect(await reach(['V-1'], false, false)).toEqual(['v:V-1-01']);
    expect(await reach(['V-1'], false, false, 20_000)).toEqual(['v:V-1-01', 'v:V-1-02']);
    expect(await reach(['V-2'], false, false)).toEqual([]);
    expect(await reach(['V-2'], false, false, 5_000)).toEqual(['v:V-2-01']);
    expect(await reach([], false, true)).toEqual(['u:E-0001']);
    expect(await reach([], true, false)).toEqual([]); // officers without a position are not reached
    // A volunteer who reports where they are is measured from there.
    expect((await far.emit('volunteer:here', { lng: lng + 0.001, lat })).ok).toBe(true);
    expect(await reach(['V-1'], false, false)).toEqual(['v:V-1-01', 'v:V-1-02']);
    const [farLng, farLat] = fixtureGridCentre(1, 1);
    expect((await far.emit('volunteer:here', { lng: farLng, lat: farLat })).ok).toBe(true);

    const started = await post<Search>(s, '/api/searches', {
      commandId: cmd(), incidentId: 'JQ-XC-1', kind: 'missing_person', description: '七旬男性，灰色外套，拄拐', radiusM: 2_000, teams: ['V-1'], gridOfficers: true, emergencyUnits: true,
    });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const search = started.body;
    expect(search.recipients).toEqual(['u:E-0001', 'v:V-1-01']);
    await until(() => near.notices.length > 0 && emergency.notices.length > 0, 'notices');
    await new Promise((r) => setTimeout(r, 300));
    expect(near.notices[0]).toMatchObject({ searchId: search.id, kind: 'missing_person', status: 'active', recipient: 'v:V-1-01' });
    for (const other of [far, guard, officer1, patrol]) expect(other.notices).toEqual([]);

    // Not a recipient: refused, nothing recorded.
    const before = await footprint(s);
    const foreign = await far.emit('search:sighting', { commandId: cmd(), searchId: search.id, lng, lat, text: '好像看到了' });
    expect(foreign).toMatchObject({ ok: false, error: { code: 'not_recipient' } });
    // A sighting 200 km away, a 10 MB note, an unknown field: refused with a reason, nothing changed.
    const distant = await near.emit('search:sighting', { commandId: cmd(), searchId: search.id, lng: lng + 2.3, lat, text: '在这里' });
    expect(distant).toMatchObject({ ok: false, error: { code: 'sighting_too_far' } });
    expect(!distant.ok && Number(distant.error.params?.km)).toBeGreaterThan(150);
    const longNote = await near.emit('search:sighting', { commandId: cmd(), searchId: search.id, lng, lat, text: 'x'.repeat(600) });
    expect(longNote).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(await footprint(s)).toBe(before);

    const acked = await near.emit('search:acknowledge', { searchId: search.id });
    expect(acked.ok).toBe(true);
    const seen = await near.emit<{ sighting: { id: string } }>('search:sighting', { commandId: cmd(), searchId: search.id, lng: lng + 0.002, lat, text: '超市门口看到一位拄拐老人' });
    expect(seen.ok).toBe(true);
    expect((await emergency.emit('search:acknowledge', { searchId: search.id })).ok).toBe(true);
    await until(() => wall.deltas.some((d) => d.event.type === 'search:changed' && d.event.search.sightings.length === 1 && Object.keys(d.event.search.acks).length === 2), 'search on the console');
    const [active] = await get<Search[]>(s, '/api/searches');
    expect(active?.sightings[0]).toMatchObject({ recipient: 'v:V-1-01', name: '张快递', text: '超市门口看到一位拄拐老人' });
    expect(Object.keys(active!.acks).sort()).toEqual(['u:E-0001', 'v:V-1-01']);

    await new Promise((r) => setTimeout(r, 20));
    const found = await post<Search>(s, `/api/searches/${search.id}/found`, { commandId: cmd() });
    expect(found.body).toMatchObject({ status: 'found', endedBy: 'dispatcher' });
    expect(found.body.timeToFoundMs).toBe(found.body.endedAt! - search.startedAt);
    expect(found.body.timeToFoundMs).toBeGreaterThan(0);
    expect(await get<Search[]>(s, '/api/searches')).toEqual([]);
    // Everyone it reached is told it ended; a sighting after is refused.
    await until(() => near.notices.some((n) => n.status === 'found'), 'found notice');
    const late = await near.emit('search:sighting', { commandId: cmd(), searchId: search.id, lng, lat, text: '又看到了' });
    expect(late).toMatchObject({ ok: false, error: { code: 'search_ended' } });
    // Nobody within reach: refused with a reason.
    const nobody = await post<{ error: string }>(s, '/api/searches', { commandId: cmd(), incidentId: 'JQ-XC-1', kind: 'lost_child', description: '五岁男孩', radiusM: 500, teams: ['V-2'], gridOfficers: false, emergencyUnits: false });
    expect(nobody).toMatchObject({ status: 400, body: { error: 'no_search_recipients' } });
  });

  it('a volunteer offline when the search starts gets it on connect, until acknowledged', async () => {
    const s = await bed.server();
    await reportIncident(s, 'JQ-XC-2');
    const started = await post<Search>(s, '/api/searches', { commandId: cmd(), incidentId: 'JQ-XC-2', kind: 'lost_child', description: '红衣女孩 6岁', radiusM: 1_000, teams: ['V-1'], gridOfficers: false, emergencyUnits: false });
    expect(started.status).toBe(200);
    const p = await volunteerPhone(s, 'V-1-01');
    await until(() => p.notices.length === 1, 'pending notice on connect');
    expect((await p.emit('search:acknowledge', { searchId: started.body.id })).ok).toBe(true);
    p.socket.close();
    const again = await volunteerPhone(s, 'V-1-01');
    await new Promise((r) => setTimeout(r, 300));
    expect(again.notices).toEqual([]);
  });
});

describe('护学岗', () => {
  it('a school-gate post checks in within its window; others cannot; the board says who is missing', async () => {
    const s = await bed.server({ volunteers: { publicClues: { perAddressPerHour: 5, perPhonePerDay: 5, duplicateWindowMs: 60_000 }, guardWindows: { morning: '00:00-23:58', afternoon: '23:59-23:59' } } });
    const board0 = await get<{ posts: { teamId: string; states: Record<string, string> }[] }>(s, '/api/guard-posts');
    expect(board0.posts.map((p) => [p.teamId, p.states.morning])).toEqual([['V-2', 'waiting']]);
    const guard = await volunteerPhone(s, 'V-2-01');
    const courier = await volunteerPhone(s, 'V-1-01');
    expect(await courier.emit('guard:check-in', { commandId: cmd(), lng, lat })).toMatchObject({ ok: false, error: { code: 'not_guard_post' } });
    expect(await guard.emit('guard:check-in', { commandId: cmd(), lng, lat })).toMatchObject({ ok: true, data: { window: 'morning' } });
    const board = await get<{ posts: { teamId: string; states: Record<string, string>; checkIns: Record<string, { by: string }> }[] }>(s, '/api/guard-posts');
    expect(board.posts[0]).toMatchObject({ teamId: 'V-2', states: { morning: 'checked_in' }, checkIns: { morning: { by: '王护学' } } });
  });
});
