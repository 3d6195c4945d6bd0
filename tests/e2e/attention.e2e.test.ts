// Attention in a real browser: a new P1 takes the wall's map to the scene and gives it back after the focus time;
// the console turns to the new P1 (the dispatcher is not mid-command); the wall's banner stays until a shift
// leader acknowledges on the console, and then ends. Real Redis, the real server, Debian's Chromium.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_JURISDICTION_DIR, loadJurisdiction } from '@ccr/server/jurisdiction';
import { openLoggedIn } from './browser.js';
import { useBrowserBed } from './browser-bed.js';
import { REPO_ROOT } from './client-build.js';

const prefix = 'att:';
const FOCUS_S = 6;
const bed = useBrowserBed(prefix, { attention: { focusMs: FOCUS_S * 1000, repeatAfterMs: 60_000 } });

describe('attention in Chromium', () => {
  it('a P1 moves the wall\'s map to the scene and back, the console turns to it, and an acknowledgement ends the banner', async () => {
    const jurisdiction = await loadJurisdiction(DEMO_JURISDICTION_DIR);
    const wall = await bed.browser.newPage({ viewport: { width: 1920, height: 1080 } });
    const desk = await bed.browser.newPage({ viewport: { width: 1920, height: 1080 } });
    const problems: string[] = [];
    for (const p of [wall, desk]) {
      p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      p.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    }
    await openLoggedIn(wall, bed.server.url, '/', 'operator', bed.server.config.auth.demoPassword!);
    await openLoggedIn(desk, bed.server.url, '/dispatch', 'leader', bed.server.config.auth.demoPassword!);
    const map = wall.locator('.map[data-attention]');
    await wall.locator('.map').waitFor({ timeout: 30_000 });

    // A P2 first: the console selects it (the only one) — and it is not an alarm.
    const [lng, lat] = jurisdiction.station.center;
    const report = (id: string, priority: 1 | 2, address: string, dLng = 0) => bed.producer.xAdd(`${prefix}in:incidents`, '*', {
      data: JSON.stringify({ id, type: 'fight', priority, lng: lng + dLng, lat, address, reportedAt: new Date().toISOString(), source: '110', summary: '端到端测试', reporter: '测试 138****0000' }),
    });
    await report('JQ-ATT-0002', 2, '胜芳镇文化街二号', 0.01);
    await desk.locator('.row.selected[data-id="JQ-ATT-0002"]').waitFor({ timeout: 15_000 });

    // The P1: the wall's map goes to it, the console turns to it, the banner waits for an acknowledgement.
    await report('JQ-ATT-0001', 1, '胜芳镇中山街一号');
    await expect.poll(() => map.getAttribute('data-focus-incident'), { timeout: 15_000 }).toBe('JQ-ATT-0001');
    expect(await map.getAttribute('data-attention')).toBe('focus');
    await wall.locator('[data-attention-label]').getByText('JQ-ATT-0001').waitFor({ timeout: 5_000 });
    await wall.getByRole('alert').getByText('胜芳镇中山街一号').waitFor({ timeout: 5_000 });
    await wall.waitForTimeout(500);
    await wall.screenshot({ path: join(REPO_ROOT, '.artifacts', 'e2e', 'wall-attention-focus.png') });
    await desk.screenshot({ path: join(REPO_ROOT, '.artifacts', 'e2e', 'console-new-p1.png') });
    await desk.locator('[data-alarm-state]').getByText('按 Y 确认').waitFor({ timeout: 15_000 });
    await desk.locator('.row.selected[data-id="JQ-ATT-0001"]').waitFor({ timeout: 5_000 });

    // After the focus time the map is back at the overview; the banner is still there (nobody acknowledged).
    await expect.poll(() => map.getAttribute('data-attention'), { timeout: (FOCUS_S + 10) * 1000 }).toBe('overview');
    expect(await wall.getByRole('alert').getByText('胜芳镇中山街一号').count()).toBe(1);

    // Y on the console: the banner ends on the wall.
    await desk.keyboard.press('y');
    await desk.locator('[data-alarm-state]').getByText('确认').waitFor({ timeout: 10_000 });
    await wall.getByRole('alert').getByText('胜芳镇中山街一号').waitFor({ state: 'detached', timeout: 10_000 });

    // A pinned view is never taken: L pins, a second P1 does not move the map.
    await wall.keyboard.press('l');
    await expect.poll(() => map.getAttribute('data-attention'), { timeout: 5_000 }).toBe('pinned');
    await report('JQ-ATT-0003', 1, '胜芳镇中山街三号', -0.01);
    await wall.getByRole('alert').getByText('胜芳镇中山街三号').waitFor({ timeout: 15_000 });
    await wall.waitForTimeout(2_000);
    expect(await map.getAttribute('data-attention')).toBe('pinned');
    expect(problems).toEqual([]);
    await wall.close();
    await desk.close();
  });
});
