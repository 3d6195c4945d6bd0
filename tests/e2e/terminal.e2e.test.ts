// The terminal app (/m) on a phone-sized Chromium (390×844): real Redis, the real server, a page that logs in with
// its unit id and provisioning key the way an officer's phone does. The officer acknowledges an order and reports on
// scene; then the phone goes offline, the resolved report waits in its outbox, and when the phone is back it is sent
// once and applied once. A 协查 started on the console reaches an emergency unit's phone, which acknowledges it and
// reports sightings (one made offline, sent once when back). Screenshots go to .artifacts/e2e (the ones in docs/ are copied from there by hand: a test run never changes tracked files).
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { AuditPage, IncidentReport, Readiness } from '@ccr/shared';
import { postJson, tokenFor } from '@ccr/server/testing';
import { openLoggedIn } from './browser.js';
import { ARTIFACTS, useBrowserBed } from './browser-bed.js';

const prefix = 'e2t:';
const PHONE = { width: 390, height: 844 };
const bed = useBrowserBed(prefix);

const keyOf = (unitId: string): string => createHmac('sha256', bed.server.config.auth.deviceSecret!).update(unitId).digest('hex');

async function addIncident(id: string, at: [number, number], extra: Partial<IncidentReport> = {}): Promise<void> {
  const r: IncidentReport = {
    id, type: 'fight', priority: 1, lng: at[0], lat: at[1], address: '胜芳镇中山街道幸福家园北门', reportedAt: new Date().toISOString(),
    source: '110', summary: '两名男子在小区门口斗殴', ...extra,
  };
  await bed.producer.xAdd(`${prefix}in:incidents`, '*', { data: JSON.stringify(r) });
  await expect.poll(() => bed.server.app.live.repo.getIncident(id), { timeout: 10_000 }).toBeTruthy();
}

