// `pnpm bench --suite wall`: the wall-display budget of shared/DESIGN.md, measured against its baseline in the
// same run, in Debian's Chromium (headless), once per screen shape: 16:9 (1920×1080), 32:9 (3840×1080) and 48:9
// (5760×1080) by default — the wall lays out a larger map and more panels on wider screens, so each shape is
// its own measurement, each with its own baseline of the same map size.
//
//   ccr wall  the built client served by the real server (in-process) on a private Redis; N load units report
//             once a second (spread over the second, as in the fan-out suite) and move a little each time
//   baseline  a bare page with ECharts alone (client/node_modules/echarts/dist/echarts.min.js): one plain scatter
//             series of N moving points (ECharts' default symbol, the wall's patrol-car size, large mode as
//             ECharts recommends for thousands of points) on a hidden cartesian of the wall map's size, rebuilt and
//             set with `setOption` at the wall's unit-layer cadence (FLUSH_INTERVAL_MS in WallMap.vue) — what
//             drawing N points costs ECharts itself, with no socket, store, Vue or other panels
//
// Both pages get the same probe before any of their own code runs: a rAF loop that records frame intervals and
// picks up each unit-layer update (the wall's own `window.__ccrWallPerf`, client/src/lib/perf.ts: build +
// setOption of one flush; the baseline keeps the same shape), and a PerformanceObserver for long tasks. Heap
// is read through CDP after a forced GC at the start and the end of the measured window.
//
// After the window, the attention director's map move: two new P1s make the wall go to the first, to the second
// and back (ATTENTION_FOCUS_S at its 5-s minimum); each move's setOption is timed by the page (mapPerf.moves)
// beside the baseline re-laying out its bare chart at another zoom, and the median move may not be a long task (50 ms).
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '@ccr/server';
import { FIXTURE_ORIGIN, startRedisServer, startTestServer, writeFixtureJurisdiction } from '@ccr/server/testing';
import { launchChromium, openLoggedIn } from '../e2e/browser.js';
import { REPO_ROOT, buildClient } from '../e2e/client-build.js';

export interface WallBenchOptions {
  /** Load units on the wall (and points in the baseline). */
  units: number;
  /** Measured window, in seconds. */
  seconds: number;
  /** Warm-up before the window, in seconds. */
  warmup: number;
  /** The baseline's symbol: ECharts' own default for scatter ('circle') unless given, e.g. the wall's 'diamond'. */
  baselineSymbol?: string;
  /** Screens to measure (one wall and one baseline each); default: one per aspect ratio. */
  screens?: Viewport[];
}

export interface Viewport { width: number; height: number }
export const DEFAULT_SCREENS: Viewport[] = [{ width: 1920, height: 1080 }, { width: 3840, height: 1080 }, { width: 5760, height: 1080 }];

/** "1920x1080,3840x1080" → viewports. */
export function parseScreens(text: string): Viewport[] {
  return text.split(',').map((s) => {
    const m = /^(\d+)x(\d+)$/.exec(s.trim());
    if (!m) throw new Error(`--wall-screens: "${s}" is not WIDTHxHEIGHT`);
    return { width: Number(m[1]), height: Number(m[2]) };
  });
}
/** The wall's unit-layer cadence: FLUSH_INTERVAL_MS in client/src/components/wall/WallMap.vue. */
const FLUSH_INTERVAL_MS = 200;
const SLOTS_PER_SECOND = 50;
const UPDATE_BUDGET_MS = 16;
const HEAP_BUDGET_MB = 5;
/** Map moves measured per page (the wall: to a first P1, to a second, back). */
const MOVES = 3;
/** A move is one re-layout, not a stream of updates: it may take more than a frame, but not a long task (the
 *  browser's own threshold of a visible stall), so the wall's tickers and ripples do not freeze. Median of the
 *  moves: on this shared machine one move in three can land beside another process's burst. */
const MOVE_BUDGET_MS = 50;
/** The fixture jurisdiction's four grids span 0.1° × 0.1° from FIXTURE_ORIGIN. */
const FIXTURE_SPAN = 0.1;
const ECHARTS_DIST = join(REPO_ROOT, 'client/node_modules/echarts/dist/echarts.min.js');
const BASELINE_URL = 'http://wall-baseline.bench/';

