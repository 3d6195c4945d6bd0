// Dispatch end to end: real Redis, the real server, the simulator (its units obey orders over the device
// channel, time-scaled), and two Chromium pages — the dispatcher's console and the wall, each signed in through
// the login page. A priority-1 incident is reported; the dispatcher sends the top recommendation with Enter; the
// unit drives there and the server's geofence marks it on scene; the dispatcher resolves (R) and closes (C) it.
// The wall must show each step: the dispatch line, the arrival, and the incident gone when closed.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import type { Browser, Page } from 'playwright-core';
import { startRedisServer, startTestServer, tokenFor, type RedisServerHandle, type TestServer } from '@ccr/server/testing';
import { DEMO_JURISDICTION_DIR, loadJurisdiction } from '@ccr/server/jurisdiction';
import { launchChromium, openLoggedIn } from './browser.js';
import { REPO_ROOT, buildClient } from './client-build.js';

const ARTIFACTS = join(REPO_ROOT, '.artifacts', 'e2e');
const prefix = 'e2d:';
let redis: RedisServerHandle;
let server: TestServer;
let browser: Browser;
let producer: ReturnType<typeof createClient>;
let sim: ChildProcess | undefined;
const simLog: string[] = [];

/** The simulator CLI as `pnpm sim` runs it: every tracked unit drives and has a terminal; no random incidents.
 *  ×5 time makes a 2 km drive take about ten seconds; the long service time leaves resolving to the dispatcher. */
