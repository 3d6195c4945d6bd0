// `pnpm soak --hours N`: the whole demo left running for hours, watched for memory that only grows.
//
// A private redis-server, the client built from the work tree, the real server and the simulator as child processes
// (`node --import tsx`, as `pnpm start` runs them, so each one's RSS and heap are its own), the simulator faster than
// real time with the demo's auto-dispatcher (incidents arrive, are dispatched, called out and closed all run long),
// the wall (operator) and the dispatch console (dispatcher) in Chromium, each in its own browser context so that
// each has its own renderer and V8 heap.
//
// Every interval (default a minute) it reads: each page's JS heap after a forced GC (one CDP session per page, kept
// for the whole run, so the watching does not itself grow the page), DOM nodes and listeners; the server's V8 heap
// (/metrics with a METRICS_TOKEN of its own) and RSS (/proc); the simulator's RSS; Redis used_memory. Samples go to
// samples.csv and samples.jsonl as they are taken (a killed run keeps its data); at the end, least-squares slopes
// per hour over the samples after the warm-up are printed and written to summary.json / summary.txt.
//
// Exit 1 when the wall's heap grows more than 1 MB/h after the warm-up, when a page logged an error, or when a
// child process died. Ctrl-C ends the run early and still summarises.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { createClient } from 'redis';
import { DEMO_PASSWORD, freePort, startRedisServer, type RedisServerHandle } from '@ccr/server/testing';
import { launchChromium, openLoggedIn } from '../e2e/browser.js';
import { REPO_ROOT, buildClient } from '../e2e/client-build.js';
import { CSV_COLUMNS, DEFAULT_RULES, csvRow, slopeTable, summarise, type Sample } from './analysis.js';

const USAGE = `usage: pnpm soak [--hours N | --minutes N] [--warmup-minutes 10] [--interval-seconds 60] [--time-scale 20]
                 [--no-console] [--heap-snapshots] [--out DIR]
  --hours / --minutes   how long to run after the pages are open (default 2 hours)
  --warmup-minutes      samples before this are left out of the slopes (default 10)
  --interval-seconds    time between samples (default 60)
  --time-scale          the simulator's SIM_TIME_SCALE (default 20: ~70 incidents an hour, each dispatched and closed)
  --no-console          open the wall only, not the dispatch console
  --heap-snapshots      write a heap snapshot of the wall at the end of the warm-up and at the end (to compare in DevTools)
  --out DIR             where samples and the summary go (default .artifacts/soak/<timestamp>)`;