// In-page code is passed as strings: functions would be serialised after tsx's transform, which may name them
// with helpers that do not exist in the page.
const PROBE = `(() => {
  const b = { recording: false, frames: [], updateFrames: [], updates: [], longTasks: [], missed: 0, longTaskObserver: true };
  window.__wallBench = b;
  try {
    new PerformanceObserver((list) => {
      if (!b.recording) return;
      for (const e of list.getEntries()) b.longTasks.push(e.duration);
    }).observe({ type: 'longtask' });
  } catch { b.longTaskObserver = false; }
  let last = 0;
  let seen = -1;
  const tick = (t) => {
    const interval = last > 0 ? t - last : 0;
    last = t;
    if (b.recording && interval > 0) b.frames.push(interval);
    const p = window.__ccrWallPerf || window.__baselinePerf;
    if (p) {
      if (seen >= 0 && p.flushes > seen) {
        // An update ran in the previous frame (its rAF callback came after this loop's), whose length is this interval.
        if (b.recording) {
          b.missed += p.flushes - seen - 1;
          b.updates.push([p.last.buildMs, p.last.renderMs, p.last.points]);
          if (interval > 0) b.updateFrames.push(interval);
        }
      }
      seen = p.flushes;
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();`;

/** The baseline's updates, in the same shape as the wall's MapPerf so the probe reads both alike. */
const BASELINE_START = (n: number, box: Box, intervalMs: number, symbol: string | undefined): string => `(() => {
  const el = document.getElementById('chart');
  Object.assign(el.style, { position: 'absolute', left: '${box.left}px', top: '${box.top}px', width: '${box.width}px', height: '${box.height}px' });
  const chart = echarts.init(el, null, { renderer: 'canvas' });
  chart.setOption({
    backgroundColor: 'transparent',
    animation: false,
    grid: { left: 24, right: 24, top: 24, bottom: 24 },
    xAxis: { type: 'value', min: 0, max: 1, show: false },
    yAxis: { type: 'value', min: 0, max: 1, show: false },
    series: [{ id: 'points', type: 'scatter', large: true, largeThreshold: 200, progressive: 0, progressiveThreshold: 10000,
      ${symbol ? `symbol: ${JSON.stringify(symbol)}, ` : ''}symbolSize: 15, silent: true, animation: false, itemStyle: { color: '#22c55e' }, data: [] }],
  });
  const n = ${n};
  const home = new Float64Array(2 * n);
  for (let i = 0; i < 2 * n; i++) home[i] = 0.02 + 0.96 * Math.random();
  const perf = { flushes: 0, last: { buildMs: 0, renderMs: 0, points: 0 }, moves: [], movesTotal: 0 };
  window.__baselinePerf = perf;
  // What the attention director's move is to the wall, for the bare chart: the same points re-laid out at another
  // centre and zoom (a quarter of the area, then all of it again), one setOption each, timed alike.
  window.__baselineMove = (k) => requestAnimationFrame(() => {
    const t0 = performance.now();
    const lo = k % 2 === 0 ? 0.3 : 0;
    const hi = k % 2 === 0 ? 0.55 : 1;
    chart.setOption({ xAxis: { min: lo, max: hi }, yAxis: { min: lo, max: hi } }, { silent: true });
    perf.moves.push(performance.now() - t0);
    perf.movesTotal++;
  });
  let step = 0;
  setInterval(() => requestAnimationFrame(() => {
    const t0 = performance.now();
    step++;
    const data = new Array(n);
    for (let i = 0; i < n; i++) {
      const a = step * 0.02 + i;
      data[i] = [home[2 * i] + 0.008 * Math.cos(a), home[2 * i + 1] + 0.008 * Math.sin(a)];
    }
    const t1 = performance.now();
    chart.setOption({ series: [{ id: 'points', data }] }, { silent: true });
    const t2 = performance.now();
    perf.flushes++;
    perf.last = { buildMs: t1 - t0, renderMs: t2 - t1, points: n };
  }), ${intervalMs});
})();`;

/** Resolves in the task after the page's next unit-layer update. */
const AFTER_NEXT_UPDATE = `new Promise((resolve) => {
  const p = window.__ccrWallPerf || window.__baselinePerf;
  const seen = p.flushes;
  const poll = () => (p.flushes !== seen ? setTimeout(resolve, 0) : setTimeout(poll, 4));
  poll();
})`;

interface Box { left: number; top: number; width: number; height: number }

interface ProbeData {
  frames: number[]; updateFrames: number[]; updates: [number, number, number][]; longTasks: number[];
  missed: number; longTaskObserver: boolean;
}

