// Accounts, sessions, lockout, device login and the audit trail against a real Redis.
import { describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import type { AuditPage, LoginResponse } from '@ccr/shared';
import { deviceLogin, postJson, startRedisServer, startTestServer, useTestbed, type TestServer } from '../../testing/index.js';
import { deviceKey } from './device-key.js';

const bed = useTestbed('auth');
const password = (s: TestServer) => s.config.auth.demoPassword!;
const get = (s: TestServer, path: string, token?: string) =>
  fetch(`${s.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function audit(s: TestServer, query: string): Promise<AuditPage> {
  const res = await bed.fetch(s, `/api/audit?${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as AuditPage;
}

describe('login', () => {
  it('a demo account logs in; the token works as Bearer; a wrong password or unknown user is 401; all audited', async () => {
    const s = await bed.server();
    const ok = await postJson<LoginResponse>(`${s.url}/api/auth/login`, { username: 'dispatcher', password: password(s) });
    expect(ok.status).toBe(200);
    expect(ok.body.user).toEqual({ username: 'dispatcher', role: 'dispatcher', displayName: '调度员' });
    expect(ok.body.expiresAt).toBeGreaterThan(Date.now());
    const me = await get(s, '/api/auth/me', ok.body.token);
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual(ok.body.user);

    const wrong = await postJson<{ error: string; message: string }>(`${s.url}/api/auth/login`, { username: 'dispatcher', password: 'wrong-password' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'bad_credentials', params: {}, message: 'wrong username or password' });
    const unknown = await postJson(`${s.url}/api/auth/login`, { username: 'nobody', password: 'wrong-password' });
    expect(unknown.status).toBe(401);
    const extra = await postJson(`${s.url}/api/auth/login`, { username: 'dispatcher', password: password(s), admin: true });
    expect(extra.status).toBe(400);

    const page = await audit(s, 'action=auth.login');
    expect(page.items.map((e) => [e.user, e.outcome, e.detail?.reason])).toEqual(expect.arrayContaining([
      ['dispatcher', 'ok', undefined], ['dispatcher', 'refused', 'bad_password'], ['nobody', 'refused', 'unknown_user'],
    ]));
    expect(page.items.every((e) => e.time <= Date.now() && e.time > Date.now() - 60_000)).toBe(true);
  });

  it('five failures lock the account until a stated time (423), even for the right password; it unlocks after the window', async () => {
    const s = await bed.server({ auth: { loginLockMs: 1_500 } });
    for (let i = 1; i <= 4; i++) {
      expect((await postJson(`${s.url}/api/auth/login`, { username: 'leader', password: `bad-${i}-password` })).status).toBe(401);
    }
    const fifth = await postJson<{ error: string; message: string; lockedUntil: number; params: { until: number; timeZone: string } }>(`${s.url}/api/auth/login`, { username: 'leader', password: 'bad-5-password' });
    expect(fifth.status).toBe(423);
    expect(fifth.body.lockedUntil).toBeGreaterThan(Date.now());
    // A person reads the time in the station's zone, not UTC ISO; a client gets the instant and the zone.
    expect(fifth.body).toMatchObject({ error: 'account_locked', params: { until: fifth.body.lockedUntil, timeZone: s.config.timeZone ?? 'Asia/Shanghai' } });
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: fifth.body.params.timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(fifth.body.lockedUntil);
    expect(fifth.body.message).toContain(`locked until ${local}`);
    expect(fifth.body.message).not.toContain(new Date(fifth.body.lockedUntil).toISOString());
    const right = await postJson<{ lockedUntil: number }>(`${s.url}/api/auth/login`, { username: 'leader', password: password(s) });
    expect(right.status).toBe(423);
    expect(right.body.lockedUntil).toBe(fifth.body.lockedUntil);
    // Another account is untouched.
    expect((await postJson(`${s.url}/api/auth/login`, { username: 'operator', password: password(s) })).status).toBe(200);
    // A name without an account answers the same way, so a lock does not tell which names exist.
    const unknown = [];
    for (let i = 1; i <= 5; i++) unknown.push((await postJson(`${s.url}/api/auth/login`, { username: 'no.such.user', password: `bad-${i}-password` })).status);
    expect(unknown).toEqual([401, 401, 401, 401, 423]);
    expect((await postJson(`${s.url}/api/auth/login`, { username: 'no.such.user', password: 'bad-6-password' })).status).toBe(423);

    await sleep(Math.max(0, fifth.body.lockedUntil - Date.now()) + 50);
    expect((await postJson(`${s.url}/api/auth/login`, { username: 'leader', password: password(s) })).status).toBe(200);
    // The count starts afresh after a success: one failure does not lock.
    expect((await postJson(`${s.url}/api/auth/login`, { username: 'leader', password: 'bad-again-pw' })).status).toBe(401);
    const locks = await audit(s, 'action=auth.login&user=leader&outcome=refused');
    expect(locks.items.some((e) => e.detail?.reason === 'locked')).toBe(true);
  });

  it('logins beyond the per-minute limit for one address and name get 429', async () => {
    const s = await bed.server({ auth: { loginRateLimitPerMinute: 3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await postJson(`${s.url}/api/auth/login`, { username: 'admin', password: 'not-the-password' })).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    // Over all names from one address: five times the per-name limit, then 429 whatever the name.
    const spread: number[] = [];
    for (let i = 0; i < 12; i++) spread.push((await postJson(`${s.url}/api/auth/login`, { username: `guess${i}`, password: 'not-the-password' })).status);
    expect(spread.filter((c) => c === 429).length).toBe(1); // 4 + 11 = 15 attempts pass, the 16th is over
  });
});

describe('sessions', () => {
  it('a token past its absolute lifetime is refused', async () => {
    const s = await bed.server({ auth: { sessionTtlMs: 1_000, sessionIdleMs: 60_000 } });
    const { token } = await bed.login(s, 'operator', password(s));
    expect((await get(s, '/api/units', token)).status).toBe(200);
    await sleep(1_200);
    const res = await get(s, '/api/units', token);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'unauthorized', params: {}, message: expect.stringMatching(/expired/) });
  });

  it('a token unused for the idle time is refused; each use slides the window', async () => {
    // Uses 1 s apart against a 3 s idle time: the window slides even when a loaded machine answers slowly (at
    // 1 s idle and 0.5 s apart a slow answer ended the session mid-test).
    const s = await bed.server({ auth: { sessionTtlMs: 60_000, sessionIdleMs: 3_000 } });
    const { token } = await bed.login(s, 'operator', password(s));
    const started = Date.now();
    for (let i = 0; i < 4; i++) {
      await sleep(1_000);
      expect((await get(s, '/api/units', token)).status).toBe(200);
    }
    expect(Date.now() - started).toBeGreaterThan(3_000); // longer than one idle time, kept alive by the uses
    await sleep(3_500);
    expect((await get(s, '/api/units', token)).status).toBe(401);
  });

  it('a connected wall keeps its session alive past the idle time; refresh hands out a fresh token', async () => {
    const s = await bed.server({ auth: { sessionTtlMs: 60_000, sessionIdleMs: 1_000, socketCheckMs: 200 } });
    const login = await bed.login(s, 'operator', password(s));
    const socket = io(s.url, { transports: ['websocket'], auth: { token: login.token }, reconnection: false });
    bed.onCleanup(() => void socket.close());
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject); });
    await sleep(2_500);
    expect(socket.connected).toBe(true);
    const refreshed = await fetch(`${s.url}/api/auth/refresh`, { method: 'POST', headers: { authorization: `Bearer ${login.token}` } });
    expect(refreshed.status).toBe(200);
    const fresh = (await refreshed.json()) as LoginResponse;
    expect(fresh.token).not.toBe(login.token);
    expect(fresh.user).toEqual(login.user);
    expect((await get(s, '/api/auth/me', fresh.token)).status).toBe(200);
    expect((await audit(s, 'action=auth.refresh')).items[0]).toMatchObject({ user: 'operator', role: 'operator', outcome: 'ok' });
  });

  it('the static producer token cannot be renewed into a stored session', async () => {
    const s = await bed.server();
    const res = await fetch(`${s.url}/api/auth/refresh`, { method: 'POST', headers: { authorization: `Bearer ${s.config.producerToken!}` } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('static_token');
  });

  it('logout revokes the token everywhere and disconnects its sockets', async () => {
    const s = await bed.server();
    const other = await bed.server({ keyPrefix: s.prefix, nodeId: 'other' });
    const { token } = await bed.login(s, 'operator', password(s));
    const socket = io(s.url, { transports: ['websocket'], auth: { token }, reconnection: false });
    bed.onCleanup(() => void socket.close());
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject); });
    const gone = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
    const out = await fetch(`${s.url}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(out.status).toBe(204);
    await gone;
    expect((await get(s, '/api/units', token)).status).toBe(401);
    expect((await get(other, '/api/units', token)).status).toBe(401);
    expect((await audit(s, 'action=auth.logout')).items[0]).toMatchObject({ user: 'operator', outcome: 'ok' });
  });

  it('sessions live in Redis: a restarted server accepts a token issued before', async () => {
    const s = await bed.server();
    const { token } = await bed.login(s, 'leader', password(s));
    await s.close();
    const again = await bed.server({ keyPrefix: s.prefix });
    expect((await get(again, '/api/auth/me', token)).status).toBe(200);
  });
});

describe('while Redis is away', () => {
  it('a request with a token is answered 503 at once, and passes again when Redis is back', async () => {
    const own = await startRedisServer({ appendOnly: true }); // sessions survive the restart
    bed.onCleanup(() => own.dispose());
    const s = await startTestServer({ redisUrl: own.url, jurisdictionDir: bed.jurisdictionDir, keyPrefix: 'away:', auth: { scryptLogN: 10 } });
    bed.onCleanup(() => s.close());
    const { token } = await bed.login(s, 'operator', password(s));
    await own.stop();
    const res = await get(s, '/api/units', token);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: 'unavailable', params: {}, message: expect.stringMatching(/Redis/) });
    expect((await get(s, '/api/units')).status).toBe(401); // no token: refused without Redis
    await own.restart();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      await sleep(200);
      status = (await get(s, '/api/units', token)).status;
    }
    expect(status).toBe(200);
  });

  it('a socket event whose session cannot be checked is refused, not thrown (no unhandled rejection), and the socket stays', async () => {
    const own = await startRedisServer({ appendOnly: true });
    bed.onCleanup(() => own.dispose());
    const s = await startTestServer({ redisUrl: own.url, jurisdictionDir: bed.jurisdictionDir, keyPrefix: 'away2:', auth: { scryptLogN: 10 } });
    bed.onCleanup(() => s.close());
    const { token } = await bed.login(s, 'operator', password(s));
    const socket = io(s.url, { transports: ['websocket'], auth: { token }, reconnection: false });
    bed.onCleanup(() => void socket.close());
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject); });
    const device = io(`${s.url}/device`, { transports: ['websocket'], auth: { token: (await deviceLogin(s)).token }, reconnection: false });
    bed.onCleanup(() => void device.close());
    await new Promise<void>((resolve, reject) => { device.once('connect', resolve); device.once('connect_error', reject); });
    const rejections: unknown[] = [];
    const onRejection = (err: unknown) => rejections.push(err);
    process.on('unhandledRejection', onRejection);
    bed.onCleanup(() => void process.off('unhandledRejection', onRejection));
    await own.stop();
    const res = (await socket.timeout(3_000).emitWithAck('live:subscribe', {})) as { ok: boolean; error?: { code: string } };
    expect(res).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    // A terminal's report is answered 'unavailable' (it sends it again), not 'forbidden' (it would drop it).
    const report = (await device.timeout(3_000).emitWithAck('unit:report', { status: 'busy' })) as { ok: boolean; error?: { code: string } };
    expect(report).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    await sleep(100);
    expect(rejections).toEqual([]);
    expect(socket.connected).toBe(true);
    await own.restart(); // so the server closes cleanly
  });
});

describe('device login', () => {
  it('the right key gives a device token for that unit; a wrong key, another unit\'s key or an unknown unit is 401', async () => {
    const s = await bed.server();
    const secret = s.config.auth.deviceSecret!;
    const ok = await postJson<LoginResponse>(`${s.url}/api/auth/device`, { unitId: 'P-02', key: deviceKey(secret, 'P-02') });
    expect(ok.status).toBe(200);
    // Shown by its unit's name from the roster (the terminal's header), not its id.
    expect(ok.body.user).toMatchObject({ role: 'device', unitId: 'P-02', displayName: '巡逻车2' });
    expect((await postJson(`${s.url}/api/auth/device`, { unitId: 'P-02', key: deviceKey('another-secret', 'P-02') })).status).toBe(401);
    expect((await postJson(`${s.url}/api/auth/device`, { unitId: 'P-02', key: deviceKey(secret, 'P-03') })).status).toBe(401);
    expect((await postJson(`${s.url}/api/auth/device`, { unitId: 'NOPE-1', key: deviceKey(secret, 'NOPE-1') })).status).toBe(401);
    // A device sees nothing of the live picture.
    expect((await get(s, '/api/units', ok.body.token)).status).toBe(403);
    const page = await audit(s, 'action=auth.device');
    expect(page.items.filter((e) => e.outcome === 'refused')).toHaveLength(3);
    expect(page.items.filter((e) => e.outcome === 'ok')).toHaveLength(1);
  });

  it('no device secret outside demo mode: device login is closed', async () => {
    const s = await bed.server({ auth: { deviceSecret: undefined } });
    const res = await postJson<{ error: string; message: string }>(`${s.url}/api/auth/device`, { unitId: 'P-02', key: deviceKey('demo-device-secret', 'P-02') });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'device_login_closed', message: expect.stringContaining('DEVICE_SECRET') });
  });

  it('rotating DEVICE_SECRET ends the device sessions issued under the old one', async () => {
    const s = await bed.server({ auth: { deviceSecret: 'first-device-secret' } });
    const { token } = await deviceLogin(s, 'P-02');
    expect((await get(s, '/api/auth/me', token)).status).toBe(200);
    await s.close();
    const again = await bed.server({ keyPrefix: s.prefix, auth: { deviceSecret: 'second-device-secret' } });
    expect((await get(again, '/api/auth/me', token)).status).toBe(401);
    expect((await fetch(`${again.url}/api/auth/refresh`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect((await get(again, '/api/auth/me', (await deviceLogin(again, 'P-02')).token)).status).toBe(200);
  });
});

describe('accounts', () => {
  it('an admin creates, re-roles, disables and resets accounts; each change is audited and ends the account\'s sessions', async () => {
    const s = await bed.server();
    const admin = await bed.headers(s, 'admin');
    const send = (method: string, path: string, body: unknown) =>
      fetch(`${s.url}${path}`, { method, headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify(body) });

    expect((await send('POST', '/api/accounts', { username: 'zhang.san', displayName: '张三', role: 'operator', password: 'first-password' })).status).toBe(201);
    expect((await send('POST', '/api/accounts', { username: 'zhang.san', displayName: '张三', role: 'operator', password: 'first-password' })).status).toBe(409);
    const first = await bed.login(s, 'zhang.san', 'first-password');
    expect((await get(s, '/api/auth/me', first.token)).status).toBe(200);

    expect((await send('PUT', '/api/accounts/zhang.san/role', { role: 'dispatcher' })).status).toBe(200);
    expect((await get(s, '/api/auth/me', first.token)).status).toBe(401); // role changed: log in again
    const second = await bed.login(s, 'zhang.san', 'first-password');
    expect(second.user.role).toBe('dispatcher');

    expect((await send('PUT', '/api/accounts/zhang.san/disabled', { disabled: true })).status).toBe(200);
    expect((await get(s, '/api/auth/me', second.token)).status).toBe(401);
    expect((await postJson(`${s.url}/api/auth/login`, { username: 'zhang.san', password: 'first-password' })).status).toBe(403);
    expect((await send('PUT', '/api/accounts/zhang.san/disabled', { disabled: false })).status).toBe(200);

    expect((await send('PUT', '/api/accounts/zhang.san/password', { password: 'second-password' })).status).toBe(200);
    expect((await postJson(`${s.url}/api/auth/login`, { username: 'zhang.san', password: 'first-password' })).status).toBe(401);
    await bed.login(s, 'zhang.san', 'second-password');

    expect((await send('PUT', '/api/accounts/admin/role', { role: 'operator' })).status).toBe(409); // not oneself
    expect((await send('POST', '/api/accounts', { username: 'unit.x', displayName: 'X', role: 'device', password: 'device-password' })).status).toBe(400);
    expect((await send('PUT', '/api/accounts/zhang.san/role', { role: 'device' })).status).toBe(400);
    // A producer account may log in and use the ingest twins.
    expect((await send('POST', '/api/accounts', { username: 'gps.gateway', displayName: 'GPS 网关', role: 'producer', password: 'producer-password' })).status).toBe(201);
    const producer = await bed.login(s, 'gps.gateway', 'producer-password');
    const twin = await fetch(`${s.url}/api/ingest/positions`, { method: 'POST', headers: { authorization: `Bearer ${producer.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ unitId: 'P-01', lng: 116.62, lat: 39.02, ts: Date.now() }) });
    expect(twin.status).toBe(202);
    expect((await send('PUT', '/api/accounts/nobody/role', { role: 'operator' })).status).toBe(404);
    const list = (await (await bed.fetch(s, '/api/accounts')).json()) as { username: string; role: string; disabled: boolean }[];
    expect(list.find((a) => a.username === 'zhang.san')).toMatchObject({ role: 'dispatcher', disabled: false });
    expect(JSON.stringify(list)).not.toContain('scrypt');

    const changes = (await audit(s, 'action=account.&target=account:zhang.san')).items.map((e) => [e.action, e.outcome, e.user]);
    expect(changes).toEqual([
      ['account.role', 'refused', 'admin'], ['account.password', 'ok', 'admin'], ['account.disable', 'ok', 'admin'], ['account.disable', 'ok', 'admin'],
      ['account.role', 'ok', 'admin'], ['account.create', 'refused', 'admin'], ['account.create', 'ok', 'admin'],
    ]);
  });

  it('outside demo mode there are no demo accounts; the first admin comes from the environment, once', async () => {
    const s = await bed.server({ demoMode: false, auth: { demoPassword: undefined, adminUser: 'chief', adminPassword: 'chief-password-1' } });
    expect((await postJson(`${s.url}/api/auth/login`, { username: 'admin', password: 'ccr-demo-2026' })).status).toBe(401);
    const chief = await bed.login(s, 'chief', 'chief-password-1');
    expect(chief.user.role).toBe('admin');
    await s.close();
    // Restarted with another admin password: an admin exists, so nothing is created or changed.
    const again = await bed.server({ keyPrefix: s.prefix, demoMode: false, auth: { demoPassword: undefined, adminUser: 'chief', adminPassword: 'other-password-2' } });
    expect((await postJson(`${again.url}/api/auth/login`, { username: 'chief', password: 'other-password-2' })).status).toBe(401);
    await bed.login(again, 'chief', 'chief-password-1');
  });

  it('leaving demo mode on the same Redis disables the demo accounts that still have the published password', async () => {
    const demo = await bed.server();
    const { token } = await bed.login(demo, 'admin', password(demo));
    await demo.close();
    const s = await bed.server({ keyPrefix: demo.prefix, demoMode: false, auth: { demoPassword: undefined, adminUser: 'chief', adminPassword: 'chief-password-1' } });
    expect((await postJson(`${s.url}/api/auth/login`, { username: 'admin', password: 'ccr-demo-2026' })).status).toBe(403);
    expect((await get(s, '/api/auth/me', token)).status).toBe(401);
    // The demo admin no longer counts: the first admin comes from the environment.
    expect((await bed.login(s, 'chief', 'chief-password-1')).user.role).toBe('admin');
  });
});