let opt;
try {
  ({ values: opt } = parseArgs({
    options: {
      hours: { type: 'string' },
      minutes: { type: 'string' },
      'warmup-minutes': { type: 'string', default: String(DEFAULT_RULES.warmupMinutes) },
      'interval-seconds': { type: 'string', default: '60' },
      'time-scale': { type: 'string', default: '20' },
      'no-console': { type: 'boolean', default: false },
      'heap-snapshots': { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (err) {
  process.stderr.write(`soak: ${(err as Error).message}\n${USAGE}\n`);
  process.exit(2);
}
if (opt.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
function positive(name: string, raw: string | undefined, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0 || n > max) {
    process.stderr.write(`soak: --${name} must be a number above 0, at most ${max}, got "${raw}"\n${USAGE}\n`);
    process.exit(2);
  }
  return n;
}
if (opt.hours !== undefined && opt.minutes !== undefined) {
  process.stderr.write(`soak: give --hours or --minutes, not both\n${USAGE}\n`);
  process.exit(2);
}
const durationMinutes = positive('minutes', opt.minutes, 7 * 24 * 60) ?? (positive('hours', opt.hours, 7 * 24) ?? 2) * 60;
const warmupMinutes = opt['warmup-minutes'] === '0' ? 0 : positive('warmup-minutes', opt['warmup-minutes'], 24 * 60)!;
const intervalMs = positive('interval-seconds', opt['interval-seconds'], 3600)! * 1000;
const timeScale = positive('time-scale', opt['time-scale'], 3600)!;
const withConsole = !opt['no-console'];

// A relative --out is relative to where `pnpm soak` was typed (pnpm runs the script in tests/).
const invokedFrom = process.env.INIT_CWD ?? process.cwd();
const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/Z$/, '');
const OUT = resolve(invokedFrom, opt.out ?? join(REPO_ROOT, '.artifacts', 'soak', stamp));
mkdirSync(OUT, { recursive: true });

const log = (line: string): void => {
  process.stdout.write(`${new Date().toISOString().slice(11, 19)} [soak] ${line}\n`);
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ── children ───────────────────────────────────────────────────────────────────────────────────
const problems: string[] = [];
let stopping = false;
const children: Array<{ name: string; proc: ChildProcess }> = [];

/** A TypeScript entry run the way `pnpm start` runs it (tsx as a loader, so the pid is the program's own). */
function startChild(name: string, pkg: 'server' | 'simulator', script: string, env: Record<string, string>): ChildProcess {
  const logFile = createWriteStream(join(OUT, `${name}.log`));
  const proc = spawn(process.execPath, ['--import', 'tsx', script], { cwd: join(REPO_ROOT, pkg), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.pipe(logFile);
  proc.stderr!.pipe(logFile);
  proc.once('exit', (code, signal) => {
    if (stopping) return;
    problems.push(`${name} (pid ${proc.pid}) exited during the run (code ${code}, signal ${signal}); see ${name}.log`);
    log(`✗ ${name} died (code ${code}, signal ${signal}): ending the run`);
    wake?.();
  });
  children.push({ name, proc });
  return proc;
}

async function stopChild(proc: ChildProcess, graceMs = 15_000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  await new Promise<void>((r) => {
    const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    proc.once('exit', () => { clearTimeout(t); r(); });
    proc.kill('SIGTERM');
  });
}

/** Resident set of a process, bytes, from /proc (NaN when it is gone). */
function rssOf(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

// ── pages ──────────────────────────────────────────────────────────────────────────────────────
interface Watched { name: string; context: BrowserContext; page: Page; cdp: CDPSession }

function watchProblems(page: Page, name: string): void {
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`${name} console error: ${m.text().slice(0, 500)}`); });
  page.on('pageerror', (e) => problems.push(`${name} page error: ${e.message.slice(0, 500)}`));
  page.on('crash', () => { problems.push(`${name} page crashed`); wake?.(); });
}

async function openPage(browser: Browser, name: string, baseUrl: string, path: string, user: string, password: string): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' });
  const page = await context.newPage();
  watchProblems(page, name);
  await openLoggedIn(page, baseUrl, path, user, password);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  return { name, context, page, cdp };
}

/**
 * JS heap after forced GCs, DOM nodes and listeners. A GC that lands inside an update keeps that update's garbage
 * alive (the wall redraws several times a second), so three readings a moment apart are taken and the least kept;
 * each after two GCs, since the first can leave what only a second finds (weak maps, finalisers).
 */
async function pageReading(w: Watched): Promise<{ heap: number; nodes: number; listeners: number }> {
  try {
    let heap = Infinity;
    for (let i = 0; i < 3; i++) {
      if (i > 0) await sleep(250);
      await w.cdp.send('HeapProfiler.collectGarbage');
      await w.cdp.send('HeapProfiler.collectGarbage');
      heap = Math.min(heap, (await w.cdp.send('Runtime.getHeapUsage')).usedSize);
    }
    const { metrics } = await w.cdp.send('Performance.getMetrics');
    const metric = (n: string): number => metrics.find((m) => m.name === n)?.value ?? NaN;
    return { heap, nodes: metric('Nodes'), listeners: metric('JSEventListeners') };
  } catch (err) {
    problems.push(`${w.name}: cannot read the page's heap (${(err as Error).message})`);
    return { heap: NaN, nodes: NaN, listeners: NaN };
  }
}

async function heapSnapshot(w: Watched, file: string): Promise<void> {
  const out = createWriteStream(file);
  const onChunk = ({ chunk }: { chunk: string }): void => { out.write(chunk); };
  w.cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  try {
    await w.cdp.send('HeapProfiler.collectGarbage');
    await w.cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  } finally {
    w.cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
    await new Promise<void>((r) => out.end(r));
  }
  log(`heap snapshot of ${w.name}: ${file}`);
}

/** V8 heap used by the server, from its Prometheus text (the default metrics prom-client collects). */
async function serverHeap(baseUrl: string, token: string): Promise<number> {
  try {
    const res = await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    if (res.status !== 200) return NaN;
    const m = /^ccr_nodejs_heap_size_used_bytes (\S+)$/m.exec(text);
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

// ── the run ────────────────────────────────────────────────────────────────────────────────────
let wake: (() => void) | undefined;
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log(`${signal}: ending the run early and summarising (again to quit at once)`);
    wake?.();
  });
}

let redis: RedisServerHandle | undefined;
let browser: Browser | undefined;
let redisClient: ReturnType<typeof createClient> | undefined;
const samples: Sample[] = [];
let exitCode = 1;
try {
  const password = process.env.CCR_DEMO_PASSWORD || DEMO_PASSWORD;
  const metricsToken = randomBytes(18).toString('base64url');
  log(`output: ${OUT}`);
  log(`building the client and starting redis-server…`);
  const [redisHandle, clientDist, port] = await Promise.all([startRedisServer(), buildClient(), freePort()]);
  redis = redisHandle;
  const baseUrl = `http://127.0.0.1:${port}`;
  const common = { REDIS_URL: redis.url, PORT: String(port), DEMO_MODE: 'true', SIM_TIME_SCALE: String(timeScale) };
  const server = startChild('server', 'server', 'src/server.ts', { ...common, HOST: '127.0.0.1', CLIENT_DIST: clientDist, METRICS_TOKEN: metricsToken, LOG_LEVEL: 'warn' });
  const started = Date.now();
  while (!(await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status === 200, () => false))) {
    if (server.exitCode !== null || Date.now() - started > 120_000) throw new Error('the server did not become healthy (see server.log)');
    await sleep(500);
  }
  log(`server pid ${server.pid} healthy at ${baseUrl}`);
  const sim = startChild('sim', 'simulator', 'src/main.ts', { ...common, SIM_SERVER_URL: baseUrl, SIM_AUTO_DISPATCH: 'on', CCR_DEMO_PASSWORD: password });
  log(`simulator pid ${sim.pid}, time ×${timeScale}, auto-dispatch on`);
  redisClient = createClient({ url: redis.url });
  redisClient.on('error', () => {}); // a lost connection shows as NaN readings; the client reconnects
  await redisClient.connect();

  browser = await launchChromium();
  const wall = await openPage(browser, 'wall', baseUrl, '/', 'operator', password);
  const consolePage = withConsole ? await openPage(browser, 'console', baseUrl, '/dispatch', 'dispatcher', password) : undefined;
  log(`wall${consolePage ? ' and dispatch console' : ''} open; sampling every ${intervalMs / 1000} s for ${durationMinutes} min (warm-up ${warmupMinutes} min)`);

  writeFileSync(join(OUT, 'samples.csv'), `${CSV_COLUMNS.join(',')}\n`);
  writeFileSync(join(OUT, 'samples.jsonl'), '');
  const opened = Date.now();
  const end = opened + durationMinutes * 60_000;
  let snapshotTaken = false;
  for (let next = opened; ; next += intervalMs) {
    const minute = (Date.now() - opened) / 60_000;
    const w = await pageReading(wall);
    const c = consolePage ? await pageReading(consolePage) : { heap: NaN, nodes: NaN };
    const info = await redisClient.info('memory').catch(() => '');
    const used = /^used_memory:(\d+)/m.exec(info);
    const sample: Sample = {
      at: Date.now(), minute,
      wallHeap: w.heap, wallNodes: w.nodes, wallListeners: w.listeners,
      consoleHeap: c.heap, consoleNodes: c.nodes,
      serverHeap: await serverHeap(baseUrl, metricsToken), serverRss: rssOf(server.pid), simRss: rssOf(sim.pid),
      redisUsed: used ? Number(used[1]) : NaN,
    };
    samples.push(sample);
    appendFileSync(join(OUT, 'samples.csv'), `${csvRow(sample)}\n`);
    appendFileSync(join(OUT, 'samples.jsonl'), `${JSON.stringify(sample)}\n`);
    const mb = (v: number): string => (v / 1_048_576).toFixed(1);
    log(`min ${minute.toFixed(1)}: wall heap ${mb(sample.wallHeap)} MB, ${sample.wallNodes} nodes; console ${mb(sample.consoleHeap)} MB; ` +
      `server heap ${mb(sample.serverHeap)} MB rss ${mb(sample.serverRss)} MB; sim rss ${mb(sample.simRss)} MB; redis ${mb(sample.redisUsed)} MB` +
      (problems.length ? `; ${problems.length} problem(s)` : ''));
    if (opt['heap-snapshots'] && !snapshotTaken && minute >= warmupMinutes) {
      snapshotTaken = true;
      await heapSnapshot(wall, join(OUT, 'wall-after-warmup.heapsnapshot'));
    }
    if (interrupted || children.some((ch) => ch.proc.exitCode !== null || ch.proc.signalCode !== null) || problems.some((p) => p.endsWith('crashed'))) break;
    if (Date.now() >= end) break;
    const wait = Math.max(0, Math.min(next + intervalMs, end) - Date.now());
    await new Promise<void>((r) => { const t = setTimeout(r, wait); wake = () => { clearTimeout(t); r(); }; });
    wake = undefined;
    if (interrupted && Date.now() < end) continue; // take one last reading, then stop
  }
  if (opt['heap-snapshots']) await heapSnapshot(wall, join(OUT, 'wall-end.heapsnapshot')).catch((e) => log(`no end snapshot: ${(e as Error).message}`));

  const summary = summarise(samples, problems, { ...DEFAULT_RULES, warmupMinutes });
  const table = slopeTable(summary);
  const header = [
    `soak ${new Date(opened).toISOString()} → ${new Date().toISOString()} (${((Date.now() - opened) / 60_000).toFixed(1)} min, ${samples.length} samples, every ${intervalMs / 1000} s)`,
    `simulator: demo roster, time ×${timeScale}, auto-dispatch on; pages: wall (operator)${consolePage ? ', dispatch console (dispatcher)' : ''}; Chromium headless 1920×1080`,
    `slopes: least squares over the ${summary.samplesAfterWarmup} samples after the ${warmupMinutes}-minute warm-up`,
  ];
  const verdict = summary.pass ? 'PASS: wall heap within 1 MB/h, no page errors, no child died' : `FAIL:\n${summary.failures.map((f) => `  - ${f}`).join('\n')}`;
  const text = `${header.join('\n')}\n\n${table}\n\n${verdict}\n`;
  writeFileSync(join(OUT, 'summary.txt'), text);
  writeFileSync(join(OUT, 'summary.json'), JSON.stringify({ ...summary, timeScale, intervalSeconds: intervalMs / 1000, durationMinutes, console: withConsole, problems }, null, 2));
  process.stdout.write(`\n${text}\nsamples and summary: ${OUT}\n`);
  exitCode = summary.pass ? 0 : 1;
} catch (err) {
  log(`✗ the soak could not run: ${(err as Error).stack ?? String(err)}`);
  exitCode = 1;
} finally {
  stopping = true;
  await browser?.close().catch(() => {});
  for (const { proc } of [...children].reverse()) await stopChild(proc);
  await redisClient?.quit().catch(() => {});
  await redis?.dispose().catch(() => {});
}
process.exit(exitCode);