interface Measured {
  updates: number; points: number; missed: number;
  p50: number; p95: number; min: number; max: number; buildP50: number; renderP50: number;
  updateFrameP50: number; updateFramesOver: number;
  frames: number; over16: number; over33: number; maxFrame: number;
  longTasks: number; longTaskMs: number; longTaskObserver: boolean;
  /** Share of the whole machine's CPU (all cores) that was busy during the window: browser, server, everything. */
  machineBusy: number;
  heapStart: number; heapEnd: number;
  /** Array buffers and external strings (outside the JS heap's used size), and Blink's own heap (DOM and such). */
  backingStart: number; backingEnd: number; blinkStart: number; blinkEnd: number;
  nodesStart: number; nodesEnd: number; listenersStart: number; listenersEnd: number;
}

const FRAME_MS = 1000 / 60;
// rAF intervals jitter ±0.2 ms around 16.67 ms and are otherwise whole vsyncs, so a frame "longer than 16.7 ms"
// is one whose interval spans two vsyncs or more (> 1.5 × 16.67 ms), "longer than 33 ms" three or more.
const OVER_ONE_FRAME_MS = 1.5 * FRAME_MS;
const OVER_TWO_FRAMES_MS = 2.5 * FRAME_MS;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = f[3]! + (f[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}
const busyShare = (a: { busy: number; total: number }, b: { busy: number; total: number }): number =>
  b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : NaN;

function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(s.length * q) - 1))]!;
}

async function waitForPage(page: Page, expr: string, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await page.evaluate(expr).catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Warm-up, then the measured window: GC + heap reading, probe on, wait, probe off, GC + heap reading. */
async function measure(page: Page, opts: WallBenchOptions): Promise<Measured> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  // DevTools commands interrupt running JS, so a GC that lands inside an update keeps that update's garbage
  // alive (+3–4 MB at 5,000 points). Each reading is therefore taken just after an update has finished, three
  // times, and the least is kept.
  const reading = async (): Promise<{ heap: number; backing: number; blink: number; nodes: number; listeners: number }> => {
    let best: Awaited<ReturnType<typeof cdp.send<'Runtime.getHeapUsage'>>> | undefined;
    for (let i = 0; i < 3; i++) {
      await page.evaluate(AFTER_NEXT_UPDATE);
      // Twice: the first pass can leave garbage that only a second one finds (weak maps, finalisers).
      await cdp.send('HeapProfiler.collectGarbage');
      await cdp.send('HeapProfiler.collectGarbage');
      const usage = await cdp.send('Runtime.getHeapUsage');
      if (!best || usage.usedSize < best.usedSize) best = usage;
    }
    const { metrics } = await cdp.send('Performance.getMetrics');
    const metric = (name: string): number => metrics.find((m) => m.name === name)?.value ?? NaN;
    return {
      heap: best!.usedSize, backing: best!.backingStorageSize ?? NaN, blink: best!.embedderHeapUsedSize ?? NaN,
      nodes: metric('Nodes'), listeners: metric('JSEventListeners'),
    };
  };
  await sleep(opts.warmup * 1000);
  const start = await reading();
  await page.evaluate('window.__wallBench.recording = true');
  const ticks0 = machineTicks();
  await sleep(opts.seconds * 1000);
  const ticks1 = machineTicks();
  const d = await page.evaluate<ProbeData>(`(() => {
    const b = window.__wallBench;
    b.recording = false;
    return { frames: b.frames, updateFrames: b.updateFrames, updates: b.updates, longTasks: b.longTasks, missed: b.missed, longTaskObserver: b.longTaskObserver };
  })()`);
  const end = await reading();
  await cdp.detach();
  const totals = d.updates.map(([build, render]) => build + render);
  return {
    updates: d.updates.length,
    points: quantile(d.updates.map((u) => u[2]), 0.5),
    missed: d.missed,
    p50: quantile(totals, 0.5), p95: quantile(totals, 0.95), min: Math.min(...totals), max: Math.max(...totals),
    buildP50: quantile(d.updates.map((u) => u[0]), 0.5), renderP50: quantile(d.updates.map((u) => u[1]), 0.5),
    updateFrameP50: quantile(d.updateFrames, 0.5),
    updateFramesOver: d.updateFrames.length > 0 ? d.updateFrames.filter((f) => f > OVER_ONE_FRAME_MS).length / d.updateFrames.length : NaN,
    frames: d.frames.length,
    over16: d.frames.length > 0 ? d.frames.filter((f) => f > OVER_ONE_FRAME_MS).length / d.frames.length : NaN,
    over33: d.frames.length > 0 ? d.frames.filter((f) => f > OVER_TWO_FRAMES_MS).length / d.frames.length : NaN,
    maxFrame: Math.max(0, ...d.frames),
    longTasks: d.longTasks.length, longTaskMs: d.longTasks.reduce((a, b) => a + b, 0), longTaskObserver: d.longTaskObserver,
    machineBusy: busyShare(ticks0, ticks1),
    heapStart: start.heap, heapEnd: end.heap,
    backingStart: start.backing, backingEnd: end.backing, blinkStart: start.blink, blinkEnd: end.blink,
    nodesStart: start.nodes, nodesEnd: end.nodes,
    listenersStart: start.listeners, listenersEnd: end.listeners,
  };
}

