// 疑似重复 on the console in Chromium: real Redis, the real server, the built client. Three calls about one fight
// reach the console; the later two are flagged naming the first; M merges one (after the dialog's Enter), D says
// the other is not a duplicate. The key bar and the duplicate strip must fit their boxes in zh and en.
// And a frozen fix: a unit sent to a scene whose position stops changing is marked on the console (定位冻结 m:ss)
// and its line on the wall turns dashed amber with a legend entry, until it moves again.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { tokenFor } from '@ccr/server/testing';
import { DEMO_JURISDICTION_DIR, loadJurisdiction } from '@ccr/server/jurisdiction';
import { loadConfig } from '@ccr/server';
import { openLoggedIn } from './browser.js';
import { ARTIFACTS, useBrowserBed } from './browser-bed.js';

const prefix = 'e2dup:';
const FROZEN_AFTER_MS = 3_000;
const bed = useBrowserBed(prefix, { ingest: { ...loadConfig({}).ingest, positionFrozenAfterMs: FROZEN_AFTER_MS } });

/** Elements among `selector` whose content is wider than their box (measured in the page). Width only: what
 *  the badge and the key added can push out is sideways (the row's first line and the key bar were already a few
 *  pixels taller than their boxes before; left to the console's own layout work). */
function overflowing(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((sel) => [...document.querySelectorAll<HTMLElement>(sel)]
    .filter((e) => e.scrollWidth > e.clientWidth + 1)
    .map((e) => `${e.className}: ${e.scrollWidth}×${e.scrollHeight} in ${e.clientWidth}×${e.clientHeight}`), selector);
}

describe('suspected duplicates on the console', () => {
  it('flags the later calls, names the original; M merges after confirmation, D dismisses', async () => {
    const password = bed.server.config.auth.demoPassword!;
    const jurisdiction = await loadJurisdiction(DEMO_JURISDICTION_DIR);
    const problems: string[] = [];
    const desk = await bed.browser.newPage({ viewport: { width: 1920, height: 1080 } });
    desk.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    desk.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await openLoggedIn(desk, bed.server.url, '/dispatch', 'dispatcher', password);
    await desk.getByText('警情队列').waitFor({ timeout: 15_000 });
    const wall = await bed.browser.newPage({ viewport: { width: 1920, height: 1080 } });
    wall.on('pageerror', (e) => problems.push(`wall page error: ${e.message}`));
    await openLoggedIn(wall, bed.server.url, '/', 'operator', password);

    const [lng, lat] = jurisdiction.station.center;
    const address = '胜芳镇中山街E2E重复报警测试路口东侧12号';
    const t = Date.now() - 30_000;
    const report = (id: string, dLat: number, at: number, type: string) => bed.producer.xAdd(`${prefix}in:incidents`, '*', {
      data: JSON.stringify({ id, type, priority: 1, lng, lat: lat + dLat, address, reportedAt: at, source: '110', summary: '两人当街打架', reporter: '路人' }),
    });
    await report('JQ-E2E-DUP-0001', 0, t, 'fight');
    await report('JQ-E2E-DUP-0002', 0.0003, t + 9_000, 'fight'); // ~33 m north, 9 s later
    await report('JQ-E2E-DUP-0003', 0.0001, t + 20_000, 'public_order');

    const row = (id: string) => desk.locator('.queue .row', { hasText: id });
    await row('JQ-E2E-DUP-0003').waitFor({ timeout: 15_000 });
    await expect.poll(() => desk.locator('.queue .row .dup').count(), { timeout: 10_000 }).toBe(2);
    expect(await row('JQ-E2E-DUP-0001').locator('.dup').count()).toBe(0);
    // The wall says it too, on the rows of the later calls only.
    await expect.poll(() => wall.locator('.board [data-duplicate]').count(), { timeout: 10_000 }).toBe(2);
    expect(await wall.locator('.board [data-duplicate][title="JQ-E2E-DUP-0001"]').count()).toBe(2);
    await wall.close();

    await row('JQ-E2E-DUP-0002').click();
    const strip = desk.locator('.dupline');
    await strip.waitFor({ timeout: 5_000 });
    const text = (await strip.textContent())!;
    expect(text).toContain('疑似重复');
    expect(text).toContain('JQ-E2E-DUP-0001');
    expect(text).toMatch(/相距 3[2-4] 米/);
    expect(text).toContain('打架斗殴 · 胜芳镇中山街E2E重复报警测试路口东侧12号');
    expect(text).toContain('0:09');
    expect(await overflowing(desk, '.bottom .keys, .queue .row .l1, .dupline')).toEqual([]);
    await desk.screenshot({ path: join(ARTIFACTS, 'duplicate-1-flagged.png') });

    // M asks first (Esc goes back and nothing happens), then Enter merges.
    await desk.keyboard.press('m');
    const dialog = desk.locator('.dialog');
    await dialog.waitFor({ timeout: 5_000 });
    expect(await dialog.textContent()).toContain('JQ-E2E-DUP-0001');
    await desk.screenshot({ path: join(ARTIFACTS, 'duplicate-2-merge-dialog.png') });
    await desk.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached', timeout: 5_000 });
    expect(await row('JQ-E2E-DUP-0002').count()).toBe(1);
    await desk.keyboard.press('m');
    await dialog.waitFor({ timeout: 5_000 });
    await desk.keyboard.press('Enter');
    await row('JQ-E2E-DUP-0002').waitFor({ state: 'detached', timeout: 10_000 });
    const leader = { authorization: `Bearer ${await tokenFor(bed.server, 'leader')}` };
    const merged = (await (await fetch(`${bed.server.url}/api/incidents/JQ-E2E-DUP-0002`, { headers: leader })).json()) as { status: string; mergedInto: string };
    expect(merged).toMatchObject({ status: 'merged', mergedInto: 'JQ-E2E-DUP-0001' });

    // D on the third: the badge goes, the incident stays to be dispatched.
    await row('JQ-E2E-DUP-0003').click();
    await strip.waitFor({ timeout: 5_000 });
    await desk.keyboard.press('d');
    await expect.poll(() => row('JQ-E2E-DUP-0003').locator('.dup').count(), { timeout: 10_000 }).toBe(0);
    await strip.waitFor({ state: 'detached', timeout: 5_000 });

    // English: the same strip and key bar fit.
    await desk.locator('button.lang').click();
    await desk.getByText('Queue').first().waitFor({ timeout: 5_000 });
    await report('JQ-E2E-DUP-0004', 0.0002, t + 25_000, 'fight');
    await row('JQ-E2E-DUP-0004').click();
    await strip.waitFor({ timeout: 10_000 });
    expect(await overflowing(desk, '.bottom .keys, .queue .row .l1, .dupline')).toEqual([]);
    await desk.screenshot({ path: join(ARTIFACTS, 'duplicate-3-en.png') });
    expect(problems).toEqual([]);
  }, 120_000);
});

