// 群防群治 end to end: real Redis, the real server and built client, Chromium. The dispatcher (1920×1080) starts a 协查
// from a missing-person incident; a courier volunteer's phone (390×844, located near the incident) receives it,
// acknowledges and reports a sighting, which appears on the console live (the list, and a pin on the map); 找到 on
// the console ends it on the phone. A public clue (百姓说事) appears in the console's clue queue and becomes an
// incident. Screenshots in .artifacts/e2e (docs/terminal-volunteer.png and docs/console-clues.png are copied from there).
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openLoggedIn } from './browser.js';
import { loadConfig, tokenFor } from '@ccr/server/testing';
import { ARTIFACTS, useBrowserBed } from './browser-bed.js';

const prefix = 'e2v:';
/** A courier volunteer of the demo (快乐小哥义警队, V-01) and where they are. */
const VOLUNTEER = 'V-01-02';
const HERE = { longitude: 116.7145, latitude: 39.0773 };
/** A school-gate volunteer (护学岗志愿队, V-05) at the school gate. */
const GUARD = 'V-05-01';
const GATE = { longitude: 116.67779, latitude: 39.070455 };

/** Peak windows set around the test's own clock (in the station's zone): one open now, the other later the same
 *  day (or, after 23:00, earlier), so the check-in is open whatever time CI runs. */
function guardWindowsAroundNow(): { GUARD_MORNING: string; GUARD_AFTERNOON: string } {
  const [h, m] = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date()).split(':').map(Number);
  const now = h! * 60 + m!;
  const hhmm = (x: number): string => `${String(Math.floor(x / 60)).padStart(2, '0')}:${String(x % 60).padStart(2, '0')}`;
  const open = `${hhmm(Math.max(0, now - 10))}-${hhmm(Math.min(1438, now + 20))}`;
  const other = now < 1380 ? `${hhmm(now + 40)}-${hhmm(now + 55)}` : '00:00-00:30';
  return now < 1380 ? { GUARD_MORNING: open, GUARD_AFTERNOON: other } : { GUARD_MORNING: other, GUARD_AFTERNOON: open };
}

const bed = useBrowserBed(prefix, { volunteers: loadConfig(guardWindowsAroundNow()).volunteers });

function watchProblems(page: Page, name: string, into: string[]): void {
  page.on('console', (m) => { if (m.type() === 'error') into.push(`${name} console: ${m.text()}`); });
  page.on('pageerror', (e) => into.push(`${name} page error: ${e.message}`));
}

async function openConsole(problems: string[]): Promise<Page> {
  const ctx = await bed.browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const desk = await ctx.newPage();
  watchProblems(desk, 'console', problems);
  await openLoggedIn(desk, bed.server.url, '/dispatch', 'dispatcher', bed.server.config.auth.demoPassword!);
  await desk.getByText('警情队列').waitFor({ timeout: 15_000 });
  return desk;
}