/** The attention director's map moves (or the baseline's), each one setOption re-laying out the map. */
interface Moves { n: number; p50: number; max: number; longTasks: number; longTaskMs: number }

/**
 * After the measured window: `trigger` starts `count` map moves; records each move's setOption time (the page's
 * own timing) and the long tasks while they happen.
 */
async function measureMoves(page: Page, count: number, trigger: () => Promise<void>): Promise<Moves> {
  const perf = '(window.__ccrWallPerf || window.__baselinePerf)';
  await page.evaluate('(() => { const b = window.__wallBench; b.longTasks = []; b.recording = true; })()');
  const before = await page.evaluate<number>(`${perf}.movesTotal`);
  await trigger();
  await waitForPage(page, `${perf}.movesTotal >= ${before + count}`, 60_000, `${count} map moves`);
  await sleep(300);
  const d = await page.evaluate<{ moves: number[]; longTasks: number[] }>(`(() => {
    const b = window.__wallBench;
    b.recording = false;
    return { moves: ${perf}.moves.slice(-${count}), longTasks: b.longTasks };
  })()`);
  return {
    n: d.moves.length, p50: quantile(d.moves, 0.5), max: Math.max(...d.moves),
    longTasks: d.longTasks.length, longTaskMs: d.longTasks.reduce((a, b) => a + b, 0),
  };
}