describe('a frozen fix on the console and the wall', () => {
  it('marks a unit on its way whose position stops changing, and clears the mark when it moves', async () => {
    const password = bed.server.config.auth.demoPassword!;
    const jurisdiction = await loadJurisdiction(DEMO_JURISDICTION_DIR);
    const problems: string[] = [];
    const [lng, lat] = jurisdiction.station.center;
    const unitId = jurisdiction.units.find((u) => u.kind === 'patrol_car')!.id;
    const id = 'JQ-E2E-FROZEN-01';
    await bed.producer.xAdd(`${prefix}in:incidents`, '*', {
      data: JSON.stringify({ id, type: 'theft', priority: 2, lng, lat, address: '胜芳镇中山街定位冻结测试点8号', reportedAt: Date.now(), source: '110', summary: '电动车被盗' }),
    });
    const dispatcher = { authorization: `Bearer ${await tokenFor(bed.server, 'dispatcher')}`, 'content-type': 'application/json' };
    await expect.poll(async () => (await fetch(`${bed.server.url}/api/incidents/${id}`, { headers: dispatcher })).status, { timeout: 10_000 }).toBe(200);
    const sent = await fetch(`${bed.server.url}/api/incidents/${id}/dispatch`, { method: 'POST', headers: dispatcher, body: JSON.stringify({ unitIds: [unitId], commandId: 'e2e-frozen-dispatch' }) });
    expect(sent.status).toBe(200);

    const desk = await bed.browser.newPage({ viewport: { width: 1920, height: 1080 } });
    desk.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await openLoggedIn(desk, bed.server.url, '/dispatch', 'dispatcher', password);
    const wall = await bed.browser.newPage({ viewport: { width: 1920, height: 1080 } });
    wall.on('pageerror', (e) => problems.push(`wall page error: ${e.message}`));
    await openLoggedIn(wall, bed.server.url, '/', 'operator', password);
    await desk.locator('.queue .row', { hasText: id }).click();

    // The same point, reported for longer than the frozen limit, 2 km from the scene.
    const fix = (ts: number, dLng = 0) => ({ unitId, lng: lng + 0.023 + dLng, lat, ts });
    const post = (fixes: object[]) => fetch(`${bed.server.url}/api/ingest/positions`, {
      method: 'POST', headers: { authorization: `Bearer ${bed.server.config.producerToken}`, 'content-type': 'application/json' }, body: JSON.stringify(fixes),
    });
    const t0 = Date.now() - FROZEN_AFTER_MS - 1_000;
    for (const dt of [0, 2_000, FROZEN_AFTER_MS + 1_000]) expect((await post([fix(t0 + dt)])).status).toBe(202);

    const mark = desk.locator('.assigned [data-frozen]');
    await mark.waitFor({ timeout: 15_000 });
    expect(await mark.textContent()).toMatch(/^定位冻结 \d+:\d\d$/);
    expect(await desk.locator('.chips [data-frozen]').count()).toBe(1);
    await expect.poll(() => wall.locator('[data-frozen-lines]').textContent(), { timeout: 15_000 }).toBe('定位冻结 1');
    await desk.screenshot({ path: join(ARTIFACTS, 'frozen-fix-console.png') });
    await wall.screenshot({ path: join(ARTIFACTS, 'frozen-fix-wall.png') });
    expect(await overflowing(wall, '.legend .group, [data-frozen-lines]')).toEqual([]);

    // It moves: both marks go.
    expect((await post([fix(Date.now(), -0.001)])).status).toBe(202);
    await mark.waitFor({ state: 'detached', timeout: 15_000 });
    await wall.locator('[data-frozen-lines]').waitFor({ state: 'detached', timeout: 15_000 });
    await desk.close();
    await wall.close();
    expect(problems).toEqual([]);
  }, 120_000);
});
