// A few thousand hostile payloads from one seed over every input path — every HTTP route with every role (query
// strings, path parameters, bodies), PUBLISH to the positions channel, XADD to the incident stream, socket events
// on / and /device — against a real Redis. Fails on any 5xx, any error body without { error, message } or with a
// dependency's own text, any socket event left unanswered, a server that stops answering, and any invalid record
// that reaches the API (every incident and unit read back must satisfy the shared schemas, with bounded times).
// FUZZ_DEBUG=1 prints the answers per route (what the payloads reached) and the failures of each phase.
import { describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import {
  CommunityTaskSchema, DEVICE_NAMESPACE, DisputeCaseSchema, IncidentSchema, INGEST_LIMITS, LiveUnitSchema, compileChecker,
  type Ack, type Incident, type LiveUnit, type Role,
} from '@ccr/shared';
import { DEMO_DEVICE_SECRET, deviceKey } from '../modules/auth/index.js';
import { createRng, type Rng } from '@ccr/shared/demo';
import { fixtureGridCentre, useTestbed, type TestServer } from '../testing/index.js';
import {
  BAD_TIME_VALUES, EDGE_STRINGS, mutate, obj, queryValue, randomString, randomValue, toJsonText, type FuzzValue,
} from './fuzz-payloads.js';

const SEED = 0x18_2026;
const bed = useTestbed('fz');
const [lng, lat] = fixtureGridCentre(0, 1);
const VIEW: Role[] = ['operator', 'dispatcher', 'leader', 'admin', 'community'];
const DISPATCH: Role[] = ['dispatcher', 'leader'];
const AUDIT: Role[] = ['leader', 'admin'];
const EVERYONE: Role[] = ['operator', 'dispatcher', 'leader', 'admin', 'device', 'producer', 'community'];
const COMMUNITY: Role[] = ['community', 'leader'];
const INTAKE: Role[] = ['community', 'leader', 'dispatcher'];
const ASSIGNEE: Role[] = ['device', 'community'];
type Caller = Role | 'anonymous' | 'garbage';
/** The unit only ever sent positions with impossible times: it must still have none at the end. */
const REFUSED_UNIT = 'P-03';
const checkIncident = compileChecker(IncidentSchema);
const checkUnit = compileChecker(LiveUnitSchema);
const checkDispute = compileChecker(DisputeCaseSchema);
const checkTask = compileChecker(CommunityTaskSchema);
/** The contract's bounds for any time (2000–2099), spelled out so the test does not lean on the code it checks. */
const isPlausibleInstant = (ms: number): boolean => Number.isFinite(ms) && ms >= Date.UTC(2000, 0, 1) && ms < Date.UTC(2100, 0, 1);
/** Text of a dependency or a stack that must never reach a client. */
const LEAK = /\bERR\b|WRONGTYPE|NOSCRIPT|Invalid stream ID|ECONNREFUSED|TypeError|ReferenceError|Cannot read prop|at \S+\.[jt]s:\d+|node_modules/;

interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  roles: readonly Role[] | 'public';
  /** Valid values of the path parameter (:id or :username). */
  param?: readonly string[];
  query?: Record<string, readonly string[]>;
  body?: (rng: Rng) => Record<string, FuzzValue>;
  weight?: number;
}

const now = Date.now();
const day = (offset: number) => new Date(now + offset * 86_400_000).toISOString().slice(0, 10);
const ranges = [day(-3), day(-1), day(0), day(1), String(now - 3_600_000), new Date(now).toISOString()];
const commandId = (rng: Rng) => `fz-${rng.int(0, 1e9).toString(36)}-cmd`;
const incidentIds = ['JQ-OK-1', 'JQ-OK-2', 'JQ-OK-3', 'JQ-NOPE'];
const unitIds = ['P-01', 'P-02', 'P-04', 'C-1', 'E-0001', 'X-9'];
/** Filled in by the setup with a case and tasks that exist. */
const disputeIds: string[] = ['MD-NOPE-1'];
const taskIds: string[] = ['RW-NOPE-1'];
const party = (r: Rng): FuzzValue => obj({ name: r.pick(['张三', '李女士', '欧阳娜娜']), phone: r.pick(['13800001234', '138****1234']) });

