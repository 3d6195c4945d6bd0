// The community loops end to end: real Redis, the real server and two Chromium pages signed in through the login
// page — the community leader's console (/community) and the wall (/). The leader opens a may-escalate dispute,
// routes it to the grid's officer, records a failed then a successful session, a 回访, and closes it; then orders a
// task to one grid's officer, whose terminal accepts it and reports back over the API (as a terminal does); the
// leader returns the feedback for rework, the terminal reports again, and the leader accepts it. The wall's 社区警务
// panel must show each change without a reload; so must its map mark an overdue may-escalate case.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DEFAULT_DISPUTE_LIMITS, DEFAULT_TASK_CATALOGUE, localDay } from '@ccr/shared';
import { deviceLogin, postJson, tokenFor } from '@ccr/server/testing';
import { DEMO_JURISDICTION_DIR, loadJurisdiction } from '@ccr/server/jurisdiction';
import { openLoggedIn } from './browser.js';
import { ARTIFACTS, useBrowserBed } from './browser-bed.js';

const prefix = 'e2c:';
const ROUTE_WITHIN_MS = 20_000;
const bed = useBrowserBed(prefix, { community: { limits: { ...DEFAULT_DISPUTE_LIMITS, routeWithinMs: ROUTE_WITHIN_MS }, repeatWindowMs: 90 * 86_400_000, catalogue: DEFAULT_TASK_CATALOGUE } });

function watchProblems(page: Page, name: string, into: string[]): void {
  page.on('console', (m) => { if (m.type() === 'error') into.push(`${name} console: ${m.text()}`); });
  page.on('pageerror', (e) => into.push(`${name} page error: ${e.message}`));
}