function watchProblems(page: Page, problems: string[], name: string): void {
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`${name} console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`${name} page error: ${e.message}`));
}

async function runWall(browser: Browser, opts: WallBenchOptions, viewport: Viewport, problems: string[]): Promise<{ m: Measured; box: Box; ownP50: number; ownP95: number; layout: string; moves: Moves }> {
  const [redis, jurisdictionDir, clientDist] = await Promise.all([
    startRedisServer(), writeFixtureJurisdiction({ patrolUnits: 0, loadUnits: opts.units }), buildClient(),
  ]);
  const prefix = 'wallbench:';
  let server: Awaited<ReturnType<typeof startTestServer>> | undefined;
  let pub: ReturnType<typeof createClient> | undefined;
  let producer: ReturnType<typeof setInterval> | undefined;
  let page: Page | undefined;
  try {
    // Nobody goes stale during the run: the only changes are positions.
    // Attention focus at its shortest (ATTENTION_FOCUS_S ≥ 5) so the moves measured after the window come quickly.
    const defaults = loadConfig({});
    server = await startTestServer({
      redisUrl: redis.url, jurisdictionDir, keyPrefix: prefix, clientDist, staleAfterMs: 600_000,
      attention: { ...defaults.attention, focusMs: 5_000 },
    });
    pub = createClient({ url: redis.url });
    await pub.connect();
    const client = pub;
    const channel = `${prefix}in:positions`;
    const ids = Array.from({ length: opts.units }, (_, i) => `L-${String(i + 1).padStart(5, '0')}`);
    // Homes on a grid over the whole jurisdiction; each report is a point on a small circle around home.
    const side = Math.ceil(Math.sqrt(opts.units));
    const home = ids.map((_, i): [number, number] => [
      FIXTURE_ORIGIN[0] + FIXTURE_SPAN * ((i % side) + 0.5) / side,
      FIXTURE_ORIGIN[1] + FIXTURE_SPAN * (Math.floor(i / side) + 0.5) / side,
    ]);
    let slot = 0;
    producer = setInterval(() => {
      const now = Date.now();
      const batch = [];
      for (let i = slot; i < opts.units; i += SLOTS_PER_SECOND) {
        const a = now / 4000 + i;
        batch.push({ unitId: ids[i], lng: home[i]![0] + 0.0008 * Math.cos(a), lat: home[i]![1] + 0.0008 * Math.sin(a), ts: now, speed: 8, heading: 90 });
      }
      slot = (slot + 1) % SLOTS_PER_SECOND;
      if (batch.length > 0) void client.publish(channel, JSON.stringify(batch));
    }, 1000 / SLOTS_PER_SECOND);

    page = await browser.newPage({ viewport });
    watchProblems(page, problems, 'wall');
    await page.addInitScript({ content: PROBE });
    // The wall needs a session: signed in once as an operator, as a real wall is.
    await openLoggedIn(page, server.url, '/', 'operator', server.config.auth.demoPassword!);
    await waitForPage(page, `(window.__ccrWallPerf?.last.points ?? 0) >= ${opts.units}`, 60_000, `the wall to draw ${opts.units} units`);
    const box = await page.evaluate<Box>(`(() => {
      const r = document.querySelector('.map .layer').getBoundingClientRect();
      return { left: Math.round(r.left), top: Math.round(r.top), width: Math.round(r.width), height: Math.round(r.height) };
    })()`);
    const layout = await page.evaluate<string>(`document.querySelector('.wall')?.dataset.wallLayout ?? '?'`);
    const m = await measure(page, opts);
    const own = await page.evaluate<{ p50: number; p95: number }>('({ p50: window.__ccrWallPerf.p50, p95: window.__ccrWallPerf.p95 })');
    // Two new P1s at once: the map goes to the first, then (its focus over) to the queued second, then back.
    const moves = await measureMoves(page, MOVES, async () => {
      for (const [k, at] of [[1, 0.3], [2, 0.7]] as const) {
        const report = {
          id: `JQ-BENCH-P1-${k}`, type: 'fight', priority: 1, address: `测试路${k}号`, reportedAt: Date.now(), source: '110',
          lng: FIXTURE_ORIGIN[0] + FIXTURE_SPAN * at, lat: FIXTURE_ORIGIN[1] + FIXTURE_SPAN * at,
        };
        await client.xAdd(`${prefix}in:incidents`, '*', { data: JSON.stringify(report) });
      }
    });
    return { m, box, ownP50: own.p50, ownP95: own.p95, layout, moves };
  } finally {
    clearInterval(producer);
    await page?.close();
    await pub?.close();
    await server?.close();
    await redis.dispose();
  }
}

async function runBaseline(browser: Browser, opts: WallBenchOptions, viewport: Viewport, box: Box, problems: string[]): Promise<{ m: Measured; moves: Moves }> {
  const page = await browser.newPage({ viewport });
  try {
    watchProblems(page, problems, 'baseline');
    await page.addInitScript({ content: PROBE });
    await page.route(BASELINE_URL, (route) => route.fulfill({
      contentType: 'text/html; charset=utf-8',
      body: '<!doctype html><html><head><meta charset="utf-8"><style>html,body{margin:0;height:100%;background:#06101f}</style></head><body><div id="chart"></div></body></html>',
    }));
    await page.goto(BASELINE_URL, { waitUntil: 'load' });
    await page.addScriptTag({ content: readFileSync(ECHARTS_DIST, 'utf8') });
    await page.evaluate(BASELINE_START(opts.units, box, FLUSH_INTERVAL_MS, opts.baselineSymbol));
    await waitForPage(page, '(window.__baselinePerf?.flushes ?? 0) > 0', 10_000, 'the baseline chart');
    const m = await measure(page, opts);
    const moves = await measureMoves(page, MOVES, async () => {
      for (let k = 0; k < MOVES; k++) {
        await page.evaluate(`window.__baselineMove(${k})`);
        await sleep(1_000);
      }
    });
    return { m, moves };
  } finally {
    await page.close();
  }
}

const pad = (s: string | number, n: number): string => String(s).padStart(n);
const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');
const pct = (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(1)} %` : 'n/a');
const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
const ratio = (a: number, b: number): string => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? (a / b).toFixed(2) : 'n/a');
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

const COLUMNS: [string, number][] = [
  ['page', 16], ['updates', 8], ['points', 8], ['upd p50', 9], ['upd p95', 9], ['upd min', 9], ['upd max', 9], ['frame@upd', 11],
  ['frames', 8], ['>16.7ms', 9], ['>33ms', 8], ['max frame', 11], ['long tasks', 17], ['heap start', 12], ['heap end', 10], ['growth', 8],
];

