// The role matrix: every route the app registers (collected as they are registered, so routes added later are
// covered without editing this file) and every socket namespace and event, against every role, no token and
// a bad token. Allowed principals are never refused by the access rule; everyone else is, with 401 or 403.
import { describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { AUDIT_ROLES, COMMUNITY_INTAKE_ROLES, COMMUNITY_ROLES, DISPATCH_ROLES, ROLES, TASK_ASSIGNEE_ROLES, VIEW_ROLES, type Role } from '@ccr/shared';
import { fixtureGridCentre, useTestbed, type TestServer } from '../../testing/index.js';

const bed = useTestbed('matrix');
type Principal = Role | 'anonymous' | 'bad-token';
const PRINCIPALS: Principal[] = [...ROLES, 'anonymous', 'bad-token'];
const BAD_TOKEN = 'not-a-real-token-0123456789abcdef';

async function tokenOf(s: TestServer, who: Principal): Promise<string | undefined> {
  if (who === 'anonymous') return undefined;
  if (who === 'bad-token') return BAD_TOKEN;
  return bed.token(s, who);
}

/** Known events per namespace, with a payload the handler refuses on schema (so an allowed call changes nothing). */
const SOCKET_EVENTS: Record<string, { event: string; roles: readonly Role[]; payload: unknown }[]> = {
  '/': [{ event: 'live:subscribe', roles: VIEW_ROLES, payload: { since: 'not-a-sequence', extra: 1 } }],
  '/device': [
    { event: 'order:acknowledge', roles: ['device'], payload: { bogus: 1 } },
    { event: 'unit:report', roles: ['device'], payload: { bogus: 1 } },
    { event: 'unit:position', roles: ['device'], payload: { bogus: 1 } },
    { event: 'callout:report', roles: ['device'], payload: { bogus: 1 } },
    { event: 'rollcall:answer', roles: ['device'], payload: { bogus: 1 } },
    { event: 'task:acknowledge', roles: ['device'], payload: { bogus: 1 } },
    { event: 'task:accept', roles: ['device'], payload: { bogus: 1 } },
    { event: 'task:feedback', roles: ['device'], payload: { bogus: 1 } },
    { event: 'search:acknowledge', roles: ['device'], payload: { bogus: 1 } },
    { event: 'search:sighting', roles: ['device'], payload: { bogus: 1 } },
  ],
  '/volunteer': [
    { event: 'volunteer:here', roles: ['volunteer'], payload: { bogus: 1 } },
    { event: 'clue:report', roles: ['volunteer'], payload: { bogus: 1 } },
    { event: 'search:acknowledge', roles: ['volunteer'], payload: { bogus: 1 } },
    { event: 'search:sighting', roles: ['volunteer'], payload: { bogus: 1 } },
    { event: 'guard:check-in', roles: ['volunteer'], payload: { bogus: 1 } },
  ],
};

/**
 * Device-channel events an allowed device may send but that must be refused, with a reason: answering ok would
 * claim an effect there is none. Each runs as the device of P-01 while P-02 has an order for JQ-MATRIX-D.
 */
const DEVICE_REFUSALS: { what: string; event: 'order:acknowledge' | 'unit:report' | 'unit:position' | 'callout:report' | 'rollcall:answer'; payload: (foreignOrderId: string) => unknown; code: string }[] = [
  { what: 'acknowledging another unit\'s order', event: 'order:acknowledge', payload: (orderId) => ({ orderId }), code: 'unknown_order' },
  { what: 'acknowledging an order id that was never issued', event: 'order:acknowledge', payload: () => ({ orderId: 'no-such-order' }), code: 'unknown_order' },
  { what: 'reporting for another unit\'s incident', event: 'unit:report', payload: () => ({ status: 'on_scene', incidentId: 'JQ-MATRIX-D' }), code: 'not_your_incident' },
  { what: 'reporting done without a job', event: 'unit:report', payload: () => ({ status: 'resolved' }), code: 'no_incident' },
  { what: 'answering a call-out the unit was not called to', event: 'callout:report', payload: () => ({ reportId: 'matrix-callout-1', incidentId: 'JQ-MATRIX-D', answer: 'coming', people: 2 }), code: 'not_called_out' },
  { what: 'answering a roll-call that does not exist', event: 'rollcall:answer', payload: () => ({ rollCallId: 'RC-none' }), code: 'roll_call_unknown' },
  { what: 'a patrol car\'s phone sharing a position (it reports from vehicle GPS)', event: 'unit:position', payload: () => ({ lng: 116.6, lat: 39.0, ts: Date.now() }), code: 'position_not_tracked' },
];

function connect(s: TestServer, nsp: string, token: string | undefined): Promise<{ socket: Socket; error?: { message: string; data?: { code: string } } }> {
  const socket = io(`${s.url}${nsp === '/' ? '' : nsp}`, { transports: ['websocket'], reconnection: false, auth: token ? { token } : {}, forceNew: true });
  bed.onCleanup(() => void socket.close());
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ socket }));
    socket.once('connect_error', (error: Error & { data?: { code: string } }) => resolve({ socket, error }));
  });
}