const ROUTES: RouteSpec[] = [
  { method: 'GET', path: '/api/incidents', roles: VIEW, weight: 3, query: { status: ['open', 'all'], from: ranges, to: ranges, limit: ['1', '50', '1000'], offset: ['0', '5'] } },
  { method: 'GET', path: '/api/incidents/:id', roles: VIEW, param: incidentIds },
  { method: 'GET', path: '/api/incidents/:id/recommendations', roles: DISPATCH, param: incidentIds, query: { limit: ['1', '10', '50'] } },
  { method: 'POST', path: '/api/incidents/:id/dispatch', roles: DISPATCH, param: incidentIds, body: (r) => ({ unitIds: [r.pick(unitIds)], commandId: commandId(r), note: '速去' }) },
  { method: 'POST', path: '/api/incidents/:id/backup', roles: DISPATCH, param: incidentIds, body: (r) => ({ unitIds: [r.pick(unitIds), 'P-04'], commandId: commandId(r) }) },
  { method: 'POST', path: '/api/incidents/:id/reassign', roles: DISPATCH, param: incidentIds, body: (r) => ({ fromUnitId: r.pick(unitIds), toUnitId: r.pick(unitIds), commandId: commandId(r) }) },
  { method: 'POST', path: '/api/incidents/:id/cancel', roles: DISPATCH, param: incidentIds, body: (r) => ({ commandId: commandId(r), reason: '重复报警' }) },
  { method: 'POST', path: '/api/incidents/:id/acknowledge', roles: DISPATCH, param: incidentIds, body: (r) => ({ commandId: commandId(r) }) },
  { method: 'POST', path: '/api/incidents/:id/merge', roles: DISPATCH, param: incidentIds, body: (r) => ({ commandId: commandId(r), intoIncidentId: r.pick(incidentIds) }) },
  { method: 'POST', path: '/api/incidents/:id/not-duplicate', roles: DISPATCH, param: incidentIds, body: (r) => ({ commandId: commandId(r), note: '两处不同地点' }) },
  { method: 'POST', path: '/api/incidents/:id/alert-emergency-units', roles: DISPATCH, param: incidentIds, body: (r) => ({ commandId: commandId(r), ring: r.pick([1, 3, 5]) }) },
  { method: 'POST', path: '/api/incidents/:id/resolve', roles: DISPATCH, param: incidentIds, body: (r) => ({ commandId: commandId(r), note: '已处置' }) },
  { method: 'POST', path: '/api/incidents/:id/close', roles: DISPATCH, param: incidentIds, body: (r) => ({ commandId: commandId(r), outcome: 'mediated' }) },
  { method: 'POST', path: '/api/units/:id/status', roles: DISPATCH, param: unitIds, body: (r) => ({ commandId: commandId(r), status: r.pick(['available', 'busy', 'off_duty']) }) },
  { method: 'POST', path: '/api/disputes', roles: INTAKE, body: (r) => ({ commandId: commandId(r), source: r.pick(['walk_in', 'incident', 'online']), incidentId: r.pick(incidentIds), category: 'neighbour', parties: [party(r)], lng, lat, riskLevel: 'high', mayEscalate: r.chance(0.5), summary: '噪音纠纷' }) },
  { method: 'POST', path: '/api/disputes/:id/route', roles: COMMUNITY, param: disputeIds, body: (r) => ({ commandId: commandId(r), tier: r.pick([1, 2, 3]), owner: obj({ name: '社区民警', unitId: r.pick(unitIds) }) }) },
  { method: 'POST', path: '/api/disputes/:id/sessions', roles: COMMUNITY, param: disputeIds, body: (r) => ({ commandId: commandId(r), participants: ['张*'], result: r.pick(['success', 'failed', 'escalate']), heldAt: Date.now() - r.int(0, 3_600_000) }) },
  { method: 'POST', path: '/api/disputes/:id/followup', roles: COMMUNITY, param: disputeIds, body: (r) => ({ commandId: commandId(r), satisfaction: r.pick(['satisfied', 'basic', 'dissatisfied']), recurred: r.chance(0.2) }) },
  { method: 'POST', path: '/api/disputes/:id/close', roles: COMMUNITY, param: disputeIds, body: (r) => ({ commandId: commandId(r), reason: '当事人撤回' }) },
  { method: 'POST', path: '/api/disputes/:id/reopen', roles: COMMUNITY, param: disputeIds, body: (r) => ({ commandId: commandId(r), reason: '再次发生' }) },
  { method: 'GET', path: '/api/disputes', roles: VIEW, query: { status: ['open', 'all'], from: ranges, to: ranges, limit: ['1', '50', '1000'], offset: ['0', '5'] } },
  { method: 'GET', path: '/api/disputes/:id', roles: VIEW, param: disputeIds },
  { method: 'POST', path: '/api/tasks', roles: INTAKE, body: (r) => ({ commandId: commandId(r), target: r.pick([obj({ kind: 'unit', unitId: r.pick(unitIds) }), obj({ kind: 'team', team: 'community' }), obj({ kind: 'all_grids' })]), category: 'visit', kind: 'household_visit', instructions: '走访', dueAt: Date.now() + r.int(-3_600_000, 86_400_000), requires: obj({ text: true, count: r.chance(0.5), location: false }) }) },
  { method: 'POST', path: '/api/tasks/:id/accept', roles: ASSIGNEE, param: taskIds, body: (r) => ({ commandId: commandId(r) }) },
  { method: 'POST', path: '/api/tasks/:id/feedback', roles: ASSIGNEE, param: taskIds, body: (r) => ({ commandId: commandId(r), text: '已完成', count: r.int(0, 50), location: obj({ lng, lat }) }) },
  { method: 'POST', path: '/api/tasks/:id/review', roles: COMMUNITY, param: taskIds, body: (r) => ({ commandId: commandId(r), verdict: r.pick(['accepted', 'returned']), reason: '返工' }) },
  { method: 'POST', path: '/api/tasks/:id/cancel', roles: COMMUNITY, param: taskIds, body: (r) => ({ commandId: commandId(r), reason: '取消' }) },
  { method: 'GET', path: '/api/tasks', roles: VIEW, query: { status: ['open', 'all'], unitId: unitIds, from: ranges, to: ranges, limit: ['1', '50'], offset: ['0', '5'] } },
  { method: 'GET', path: '/api/tasks/:id', roles: VIEW, param: taskIds },
  { method: 'GET', path: '/api/community/figures', roles: VIEW, query: { from: ranges, to: ranges } },
  { method: 'GET', path: '/api/community/board', roles: VIEW, weight: 0.5 },
  { method: 'GET', path: '/api/stats/community', roles: VIEW, query: { from: ranges, to: ranges, interval: ['day', 'week', 'month', 'year'] } },
  { method: 'GET', path: '/api/community/settings', roles: VIEW, weight: 0.3 },
  { method: 'GET', path: '/api/units', roles: VIEW, query: { kind: ['patrol_car', 'emergency_unit'], status: ['available', 'busy'], stale: ['true', 'false'] } },
  { method: 'GET', path: '/api/units/:id', roles: VIEW, param: unitIds },
  {
    method: 'GET', path: '/api/audit', roles: AUDIT, weight: 2,
    query: { from: [String(now - 3_600_000)], to: [String(now + 60_000)], user: ['dispatcher'], action: ['auth.', 'incident.dispatch'], target: ['incident:JQ-OK-1'], outcome: ['ok', 'refused'], limit: ['1', '500'], cursor: [`${now}-0`] },
  },
  { method: 'GET', path: '/api/stats/overview', roles: VIEW, query: { date: [day(0), day(-1), day(-40)] } },
  { method: 'GET', path: '/api/stats/series', roles: VIEW, weight: 2, query: { metric: ['incidents', 'on_scene', 'presence_minutes'], from: ranges, to: ranges, interval: ['hour', 'day', 'week', 'month'], groupBy: ['none', 'type', 'grid', 'priority'] } },
  { method: 'GET', path: '/api/stats/heatmap', roles: VIEW, query: { metric: ['incidents', 'closed'], from: ranges, to: ranges } },
  { method: 'GET', path: '/api/targets', roles: VIEW, weight: 0.5 },
  { method: 'GET', path: '/api/jurisdiction', roles: VIEW, weight: 0.5 },
  { method: 'GET', path: '/api/grids', roles: VIEW, weight: 0.5 },
  { method: 'GET', path: '/api/health', roles: 'public', weight: 0.5 },
  { method: 'GET', path: '/docs/json', roles: 'public', weight: 0.2 },
  { method: 'GET', path: '/docs/static/:id', roles: 'public', weight: 0.3, param: ['index.html', 'swagger-ui.css', '..%2F..%2Fpackage.json'] },
  { method: 'GET', path: '/metrics', roles: ['admin'], weight: 0.3 },
  { method: 'GET', path: '/api/auth/me', roles: EVERYONE, weight: 0.5 },
  { method: 'POST', path: '/api/auth/refresh', roles: EVERYONE, weight: 0.5, body: () => ({}) },
  { method: 'POST', path: '/api/auth/login', roles: 'public', weight: 2, body: (r) => ({ username: r.pick(['fuzz-target', 'fuzz-nobody']), password: 'fuzz-password-1' }) },
  { method: 'POST', path: '/api/auth/device', roles: 'public', body: (r) => { const unitId = r.pick(unitIds); return { unitId, key: r.chance(0.5) ? deviceKey(DEMO_DEVICE_SECRET, unitId) : 'k'.repeat(32) }; } },
  { method: 'GET', path: '/api/accounts', roles: ['admin'], weight: 0.5 },
  { method: 'POST', path: '/api/accounts', roles: ['admin'], body: (r) => ({ username: `fz-${r.int(0, 1e6)}`, displayName: '模糊测试', role: r.pick(['operator', 'dispatcher']), password: 'fuzz-password-1' }) },
  { method: 'PUT', path: '/api/accounts/:username/role', roles: ['admin'], param: ['fuzz-target', 'fuzz-nobody'], body: (r) => ({ role: r.pick(['operator', 'leader']) }) },
  { method: 'PUT', path: '/api/accounts/:username/disabled', roles: ['admin'], param: ['fuzz-target', 'fuzz-nobody'], body: () => ({ disabled: false }) },
  { method: 'PUT', path: '/api/accounts/:username/password', roles: ['admin'], param: ['fuzz-target', 'fuzz-nobody'], body: () => ({ password: 'fuzz-password-1' }) },
  {
    method: 'POST', path: '/api/ingest/positions', roles: ['producer'], weight: 2,
    body: (r) => ({ unitId: r.pick(['P-01', 'P-02', 'P-04']), lng, lat, ts: Date.now() - r.int(0, 5_000), speed: 5, heading: 90 }),
  },
  {
    method: 'POST', path: '/api/ingest/incidents', roles: ['producer'], weight: 2,
    body: (r) => ({ id: `JQ-H-${r.int(0, 1e9)}`, type: 'theft', priority: 2, lng, lat, reportedAt: new Date(Date.now() - 60_000).toISOString(), source: '110', summary: '电动车被盗' }),
  },
];