describe('the community leader works both loops; the wall follows', () => {
  it('routes a dispute, a failed then a successful session, a 回访 and 销号; a task ordered, returned, reported and accepted', async () => {
    const password = bed.server.config.auth.demoPassword!;
    const problems: string[] = [];
    const jurisdiction = await loadJurisdiction(DEMO_JURISDICTION_DIR);
    const grid = jurisdiction.grids.features.map((f) => f.properties).find((g) => g.officerId)!;
    const officer = jurisdiction.units.find((u) => u.id === grid.officerId)!;

    const wall = await bed.browser.newPage({ viewport: { width: 1920, height: 1080 } });
    watchProblems(wall, 'wall', problems);
    await openLoggedIn(wall, bed.server.url, '/', 'operator', password);
    const desk = await bed.browser.newPage({ viewport: { width: 1920, height: 1080 } });
    watchProblems(desk, 'desk', problems);
    await openLoggedIn(desk, bed.server.url, '/community', 'community', password);
    await desk.locator('[data-dispute-list]').waitFor();

    const panel = wall.locator('[data-wall-community]');
    const fig = (key: string) => panel.locator(`[data-fig="${key}"] b`);
    const status = desk.locator('[data-dispute-status]');
    const message = desk.locator('[data-community-message]');
    await expect.poll(() => fig('route').textContent(), { timeout: 30_000 }).toBe('0');

    // ---- 受理: N, the one-screen form, Enter ----
    await desk.keyboard.press('n');
    const open = desk.locator('[data-dialog="open"]');
    await open.waitFor();
    await open.locator('input[name="party0"]').fill('王建国');
    await open.locator('input[name="phone0"]').fill('13800001234');
    await open.locator('input[name="party1"]').fill('李明');
    await open.locator('select[name="category"]').selectOption('labour');
    await open.locator('select[name="gridId"]').selectOption(grid.id);
    await open.locator('input[name="address"]').fill('胜芳镇中山街道幸福家园北小区3号楼二单元');
    await open.locator('input[name="riskLevel"][value="high"]').check();
    await open.locator('input[name="mayEscalate"]').check();
    await open.locator('textarea[name="summary"]').fill('拖欠三个月工资，双方在工地争执，情绪激动');
    // A form that lacks something says so before anything is sent.
    await open.locator('input[name="party0"]').fill('');
    await open.locator('input[name="address"]').press('Enter');
    await open.locator('[data-form-errors]').waitFor();
    await open.locator('input[name="party0"]').fill('王建国');
    await open.locator('input[name="address"]').press('Enter');
    await open.waitFor({ state: 'detached' });
    await expect.poll(() => status.textContent()).toBe('受理');
    const id = (await desk.locator('[data-dispute-id]').textContent())!.trim();
    expect(id).toMatch(/^MD-/);
    expect(await desk.locator('.facts').textContent()).toContain('王*'); // masked like a reporter
    await expect.poll(() => fig('route').textContent()).toBe('1');
    await expect.poll(() => fig('mayEscalate').textContent()).toBe('1');

    // ---- 分流 (R): tier 1, the grid's own officer offered ----
    await desk.keyboard.press('r');
    const route = desk.locator('[data-dialog="route"]');
    await route.waitFor();
    expect(await route.locator('select[name="ownerUnitId"]').inputValue()).toBe(officer.id);
    await route.locator('select[name="ownerUnitId"]').press('Enter');
    await route.waitFor({ state: 'detached' });
    await expect.poll(() => status.textContent()).toBe('已分流');
    await expect.poll(() => fig('mediate').textContent()).toBe('1');
    expect(await fig('route').textContent()).toBe('0');

    // ---- 调解 (S): failed, then (Enter: the next step) success ----
    await desk.keyboard.press('s');
    const session = desk.locator('[data-dialog="session"]');
    await session.waitFor();
    await session.locator('input[name="result"][value="failed"]').check();
    await session.locator('input[name="participants"]').press('Enter');
    await session.waitFor({ state: 'detached' });
    await expect.poll(() => status.textContent()).toBe('调解中');
    await expect.poll(() => fig('successRate').textContent()).toBe('0.0%');
    await desk.keyboard.press('Enter');
    await session.waitFor();
    await session.locator('input[name="result"][value="success"]').check();
    await session.locator('input[name="participants"]').press('Enter');
    await session.waitFor({ state: 'detached' });
    await expect.poll(() => status.textContent()).toBe('调解成功待回访');
    expect(await desk.locator('[data-sessions] li').count()).toBe(2);
    await expect.poll(() => fig('followup').textContent()).toBe('1');
    await expect.poll(() => fig('successRate').textContent()).toBe('100.0%');

    // A step the case is not at is refused on the console, saying why.
    await desk.keyboard.press('r');
    await expect.poll(() => message.textContent()).toContain('不能分流');

    // ---- 回访 (F): 满意 ----
    await desk.keyboard.press('f');
    const followup = desk.locator('[data-dialog="followup"]');
    await followup.waitFor();
    await followup.locator('input[name="note"]').press('Enter');
    await followup.locator('[data-form-errors]').waitFor(); // no satisfaction chosen yet
    await followup.locator('input[name="satisfaction"][value="satisfied"]').check();
    await followup.locator('input[name="note"]').fill('双方已按协议履行');
    await followup.locator('input[name="note"]').press('Enter');
    await followup.waitFor({ state: 'detached' });
    await expect.poll(() => status.textContent()).toBe('已回访');
    await expect.poll(() => fig('close').textContent()).toBe('1');
    await expect.poll(() => fig('satisfaction').textContent()).toBe('100.0%');

    // ---- 销号 (C) ----
    await desk.keyboard.press('c');
    const close = desk.locator('[data-dialog="close"]');
    await close.waitFor();
    await close.locator('input[name="reason"]').press('Enter');
    await close.waitFor({ state: 'detached' });
    await expect.poll(() => status.textContent()).toBe('销号');
    await expect.poll(() => fig('close').textContent()).toBe('0');
    expect(await fig('mayEscalate').textContent()).toBe('0');
    await desk.screenshot({ path: join(ARTIFACTS, 'community-dispute-closed.png') });

    // ---- 下单 (O): one grid's officer, due in ten minutes ----
    const dueAt = Date.now() + 10 * 60_000;
    const zone = jurisdiction.station.timeZone ?? 'Asia/Shanghai';
    const dueToday = localDay(dueAt, zone) === localDay(Date.now(), zone);
    const todayBefore = (await fig('tasksToday').textContent())!.trim();
    await desk.keyboard.press('t');
    await desk.keyboard.press('o');
    const order = desk.locator('[data-dialog="order"]');
    await order.waitFor();
    await order.locator('select[name="category"]').selectOption('visit');
    await order.locator('select[name="kind"]').selectOption('household_visit');
    await order.locator('input[name="targetKind"][value="unit"]').check();
    await order.locator('select[name="unitId"]').selectOption(officer.id);
    const local = await desk.evaluate((ms) => {
      const d = new Date(ms);
      const p = (n: number): string => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
    }, dueAt + 60_000);
    await order.locator('input[name="dueAt"]').fill(local);
    await order.locator('textarea[name="instructions"]').fill('走访网格内独居老人和出租屋，登记走访户数');
    await order.locator('textarea[name="instructions"]').press('Control+Enter');
    await order.waitFor({ state: 'detached' });
    const taskStatus = desk.locator('[data-task-status]');
    await expect.poll(() => taskStatus.textContent()).toBe('已下单');
    const taskId = (await desk.locator('[data-task-id]').textContent())!.trim();
    expect(await desk.locator('[data-detail]').textContent()).toContain(officer.name);
    if (dueToday) await expect.poll(() => fig('tasksToday').textContent()).not.toBe(todayBefore);

    // ---- the officer's terminal accepts and reports (the device API) ----
    const device = (await deviceLogin(bed.server, officer.id)).token;
    const terminal = async (path: string, body: object): Promise<void> => {
      const res = await postJson<{ message?: string }>(`${bed.server.url}/api/tasks/${taskId}/${path}`, { commandId: `e2e-${path}-${Date.now()}`, ...body }, device);
      expect(res.status, res.body?.message).toBe(200);
    };
    await terminal('accept', {});
    await expect.poll(() => taskStatus.textContent()).toBe('已接单');
    await terminal('feedback', { text: '已走访 12 户', count: 12 });
    await expect.poll(() => taskStatus.textContent()).toBe('已反馈待督导');

    // ---- 督导 (V): returned for rework with a reason, then accepted ----
    await desk.keyboard.press('v');
    const review = desk.locator('[data-dialog="review"]');
    await review.waitFor();
    await review.locator('input[name="verdict"][value="returned"]').check();
    await review.locator('input[name="reason"]').press('Enter');
    await review.locator('[data-form-errors]').waitFor(); // 返工 needs a reason
    await review.locator('input[name="reason"]').fill('走访户数与登记表不符，请补充独居老人名单');
    await review.locator('input[name="reason"]').press('Enter');
    await review.waitFor({ state: 'detached' });
    await expect.poll(() => taskStatus.textContent()).toBe('返工');
    await terminal('feedback', { text: '补充走访 3 户独居老人，名单已上传', count: 15 });
    await expect.poll(() => taskStatus.textContent()).toBe('已反馈待督导');
    await desk.keyboard.press('Enter'); // the step a reported task waits for: review
    await review.waitFor();
    await review.locator('input[name="reason"]').press('Enter');
    await review.waitFor({ state: 'detached' });
    await expect.poll(() => taskStatus.textContent()).toBe('督导通过');
    expect(await desk.locator('[data-reviews] li').count()).toBe(2);
    if (dueToday) {
      const [done, due] = (await fig('tasksToday').textContent())!.split('/').map(Number);
      expect(done).toBeGreaterThanOrEqual(1);
      expect(due).toBeGreaterThanOrEqual(done!);
    }

    // ---- a may-escalate case left unrouted past its limit is marked on the wall's map, in its grid ----
    const token = await tokenFor(bed.server, 'community');
    const res = await postJson<{ dispute?: { id: string } }>(`${bed.server.url}/api/disputes`, {
      commandId: `e2e-open-${Date.now()}`, source: 'walk_in', category: 'neighbour', parties: [{ name: '赵六' }], gridId: grid.id,
      lng: jurisdiction.station.center[0], lat: jurisdiction.station.center[1], riskLevel: 'high', mayEscalate: true, summary: '邻里噪音纠纷，扬言动手',
    }, token);
    expect(res.status).toBe(200);
    const lateId = res.body.dispute!.id;
    await expect.poll(() => fig('mayEscalate').textContent()).toBe('1');
    expect(await wall.locator('.map').getAttribute('data-dispute-marks')).toBeFalsy();
    await expect.poll(() => wall.locator('.map').getAttribute('data-dispute-marks'), { timeout: ROUTE_WITHIN_MS + 30_000, interval: 1_000 }).toBe(lateId);
    await expect.poll(() => fig('overdue').textContent(), { timeout: 20_000 }).toBe('1');
    await expect.poll(() => desk.locator(`[data-dispute-list] [data-id="${lateId}"]`).getAttribute('class'), { timeout: 20_000 }).toContain('late');

    await wall.screenshot({ path: join(ARTIFACTS, 'community-wall.png') });
    expect(problems).toEqual([]);
    await wall.close();
    await desk.close();
  }, 240_000);
});