/** A phone-sized page logged in to /m as `unitId` through its login form. */
async function phone(unitId: string, at: [number, number]): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await bed.browser.newContext({
    viewport: PHONE, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai',
    geolocation: { longitude: at[0], latitude: at[1] }, permissions: ['geolocation'],
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error' && !/ERR_INTERNET_DISCONNECTED|net::ERR/.test(m.text())) problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(`${bed.server.url}/m`, { waitUntil: 'load' });
  const form = page.locator('[data-terminal-login]');
  await form.locator('input[name="unitId"]').fill(unitId);
  await form.locator('input[name="key"]').fill(keyOf(unitId));
  await form.locator('button[type="submit"]').click();
  await expect.poll(() => page.locator('[data-terminal-conn]').getAttribute('class'), { timeout: 15_000 }).toContain('connected');
  return { context, page, problems };
}

async function audit(query: string): Promise<AuditPage['items']> {
  const res = await fetch(`${bed.server.url}/api/audit?limit=500&${query}`, { headers: { authorization: `Bearer ${await tokenFor(bed.server, 'leader')}` } });
  return ((await res.json()) as AuditPage).items;
}

/** Nothing on the page is wider than the phone. */
async function overflow(page: Page): Promise<string[]> {
  return page.evaluate((w) => [...document.querySelectorAll('body *')]
    .filter((el) => { const r = el.getBoundingClientRect(); return r.width > 0 && (r.right > w + 0.5 || r.left < -0.5); })
    .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`), PHONE.width);
}

describe('the terminal app at a phone viewport', () => {
  it('an officer acknowledges an order and reports on scene; a report made offline is sent once when back online', async () => {
    const scene: [number, number] = [116.6935, 39.0712];
    const { context, page, problems } = await phone('P-02', [116.7010, 39.0700]);
    await expect.poll(() => page.locator('[data-no-job]').count()).toBe(1);
    // Installable: the manifest is linked and the service worker (script-src 'self') controls /m.
    expect(await page.evaluate(async () => (await navigator.serviceWorker.ready).scope)).toBe(`${bed.server.url}/m`);
    expect((await fetch(`${bed.server.url}/manifest.webmanifest`)).status).toBe(200);

    await addIncident('JQ-M1', scene);
    const sent = await postJson(`${bed.server.url}/api/incidents/JQ-M1/dispatch`, { unitIds: ['P-02'], commandId: 'cmd-terminal-e2e-1' }, await tokenFor(bed.server, 'dispatcher'));
    expect(sent.status).toBe(200);
    const job = page.locator('[data-job]');
    await job.waitFor({ timeout: 10_000 });
    await expect.poll(() => job.textContent()).toContain('派警');
    await expect.poll(() => page.locator('[data-distance]').textContent(), { timeout: 10_000 }).toMatch(/直线距离 \d+(\.\d)? (m|km)/);

    await job.locator('[data-action="acknowledge"]').click();
    await expect.poll(async () => (await bed.server.app.dispatch.repo.pendingOrders('P-02')).length, { timeout: 10_000 }).toBe(0);
    await job.locator('[data-report="on_scene"]').waitFor();
    expect(await overflow(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'terminal-officer.png') });
    // English fits the phone too.
    await page.getByRole('button', { name: 'EN', exact: true }).click();
    await expect.poll(() => job.locator('[data-report="on_scene"]').textContent()).toBe('On scene');
    expect(await overflow(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'terminal-officer-en.png') });
    await page.getByRole('button', { name: '中文', exact: true }).click();

    await job.locator('textarea[name="note"]').fill('已到达，两人已被分开');
    await job.locator('[data-report="on_scene"]').click();
    await expect.poll(async () => (await bed.server.app.live.repo.getIncident('JQ-M1'))?.status, { timeout: 10_000 }).toBe('on_scene');
    await expect.poll(() => job.getAttribute('data-stage')).toBe('on_scene');

    // Offline: the report waits in the outbox, nothing reaches the server.
    await context.setOffline(true);
    await expect.poll(() => page.locator('[data-terminal-conn]').getAttribute('class')).toContain('offline');
    await job.locator('textarea[name="note"]').fill('已调解，双方离开');
    await job.locator('[data-report="resolved"]').click();
    await expect.poll(() => page.locator('[data-outbox]').textContent()).toContain('1 条待发送');
    await page.screenshot({ path: join(ARTIFACTS, 'terminal-offline.png') });
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await bed.server.app.live.repo.getIncident('JQ-M1'))?.status).toBe('on_scene');
    // The app shell is cached by the service worker and the outbox kept in localStorage: a reload made offline
    // opens the app with the report still waiting.
    expect(await page.evaluate(() => JSON.parse(localStorage.getItem('ccr.terminal') ?? '{}').outbox.length)).toBe(1);
    await page.reload({ waitUntil: 'load' });
    await expect.poll(() => page.locator('[data-outbox]').textContent(), { timeout: 10_000 }).toContain('1 条待发送');

    await context.setOffline(false);
    await expect.poll(async () => (await bed.server.app.live.repo.getIncident('JQ-M1'))?.status, { timeout: 20_000 }).toBe('resolved');
    await expect.poll(() => page.locator('[data-outbox]').count()).toBe(0);
    await page.locator('[data-no-job]').waitFor();
    const resolved = await bed.server.app.live.repo.getIncident('JQ-M1');
    expect(resolved!.timeline.filter((e) => e.status === 'resolved')).toHaveLength(1);
    const reports = (await audit('target=unit:P-02')).filter((e) => e.action.startsWith('unit.report.'));
    expect(reports.map((e) => `${e.action} ${e.outcome}`).reverse()).toEqual(['unit.report.on_scene ok', 'unit.report.resolved ok']);
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it('a foot patrol on a job shares its phone\'s position through the position ingest', async () => {
    const here: [number, number] = [116.6912, 39.0703];
    const { context, page, problems } = await phone('F-01', here);
    await addIncident('JQ-M2', [116.6935, 39.0712], { type: 'help', summary: '老人求助' });
    const sent = await postJson(`${bed.server.url}/api/incidents/JQ-M2/dispatch`, { unitIds: ['F-01'], commandId: 'cmd-terminal-e2e-2' }, await tokenFor(bed.server, 'dispatcher'));
    expect(sent.status).toBe(200);
    await page.locator('[data-job]').waitFor({ timeout: 10_000 });
    await expect.poll(async () => (await bed.server.app.live.repo.readFixes(['F-01']))[0], { timeout: 15_000 }).toMatchObject({ lng: here[0], lat: here[1] });
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it('an emergency unit answers a call-out with how many people and arrives; the console shows it in the 1-minute tier', async () => {
    // The incident at 张记超市 (E-0002): it is in the 1-minute ring.
    const shop: [number, number] = [116.691447, 39.068754];
    const { context, page, problems } = await phone('E-0002', shop);
    const desk = await bed.browser.newPage({ viewport: { width: 1920, height: 1080 } });
    desk.on('pageerror', (e) => problems.push(`console page error: ${e.message}`));
    await openLoggedIn(desk, bed.server.url, '/dispatch', 'dispatcher', bed.server.config.auth.demoPassword!);
    const address = '胜芳镇张记超市门口';
    await addIncident('JQ-M3', shop, { type: 'public_order', address, summary: '有人在超市门口滋事' });
    const row = desk.locator('.queue .row', { hasText: address });
    await row.click();
    const ring1 = desk.locator('.rings .ring').first();
    await ring1.waitFor({ timeout: 10_000 });
    await desk.keyboard.press('a');
    await expect.poll(() => ring1.locator('[data-callout-coming]').textContent(), { timeout: 10_000 }).toMatch(/待回复/);

    const job = page.locator('[data-job]');
    await job.waitFor({ timeout: 10_000 });
    await expect.poll(() => job.textContent()).toContain('应急呼叫');
    await job.locator('input[name="people"]').fill('4');
    expect(await overflow(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'terminal-emergency.png') });
    await job.locator('[data-answer="coming"]').click();
    await expect.poll(() => ring1.locator('[data-callout-coming]').textContent(), { timeout: 10_000 }).toContain('来 4 人（1 个）');
    await job.locator('[data-answer="arrived"]').click();
    await expect.poll(() => ring1.locator('[data-callout-arrived]').textContent(), { timeout: 10_000 }).toMatch(/到 1 个 · 0:\d\d/);
    expect(await ring1.locator('[data-callout-arrived]').getAttribute('class')).toContain('kept');
    await job.locator('textarea[name="note"]').fill('店员已将滋事者劝离');
    await job.locator('[data-answer="done"]').click();
    await page.locator('[data-no-job]').waitFor();
    await desk.screenshot({ path: join(ARTIFACTS, 'terminal-console-callout.png') });
    // The tier lines fit their ring's box, in Chinese and in English (nothing cut off by an ellipsis).
    const cut = (): Promise<string[]> => desk.evaluate(() => [...document.querySelectorAll('.rings .ring, .rings .ring .co')]
      .filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => `${e.className}: ${e.textContent}`));
    expect(await cut()).toEqual([]);
    await desk.getByRole('button', { name: 'EN', exact: true }).click();
    await expect.poll(() => ring1.locator('[data-callout-coming]').textContent()).toContain('4 coming (1)');
    expect(await cut()).toEqual([]);
    await desk.screenshot({ path: join(ARTIFACTS, 'terminal-console-callout-en.png') });
    expect(await desk.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1920);
    const stats = await (await fetch(`${bed.server.url}/api/stats/call-outs`, { headers: { authorization: `Bearer ${await tokenFor(bed.server, 'leader')}` } })).json();
    expect(stats).toMatchObject({ calledOut: 1, selfHelpWithin1: 1, selfHelpShare: 100 });
    expect(problems).toEqual([]);
    await desk.close();
    await context.close();
  }, 90_000);

  it('a roll-call from the console is answered on the phone; the wall\'s strip shows the readiness it found, and fits', async () => {
    const e3: [number, number] = [116.6807, 39.0716];
    const { context, page, problems } = await phone('E-0001', e3);
    const desk = await bed.browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await openLoggedIn(desk, bed.server.url, '/dispatch', 'dispatcher', bed.server.config.auth.demoPassword!);
    await desk.locator('[data-roll-call]').click();
    await desk.locator('.msg.ok', { hasText: '点名' }).waitFor({ timeout: 10_000 });
    const card = page.locator('[data-roll-call]');
    await card.waitFor({ timeout: 10_000 });
    await card.locator('input[name="rollPeople"]').fill('9');
    await page.screenshot({ path: join(ARTIFACTS, 'terminal-roll-call.png') });
    await card.locator('[data-action="roll-call"]').click();
    await card.waitFor({ state: 'detached', timeout: 10_000 });
    const api = async () => (await (await fetch(`${bed.server.url}/api/roll-calls/readiness`, { headers: { authorization: `Bearer ${await tokenFor(bed.server, 'operator')}` } })).json()) as Readiness;
    await expect.poll(async () => (await api()).acknowledged, { timeout: 10_000 }).toBe(9);
    const r = await api();

    const wall = await bed.browser.newPage({ viewport: { width: 1920, height: 1080 } });
    wall.on('pageerror', (e) => problems.push(`wall page error: ${e.message}`));
    await openLoggedIn(wall, bed.server.url, '/', 'operator', bed.server.config.auth.demoPassword!);
    const row = wall.locator('[data-wall-readiness]');
    await row.waitFor({ timeout: 20_000 });
    await expect.poll(() => row.textContent()).toContain(`${r.acknowledged}/${r.registered}`);
    const cut = (): Promise<string[]> => wall.evaluate(() => [...document.querySelectorAll('.strip .forces .row, .strip .forces')]
      .filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => `${e.className}: ${e.textContent}`));
    expect(await cut()).toEqual([]);
    await wall.screenshot({ path: join(ARTIFACTS, 'terminal-wall-readiness.png') });
    await wall.getByRole('button', { name: 'EN', exact: true }).click().catch(() => wall.evaluate(() => localStorage.setItem('ccr.wall.prefs', JSON.stringify({ locale: 'en' }))).then(() => wall.reload()));
    await expect.poll(() => wall.locator('[data-wall-readiness]').textContent(), { timeout: 20_000 }).toContain('Ready');
    expect(await cut()).toEqual([]);
    await wall.screenshot({ path: join(ARTIFACTS, 'terminal-wall-readiness-en.png') });
    expect(problems).toEqual([]);
    await wall.close();
    await desk.close();
    await context.close();
  }, 90_000);
  it('a 协查 from the console reaches an emergency unit\'s phone: 收到 counts on the console, sightings appear, one made offline once', async () => {
    // 中山街早市 (E-0003), a minimum emergency unit; a missing elderly man reported a few hundred metres away.
    const market: [number, number] = [116.693469, 39.073957];
    const { context, page, problems } = await phone('E-0003', market);
    await page.locator('[data-no-job]').waitFor();
    expect(await page.locator('[data-terminal-searches]').count()).toBe(0);
    const desk = await bed.browser.newPage({ viewport: { width: 1920, height: 1080 } });
    desk.on('pageerror', (e) => problems.push(`console page error: ${e.message}`));
    await openLoggedIn(desk, bed.server.url, '/dispatch', 'dispatcher', bed.server.config.auth.demoPassword!);
    const address = '胜芳镇中山街早市北口';
    const summary = '七旬男性走失，灰色外套，拄拐杖';
    await addIncident('JQ-M5', [116.6948, 39.0746], { type: 'missing_person', priority: 2, address, summary });
    /** 协查 from an incident to the minimum emergency units within 600 m (no volunteer teams, no grid officers). */
    const startSearch = async (incidentId: string): Promise<void> => {
      await desk.locator(`.queue .row[data-id="${incidentId}"]`).click();
      await desk.locator('[data-start-search]').click();
      const dialog = desk.locator('[data-search-dialog]');
      await dialog.waitFor();
      await dialog.locator('input[name="radius"]').fill('0.6');
      for (const box of await dialog.locator('input[name="team"]').all()) await box.uncheck();
      await dialog.locator('input[name="gridOfficers"]').uncheck();
      await dialog.locator('button[type="submit"]').click();
      await dialog.waitFor({ state: 'detached', timeout: 10_000 });
    };
    await startSearch('JQ-M5');
    const panel = desk.locator('[data-search-panel]');
    await expect.poll(() => panel.locator('[data-acks]').textContent(), { timeout: 10_000 }).toMatch(/^收到 0\/\d+$/);
    const total = Number((await panel.locator('[data-acks]').textContent())!.split('/')[1]);
    expect(total).toBeGreaterThan(1);

    // The phone shows it (the unit was idle: the 协查 is what it sees) and says how far it is.
    const card = page.locator('[data-terminal-searches] [data-search]');
    await card.waitFor({ timeout: 10_000 });
    expect(await card.textContent()).toContain(summary);
    await expect.poll(() => card.textContent(), { timeout: 10_000 }).toMatch(/距您 0\.\d 公里/);

    // 收到 → the console counts it.
    await card.locator('[data-ack]').click();
    await expect.poll(() => panel.locator('[data-acks]').textContent(), { timeout: 10_000 }).toBe(`收到 1/${total}`);
    expect(await card.locator('[data-ack]').textContent()).toBe('已收到');

    // 报告发现 → on the console, under the unit's name.
    const seen = '早市北口看到一位拄拐老人，往东走了';
    await card.locator('[data-sighting]').click();
    await card.locator('textarea[name="sighting"]').fill(seen);
    await card.locator('form button[type="submit"]').click();
    await expect.poll(() => panel.locator('[data-sighting]').first().textContent(), { timeout: 10_000 }).toContain(seen);
    expect(await panel.locator('[data-sighting]').first().textContent()).toContain('中山街早市');
    expect(await card.locator('[data-reported]').textContent()).toBe('已报告发现 1 次');
    await expect.poll(() => page.locator('[data-outbox]').count()).toBe(0);
    expect(await overflow(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'terminal-search.png') });

    // Offline: the second sighting waits in the outbox (kept across a reload); back online it is sent once.
    await context.setOffline(true);
    await expect.poll(() => page.locator('[data-terminal-conn]').getAttribute('class')).toContain('offline');
    const later = '十分钟后又在文化街口看到他，坐在长椅上';
    await card.locator('[data-sighting]').click();
    await card.locator('textarea[name="sighting"]').fill(later);
    await card.locator('form button[type="submit"]').click();
    await expect.poll(() => page.locator('[data-outbox]').textContent()).toContain('1 条待发送');
    await page.screenshot({ path: join(ARTIFACTS, 'terminal-search-offline.png') });
    await page.reload({ waitUntil: 'load' });
    await expect.poll(() => page.locator('[data-outbox]').textContent(), { timeout: 10_000 }).toContain('1 条待发送');
    expect(await card.locator('[data-reported]').textContent()).toBe('已报告发现 2 次');
    expect(await panel.locator('[data-sightings]').textContent()).toBe('发现 1');
    await context.setOffline(false);
    await expect.poll(() => page.locator('[data-outbox]').count(), { timeout: 20_000 }).toBe(0);
    await expect.poll(() => panel.locator('[data-sighting]').first().textContent(), { timeout: 10_000 }).toContain(later);
    await desk.waitForTimeout(1_500);
    expect(await panel.locator('[data-sighting]', { hasText: later }).count()).toBe(1);
    expect(await panel.locator('[data-sightings]').textContent()).toBe('发现 2');
    expect(await panel.locator('[data-acks]').textContent()).toBe(`收到 1/${total}`);
    await desk.screenshot({ path: join(ARTIFACTS, 'terminal-search-console.png') });

    // English fits the phone too.
    await page.getByRole('button', { name: 'EN', exact: true }).click();
    await expect.poll(() => card.locator('[data-ack]').textContent()).toBe('Acknowledged');
    expect(await overflow(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'terminal-search-en.png') });
    await page.getByRole('button', { name: '中文', exact: true }).click();

    // Called out to another incident meanwhile: the job comes first on the phone, the 协查 below it.
    await addIncident('JQ-M6', market, { type: 'public_order', address: '胜芳镇中山街早市', summary: '摊贩争执' });
    const called = await postJson(`${bed.server.url}/api/incidents/JQ-M6/alert-emergency-units`, { ring: 1, commandId: 'cmd-terminal-e2e-search-1' }, await tokenFor(bed.server, 'dispatcher'));
    expect(called.status).toBe(200);
    await page.locator('[data-job]').waitFor({ timeout: 10_000 });
    const [jobBox, searchBox] = await Promise.all([page.locator('[data-job]').boundingBox(), page.locator('[data-terminal-searches]').boundingBox()]);
    expect(jobBox!.y + jobBox!.height).toBeLessThanOrEqual(searchBox!.y);
    // That one was acknowledged already: nothing at the top says a search is waiting. A new one is said there.
    expect(await page.locator('[data-search-hint]').count()).toBe(0);
    await startSearch('JQ-M6');
    const hint = page.locator('[data-search-hint]');
    await expect.poll(() => hint.textContent(), { timeout: 10_000 }).toBe('有 1 条协查通报待收到（在任务下方）↓');
    expect(await page.locator('[data-terminal-searches] [data-search]').count()).toBe(2);
    expect(await overflow(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'terminal-search-on-job.png') });
    // The new search's 收到 is below the fold until the line is tapped.
    const newAck = page.locator('[data-terminal-searches] [data-search] [data-ack]:not([disabled])');
    const bottom = async (): Promise<number> => { const b = (await newAck.boundingBox())!; return b.y + b.height; };
    expect(await bottom()).toBeGreaterThan(PHONE.height);
    await hint.click();
    await expect.poll(bottom, { timeout: 5_000 }).toBeLessThanOrEqual(PHONE.height);
    await page.screenshot({ path: join(ARTIFACTS, 'terminal-search-on-job-scrolled.png') });

    // 找到 on the console: the phone shows it as ended (acknowledged quietly: the server stops reminding).
    await desk.locator('.queue .row[data-id="JQ-M5"]').click();
    await panel.locator('[data-found]').click();
    await panel.locator('[data-search-found]').waitFor({ timeout: 10_000 });
    const ended = page.locator('[data-terminal-searches] [data-search].found');
    await ended.waitFor({ timeout: 15_000 });
    expect(await ended.textContent()).toContain('已找到');
    expect(await ended.locator('[data-ack]').count()).toBe(0);
    await expect.poll(() => page.locator('[data-outbox]').count(), { timeout: 10_000 }).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'terminal-search-found.png') });
    expect(problems).toEqual([]);
    await desk.close();
    await context.close();
  }, 120_000);
});