function row(cells: (string | number)[]): string {
  return cells.map((c, i) => (i === 0 ? String(c).padEnd(COLUMNS[i]![1]) : pad(c, COLUMNS[i]![1]))).join('') + '\n';
}

function measuredRow(name: string, m: Measured): string {
  return row([
    name, m.updates, m.points, ms(m.p50), ms(m.p95), ms(m.min), ms(m.max), ms(m.updateFrameP50),
    m.frames, pct(m.over16), pct(m.over33), ms(m.maxFrame),
    m.longTaskObserver ? `${m.longTasks} / ${Math.round(m.longTaskMs)} ms` : 'n/a',
    `${mb(m.heapStart)} MB`, `${mb(m.heapEnd)} MB`, `${mb(m.heapEnd - m.heapStart)}`,
  ]);
}

/**
 * Measures the wall and its baseline, prints one table with their ratio and a verdict. A missed budget (or a run
 * that drew fewer than `units` points) sets `process.exitCode = 1`; it never resets an exit code set before.
 */
export async function runWallBench(opts: WallBenchOptions): Promise<void> {
  for (const screen of opts.screens ?? DEFAULT_SCREENS) await runWallBenchOn(opts, screen);
}

async function runWallBenchOn(opts: WallBenchOptions, viewport: Viewport): Promise<void> {
  const cores = cpus().length;
  const loadBefore = loadavg();
  // What else keeps the machine busy right now (the load average still remembers earlier suites).
  const idle0 = machineTicks();
  await sleep(1000);
  const busyBefore = busyShare(idle0, machineTicks());
  const out = (s: string): void => { process.stdout.write(s); };
  const echartsVersion = (JSON.parse(readFileSync(join(REPO_ROOT, 'client/node_modules/echarts/package.json'), 'utf8')) as { version: string }).version;
  out(`\nwall display: ${opts.units} units reporting at 1 Hz in ${SLOTS_PER_SECOND} slots/s, ${opts.seconds} s measured after ${opts.warmup} s warm-up; `
    + `headless Chromium ${viewport.width}×${viewport.height}\n`);
  out(`budget: median unit-layer update (build + setOption) < ${UPDATE_BUDGET_MS} ms, heap growth over the window < ${HEAP_BUDGET_MB} MB after GC (shared/DESIGN.md); `
    + `median attention map move < ${MOVE_BUDGET_MS} ms (not a long task)\n`);
  out(`load average before: ${load()} (1/5/15 min) on ${cores} cores; CPU busy in the second before: ${pct(busyBefore)} of the machine\n`);

  const problems: string[] = [];
  const browser = await launchChromium();
  let wall: Awaited<ReturnType<typeof runWall>>;
  let baseline: Awaited<ReturnType<typeof runBaseline>>;
  try {
    wall = await runWall(browser, opts, viewport, problems);
    baseline = await runBaseline(browser, opts, viewport, wall.box, problems);
  } finally {
    await browser.close();
  }
  const ccr = wall.m;
  const base = baseline.m;
  out(`wall layout ${wall.layout} at ${viewport.width}×${viewport.height}; unit layer (map) ${wall.box.width}×${wall.box.height}\n`);
  out(`baseline: bare page, ECharts ${echartsVersion} (dist/echarts.min.js), one scatter series of ${opts.units} points `
    + `(large mode, symbol ${opts.baselineSymbol ?? 'default (circle)'}, size 15) on a hidden cartesian of the wall map's size `
    + `(${wall.box.width}×${wall.box.height}), setOption every ${FLUSH_INTERVAL_MS} ms as the wall's unit layer\n`);
  out('upd = one unit-layer update (build data + setOption, which paints); frame@upd = median length of the frame it ran in; '
    + '>16.7ms / >33ms = share of animation frames spanning ≥ 2 / ≥ 3 vsyncs (rAF intervals > 25 / > 41.7 ms); ms unless marked\n\n');
  out(row(COLUMNS.map(([name]) => name)));
  out(measuredRow('ccr wall', ccr));
  out(measuredRow('baseline', base));
  out(row([
    'ratio ccr/base', '', '', ratio(ccr.p50, base.p50), ratio(ccr.p95, base.p95), ratio(ccr.min, base.min), ratio(ccr.max, base.max),
    ratio(ccr.updateFrameP50, base.updateFrameP50), '', ratio(ccr.over16, base.over16), ratio(ccr.over33, base.over33),
    ratio(ccr.maxFrame, base.maxFrame), ratio(ccr.longTaskMs, base.longTaskMs), '', '', ratio(ccr.heapEnd - ccr.heapStart, base.heapEnd - base.heapStart),
  ]));
  out(`update split, median build + setOption: ccr ${ms(ccr.buildP50)} + ${ms(ccr.renderP50)} ms, baseline ${ms(base.buildP50)} + ${ms(base.renderP50)} ms; `
    + `frames with an update spanning ≥ 2 vsyncs: ccr ${pct(ccr.updateFramesOver)}, baseline ${pct(base.updateFramesOver)}\n`);
  out(`the wall's own __ccrWallPerf (last 120 updates): p50 ${ms(wall.ownP50)} ms, p95 ${ms(wall.ownP95)} ms; `
    + `DOM nodes ${ccr.nodesStart} → ${ccr.nodesEnd}, JS event listeners ${ccr.listenersStart} → ${ccr.listenersEnd}\n`);
  out('outside the JS heap (after GC, start → end): array buffers + external strings '
    + `ccr ${mb(ccr.backingStart)} → ${mb(ccr.backingEnd)} MB, baseline ${mb(base.backingStart)} → ${mb(base.backingEnd)} MB; `
    + `Blink heap ccr ${mb(ccr.blinkStart)} → ${mb(ccr.blinkEnd)} MB, baseline ${mb(base.blinkStart)} → ${mb(base.blinkEnd)} MB`
    + `${ccr.missed > 0 || base.missed > 0 ? `; updates not seen by the probe: ccr ${ccr.missed}, baseline ${base.missed}` : ''}\n`);
  const mv = wall.moves;
  const bmv = baseline.moves;
  out(`attention moves (two new P1s: map to the first, to the second, back; ${opts.units} units drawn), setOption of the three map instances p50 / max; `
    + `long tasks while they ran (the P1s' banner, ripples and board included): `
    + `ccr ${mv.n} moves ${ms(mv.p50)} / ${ms(mv.max)} ms, ${mv.longTasks} / ${Math.round(mv.longTaskMs)} ms; `
    + `baseline (bare chart re-laid out at another zoom) ${bmv.n} moves ${ms(bmv.p50)} / ${ms(bmv.max)} ms, ${bmv.longTasks} / ${Math.round(bmv.longTaskMs)} ms; `
    + `ratio p50 ${ratio(mv.p50, bmv.p50)}, max ${ratio(mv.max, bmv.max)}\n`);
  for (const p of problems.slice(0, 5)) out(`page problem: ${p}\n`);
  if (problems.length > 5) out(`… and ${problems.length - 5} more page problems\n`);

  const growthMb = (ccr.heapEnd - ccr.heapStart) / 1024 / 1024;
  const measured = ccr.updates > 0 && ccr.points >= opts.units;
  const movesWithin = mv.n === MOVES && mv.p50 < MOVE_BUDGET_MS;
  const within = measured && ccr.p50 < UPDATE_BUDGET_MS && growthMb < HEAP_BUDGET_MB && movesWithin;
  out(`${viewport.width}×${viewport.height} ${wall.layout}: ${within ? 'within budget' : measured ? 'BUDGET MISSED' : 'NOT MEASURED'}: median update ${ms(ccr.p50)} ms (< ${UPDATE_BUDGET_MS}) over ${ccr.updates} updates of ${ccr.points} points, `
    + `heap growth ${growthMb.toFixed(1)} MB (< ${HEAP_BUDGET_MB}) over ${opts.seconds} s, median map move ${ms(mv.p50)} ms (< ${MOVE_BUDGET_MS})\n`);
  out(`machine CPU busy during the window (browser, in-process server, producer, anything else): ccr ${pct(ccr.machineBusy)}, baseline ${pct(base.machineBusy)}; `
    + `load average after: ${load()} (1/5/15 min) on ${cores} cores\n`);
  if (busyBefore > 0.25) {
    out(`note: the machine was busy with other work when the wall suite started (${pct(busyBefore)} of ${cores} cores, 1-min load ${loadBefore[0]!.toFixed(2)}); `
      + 'update times may be inflated — "upd min" is the cost with the least contention\n');
  }
  out('\n');
  if (!within) process.exitCode = 1;
}