describe('role matrix', () => {
  it('every route declares roles or public, and each role is let in exactly where it is allowed', async () => {
    const s = await bed.server();
    const routes = s.app.auth.routes();
    expect(routes.length).toBeGreaterThan(10);
    // Routes of plugins registered around the auth module are collected too.
    const urls = new Set(routes.map((r) => r.url));
    for (const url of ['/api/audit', '/metrics', '/api/health', '/api/auth/login', '/api/units', '/docs/json']) expect(urls, url).toContain(url);

    // The declared roles themselves, pinned from the README's API table: a command route declared for the wall
    // (or an admin route for everyone) fails here, not only in production.
    const EXPECTED: Record<string, readonly Role[] | 'public'> = {
      'GET /api/health': 'public', 'POST /api/auth/login': 'public', 'POST /api/auth/device': 'public',
      'GET /api/units': VIEW_ROLES, 'GET /api/incidents': VIEW_ROLES, 'GET /api/incidents/:id': VIEW_ROLES,
      'GET /api/stats/overview': VIEW_ROLES, 'GET /api/stats/series': VIEW_ROLES, 'GET /api/stats/heatmap': VIEW_ROLES,
      'GET /api/stats/eta-accuracy': VIEW_ROLES,
      'GET /api/jurisdiction': VIEW_ROLES, 'GET /api/targets': VIEW_ROLES,
      'GET /api/incidents/:id/recommendations': DISPATCH_ROLES,
      'POST /api/incidents/:id/dispatch': DISPATCH_ROLES, 'POST /api/incidents/:id/backup': DISPATCH_ROLES,
      'POST /api/incidents/:id/reassign': DISPATCH_ROLES, 'POST /api/incidents/:id/cancel': DISPATCH_ROLES,
      'POST /api/incidents/:id/merge': DISPATCH_ROLES, 'POST /api/incidents/:id/acknowledge': DISPATCH_ROLES, 'POST /api/incidents/:id/alert-emergency-units': DISPATCH_ROLES,
      'POST /api/incidents/:id/resolve': DISPATCH_ROLES, 'POST /api/incidents/:id/close': DISPATCH_ROLES,
      'POST /api/units/:id/status': DISPATCH_ROLES, 'POST /api/incidents/:id/not-duplicate': DISPATCH_ROLES,
      'GET /api/audit': AUDIT_ROLES, 'GET /api/accounts': ['admin'], 'POST /api/accounts': ['admin'],
      'POST /api/ingest/positions': ['producer'], 'POST /api/ingest/incidents': ['producer'],
      'POST /api/disputes': COMMUNITY_INTAKE_ROLES, 'POST /api/disputes/:id/route': COMMUNITY_ROLES, 'POST /api/disputes/:id/sessions': COMMUNITY_ROLES,
      'POST /api/disputes/:id/followup': COMMUNITY_ROLES, 'POST /api/disputes/:id/close': COMMUNITY_ROLES, 'POST /api/disputes/:id/reopen': COMMUNITY_ROLES,
      'GET /api/disputes': VIEW_ROLES, 'GET /api/disputes/:id': VIEW_ROLES,
      'POST /api/tasks': COMMUNITY_INTAKE_ROLES, 'POST /api/tasks/:id/accept': TASK_ASSIGNEE_ROLES, 'POST /api/tasks/:id/feedback': TASK_ASSIGNEE_ROLES,
      'POST /api/tasks/:id/review': COMMUNITY_ROLES, 'POST /api/tasks/:id/cancel': COMMUNITY_ROLES,
      'GET /api/tasks': VIEW_ROLES, 'GET /api/tasks/:id': VIEW_ROLES,
      'GET /api/community/figures': VIEW_ROLES, 'GET /api/community/board': VIEW_ROLES, 'GET /api/community/settings': VIEW_ROLES,
      'GET /api/stats/community': VIEW_ROLES,
      'POST /api/auth/volunteer': 'public', 'POST /api/public/clues': 'public',
      'GET /api/clues': VIEW_ROLES, 'POST /api/clues/:id/incident': DISPATCH_ROLES, 'POST /api/clues/:id/task': DISPATCH_ROLES, 'POST /api/clues/:id/dismiss': DISPATCH_ROLES,
      'GET /api/searches': VIEW_ROLES, 'POST /api/searches': DISPATCH_ROLES, 'POST /api/searches/:id/found': DISPATCH_ROLES, 'POST /api/searches/:id/cancel': DISPATCH_ROLES,
      'GET /api/guard-posts': VIEW_ROLES,
    };
    const declared = new Map(routes.map((r) => [`${r.method} ${r.url}`, r.public ? 'public' : [...(r.roles ?? [])].sort().join(',')]));
    for (const [route, roles] of Object.entries(EXPECTED)) {
      expect(declared.get(route), route).toBe(roles === 'public' ? 'public' : [...roles].sort().join(','));
    }

    const undeclared = routes.filter((r) => !r.public && !r.roles).map((r) => `${r.method} ${r.url}`);
    expect(undeclared, 'routes without config.roles or config.public (refused to everyone)').toEqual([]);

    // Logout ends the token it is called with: it goes last.
    const ordered = [...routes].sort((a, b) => Number(a.url === '/api/auth/logout') - Number(b.url === '/api/auth/logout'));
    const wrong: string[] = [];
    for (const r of ordered) {
      if (r.url.includes('*')) continue; // static files and docs assets: public wildcards
      const path = r.url.replace(/:[A-Za-z_]+/g, 'X-1');
      const hasBody = !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(r.method);
      for (const who of PRINCIPALS) {
        if (r.public && who !== 'anonymous') continue;
        const token = await tokenOf(s, who);
        const res = await fetch(`${s.url}${path}`, {
          method: r.method,
          headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(hasBody ? { 'content-type': 'application/json' } : {}) },
          ...(hasBody ? { body: '{}' } : {}),
        });
        await res.arrayBuffer();
        const allowed = r.public || (who !== 'anonymous' && who !== 'bad-token' && (r.roles ?? []).includes(who));
        const expected = allowed ? 'not 401/403' : who === 'anonymous' || who === 'bad-token' ? '401' : '403';
        const ok = allowed ? res.status !== 401 && res.status !== 403 : String(res.status) === expected;
        if (!ok) wrong.push(`${r.method} ${r.url} as ${who}: ${res.status}, expected ${expected}`);
      }
    }
    expect(wrong).toEqual([]);

    // Refusals are counted and audited (a fresh admin login: the matrix ended with logouts).
    const admin = { authorization: `Bearer ${(await bed.login(s, 'admin', s.config.auth.demoPassword!)).token}` };
    const metrics = await (await bed.fetch(s, '/metrics', { headers: admin })).text();
    expect(metrics).toMatch(/ccr_auth_refused_total\{kind="http",reason="no_token"\} [1-9]/);
    expect(metrics).toMatch(/ccr_auth_refused_total\{kind="http",reason="forbidden"\} [1-9]/);
    const audit = (await (await bed.fetch(s, '/api/audit?action=http.refused&limit=500', { headers: admin })).json()) as { items: { user: string; detail?: { status?: number } }[] };
    expect(audit.items.some((e) => e.user === 'anonymous' && e.detail?.status === 401)).toBe(true);
    expect(audit.items.some((e) => e.user === 'operator' && e.detail?.status === 403)).toBe(true);
  }, 120_000); // every route × every role over HTTP: ~20 s alone, more on a loaded machine

  it('/metrics also takes the scrape token; /api/health and the docs are open', async () => {
    const s = await bed.server({ auth: { metricsToken: 'scrape-token-for-tests' } });
    expect((await fetch(`${s.url}/metrics`, { headers: { authorization: 'Bearer scrape-token-for-tests' } })).status).toBe(200);
    expect((await fetch(`${s.url}/metrics`)).status).toBe(401);
    // The scrape token is good for /metrics only.
    expect((await fetch(`${s.url}/api/units`, { headers: { authorization: 'Bearer scrape-token-for-tests' } })).status).toBe(401);
    expect((await fetch(`${s.url}/api/health`)).status).toBe(200);
    expect((await fetch(`${s.url}/docs`)).status).toBeLessThan(400);
    const doc = (await (await fetch(`${s.url}/docs/json`)).json()) as {
      components: { securitySchemes: Record<string, unknown> }; paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    expect(doc.components.securitySchemes.bearerAuth).toBeDefined();
    expect(doc.paths['/api/units']?.get?.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/api/auth/login']?.post?.security).toBeUndefined();
  });

  it('every namespace has a guard; each role connects and sends each event only where allowed', async () => {
    const s = await bed.server();
    const namespaces = s.app.auth.socketNamespaces();
    expect(namespaces.map((n) => n.name)).toContain('/');
    expect(namespaces.filter((n) => !n.roles).map((n) => n.name), 'namespaces without app.auth.socketGuard').toEqual([]);
    expect(namespaces.filter((n) => !SOCKET_EVENTS[n.name]).map((n) => n.name), 'namespaces missing from SOCKET_EVENTS in this test').toEqual([]);

    const wrong: string[] = [];
    for (const { name, roles } of namespaces) {
      for (const who of PRINCIPALS) {
        const { socket, error } = await connect(s, name, await tokenOf(s, who));
        const mayConnect = who !== 'anonymous' && who !== 'bad-token' && roles!.includes(who);
        if (mayConnect !== !error) {
          wrong.push(`${name} connect as ${who}: ${error ? `refused (${error.data?.code})` : 'connected'}`);
          continue;
        }
        if (error) {
          const expected = who === 'anonymous' || who === 'bad-token' ? 'unauthorized' : 'forbidden';
          if (error.data?.code !== expected) wrong.push(`${name} connect as ${who}: ${error.data?.code}, expected ${expected}`);
          continue;
        }
        for (const { event, roles: eventRoles } of SOCKET_EVENTS[name]!) {
          const payload = SOCKET_EVENTS[name]!.find((e) => e.event === event)!.payload;
          const res = (await socket.timeout(3_000).emitWithAck(event, payload)) as { ok: boolean; error?: { code: string } };
          const refused = !res.ok && ['forbidden', 'unauthorized'].includes(res.error?.code ?? '');
          if (refused === (eventRoles as readonly string[]).includes(who)) wrong.push(`${name} ${event} as ${who}: ${JSON.stringify(res)}`);
        }
        socket.close();
      }
    }
    expect(wrong).toEqual([]);
  });

  it('the device channel refuses, with a reason, what is not the unit\'s to do, and nothing changes', async () => {
    const s = await bed.server();
    const wall = bed.mirror(s);
    await wall.ready();
    const [lng, lat] = fixtureGridCentre(1, 0);
    await bed.producer.xAdd(`${s.prefix}in:incidents`, '*', {
      data: JSON.stringify({ id: 'JQ-MATRIX-D', type: 'theft', priority: 1, lng, lat, reportedAt: Date.now(), source: '110' }),
    });
    await wall.waitFor(() => wall.incidents.has('JQ-MATRIX-D'), 5_000, 'the incident');
    const sent = await fetch(`${s.url}/api/incidents/JQ-MATRIX-D/dispatch`, {
      method: 'POST', headers: { ...(await bed.headers(s, 'dispatcher')), 'content-type': 'application/json' },
      body: JSON.stringify({ unitIds: ['P-02'], commandId: 'matrix-device-1' }),
    });
    expect(sent.status).toBe(200);
    const [order] = await s.app.dispatch.repo.pendingOrders('P-02');
    expect(order).toBeDefined();

    const { socket, error } = await connect(s, '/device', await bed.token(s, 'device')); // P-01's terminal
    expect(error).toBeUndefined();
    const wrong: string[] = [];
    for (const r of DEVICE_REFUSALS) {
      const res = (await socket.timeout(3_000).emitWithAck(r.event, r.payload(order!.orderId))) as { ok: boolean; error?: { code: string; message: string } };
      if (res.ok || res.error?.code !== r.code || !res.error.message) wrong.push(`${r.what}: ${JSON.stringify(res)}, expected ${r.code} with a message`);
    }
    expect(wrong).toEqual([]);
    expect(await s.app.dispatch.repo.pendingOrders('P-02')).toEqual([order]);
    expect(wall.units.get('P-01')?.status).toBe('available');
    expect(wall.incidents.get('JQ-MATRIX-D')?.assignedUnitIds).toEqual(['P-02']);
  });

  it('sockets without a token or with a bad one receive nothing while positions and incidents flow', async () => {
    const s = await bed.server();
    const received: string[] = [];
    const refused: string[] = [];
    for (const token of [undefined, BAD_TOKEN]) {
      const socket = io(s.url, { transports: ['websocket'], auth: token ? { token } : {}, reconnectionDelay: 50, reconnectionDelayMax: 100 });
      bed.onCleanup(() => void socket.close());
      socket.onAny((event: string) => received.push(event));
      socket.on('connect_error', (err: Error & { data?: { code: string } }) => refused.push(err.data?.code ?? err.message));
      // A client that tries anyway: buffered until connected, which never happens.
      socket.emit('live:subscribe', {}, () => received.push('ack'));
    }
    const wall = bed.mirror(s);
    await wall.ready();
    const [lng, lat] = fixtureGridCentre(0, 1);
    const ts = Date.now();
    await bed.producer.publish(`${s.prefix}in:positions`, JSON.stringify([{ unitId: 'P-01', lng, lat, ts }, { unitId: 'P-02', lng, lat, ts }]));
    await bed.producer.xAdd(`${s.prefix}in:incidents`, '*', {
      data: JSON.stringify({ id: 'JQ-MATRIX-1', type: 'theft', priority: 1, lng, lat, reportedAt: ts, source: '110' }),
    });
    await wall.waitFor(() => wall.incidents.has('JQ-MATRIX-1') && wall.units.get('P-02')?.position?.ts === ts, 5_000, 'the wall sees both');
    // A further window after the wall saw everything: anything relayed to the refused sockets would be here by now.
    await new Promise((r) => setTimeout(r, 500));
    expect(received).toEqual([]);
    expect(refused).toContain('unauthorized');
    const audit = (await (await bed.fetch(s, '/api/audit?action=socket.refused')).json()) as { items: { detail?: { reason?: string } }[] };
    expect(audit.items.map((e) => e.detail?.reason)).toEqual(expect.arrayContaining(['no_token', 'bad_token']));
  });

  it('a socket whose account is disabled is disconnected; with a revoked session it cannot reconnect', async () => {
    const s = await bed.server({ auth: { socketCheckMs: 200 } });
    const other = await bed.server({ keyPrefix: s.prefix, nodeId: 'other', auth: { socketCheckMs: 200 } });
    const { token } = await bed.login(s, 'dispatcher', s.config.auth.demoPassword!);
    // Connected to the other node: the disable on the first reaches it through the revocation channel at once.
    const { socket, error } = await connect(other, '/', token);
    expect(error).toBeUndefined();
    const gone = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
    const res = await bed.fetch(s, '/api/accounts/dispatcher/disabled', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ disabled: true }) });
    expect(res.status).toBe(200);
    await gone;
    const again = await connect(other, '/', token);
    expect(again.error?.data?.code).toBe('unauthorized');
  });
});
