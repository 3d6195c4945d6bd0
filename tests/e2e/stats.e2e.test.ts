// The leadership view in a real browser: real Redis seeded with 13 months of history by the stats module's own
// seeding code, the real server, Debian's Chromium. A leader logs in, opens /stats, every chart draws with
// data, the KPI cards show what the API says, the numbers export as CSV (BOM, one row per day) and a chart as
// PNG, and an incident reported meanwhile reaches the cards through the live push, without a reload.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import type { Browser, Page } from 'playwright-core';
import {
  CRIMINAL_TYPES, addDays, addMonths, localDay, type CommunityStatsResponse, type StatsOverviewResponse, type StatsSeriesResponse,
} from '@ccr/shared';
import { startRedisServer, startTestServer, tokenFor, type RedisServerHandle, type TestServer } from '@ccr/server/testing';
import { DEMO_JURISDICTION_DIR, loadJurisdiction } from '@ccr/server/jurisdiction';
import { launchChromium, paintedShare } from './browser.js';
import { REPO_ROOT, buildClient } from './client-build.js';

const ARTIFACTS = join(REPO_ROOT, '.artifacts', 'e2e');
const prefix = 'e2e-stats:';
const TZ = 'Asia/Shanghai';
let redis: RedisServerHandle;
let server: TestServer;
let browser: Browser;
let producer: ReturnType<typeof createClient>;
let token: string;

/** `pnpm seed:history`'s own entry point, as the demo start runs it: the same code path as live ingest. */
function seedHistory(redisUrl: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/modules/stats/seed-history.ts', '--months', '13', '--per-day', '12'], {
      cwd: join(REPO_ROOT, 'server'),
      env: { ...process.env, REDIS_URL: redisUrl, KEY_PREFIX: prefix, JURISDICTION_DIR: DEMO_JURISDICTION_DIR, TIME_ZONE: TZ },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`seed:history exited ${code}: ${err.slice(-2000)}`))));
  });
}

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
const seriesSum = (r: StatsSeriesResponse): number => r.series.reduce((n, s) => n + s.values.reduce((a, b) => a + b, 0), 0);

const kpiValue = (page: Page, name: string): Promise<string> => page.locator(`[data-kpi="${name}"] [data-value]`).innerText();

async function reportIncident(id: string, type: string, at = Date.now()): Promise<void> {
  const jurisdiction = await loadJurisdiction(DEMO_JURISDICTION_DIR);
  const [lng, lat] = jurisdiction.station.center;
  await producer.xAdd(`${prefix}in:incidents`, '*', {
    data: JSON.stringify({ id, type, priority: 2, lng, lat, address: '胜芳镇统计测试路1号', reportedAt: new Date(at).toISOString(), source: '110', summary: '统计端到端测试' }),
  });
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  redis = await startRedisServer();
  const [clientDist, b] = await Promise.all([buildClient(), launchChromium(), seedHistory(redis.url)]);
  browser = b;
  server = await startTestServer({ redisUrl: redis.url, jurisdictionDir: DEMO_JURISDICTION_DIR, keyPrefix: prefix, clientDist, timeZone: TZ, presenceSampleSeconds: 5 });
  producer = createClient({ url: redis.url });
  await producer.connect();
  // Patrols on the street, so 见警率 has something to count this hour.
  const jurisdiction = await loadJurisdiction(DEMO_JURISDICTION_DIR);
  const patrols = jurisdiction.units.filter((u) => (u.kind === 'patrol_car' || u.kind === 'foot_patrol') && u.home);
  await producer.publish(`${prefix}in:positions`, JSON.stringify(patrols.map((u) => ({ unitId: u.id, lng: u.home![0], lat: u.home![1], ts: Date.now(), speed: 5 }))));
  token = await tokenFor(server, 'leader');
  // Today belongs to live data (the history ends yesterday): a few incidents reported this morning.
  const now = Date.now();
  for (let i = 0; i < 4; i++) await reportIncident(`JQ-E2E-STATS-${i}`, i % 2 ? 'theft' : 'dispute', now - i * 600_000);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await producer?.close();
  await server?.close();
  await redis?.dispose();
});