function startSimulator(): ChildProcess {
  const child = spawn(process.execPath, [
    '--import', 'tsx', 'src/main.ts',
    '--redis-url', redis.url, '--prefix', prefix, '--server-url', server.url,
    '--seed', '7', '--time-scale', '5', '--rate', '2', '--incidents-per-hour', '0', '--service-minutes', '600',
  ], {
    cwd: join(REPO_ROOT, 'simulator'),
    env: { ...process.env, DEVICE_SECRET: server.config.auth.deviceSecret ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (b: Buffer): void => {
    simLog.push(...b.toString().split('\n').filter(Boolean));
    if (simLog.length > 400) simLog.splice(0, simLog.length - 400);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return child;
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const [r, clientDist, b] = await Promise.all([startRedisServer(), buildClient(), launchChromium()]);
  redis = r;
  browser = b;
  // The simulator's ~130 unit terminals log in from this one address: the per-address login limit is raised
  // so that the people logging in after them are not refused.
  server = await startTestServer({ redisUrl: redis.url, jurisdictionDir: DEMO_JURISDICTION_DIR, keyPrefix: prefix, clientDist, auth: { loginRateLimitPerMinute: 100 } });
  producer = createClient({ url: redis.url });
  await producer.connect();
  sim = startSimulator();
}, 180_000);

afterAll(async () => {
  if (sim && sim.exitCode === null) {
    const exited = new Promise((res) => sim!.once('exit', res));
    sim.kill('SIGTERM');
    await Promise.race([exited, new Promise((res) => setTimeout(res, 5_000))]);
    if (sim.exitCode === null) sim.kill('SIGKILL');
  }
  await browser?.close();
  await producer?.close();
  await server?.close();
  await redis?.dispose();
});

function watchProblems(page: Page, name: string, into: string[]): void {
  page.on('console', (m) => { if (m.type() === 'error') into.push(`${name} console: ${m.text()}`); });
  page.on('pageerror', (e) => into.push(`${name} page error: ${e.message}`));
}

describe('dispatch from the console, seen on the wall', () => {
  it('dispatches the top recommendation, sees the unit arrive, resolves and closes; the wall shows each step', async () => {
    const password = server.config.auth.demoPassword!;
    const jurisdiction = await loadJurisdiction(DEMO_JURISDICTION_DIR);
    const problems: string[] = [];

    // Units must be reporting (and their terminals connected) before anyone can be recommended.
    const token = await tokenFor(server, 'dispatcher');
    await expect.poll(async () => {
      const res = await fetch(`${server.url}/api/units?kind=patrol_car&status=available&stale=false`, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) return 0;
      const units = (await res.json()) as { position: { ts: number } | null }[];
      return units.filter((u) => u.position && Date.now() - u.position.ts < 10_000).length;
    }, { timeout: 60_000, interval: 500 }).toBeGreaterThan(3);

    const wall = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    watchProblems(wall, 'wall', problems);
    await openLoggedIn(wall, server.url, '/', 'operator', password);
    await wall.getByText(jurisdiction.station.name, { exact: false }).first().waitFor({ timeout: 15_000 });

    const desk = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    watchProblems(desk, 'console', problems);
    await openLoggedIn(desk, server.url, '/dispatch', 'dispatcher', password);
    await desk.getByText('警情队列').waitFor({ timeout: 15_000 });

    // A priority-1 call near the town centre, and two lesser ones so the queue is a queue.
    const [lng, lat] = jurisdiction.station.center;
    const address = '胜芳镇中山街E2E派警测试8号';
    const report = (id: string, priority: number, dLng: number, addr: string, type: string, summary: string) => producer.xAdd(`${prefix}in:incidents`, '*', {
      data: JSON.stringify({ id, type, priority, lng: lng + dLng, lat: lat + 0.0012, address: addr, reportedAt: new Date().toISOString(), source: '110', summary, reporter: '测试 139****0000' }),
    });
    await report('JQ-E2E-D-0002', 3, -0.006, '胜芳镇文化街道口', 'dispute', '邻里噪音纠纷');
    await report('JQ-E2E-D-0003', 2, 0.008, '胜芳镇商贸街23号', 'traffic', '两车剐蹭');
    await report('JQ-E2E-D-0001', 1, 0, address, 'fight', '酒后打架，有人受伤');

    // The console: the call is first in the queue; selecting it brings the ranked units and the 1-3-5 rings.
    const row = desk.locator('.queue .row', { hasText: address });
    await row.waitFor({ timeout: 15_000 });
    await expect.poll(() => desk.locator('.queue .row').first().textContent()).toContain(address);
    await row.click();
    const top = desk.locator('.cands tbody tr').first();
    await top.waitFor({ timeout: 20_000 });
    const topName = (await top.locator('.name .nm').textContent())!.trim();
    expect(topName.length).toBeGreaterThan(0);
    await desk.locator('.rings .ring').first().waitFor({ timeout: 5_000 });
    await desk.waitForTimeout(800); // the zoomed map settles
    await desk.screenshot({ path: join(ARTIFACTS, 'dispatch-1-before.png') });

    // The wall keeps a log of what it shows for this incident, so no step is missed however fast the unit is.
    await wall.evaluate((addr) => {
      const w = window as unknown as { wallLog: string[] };
      w.wallLog = [];
      const note = (): void => {
        const map = document.querySelector<HTMLElement>('.map');
        const row = [...document.querySelectorAll('.board .row')].find((r) => r.textContent?.includes(addr));
        const line = `${map?.dataset.dispatchLines}|${map?.dataset.arrived}|${row?.querySelector('.status')?.textContent?.trim() ?? 'gone'}`;
        if (w.wallLog.at(-1) !== line) w.wallLog.push(line);
      };
      note();
      new MutationObserver(note).observe(document.body, { subtree: true, attributes: true, childList: true, characterData: true });
    }, address);
    const wallLog = (): Promise<string[]> => wall.evaluate(() => (window as unknown as { wallLog: string[] }).wallLog);

    // Enter: dispatch the top recommendation.
    await desk.keyboard.press('Enter');
    await desk.locator('.msg.ok', { hasText: '已派' }).waitFor({ timeout: 15_000 });
    await desk.locator('.detail .assigned li', { hasText: topName }).waitFor({ timeout: 10_000 });

    // The wall: the incident is dispatched (or en route) and a line joins the unit to it.
    const wallRow = wall.locator('.board .row', { hasText: address });
    await expect.poll(async () => (await wallLog()).some((l) => /^1\|0\|(已派警|在途)$/.test(l)), { timeout: 15_000 }).toBe(true);
    if ((await wall.locator('.map').getAttribute('data-dispatch-lines')) === '1') await wall.screenshot({ path: join(ARTIFACTS, 'dispatch-wall-1-line.png') });

    // The unit drives there (simulator, ×20); the server's geofence marks it on scene.
    await expect.poll(async () => (await wallRow.locator('.status').textContent())?.trim(), { timeout: 90_000, interval: 500 }).toBe('已到场');
    await expect.poll(() => wall.locator('.map').getAttribute('data-arrived'), { timeout: 10_000 }).toBe('1');
    await expect.poll(() => wall.locator('.map').getAttribute('data-dispatch-lines'), { timeout: 10_000 }).toBe('0');
    await wall.screenshot({ path: join(ARTIFACTS, 'dispatch-wall-2-arrived.png') });
    await desk.locator('.detail .head .status.on_scene').waitFor({ timeout: 10_000 });
    await desk.screenshot({ path: join(ARTIFACTS, 'dispatch-2-on-scene.png') });

    // R: resolved (处置完毕); C: close with an outcome and feedback.
    await desk.keyboard.press('r');
    await desk.locator('.detail .head .status.resolved').waitFor({ timeout: 10_000 });
    await desk.keyboard.press('c');
    const dialog = desk.getByRole('dialog');
    await dialog.waitFor({ timeout: 5_000 });
    await dialog.locator('select[name="outcome"]').selectOption('handled_on_scene');
    await dialog.locator('input[name="note"]').fill('双方已调解，伤者送医');
    await desk.screenshot({ path: join(ARTIFACTS, 'dispatch-3-close-dialog.png') });
    await dialog.locator('input[name="note"]').press('Enter');
    await desk.locator('.msg.ok', { hasText: '已办结' }).waitFor({ timeout: 10_000 });

    // Closed: gone from the console's queue and from the wall's board and map.
    await expect.poll(() => desk.locator('.queue .row', { hasText: address }).count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => wall.locator('.board .row', { hasText: address }).count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => wall.locator('.map').getAttribute('data-arrived'), { timeout: 10_000 }).toBe('0');
    await wall.screenshot({ path: join(ARTIFACTS, 'dispatch-wall-3-closed.png') });
    // In order: line while on the way, arrival ring and no line on scene, nothing once closed.
    const log = await wallLog();
    const firstLine = log.findIndex((l) => l.startsWith('1|0|'));
    const firstArrived = log.findIndex((l) => l === '0|1|已到场');
    const gone = log.findIndex((l) => l.endsWith('|gone'));
    expect(firstLine, log.join('\n')).toBeGreaterThanOrEqual(0);
    expect(firstArrived, log.join('\n')).toBeGreaterThan(firstLine);
    expect(gone, log.join('\n')).toBeGreaterThan(firstArrived);
    await desk.screenshot({ path: join(ARTIFACTS, 'dispatch-4-closed.png') });

    // The record: every step, by whom.
    const res = await fetch(`${server.url}/api/incidents/JQ-E2E-D-0001`, { headers: { authorization: `Bearer ${token}` } });
    const inc = (await res.json()) as { status: string; outcome?: string; timeline: { status: string; by?: string }[] };
    expect(inc.status).toBe('closed');
    expect(inc.outcome).toBe('handled_on_scene');
    const steps = inc.timeline.map((e) => e.status);
    expect(steps[0]).toBe('received');
    expect(steps).toContain('dispatched');
    expect(steps).toContain('on_scene');
    expect(steps.slice(-2)).toEqual(['resolved', 'closed']);
    expect(inc.timeline.find((e) => e.status === 'dispatched')?.by).toBe('dispatcher');

    expect(problems, simLog.slice(-30).join('\n')).toEqual([]);
    await wall.close();
    await desk.close();
  }, 240_000);

  it('refuses the console to an operator and says why', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await openLoggedIn(page, server.url, '/', 'operator', server.config.auth.demoPassword!);
    await page.goto(`${server.url}/dispatch`, { waitUntil: 'load' });
    await page.getByText('无权访问该页面').waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'dispatch-denied.png') });
    // A wrong password is named as such.
    await page.locator('input[name="username"]').fill('dispatcher');
    await page.locator('input[name="password"]').fill('wrong-password');
    await page.locator('button[type="submit"]').click();
    await page.getByRole('alert').getByText('用户名或密码错误').waitFor({ timeout: 10_000 });
    await page.close();
  });
});