describe('volunteers on their phones and the console', () => {
  it('a 协查 reaches a volunteer\'s phone; the acknowledgement and the sighting show on the console live; found ends it on the phone', async () => {
    const problems: string[] = [];
    const desk = await openConsole(problems);

    // A missing elderly man reported near the courier's street.
    const summary = '七旬男性走失，灰色外套，拄拐杖，说本地口音';
    await bed.producer.xAdd(`${prefix}in:incidents`, '*', {
      data: JSON.stringify({ id: 'JQ-E2E-V-0001', type: 'missing_person', priority: 2, lng: HERE.longitude + 0.003, lat: HERE.latitude + 0.001, address: '胜芳镇家具城东门', reportedAt: new Date().toISOString(), source: '110', summary, reporter: '家属 139****0000' }),
    });
    const row = desk.locator('.queue .row', { hasText: '胜芳镇家具城东门' });
    await row.waitFor({ timeout: 15_000 });
    await row.click();

    // 协查: to the courier team only (radius 3 km), no grid officers or emergency units.
    await desk.locator('[data-start-search]').click();
    const dialog = desk.locator('[data-search-dialog]');
    await dialog.waitFor();
    expect(await dialog.locator('textarea[name="description"]').inputValue()).toBe(summary);
    await dialog.locator('input[name="radius"]').fill('3');
    for (const box of await dialog.locator('input[name="team"]').all()) if ((await box.getAttribute('value')) !== 'V-01') await box.uncheck();
    await dialog.locator('input[name="gridOfficers"]').uncheck();
    await dialog.locator('input[name="emergencyUnits"]').uncheck();
    await dialog.locator('button[type="submit"]').click();
    await dialog.waitFor({ state: 'detached', timeout: 10_000 }).catch(async (e: Error) => {
      await desk.screenshot({ path: join(ARTIFACTS, 'volunteer-search-dialog-stuck.png') });
      throw new Error(`${e.message}\nthe console says: ${await desk.locator('.bottom .msg').textContent({ timeout: 1_000 }).catch(() => '')}`);
    });
    const panel = desk.locator('[data-search-panel]');
    await expect.poll(() => panel.locator('[data-acks]').textContent(), { timeout: 10_000 }).toMatch(/^收到 0\/\d+$/);

    // The volunteer's phone: logs in with the provisioning key, located by the phone.
    const phoneCtx = await bed.browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, geolocation: { ...HERE, accuracy: 15 }, permissions: ['geolocation'], timezoneId: 'Asia/Shanghai' });
    const phone = await phoneCtx.newPage();
    watchProblems(phone, 'phone', problems);
    await phone.goto(`${bed.server.url}/m/volunteer`);
    await phone.locator('input[name="volunteerId"]').fill(VOLUNTEER);
    await phone.locator('input[name="key"]').fill(createHmac('sha256', bed.server.config.auth.deviceSecret!).update(`volunteer:${VOLUNTEER}`).digest('hex'));
    await phone.locator('button[type="submit"]').click();
    const card = phone.locator('[data-search]');
    await card.waitFor({ timeout: 15_000 });
    expect(await card.textContent()).toContain(summary);
    await expect.poll(() => phone.locator('[data-fix]').textContent()).toContain('已定位');

    // 收到 → the console counts it.
    await card.locator('[data-ack]').click();
    await expect.poll(() => panel.locator('[data-acks]').textContent(), { timeout: 10_000 }).toMatch(/^收到 1\/\d+$/);

    // 报告发现 → listed and pinned on the console map.
    await card.locator('[data-sighting]').click();
    const seen = '超市门口看到一位拄拐老人，往南走了';
    await card.locator('textarea[name="sighting"]').fill(seen);
    await card.locator('form button[type="submit"]').click();
    await expect.poll(() => phone.locator('[data-msg]').textContent(), { timeout: 10_000 }).toBe('发现已报告');
    await expect.poll(() => panel.locator('[data-sighting]').first().textContent(), { timeout: 10_000 }).toContain(seen);
    expect(await panel.locator('[data-sighting]').first().textContent()).toContain('何雨涵');
    await expect.poll(() => desk.locator('[data-search-pins]').getAttribute('data-search-pins'), { timeout: 10_000 }).toBe('1');
    expect(await phone.locator('[data-outbox]').count()).toBe(0);
    await phone.screenshot({ path: join(ARTIFACTS, 'terminal-volunteer.png') });
    await desk.waitForTimeout(600);
    await desk.screenshot({ path: join(ARTIFACTS, 'volunteer-console-search.png') });

    // Offline: a clue is kept on the phone; back online it is sent once, and the console's clue queue has it once.
    await phoneCtx.setOffline(true);
    await expect.poll(() => phone.locator('[data-conn]').textContent(), { timeout: 30_000 }).toContain('离线');
    const offlineClue = '家具城南侧电动车棚有人剪锁';
    await phone.locator('textarea[name="clue"]').fill(offlineClue);
    await phone.locator('form.clue button[type="submit"]').click();
    await expect.poll(() => phone.locator('[data-outbox]').textContent()).toContain('待发送 1 条');
    await phoneCtx.setOffline(false);
    await expect.poll(() => phone.locator('[data-outbox]').count(), { timeout: 30_000 }).toBe(0);
    await expect.poll(() => phone.locator('[data-msg]').textContent(), { timeout: 10_000 }).toBe('线索已发送');
    await desk.locator('[data-clues-tab]').click();
    await expect.poll(() => desk.locator('[data-clue]', { hasText: offlineClue }).count(), { timeout: 10_000 }).toBe(1);
    await desk.waitForTimeout(1_500);
    expect(await desk.locator('[data-clue]', { hasText: offlineClue }).count()).toBe(1);
    await desk.getByRole('button', { name: '警情', exact: true }).click();

    // 找到: ends it on the console and on the phone.
    await panel.locator('[data-found]').click();
    await panel.locator('[data-search-found]').waitFor({ timeout: 10_000 });
    await phone.locator('[data-search].found').waitFor({ timeout: 15_000 });
    expect(await phone.locator('[data-search]').textContent()).toContain('已找到');
    await phone.screenshot({ path: join(ARTIFACTS, 'volunteer-phone-found.png') });
    // English fits too.
    await phone.locator('button', { hasText: 'EN' }).click();
    await phone.screenshot({ path: join(ARTIFACTS, 'volunteer-phone-en.png') });
    const wide = await phone.evaluate(() => document.documentElement.scrollWidth);
    expect(wide).toBeLessThanOrEqual(390);
    expect(problems).toEqual([]);
    await phoneCtx.close();
    await desk.context().close();
  }, 120_000);

  it('a public clue appears in the console\'s clue queue and becomes an incident', async () => {
    const problems: string[] = [];
    const desk = await openConsole(problems);
    const text = '家具城北门有两名男子挨个拉车门，形迹可疑';
    const res = await fetch(`${bed.server.url}/api/public/clues`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text, phone: '13912345678', lng: 116.7101, lat: 39.0822, address: '胜芳镇家具城北门' }) });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    // Two more from the public, so the queue is a queue.
    for (const [more, phone] of [['文化街口路灯坏了三天，晚上很黑，老人孩子路过不安全', '13812345679'], ['商贸街23号门口经常有人聚集赌博', '13712345670']] as const) {
      const r = await fetch(`${bed.server.url}/api/public/clues`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: more, phone }) });
      expect(r.status).toBe(202);
    }

    await desk.locator('[data-clues-tab]').click();
    const clue = desk.locator(`[data-clue="${id}"]`);
    await clue.waitFor({ timeout: 10_000 });
    expect(await clue.textContent()).toContain(text);
    await desk.waitForTimeout(500);
    await desk.screenshot({ path: join(ARTIFACTS, 'console-clues.png') });

    await clue.locator('[data-act="incident"]').click();
    await clue.locator('select[name="type"]').selectOption('theft');
    await clue.locator('button[type="submit"]').click();
    await clue.waitFor({ state: 'detached', timeout: 10_000 });
    await expect.poll(() => desk.locator('.bottom .msg').textContent()).toContain(`CL-${id}`);
    await desk.getByRole('button', { name: '警情', exact: true }).click();
    await desk.locator(`.queue .row[data-id="CL-${id}"]`).waitFor({ timeout: 10_000 });
    // English fits too: the clue tab and the console.
    await desk.locator('button.lang').click();
    await desk.locator('[data-clues-tab]').click();
    await desk.screenshot({ path: join(ARTIFACTS, 'volunteer-console-clues-en.png') });
    expect(problems).toEqual([]);
    await desk.context().close();
  }, 90_000);

  it('a 护学岗 volunteer checks in on the phone; the wall\'s flag turns from 待签到 to 已签到', async () => {
    const problems: string[] = [];
    const wallCtx = await bed.browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const wall = await wallCtx.newPage();
    watchProblems(wall, 'wall', problems);
    await openLoggedIn(wall, bed.server.url, '/', 'operator', bed.server.config.auth.demoPassword!);
    const flag = wall.locator('[data-wall-guard]');
    await expect.poll(() => flag.textContent(), { timeout: 15_000 }).toBe('护学岗待签到 1');
    expect(await flag.getAttribute('class')).toContain('waiting');

    const phoneCtx = await bed.browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, geolocation: { ...GATE, accuracy: 10 }, permissions: ['geolocation'], timezoneId: 'Asia/Shanghai' });
    const phone = await phoneCtx.newPage();
    watchProblems(phone, 'phone', problems);
    await phone.goto(`${bed.server.url}/m/volunteer`);
    await phone.locator('input[name="volunteerId"]').fill(GUARD);
    await phone.locator('input[name="key"]').fill(createHmac('sha256', bed.server.config.auth.deviceSecret!).update(`volunteer:${GUARD}`).digest('hex'));
    await phone.locator('button[type="submit"]').click();
    const checkIn = phone.locator('[data-checkin]');
    await checkIn.waitFor({ timeout: 15_000 });
    await expect.poll(() => phone.locator('[data-fix]').textContent()).toContain('已定位');
    await checkIn.click();
    await expect.poll(() => phone.locator('[data-msg]').textContent(), { timeout: 10_000 }).toBe('已签到');
    expect(await phone.locator('[data-outbox]').count()).toBe(0);
    // The phone says which peak it counted for, and when.
    await expect.poll(() => phone.locator('[data-checked-in]').textContent(), { timeout: 10_000 }).toMatch(/^✓ (早高峰|晚高峰)已签到 \d\d:\d\d$/);
    await phone.screenshot({ path: join(ARTIFACTS, 'volunteer-guard-checkin.png') });
    await phone.locator('button', { hasText: 'EN' }).click();
    expect(await phone.locator('[data-checked-in]').textContent()).toMatch(/^✓ (Morning|Afternoon) peak: checked in at \d\d:\d\d$/);
    await phone.screenshot({ path: join(ARTIFACTS, 'volunteer-guard-checkin-en.png') });
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    // The wall hears guard:checked-in live (its board is otherwise fetched once a minute).
    await expect.poll(() => flag.textContent(), { timeout: 10_000 }).toBe('护学岗 1/1 已签到');
    expect(await flag.getAttribute('class')).toContain('ok');
    // A teammate checking in again in the same window is answered and changes nothing.
    const board = (await (await fetch(`${bed.server.url}/api/guard-posts`, { headers: { authorization: `Bearer ${await tokenFor(bed.server, 'operator')}` } })).json()) as { posts: { teamId: string; checkIns: Record<string, { by: string }> }[] };
    const post = board.posts.find((p) => p.teamId === 'V-05');
    expect(Object.values(post?.checkIns ?? {}).map((c) => c.by)).toEqual(['魏婷']);
    expect(problems).toEqual([]);
    await phoneCtx.close();
    await wallCtx.close();
  }, 90_000);
});