/** The header's title and every card's label and value, whose text must fit the box (measured in the page). */
const STATS_BOXES = '.head h1, [data-kpi] .label, [data-kpi] .value';
function overflowing(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((sel) => [...document.querySelectorAll<HTMLElement>(sel)]
    .filter((e) => e.scrollWidth > e.clientWidth + 1)
    .map((e) => `${e.closest('[data-kpi]')?.getAttribute('data-kpi') ?? e.tagName}: "${e.textContent?.trim()}" ${e.scrollWidth} in ${e.clientWidth}`), selector);
}

describe('statistics view in Chromium', () => {
  it('logs a leader in, draws every chart with data, shows the API\'s numbers, exports CSV and PNG, and updates live', async () => {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, acceptDownloads: true });
    const page = await context.newPage();
    await expect.poll(async () => (await getJson<StatsOverviewResponse>('/api/stats/overview')).today.total, { timeout: 15_000 }).toBeGreaterThanOrEqual(4);
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));

    await page.goto(`${server.url}/stats`, { waitUntil: 'load' });
    await page.locator('input[name="username"]').waitFor({ timeout: 15_000 });
    await page.locator('input[name="username"]').fill('leader');
    await page.locator('input[name="password"]').fill(server.config.auth.demoPassword!);
    await page.locator('button[type="submit"]').click();
    await page.waitForURL(/\/stats$/, { timeout: 15_000 });

    // Every chart reaches "ready" and paints its canvas.
    const charts = ['today-by-hour', 'series', 'hour-of-week', 'grid-map', 'grid-ranking', 'type-mix'];
    for (const name of charts) {
      await page.locator(`[data-chart="${name}"][data-state="ready"]`).waitFor({ timeout: 20_000 });
      await expect.poll(() => paintedShare(page, `[data-chart="${name}"] canvas`), { timeout: 10_000, message: name }).toBeGreaterThan(0.02);
    }

    // The default range is the last 30 days; the cards show what the API answers for it (other metrics than the
    // view itself reads: criminal is its own metric on the server, the view sums theft and fraud).
    const today = localDay(Date.now(), TZ);
    const from = addDays(today, -29);
    const to = addDays(today, 1);
    const q = (metric: string): string => `/api/stats/series?metric=${metric}&from=${from}&to=${to}&interval=day&groupBy=none`;
    const [all, criminal, publicOrder, dispute, closed, overview] = await Promise.all([
      getJson<StatsSeriesResponse>(q('incidents')), getJson<StatsSeriesResponse>(q('criminal')), getJson<StatsSeriesResponse>(q('public_order')),
      getJson<StatsSeriesResponse>(q('dispute')), getJson<StatsSeriesResponse>(q('closed')), getJson<StatsOverviewResponse>('/api/stats/overview'),
    ]);
    expect(CRIMINAL_TYPES.length).toBeGreaterThan(0);
    expect(seriesSum(all)).toBeGreaterThan(100);
    expect(await kpiValue(page, 'total')).toBe(String(seriesSum(all)));
    expect(await kpiValue(page, 'criminal')).toBe(String(seriesSum(criminal)));
    expect(await kpiValue(page, 'publicOrder')).toBe(String(seriesSum(publicOrder)));
    expect(await kpiValue(page, 'dispute')).toBe(String(seriesSum(dispute)));
    expect(await kpiValue(page, 'closure')).toBe(`${((seriesSum(closed) / seriesSum(all)) * 100).toFixed(1)}%`);
    expect(await kpiValue(page, 'units')).toBe(`${overview.units.all.onDuty}/${overview.units.all.available}`);
    expect(await kpiValue(page, 'emergency')).toBe(String(overview.emergencyUnits.units));
    // 30 days back lies within the 13 months kept: both comparisons are there.
    await expect(page.locator('[data-kpi="criminal"] [data-change="yoy"]').innerText()).resolves.toMatch(/%/);
    await expect(page.locator('[data-kpi="criminal"] [data-change="mom"]').innerText()).resolves.toMatch(/%/);

    // CSV of the daily series: BOM, a header, one row per day, the same total as the API.
    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.locator('[data-export="csv-series"]').click()]);
    const csv = readFileSync((await csvDownload.path())!);
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = csv.toString('utf8').slice(1).trimEnd().split('\r\n');
    expect(lines[0]).toBe('日期,警情数');
    expect(lines).toHaveLength(31);
    expect(lines.slice(1).reduce((n, l) => n + Number(l.split(',')[1]), 0)).toBe(seriesSum(all));
    copyFileSync((await csvDownload.path())!, join(ARTIFACTS, 'stats-series.csv'));

    // The cards as CSV: the criminal row carries the API's figure.
    const [kpiDownload] = await Promise.all([page.waitForEvent('download'), page.locator('[data-export="csv-kpis"]').click()]);
    const kpiLines = readFileSync((await kpiDownload.path())!, 'utf8').slice(1).trimEnd().split('\r\n');
    expect(kpiLines[0]).toBe('指标,数值,同比 %,环比 %,说明,统计时段');
    expect(kpiLines.find((l) => l.startsWith('刑事案件,'))!.split(',')[1]).toBe(String(seriesSum(criminal)));

    // PNG of the heatmap.
    const [pngDownload] = await Promise.all([page.waitForEvent('download'), page.locator('[data-export="png-hour-of-week"]').click()]);
    const png = readFileSync((await pngDownload.path())!);
    expect([...png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(png.length).toBeGreaterThan(10_000);

    // The patrols published at the start have been sampled: 见警率 is above zero and matches the push.
    await expect.poll(() => kpiValue(page, 'presence'), { timeout: 20_000 }).not.toBe('0%');
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.mouse.move(960, 1079);
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(ARTIFACTS, 'stats-1920x1080.png') });

    // Live: an incident reported now reaches the cards through the stats:kpi push, no reload.
    const before = Number(await kpiValue(page, 'total'));
    await reportIncident('JQ-E2E-STATS-LIVE', 'fraud');
    await expect.poll(async () => Number(await kpiValue(page, 'total')), { timeout: 30_000 }).toBe(before + 1);
    await expect.poll(async () => Number(await kpiValue(page, 'criminal')), { timeout: 5_000 }).toBe(seriesSum(criminal) + 1);

    // A failed read is said in Chinese, and the charts keep what they had. (The browser logs the refused reads.)
    expect(problems).toEqual([]);
    const injected = (p: string): boolean => p.includes('status of 503');
    await page.route('**/api/stats/series**', (r) => r.fulfill({ status: 503, contentType: 'application/json', body: '{"error":"unavailable","params":{},"message":"unavailable"}' }));
    await page.locator('[data-preset="d7"]').click();
    await page.getByRole('alert').getByText('统计数据加载失败').waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-chart="series"]').getAttribute('data-state')).toBe('ready');
    await page.unroute('**/api/stats/series**');
    await page.locator('[data-preset="d30"]').click();
    await page.getByRole('alert').waitFor({ state: 'detached', timeout: 10_000 });

    // Both ends of the picker: today (by hour), and the whole 13 months as a custom range.
    await page.locator('[data-preset="today"]').click();
    await page.locator('[data-chart="series"][data-state="ready"]').waitFor({ timeout: 10_000 });
    const todaySum = seriesSum(await getJson<StatsSeriesResponse>(`/api/stats/series?metric=incidents&from=${today}&to=${to}&interval=hour&groupBy=none`));
    await expect.poll(() => kpiValue(page, 'total'), { timeout: 10_000 }).toBe(String(todaySum));
    const earliest = addMonths(today, -13);
    await page.locator('input[name="from"]').fill(earliest);
    await page.locator('input[name="to"]').fill(today);
    await page.locator('form.custom button[type="submit"]').click();
    const yearSum = seriesSum(await getJson<StatsSeriesResponse>(`/api/stats/series?metric=incidents&from=${earliest}&to=${to}&interval=month&groupBy=none`));
    await expect.poll(() => kpiValue(page, 'total'), { timeout: 15_000 }).toBe(String(yearSum));
    expect(yearSum).toBeGreaterThan(3_000);
    await page.locator('[data-chart="type-mix"][data-state="ready"]').waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'stats-1920x1080-13-months.png') });
    // A day before the history kept is refused before it is asked for.
    await page.locator('input[name="from"]').fill(addDays(earliest, -1));
    await page.getByText('只能查询近13个月的数据').waitFor({ timeout: 5_000 });

    // English.
    await page.locator('.head .toggle', { hasText: 'EN' }).click();
    await page.getByText('Incident statistics').first().waitFor({ timeout: 5_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'stats-1920x1080-en.png') });
    expect(await overflowing(page, STATS_BOXES)).toEqual([]);
    expect(problems.filter((p) => !injected(p))).toEqual([]);
    await context.close();
  });

  it('shows the month\'s 同比, today\'s on-time shares, the 24-hour trend and presence per grid on the wall, fitting every screen', async () => {
    const overview = await getJson<StatsOverviewResponse>('/api/stats/overview');
    for (const [width, height] of [[1920, 1080], [3840, 2160], [2560, 1080]] as const) {
      const context = await browser.newContext({ viewport: { width, height } });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      await page.goto(`${server.url}/login`, { waitUntil: 'load' });
      await page.locator('input[name="username"]').fill('operator');
      await page.locator('input[name="password"]').fill(server.config.auth.demoPassword!);
      await page.locator('button[type="submit"]').click();
      await page.locator('[data-wall-kpi="criminal"] b').filter({ hasText: /\d/ }).waitFor({ timeout: 15_000 });
      // The month to date as the overview says (the live push may have added today's newest since).
      expect(Number(await page.locator('[data-wall-kpi="criminal"] b').innerText())).toBeGreaterThanOrEqual(overview.comparisons.criminal.current);
      await expect(page.locator('[data-wall-kpi="criminal"] .chg').innerText()).resolves.toMatch(/同比/);
      await expect.poll(() => page.locator('[data-wall-kpi="presence"] .cells i').count(), { timeout: 10_000 }).toBe(overview.presence.gridsTotal);
      await expect.poll(() => paintedShare(page, '.trend canvas'), { timeout: 10_000 }).toBeGreaterThan(0.02);
      await page.waitForTimeout(800);
      const box = await page.evaluate(() => {
        // What moves inside the ticker and the board is clipped by them on purpose (a scrolling ribbon is wider
        // than the screen); their boxes themselves are measured.
        const all = [...document.querySelectorAll<HTMLElement>('body *')].filter((el) => !el.parentElement?.closest('[data-scroll]'));
        return all.reduce((acc, el) => {
          const b = el.getBoundingClientRect();
          if (b.width === 0 || b.height === 0) return acc;
          return { left: Math.min(acc.left, b.left), top: Math.min(acc.top, b.top), right: Math.max(acc.right, b.right), bottom: Math.max(acc.bottom, b.bottom) };
        }, { left: Infinity, top: Infinity, right: -Infinity, bottom: -Infinity });
      });
      expect(box.left).toBeGreaterThanOrEqual(-1);
      expect(box.top).toBeGreaterThanOrEqual(-1);
      expect(box.right).toBeLessThanOrEqual(width + 1);
      expect(box.bottom).toBeLessThanOrEqual(height + 1);
      await page.screenshot({ path: join(ARTIFACTS, `wall-kpis-${width}x${height}.png`) });
      expect(problems).toEqual([]);
      await context.close();
    }
  });

  it('shows the community loops\' figures with 同比/环比 from the API, four charts with PNG/CSV export, in zh and en', async () => {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, acceptDownloads: true });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(`${server.url}/stats?section=community`, { waitUntil: 'load' });
    await page.locator('input[name="username"]').waitFor({ timeout: 15_000 });
    await page.locator('input[name="username"]').fill('leader');
    await page.locator('input[name="password"]').fill(server.config.auth.demoPassword!);
    await page.locator('button[type="submit"]').click();
    await page.waitForURL(/\/stats/, { timeout: 15_000 });
    if (!page.url().includes('section=community')) await page.locator('[data-section="community"]').click();

    const charts = ['community-trend', 'community-mediation', 'community-grid-tasks', 'community-stages'];
    for (const name of charts) {
      await page.locator(`[data-chart="${name}"][data-state="ready"]`).waitFor({ timeout: 20_000 });
      await expect.poll(() => paintedShare(page, `[data-chart="${name}"] canvas`), { timeout: 10_000, message: name }).toBeGreaterThan(0.02);
    }
    // The cards say what the API answers for the default range (the last 30 days, by week).
    const today = localDay(Date.now(), TZ);
    const res = await getJson<CommunityStatsResponse>(`/api/stats/community?from=${addDays(today, -29)}&to=${addDays(today, 1)}&interval=week`);
    expect(res.current.disputes.cases).toBeGreaterThan(10);
    expect(res.current.tasks.due).toBeGreaterThan(50);
    const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
    expect(await kpiValue(page, 'cm-cases')).toBe(String(res.current.disputes.cases));
    expect(await kpiValue(page, 'cm-successRate')).toBe(pct(res.current.disputes.successRate));
    expect(await kpiValue(page, 'cm-completionRate')).toBe(pct(res.current.tasks.completionRate));
    expect(await kpiValue(page, 'cm-tasksDue')).toBe(String(res.current.tasks.due));
    await expect(page.locator('[data-kpi="cm-successRate"]').innerText()).resolves.toMatch(/同比 .*百分点|同比 无可比/);
    await expect(page.locator('[data-kpi="cm-tasksDue"] [data-change="yoy"]').count()).resolves.toBe(1);

    const [csv] = await Promise.all([page.waitForEvent('download'), page.locator('[data-export="csv-community-trend"]').click()]);
    const text = readFileSync((await csv.path())!, 'utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(text.trim().split('\r\n')).toHaveLength(1 + res.buckets.length);
    const [png] = await Promise.all([page.waitForEvent('download'), page.locator('[data-export="png-community-mediation"]').click()]);
    expect(readFileSync((await png.path())!).subarray(1, 4).toString()).toBe('PNG');

    // 13 months, by month.
    const earliest = addMonths(today, -13);
    await page.locator('input[name="from"]').fill(earliest);
    await page.locator('input[name="to"]').fill(today);
    await page.locator('form.custom button[type="submit"]').click();
    const year = await getJson<CommunityStatsResponse>(`/api/stats/community?from=${earliest}&to=${addDays(today, 1)}&interval=month`);
    await expect.poll(() => kpiValue(page, 'cm-cases'), { timeout: 15_000 }).toBe(String(year.current.disputes.cases));
    // Last whole month: its 同比 and 环比 both lie within the history.
    const lastMonth = addMonths(`${today.slice(0, 8)}01`, -1);
    await page.locator('input[name="from"]').fill(lastMonth);
    await page.locator('input[name="to"]').fill(addDays(`${today.slice(0, 8)}01`, -1));
    await page.locator('form.custom button[type="submit"]').click();
    const month = await getJson<CommunityStatsResponse>(`/api/stats/community?from=${lastMonth}&to=${today.slice(0, 8)}01&interval=week`);
    await expect.poll(() => kpiValue(page, 'cm-tasksDue'), { timeout: 15_000 }).toBe(String(month.current.tasks.due));
    await page.locator('[data-chart="community-trend"][data-state="ready"]').waitFor({ timeout: 10_000 });
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(ARTIFACTS, 'stats-community-1920x1080.png') });
    expect(await overflowing(page, STATS_BOXES)).toEqual([]);
    await page.getByRole('button', { name: 'EN', exact: true }).click();
    await page.getByText('Mediation success by tier').first().waitFor({ timeout: 5_000 });
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(ARTIFACTS, 'stats-community-1920x1080-en.png') });
    expect(await overflowing(page, STATS_BOXES)).toEqual([]);
    // Grids by their English names in English.
    expect(await page.locator('[data-chart="community-grid-tasks"]').getAttribute('data-state')).toBe('ready');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('refuses the statistics to a page without a session', async () => {
    const res = await fetch(`${server.url}/api/stats/overview`);
    expect(res.status).toBe(401);
  });
});
