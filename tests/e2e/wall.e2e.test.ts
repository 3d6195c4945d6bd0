// The wall in a real browser: real Redis, the real server, Debian's Chromium. An operator signs it in once; it
// must then load without console errors, draw the map, show units, and show an incident a producer reports
// while it is open.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_JURISDICTION_DIR, loadJurisdiction } from '@ccr/server/jurisdiction';
import { openLoggedIn, paintedShare } from './browser.js';
import { ARTIFACTS, useBrowserBed } from './browser-bed.js';

const prefix = 'e2e:';
const bed = useBrowserBed(prefix);

describe('wall display in Chromium', () => {
  it('loads without console errors, draws the map and units, and shows an incident reported during the test', async () => {
    const page = await bed.browser.newPage({ viewport: { width: 1920, height: 1080 } });
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));

    // Units report before the page opens (they will be in its snapshot) …
    const jurisdiction = await loadJurisdiction(DEMO_JURISDICTION_DIR);
    const patrols = jurisdiction.units.filter((u) => u.kind === 'patrol_car' && u.home);
    const now = Date.now();
    await bed.producer.publish(`${prefix}in:positions`, JSON.stringify(patrols.map((u) => ({ unitId: u.id, lng: u.home![0], lat: u.home![1], ts: now, speed: 8 }))));

    await openLoggedIn(page, bed.server.url, '/', 'operator', bed.server.config.auth.demoPassword!);
    await page.getByText(jurisdiction.station.name, { exact: false }).first().waitFor({ timeout: 15_000 });
    // The map: grid polygons drawn on canvas, grid names among them (a blank map paints 0; the jurisdiction
    // covers ~20 % of the map's box at 16:9, whose board column is wider since the layouts by screen shape).
    await expect.poll(() => paintedShare(page, '.map .layer:first-child canvas', 97), { timeout: 15_000 }).toBeGreaterThan(0.15);
    // … and the units, stamped on their own canvas (charts/unitPainter.ts): every patrol car placed, some pixels painted.
    await expect.poll(async () => Number(await page.locator('.map').getAttribute('data-units')), { timeout: 15_000 }).toBeGreaterThanOrEqual(patrols.length);
    expect(await paintedShare(page, '[data-unit-canvas]', 7)).toBeGreaterThan(0);

    // … and an incident reported now appears on the board and is announced (priority 1).
    const address = '胜芳镇中山街E2E测试12号';
    const [lng, lat] = jurisdiction.station.center;
    await bed.producer.xAdd(`${prefix}in:incidents`, '*', {
      data: JSON.stringify({ id: 'JQ-E2E-0001', type: 'theft', priority: 1, lng, lat, address, reportedAt: new Date().toISOString(), source: '110', summary: '电动车被盗（端到端测试）', reporter: '测试 138****0000' }),
    });
    await page.locator('.board').getByText(address).waitFor({ timeout: 10_000 });
    await page.getByRole('alert').getByText(address).waitFor({ timeout: 5_000 });
    // Positions that arrive while the page is open keep it moving, and it keeps no error.
    await bed.producer.publish(`${prefix}in:positions`, JSON.stringify(patrols.map((u) => ({ unitId: u.id, lng: u.home![0] + 0.001, lat: u.home![1], ts: Date.now(), speed: 8 }))));
    await page.waitForTimeout(1_500);

    // The language switch re-renders every panel from the other catalogue (no Chinese label left), and back.
    await page.locator('.header .toggle', { hasText: 'EN' }).click();
    for (const text of ['Live incidents', 'Reported today', 'PRIORITY 1', 'Connected']) await page.getByText(text, { exact: true }).first().waitFor({ timeout: 5_000 });
    for (const text of ['实时警情', '今日接警', '已连接']) expect(await page.getByText(text, { exact: true }).count(), text).toBe(0);
    await page.locator('.header .toggle', { hasText: '中文' }).click();
    for (const text of ['实时警情', '今日接警', '已连接']) await page.getByText(text, { exact: true }).first().waitFor({ timeout: 5_000 });

    await page.screenshot({ path: join(ARTIFACTS, 'wall-1920x1080.png') });
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);

  it('serves client routes as the page, and a missing asset as a 404 rather than the page', async () => {
    const page = await fetch(`${bed.server.url}/some/client/route`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const asset = await fetch(`${bed.server.url}/assets/no-such-chunk.js`);
    expect(asset.status).toBe(404);
    expect((await fetch(`${bed.server.url}/api/nothing-here`)).status).toBe(404);
  });

  it('fits a 4K and an ultra-wide screen without cropping', async () => {
    for (const [width, height] of [[3840, 2160], [2560, 1080]] as const) {
      const page = await bed.browser.newPage({ viewport: { width, height } });
      await openLoggedIn(page, bed.server.url, '/', 'operator', bed.server.config.auth.demoPassword!);
      await page.getByText('胜芳派出所').first().waitFor({ timeout: 15_000 });
      await page.waitForTimeout(1_000);
      // The canvas takes the screen's shape (a 21:9 screen: 2560 × 1080 design px) and lies wholly inside it;
      // wall-fit.e2e.test.ts measures every aspect ratio in detail.
      expect(await page.locator('.canvas').getAttribute('data-canvas')).toBe(`${Math.round((1080 * width) / height)}x1080`);
      const box = await page.evaluate(() => {
        const all = [...document.querySelectorAll<HTMLElement>('body *')];
        const r = all.reduce((acc, el) => {
          // What moves inside a clipping scroller (the ticker's ribbon, the board's pages) is clipped by it.
          if (el.parentElement?.closest('[data-scroll]')) return acc;
          const b = el.getBoundingClientRect();
          if (b.width === 0 || b.height === 0) return acc;
          return { left: Math.min(acc.left, b.left), top: Math.min(acc.top, b.top), right: Math.max(acc.right, b.right), bottom: Math.max(acc.bottom, b.bottom) };
        }, { left: Infinity, top: Infinity, right: -Infinity, bottom: -Infinity });
        return { ...r, scrollW: document.documentElement.scrollWidth, scrollH: document.documentElement.scrollHeight };
      });
      expect(box.left).toBeGreaterThanOrEqual(-1);
      expect(box.top).toBeGreaterThanOrEqual(-1);
      expect(box.right).toBeLessThanOrEqual(width + 1);
      expect(box.bottom).toBeLessThanOrEqual(height + 1);
      expect(box.scrollW).toBeLessThanOrEqual(width);
      expect(box.scrollH).toBeLessThanOrEqual(height);
      await page.screenshot({ path: join(ARTIFACTS, `wall-${width}x${height}.png`) });
      await page.close();
    }
  }, 120_000);
});