/** encodeURIComponent that sends a lone surrogate as bytes that are not UTF-8, instead of throwing. */
const enc = (v: string): string => Array.from(v, (ch) => {
  try { return encodeURIComponent(ch); } catch { return '%ED%A0%80'; }
}).join('');

interface HttpCase { route: RouteSpec; caller: Caller; url: string; init: RequestInit; what: string }

function pathOf(route: RouteSpec, rng: Rng): string {
  if (!route.param) return route.path;
  const v = rng.chance(0.5) ? rng.pick(route.param) : rng.chance(0.5) ? rng.pick(EDGE_STRINGS) : randomString(rng).slice(0, 300);
  // Usually encoded as a client would; sometimes raw, so the router sees broken escapes too.
  const part = rng.chance(0.85) ? enc(v) : v.replace(/[/?#]/g, '_');
  return route.path.replace(/:(id|username)/, part);
}

function queryOf(route: RouteSpec, rng: Rng): string {
  const known = Object.entries(route.query ?? {});
  // Often a valid query (required keys included) with one value spoiled, so the handler behind the schema runs too.
  const pairs: [string, string][] = known.length > 0 && rng.chance(0.5)
    ? known.filter(() => rng.chance(0.6)).map(([k, valid]) => [k, rng.pick(valid)])
    : [];
  for (let n = rng.int(pairs.length > 0 ? 0 : 1, 3); n > 0; n--) {
    if (known.length > 0 && rng.chance(0.85)) {
      const [k, valid] = rng.pick(known);
      const v = queryValue(rng, valid);
      const at = pairs.findIndex(([x]) => x === k);
      if (at >= 0 && rng.chance(0.8)) pairs[at] = [k, v];
      else pairs.push([k, v]); // the key twice: an array
    } else {
      pairs.push([rng.pick(['__proto__', 'constructor', 'x', 'limit', 'from']), queryValue(rng, ['1'])]);
    }
  }
  if (pairs.length === 0) return '';
  return `?${pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')}`;
}

function bodyOf(route: RouteSpec, rng: Rng): { body?: string; type?: string } {
  if (route.method === 'GET') return {};
  const valid = route.body?.(rng) ?? {};
  const r = rng.next();
  if (r < 0.04) return { body: '{"truncated": ', type: 'application/json' };
  if (r < 0.06) return { body: '', type: 'application/json' };
  if (r < 0.08) return { body: 'a=1&b=2', type: 'application/x-www-form-urlencoded' };
  if (r < 0.1) return { body: toJsonText(obj(valid)), type: 'text/plain' };
  if (r < 0.12) return { body: `{"a":${'['.repeat(3_000)}${']'.repeat(3_000)}}`, type: 'application/json' };
  // Just within and just beyond the 1 MB body limit (the positions twin's too).
  if (r < 0.125) return { body: toJsonText(obj({ ...valid, note: 'x'.repeat(rng.pick([1_000_000, 1_100_000])) })), type: 'application/json' };
  return { body: toJsonText(mutate(rng, valid, { keepValid: 0.15 })), type: 'application/json' };
}

function httpCases(rng: Rng, count: number): HttpCase[] {
  const weights = ROUTES.map((r) => r.weight ?? 1);
  const total = weights.reduce((a, b) => a + b, 0);
  const out: HttpCase[] = [];
  ROUTES.forEach((route, i) => {
    const n = Math.max(8, Math.round((count * weights[i]!) / total));
    const allowed: Caller[] = route.roles === 'public' ? ['anonymous'] : [...route.roles];
    const others: Caller[] = (['anonymous', 'garbage', ...EVERYONE] as Caller[]).filter((c) => !allowed.includes(c));
    for (let k = 0; k < n; k++) {
      // Every role at least once per route; mostly the allowed ones, where validation is reached.
      const caller = k < allowed.length ? allowed[k]! : k < allowed.length + others.length ? others[k - allowed.length]! : rng.chance(0.8) ? rng.pick(allowed) : rng.pick(others);
      const url = `${pathOf(route, rng)}${rng.chance(route.query ? 0.9 : 0.2) ? queryOf(route, rng) : ''}`;
      const { body, type } = bodyOf(route, rng);
      const headers: Record<string, string> = {};
      if (type) headers['content-type'] = type;
      out.push({ route, caller, url, init: { method: route.method, headers, ...(body !== undefined ? { body } : {}) }, what: `${route.method} ${url.slice(0, 160)} as ${caller}${body !== undefined ? ` body ${body.slice(0, 160)}` : ''}` });
    }
  });
  // Interleaved, so routes run side by side as they would in production.
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function pool<T>(items: readonly T[], workers: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: workers }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

/** Sums every sample of a counter in the Prometheus text. */
function counterSum(metrics: string, name: string, filter = ''): number {
  let sum = 0;
  for (const line of metrics.split('\n')) {
    if (line.startsWith(`${name}{`) && line.includes(filter)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

type AnySocket = Socket;
function connect(s: TestServer, nsp: string, auth: Record<string, unknown>): Promise<AnySocket> {
  const socket = io(`${s.url}${nsp}`, { transports: ['websocket'], auth, reconnection: false, timeout: 10_000 });
  bed.onCleanup(() => { socket.close(); });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

describe('fuzz: hostile input on every path', () => {
  it('answers every payload without a 5xx, a crash or an internal message, and lets no invalid record through', async () => {
    const started = Date.now();
    const rng = createRng(SEED);
    const s = await bed.server({ auth: { rateLimitPerMinute: 1_000_000, loginRateLimitPerMinute: 100_000 } });
    const failures: string[] = [];
    const fail = (what: string, why: string) => { if (failures.length < 30) failures.push(`${why}: ${what}`); };
    let payloads = 0;

    // ── setup: tokens for every role, an account to change, incidents to command ─────────────────────────────
    const tokens = new Map<Caller, string>();
    for (const role of EVERYONE) tokens.set(role, await bed.token(s, role, role === 'device' ? 'P-02' : undefined));
    const admin = { authorization: `Bearer ${tokens.get('admin')}`, 'content-type': 'application/json' };
    expect((await fetch(`${s.url}/api/accounts`, { method: 'POST', headers: admin, body: JSON.stringify({ username: 'fuzz-target', displayName: 'fuzz', role: 'operator', password: 'fuzz-password-1' }) })).status).toBe(201);
    const key = `${s.prefix}in:incidents`;
    const report = (id: string, extra: Record<string, FuzzValue> = {}): Record<string, FuzzValue> => ({
      id, type: 'theft', priority: 1, lng, lat, address: '测试路1号', reportedAt: new Date(Date.now() - 120_000).toISOString(), source: '110', summary: '电动车被盗', ...extra,
    });
    for (const id of incidentIds.slice(0, 3)) await bed.producer.xAdd(key, '*', { data: toJsonText(obj(report(id))) });
    const community = { authorization: `Bearer ${tokens.get('community')}`, 'content-type': 'application/json' };
    const opened = await fetch(`${s.url}/api/disputes`, { method: 'POST', headers: community, body: JSON.stringify({ commandId: 'fz-setup-case', source: 'walk_in', category: 'family', parties: [{ name: '赵六' }], lng, lat, riskLevel: 'low', mayEscalate: false, summary: '家庭纠纷' }) });
    expect(opened.status).toBe(200);
    disputeIds.push(((await opened.json()) as { dispute: { id: string } }).dispute.id);
    const ordered = await fetch(`${s.url}/api/tasks`, { method: 'POST', headers: community, body: JSON.stringify({ commandId: 'fz-setup-task', target: { kind: 'unit', unitId: 'P-02' }, category: 'patrol', kind: 'school_gate', instructions: '护学岗', dueAt: Date.now() + 86_400_000, requires: { text: true, count: false, location: false } }) });
    expect(ordered.status).toBe(200);
    taskIds.push(...((await ordered.json()) as { tasks: { id: string }[] }).tasks.map((t) => t.id));

    // ── HTTP: every route, every role ────────────────────────────────────────────────────────────────────────
    const cases = httpCases(rng.fork('http'), 2_400);
    const statuses = new Map<string, Record<number, number>>();
    await pool(cases, 6, async (c) => {
      payloads++;
      const headers = new Headers(c.init.headers);
      if (c.caller === 'garbage') headers.set('authorization', `Bearer ${randomString(rng).slice(0, 200).replace(/[^\x21-\x7e]/g, 'x')}`);
      else if (c.caller !== 'anonymous') headers.set('authorization', `Bearer ${tokens.get(c.caller)}`);
      let res: Response;
      try {
        // Redirects are answers too (and /docs/static/index.html?x redirects to itself: swagger-ui's, not ours).
        res = await fetch(`${s.url}${c.url}`, { ...c.init, headers, redirect: 'manual', signal: AbortSignal.timeout(30_000) });
      } catch (err) {
        // A URL or header fetch itself refuses to send is no payload for the server.
        if (err instanceof TypeError && !/fetch failed/.test(err.message)) return;
        return fail(c.what, `no answer (${(err as Error).message})`);
      }
      const text = await res.text();
      const k = `${c.route.method} ${c.route.path}`;
      statuses.set(k, { ...statuses.get(k), [res.status]: (statuses.get(k)?.[res.status] ?? 0) + 1 });
      if (res.status >= 500) return fail(c.what, `${res.status} ${text.slice(0, 200)}`);
      if (res.status >= 400) {
        let body: { error?: unknown; message?: unknown } | undefined;
        try { body = JSON.parse(text) as typeof body; } catch { /* checked below */ }
        if (typeof body?.error !== 'string' || typeof body.message !== 'string') fail(c.what, `${res.status} body without { error, message }: ${text.slice(0, 200)}`);
        else if (LEAK.test(body.message)) fail(c.what, `${res.status} leaks: ${body.message.slice(0, 200)}`);
      }
    });
    // Logout ends the session it is called with: a fresh one each time.
    for (let i = 0; i < 10; i++) {
      payloads++;
      const t = (await (await fetch(`${s.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'fuzz-target', password: 'fuzz-password-1' }) })).json()) as { token: string };
      const res = await fetch(`${s.url}/api/auth/logout${queryOf(ROUTES[0]!, rng)}`, { method: 'POST', headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' }, body: toJsonText(randomValue(rng)) });
      if (res.status >= 500) fail('POST /api/auth/logout', `${res.status}`);
    }

    if (process.env.FUZZ_DEBUG) process.stdout.write(`${[...statuses].map(([k, v]) => `${k} ${JSON.stringify(v)}`).join('\n')}\n${failures.join('\n')}\n`);
    const phases = [`http ${((Date.now() - started) / 1000).toFixed(1)} s`];
    // ── Redis ingest: PUBLISH positions, XADD incidents ─────────────────────────────────────────────────────
    const irng = rng.fork('ingest');
    const channel = `${s.prefix}in:positions`;
    const position = (): Record<string, FuzzValue> => ({ unitId: irng.pick(['P-01', 'P-02', 'P-04', 'C-1']), lng, lat, ts: Date.now() - irng.int(0, 10_000), speed: 3, heading: 180 });
    const okIncidents: string[] = [];
    const refusedIncidents: string[] = [];
    for (let i = 0; i < 700; i++) {
      payloads++;
      const r = irng.next();
      let message: string | Buffer;
      if (r < 0.15) message = toJsonText(obj({ ...position(), unitId: REFUSED_UNIT, ts: irng.pick(BAD_TIME_VALUES) }));
      else if (r < 0.2) message = toJsonText(Array.from({ length: irng.int(1, 30) }, () => irng.chance(0.5) ? obj({ ...position(), unitId: REFUSED_UNIT, ts: irng.pick(BAD_TIME_VALUES) }) : mutate(irng, position())));
      else if (r < 0.25) message = irng.pick(['', 'not json', '{', '[]', 'null', '1e309', '[' .repeat(5_000) + ']'.repeat(5_000), 'x'.repeat(200_000)]);
      else if (r < 0.27) message = Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0xc3]);
      else if (r < 0.35) message = toJsonText(Array.from({ length: irng.int(1, 50) }, () => mutate(irng, position(), { keepValid: 0.5 })));
      else message = toJsonText(mutate(irng, position(), { keepValid: 0.2 }));
      await bed.producer.publish(channel, message);
    }
    for (let i = 0; i < 700; i++) {
      payloads++;
      const r = irng.next();
      // No prototype: a field named __proto__ is a field.
      const fields = Object.create(null) as Record<string, string | Buffer>;
      if (r < 0.15) {
        const id = `JQ-BAD-${i}`;
        refusedIncidents.push(id);
        fields.data = toJsonText(obj(report(id, { reportedAt: irng.pick(BAD_TIME_VALUES) })));
      } else if (r < 0.25) {
        const id = `JQ-OK-X${i}`;
        okIncidents.push(id);
        fields.data = toJsonText(obj(report(id, { priority: irng.pick([1, 2, 3]), reportedAt: irng.chance(0.5) ? Date.now() - irng.int(0, 86_400_000) : new Date(Date.now() - irng.int(0, 86_400_000)).toISOString() })));
      } else if (r < 0.3) {
        fields[irng.pick(['payload', 'DATA', '__proto__', 'data '])] = toJsonText(obj(report(`JQ-NF-${i}`)));
      } else if (r < 0.33) {
        fields.data = Buffer.from([0xff, 0x00, 0xfe]);
      } else if (r < 0.36) {
        fields.data = irng.pick(['', '{', 'x'.repeat(20_000), `{"id":"JQ-L-${i}","summary":"${'长'.repeat(6_000)}"}`]);
      } else {
        fields.data = toJsonText(mutate(irng, report(`JQ-M-${i}`), { keepValid: 0.1 }));
        if (irng.chance(0.1)) fields.extra = randomString(irng).slice(0, 500);
      }
      await bed.producer.xAdd(key, '*', fields);
    }

    phases.push(`ingest ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // ── sockets: / and /device, with and without an ack; handshakes with junk tokens ──────────────────────────
    const srng = rng.fork('socket');
    const wall = await connect(s, '/', { token: tokens.get('operator') });
    const terminal = await connect(s, DEVICE_NAMESPACE, { token: tokens.get('device') });
    const sinceValues: FuzzValue[] = ['99999999999999999999-0', '18446744073709551615-18446744073709551615', '1-99999999999999999999', '01-0', '-1', '1e309', 'Infinity', '-0', '0', '2026-02-30'];
    const ackOf = async (socket: AnySocket, event: string, payload: unknown, what: string) => {
      payloads++;
      if (srng.chance(0.1)) { socket.emit(event, payload); return; } // no ack: counted, never answered
      if (!socket.connected) return fail(what, 'socket disconnected by an earlier payload');
      let res: Ack<unknown>;
      try {
        res = (await socket.timeout(15_000).emitWithAck(event, payload)) as Ack<unknown>;
      } catch {
        return fail(what, 'no ack');
      }
      if (typeof res !== 'object' || res === null || typeof res.ok !== 'boolean') return fail(what, `malformed ack ${JSON.stringify(res).slice(0, 200)}`);
      if (!res.ok) {
        if (typeof res.error?.code !== 'string' || typeof res.error.message !== 'string') return fail(what, `refusal without code and message: ${JSON.stringify(res).slice(0, 200)}`);
        if (res.error.code === 'unavailable' || res.error.code === 'internal') fail(what, `answered ${res.error.code}: ${res.error.message}`);
        if (LEAK.test(res.error.message)) fail(what, `leaks: ${res.error.message.slice(0, 200)}`);
      }
    };
    const jsonish = (v: FuzzValue): unknown => JSON.parse(toJsonText(v));
    for (let i = 0; i < 250; i++) {
      const payload = srng.chance(0.6) ? jsonish(obj({ since: srng.chance(0.6) ? srng.pick(sinceValues) : randomValue(srng) })) : srng.chance(0.5) ? jsonish(randomValue(srng, 3)) : srng.pick([null, undefined, Buffer.from('x')]);
      await ackOf(wall, 'live:subscribe', payload, `live:subscribe ${JSON.stringify(payload)?.slice(0, 160)}`);
    }
    for (let i = 0; i < 350; i++) {
      const ack = srng.chance(0.5);
      const valid: Record<string, FuzzValue> = ack ? { orderId: `o-${srng.int(0, 1e6)}` } : { status: srng.pick(['en_route', 'on_scene', 'resolved', 'available', 'busy', 'off_duty']), incidentId: srng.pick(incidentIds), note: '到达' };
      const payload = jsonish(mutate(srng, valid, { keepValid: 0.2 }));
      await ackOf(terminal, ack ? 'order:acknowledge' : 'unit:report', payload, `${ack ? 'order:acknowledge' : 'unit:report'} ${JSON.stringify(payload)?.slice(0, 160)}`);
    }
    for (let i = 0; i < 150; i++) {
      const event = srng.pick(['task:acknowledge', 'task:accept', 'task:feedback']);
      const valid: Record<string, FuzzValue> = event === 'task:acknowledge' ? { noticeId: `tn-${srng.pick(taskIds)}-1` }
        : event === 'task:accept' ? { taskId: srng.pick(taskIds), commandId: commandId(srng) } : { taskId: srng.pick(taskIds), commandId: commandId(srng), text: '完成', count: 3 };
      const payload = jsonish(mutate(srng, valid, { keepValid: 0.3 }));
      await ackOf(terminal, event, payload, `${event} ${JSON.stringify(payload)?.slice(0, 160)}`);
    }
    for (let i = 0; i < 20; i++) {
      payloads++;
      wall.emit(srng.pick(['live:unsubscribe', 'order:acknowledge', '__proto__', 'constructor', randomString(srng).slice(0, 40)]), jsonish(randomValue(srng)));
    }
    for (let i = 0; i < 20; i++) {
      payloads++;
      const auth = { token: jsonish(srng.chance(0.5) ? randomValue(srng) : randomString(srng).slice(0, 5_000)) };
      try {
        await connect(s, srng.pick(['/', DEVICE_NAMESPACE]), auth);
        fail(`handshake ${JSON.stringify(auth).slice(0, 100)}`, 'connected without a token');
      } catch (err) {
        const data = (err as { data?: { code?: unknown; message?: unknown } }).data;
        if (typeof data?.code !== 'string' || typeof data.message !== 'string') fail(`handshake ${JSON.stringify(auth).slice(0, 100)}`, `refused without code: ${(err as Error).message}`);
      }
    }

    if (process.env.FUZZ_DEBUG) process.stdout.write(`${phases.join(', ')}\n${failures.join('\n')}\n`);
    phases.push(`sockets ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // ── after: the server still serves, everything ingested is valid ───────────────────────────────────────
    const sentinel = `JQ-OK-END`;
    await bed.producer.xAdd(key, '*', { data: toJsonText(obj(report(sentinel))) });
    const get = (path: string) => fetch(`${s.url}${path}`, { headers: admin });
    const until = async (cond: () => Promise<boolean>, what: string) => {
      const end = Date.now() + 60_000;
      while (!(await cond())) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    // The stream is applied in order: once the sentinel is there, every entry before it has been seen.
    await until(async () => (await get(`/api/incidents/${sentinel}`)).status === 200, 'the sentinel incident');
    const lastTs = Date.now();
    await until(async () => {
      await bed.producer.publish(channel, JSON.stringify({ unitId: 'P-04', lng, lat, ts: lastTs }));
      const u = (await (await get('/api/units/P-04')).json()) as LiveUnit;
      return u.position?.ts === lastTs;
    }, 'the sentinel position');

    expect((await get('/api/health')).status).toBe(200);
    const fresh = await connect(s, '/', { token: tokens.get('operator') });
    const sub = (await fresh.timeout(10_000).emitWithAck('live:subscribe', {})) as Ack<{ mode: string }>;
    expect(sub.ok).toBe(true);

    const incidents: Incident[] = [];
    for (let offset = 0; ; offset += 1000) {
      const page = (await (await get(`/api/incidents?status=all&limit=1000&offset=${offset}`)).json()) as { total: number; items: Incident[] };
      incidents.push(...page.items);
      if (page.items.length === 0 || incidents.length >= page.total) break;
    }
    const horizon = Date.now() + INGEST_LIMITS.futureSkewMs;
    for (const i of incidents) {
      const c = checkIncident.validate(i);
      if (!c.ok) fail(`incident ${i.id}`, `invalid record: ${c.errors.join('; ')}`);
      if (!isPlausibleInstant(i.reportedAt) || i.reportedAt > horizon) fail(`incident ${i.id}`, `reportedAt ${i.reportedAt} out of bounds`);
      for (const t of i.timeline) if (!isPlausibleInstant(t.at)) fail(`incident ${i.id}`, `timeline at ${t.at} out of bounds`);
    }
    const ids = new Set(incidents.map((i) => i.id));
    for (const id of refusedIncidents) if (ids.has(id)) fail(`incident ${id}`, 'accepted with an impossible reportedAt');
    for (const id of okIncidents) if (!ids.has(id)) fail(`incident ${id}`, 'a valid report was lost');
    const units = (await (await get('/api/units')).json()) as LiveUnit[];
    for (const u of units) {
      const c = checkUnit.validate(u);
      if (!c.ok) fail(`unit ${u.id}`, `invalid record: ${c.errors.join('; ')}`);
      const p = u.position;
      // ts 0 marks a fixed place's home, never reported; anything reported is a bounded time.
      if (p && !(p.ts === 0 ? u.home !== undefined : isPlausibleInstant(p.ts) && p.ts <= horizon)) fail(`unit ${u.id}`, `position ts ${p.ts} out of bounds`);
    }
    // Community records that got through are valid too (the repository also checks every record it reads).
    for (const [path, checker] of [['/api/disputes?status=all&limit=1000', checkDispute], ['/api/tasks?status=all&limit=1000', checkTask]] as const) {
      const res = await get(path);
      if (res.status !== 200) fail(path, `answered ${res.status}`);
      else for (const item of ((await res.json()) as { items: unknown[] }).items) {
        const c = checker.validate(item);
        if (!c.ok) fail(`${path} ${JSON.stringify(item).slice(0, 80)}`, `invalid record: ${c.errors.join('; ')}`);
      }
    }
    const refusedUnit = units.find((u) => u.id === REFUSED_UNIT);
    if (refusedUnit?.position) fail(`unit ${REFUSED_UNIT}`, `accepted a position with an impossible ts: ${JSON.stringify(refusedUnit.position)}`);

    expect(failures).toEqual([]);
    // Refusals were counted, on every path.
    const metrics = await (await get('/metrics')).text();
    expect(counterSum(metrics, 'ccr_ingest_rejected_total', 'path="positions"')).toBeGreaterThan(100);
    expect(counterSum(metrics, 'ccr_ingest_rejected_total', 'path="incidents"')).toBeGreaterThan(100);
    expect(counterSum(metrics, 'ccr_ingest_rejected_total', 'reason="bad_time"')).toBeGreaterThan(100);
    expect(counterSum(metrics, 'ccr_socket_rejected_total')).toBeGreaterThan(50);
    expect(counterSum(metrics, 'ccr_http_rejected_total')).toBeGreaterThan(500);
    expect(counterSum(metrics, 'ccr_http_failed_total')).toBe(0);
    // Reported for the record (the README quotes it): how much was sent and how long it took.
    process.stdout.write(`fuzz: ${payloads} payloads (seed ${SEED}) in ${((Date.now() - started) / 1000).toFixed(1)} s (${phases.join(', ')})\n`);
  }, 240_000);
});