describe('audit log', () => {
  it('pages newest first with a cursor and filters by time, user and outcome', async () => {
    const s = await bed.server();
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) await s.app.audit.record({ user: 'u1', role: 'dispatcher', action: 'test.step', target: `incident:JQ-${i}`, outcome: 'ok', detail: { i } });
    await s.app.audit.record({ user: 'u2', role: 'leader', action: 'test.step', target: 'incident:JQ-9', outcome: 'error' });
    const first = await audit(s, 'action=test.step&user=u1&limit=2');
    expect(first.items.map((e) => e.detail?.i)).toEqual([4, 3]);
    const second = await audit(s, `action=test.step&user=u1&limit=2&cursor=${first.nextCursor}`);
    expect(second.items.map((e) => e.detail?.i)).toEqual([2, 1]);
    const third = await audit(s, `action=test.step&user=u1&limit=2&cursor=${second.nextCursor}`);
    expect(third.items.map((e) => e.detail?.i)).toEqual([0]);
    expect((await audit(s, 'action=test.step&outcome=error')).items.map((e) => e.user)).toEqual(['u2']);
    expect((await audit(s, `action=test.step&from=${t0}&to=${Date.now()}`)).items).toHaveLength(6);
    expect((await audit(s, `action=test.step&to=${t0 - 1}`)).items).toHaveLength(0);
    expect((await audit(s, 'target=incident:JQ-9')).items).toHaveLength(1);
    expect((await bed.fetch(s, '/api/audit?limit=0')).status).toBe(400);
    expect((await bed.fetch(s, '/api/audit', {}, 'dispatcher')).status).toBe(403);
  });

  it('retention trims old entries by stream id (MINID), never rewriting newer ones', async () => {
    const s = await bed.server({ auth: { auditRetentionDays: 1 } });
    const key = `${s.prefix}audit`;
    const old = Date.now() - 3 * 86_400_000;
    // MINID ~ trims whole stream nodes only: small nodes (this file's private Redis) make the trim visible.
    await bed.producer.configSet('stream-node-max-entries', '2');
    bed.onCleanup(async () => { await bed.producer.configSet('stream-node-max-entries', '100'); });
    // Entries written three days ago (ids are times), then fresh ones: the appends trim the old ones.
    for (let i = 0; i < 4; i++) await bed.producer.xAdd(key, `${old + i}-0`, { user: 'old', role: 'admin', action: 'test.old', target: 'x', outcome: 'ok' });
    for (let i = 0; i < 2; i++) await s.app.audit.record({ user: 'new', role: 'admin', action: 'test.new', target: 'x', outcome: 'ok' });
    const page = await audit(s, 'action=test.');
    expect(page.items.map((e) => e.user)).toEqual(['new', 'new']);
  });
});

describe('refusals of callers who are not logged in', () => {
  it('are itemised up to a limit per address and minute, then counted only (nobody can fill Redis with audit entries)', async () => {
    const s = await bed.server();
    // Stay inside one minute (the limit is per address and minute).
    while (new Date().getSeconds() > 45) await sleep(1_000);
    const statuses = await Promise.all(Array.from({ length: 60 }, () => get(s, '/api/units').then((r) => r.status)));
    expect(statuses.every((st) => st === 401)).toBe(true);
    const sock = io(`${s.url}/`, { transports: ['websocket'], auth: { token: 'not-a-token' }, reconnection: false });
    await new Promise<void>((resolve) => sock.on('connect_error', () => resolve()));
    sock.close();

    const refused = (await audit(s, 'outcome=refused&user=anonymous&limit=500')).items.filter((e) => e.action === 'http.refused' || e.action === 'socket.refused');
    expect(refused).toHaveLength(21);
    expect(refused.filter((e) => e.detail?.throttled === true)).toHaveLength(1);
    const metrics = await (await bed.fetch(s, '/metrics')).text();
    const counted = [...metrics.matchAll(/^ccr_auth_refused_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    expect(counted).toBeGreaterThanOrEqual(61);
  });
});