describe('转矛盾纠纷 from the dispatch console', () => {
  it('T on a dispute incident opens the desk\'s 受理 filled from it; the incident then links to its case', async () => {
    const password = bed.server.config.auth.demoPassword!;
    const problems: string[] = [];
    const jurisdiction = await loadJurisdiction(DEMO_JURISDICTION_DIR);
    const [lng, lat] = jurisdiction.station.center;
    const id = 'JQ-E2E-TODISPUTE-1';
    const ingest = await fetch(`${bed.server.url}/api/ingest/incidents`, {
      method: 'POST', headers: { authorization: `Bearer ${bed.server.config.producerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id, type: 'dispute', priority: 3, lng, lat, address: '胜芳镇中山街道和平里小区5号楼', reportedAt: Date.now(), source: '110', summary: '楼上漏水，邻里争吵', reporter: '孙丽 13900001111' }),
    });
    expect(ingest.status).toBe(202);

    const desk = await bed.browser.newPage({ viewport: { width: 1920, height: 1080 } });
    watchProblems(desk, 'console', problems);
    await openLoggedIn(desk, bed.server.url, '/dispatch', 'leader', password);
    await desk.locator('.queue .row', { hasText: id }).click();
    await desk.locator('[data-to-dispute]').waitFor();
    await desk.keyboard.press('t');
    await desk.waitForURL(/\/community$/);
    const open = desk.locator('[data-dialog="open"]');
    await open.waitFor();
    expect(await open.locator('select[name="incidentId"]').inputValue()).toBe(id);
    expect(await open.locator('input[name="address"]').inputValue()).toBe('胜芳镇中山街道和平里小区5号楼');
    expect(await open.locator('input[name="party0"]').inputValue()).toBe('孙丽');
    await open.locator('input[name="address"]').press('Enter');
    await open.waitFor({ state: 'detached' });
    const caseId = (await desk.locator('[data-dispute-id]').textContent())!.trim();
    expect(caseId).toMatch(/^MD-/);

    // Back on the console the incident names its case, and the link leads to it.
    await desk.goto(`${bed.server.url}/dispatch`);
    await desk.locator('.queue .row', { hasText: id }).click();
    const link = desk.locator('.caselink');
    await expect.poll(() => link.textContent(), { timeout: 15_000 }).toBe(caseId);
    await link.click();
    await desk.waitForURL(/\/community$/);
    await expect.poll(async () => (await desk.locator('[data-dispute-id]').textContent())?.trim()).toBe(caseId);
    expect(problems).toEqual([]);
    await desk.close();
  }, 120_000);
});
