// `pnpm bench`: the budgets of shared/DESIGN.md, each measured against its baseline in the same run. Suites:
//   fanout  (below) publish → Socket.IO receipt, the real server against a bare broadcast
//   wall    (bench/wall-bench.ts) the wall display in Chromium applying N positions a second, against bare ECharts
//   stats   (bench/stats-bench.ts) statistics over 13 seeded months, against brute force from raw incidents and PING
// The exit code is 1 when any suite misses its budget or fails to run.
//
// N units report once a second (spread evenly over the second, as real GPS gateways do) by PUBLISH on the
// ingest channel; M Socket.IO clients receive them. Latency = receipt time in the client − the `ts` the
// producer stamped just before PUBLISH. Both servers run as separate processes on the same private Redis:
//   baseline  a bare Socket.IO server that broadcasts every message as it arrives (bench/bare-broadcast.ts)
//   ccr       the real server: validation, latest-wins state in Redis, coalesced per-client frames
// Usage: pnpm bench [--suite fanout,wall] [--units 1000,5000] [--clients 50] [--seconds 15] [--warmup 3] [--frame-ms N]
//                   [--wall-units 5000] [--wall-seconds 20] [--wall-warmup 5] [--wall-baseline-symbol diamond]
//                   [--wall-screens 1920x1080,3840x1080,5760x1080]  (one wall + baseline per screen shape)
//                   [--stats-iterations 200] [--stats-warmup 20] [--stats-months 13]
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient } from 'redis';
import { io, type Socket } from 'socket.io-client';
import type { PositionFrame } from '@ccr/shared';
import { DEMO_PASSWORD, freePort, postJson, startRedisServer, writeFixtureJurisdiction, type RedisServerHandle } from '@ccr/server/testing';
import { LatencyHistogram } from './latency-histogram.js';
import { parseScreens, runWallBench } from './wall-bench.js';
import { runStatsBench } from './stats-bench.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const ARTIFACTS = join(ROOT, '.artifacts', 'bench');
const SLOTS_PER_SECOND = 50;
const P99_BUDGET_MS = 250;

const { values: opt } = parseArgs({
  options: {
    units: { type: 'string', default: '1000,5000' },
    clients: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
    'frame-ms': { type: 'string' },
    suite: { type: 'string', default: 'fanout,wall,stats' },
    'wall-units': { type: 'string', default: '5000' },
    'wall-seconds': { type: 'string', default: '20' },
    'wall-warmup': { type: 'string', default: '5' },
    'wall-baseline-symbol': { type: 'string' },
    'wall-screens': { type: 'string', default: '1920x1080,3840x1080,5760x1080' },
    'stats-iterations': { type: 'string', default: '200' },
    'stats-warmup': { type: 'string', default: '20' },
    'stats-months': { type: 'string', default: '13' },
  },
});
const SUITES = ['fanout', 'wall', 'stats'] as const;
const suites = opt.suite.split(',').map((s) => s.trim()).filter(Boolean);
for (const s of suites) if (!(SUITES as readonly string[]).includes(s)) throw new Error(`unknown suite ${JSON.stringify(s)}: expected ${SUITES.join(', ')}`);
const unitCounts = opt.units.split(',').map(Number);
const clients = Number(opt.clients);
const seconds = Number(opt.seconds);
const warmup = Number(opt.warmup);

interface Result {
  p50: number; p99: number; max: number; perSecond: number; delivered: number; cpu: number; repeated: number; catchUps?: number;
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function operatorToken(url: string): Promise<string> {
  const res = await postJson<{ token: string; message?: string }>(`${url}/api/auth/login`, { username: 'operator', password: process.env.CCR_DEMO_PASSWORD || DEMO_PASSWORD });
  if (res.status !== 200) throw new Error(`bench: login as operator failed: ${res.status} ${res.body.message ?? ''}`);
  return res.body.token;
}

function startChild(name: string, script: string, cwd: string, env: Record<string, string>): ChildProcess {
  mkdirSync(ARTIFACTS, { recursive: true });
  const log = createWriteStream(join(ARTIFACTS, `${name}.log`));
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((r) => { child.once('exit', () => r()); child.kill('SIGTERM'); });
}

async function runTarget(kind: 'bare' | 'ccr', units: number, redis: RedisServerHandle, jurisdictionDir: string): Promise<Result> {
  const prefix = `bench-${kind}-${units}:`;
  const channel = `${prefix}in:positions`;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = kind === 'bare'
    ? startChild(`bare-${units}`, join(HERE, 'bare-broadcast.ts'), join(ROOT, 'tests'), { PORT: String(port), REDIS_URL: redis.url, CHANNEL: channel })
    : startChild(`ccr-${units}`, join(ROOT, 'server/src/server.ts'), join(ROOT, 'server'), {
      PORT: String(port), HOST: '127.0.0.1', REDIS_URL: redis.url, KEY_PREFIX: prefix, JURISDICTION_DIR: jurisdictionDir,
      LOG_LEVEL: 'warn', STALE_AFTER_MS: '600000', CLIENT_DIST: '/nonexistent',
      ...(opt['frame-ms'] ? { FRAME_INTERVAL_MS: opt['frame-ms'] } : {}),
    });
  try {
    await waitFor(async () => (await fetch(kind === 'bare' ? `${url}/socket.io/?EIO=4&transport=polling` : `${url}/api/health`)).ok, 30_000, `${kind} server`);
    const hist = new LatencyHistogram();
    // Only positions stamped inside the window count, wherever their receipt falls, so frame edges cost nothing.
    let windowStart = Infinity;
    let windowEnd = Infinity;
    let received = 0;
    let published = 0;
    let repeated = 0;
    const sockets: Socket[] = [];
    // The real server admits only logged-in screens: the clients share one operator (wall) session, as walls may.
    const auth = kind === 'ccr' ? { token: await operatorToken(url) } : {};
    for (let i = 0; i < clients; i++) {
      const s = io(url, { transports: ['websocket'], reconnection: false, auth });
      const lastTs = new Map<string, number>();
      const record = (ts: number, now: number, unitId: string): void => {
        if (ts < windowStart || ts >= windowEnd) return;
        // A unit's reports must arrive once each and in order; anything else is a fan-out bug.
        if ((lastTs.get(unitId) ?? -1) >= ts) repeated += 1;
        lastTs.set(unitId, ts);
        hist.add(now - ts);
        received += 1;
      };
      if (kind === 'bare') {
        s.on('positions' as never, (batch: { ts: number; unitId: string }[]) => {
          const now = Date.now();
          for (const p of batch) record(p.ts, now, p.unitId);
        });
      } else {
        s.on('units:moved' as never, (f: PositionFrame) => {
          const now = Date.now();
          for (const p of f.positions) record(p[3], now, p[0]);
        });
      }
      sockets.push(s);
    }
    await Promise.all(sockets.map((s) => new Promise<void>((r, j) => { s.once('connect', () => r()); s.once('connect_error', j); })));
    if (kind === 'ccr') await Promise.all(sockets.map((s) => s.timeout(30_000).emitWithAck('live:subscribe' as never, {} as never)));

    // The producer: each unit reports once a second, in its own slot of the second.
    const pub = createClient({ url: redis.url });
    await pub.connect();
    const ids = Array.from({ length: units }, (_, i) => `L-${String(i + 1).padStart(5, '0')}`);
    let slot = 0;
    const producer = setInterval(() => {
      const now = Date.now();
      const batch = [];
      for (let i = slot; i < units; i += SLOTS_PER_SECOND) batch.push({ unitId: ids[i], lng: 116.6 + (i % 100) * 0.001, lat: 39.0 + Math.floor(i / 100) * 0.001, ts: now, speed: 8, heading: 90 });
      slot = (slot + 1) % SLOTS_PER_SECOND;
      if (now >= windowStart && now < windowEnd) published += batch.length;
      if (batch.length > 0) void pub.publish(channel, JSON.stringify(batch));
    }, 1000 / SLOTS_PER_SECOND);

    await new Promise((r) => setTimeout(r, warmup * 1000));
    const cpu0 = cpuSeconds(child.pid!);
    windowStart = Date.now();
    windowEnd = windowStart + seconds * 1000;
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const cpu = (cpuSeconds(child.pid!) - cpu0) / seconds;
    // Keep producing and receiving a little longer: the last positions of the window are still on their way.
    await new Promise((r) => setTimeout(r, 1000));
    clearInterval(producer);
    const elapsed = seconds;

    let catchUps: number | undefined;
    if (kind === 'ccr') {
      const text = await (await fetch(`${url}/metrics`)).text();
      catchUps = Number(/^ccr_fanout_catchup_frames_total (\S+)/m.exec(text)?.[1] ?? 0);
      if (process.env.BENCH_DEBUG) process.stdout.write(text.split('\n').filter((l) => l.startsWith('ccr_fanout_lag')).join('\n') + '\n');
    }
    for (const s of sockets) s.close();
    await pub.close();
    return {
      p50: hist.percentile(50), p99: hist.percentile(99), max: Math.round(hist.max),
      perSecond: Math.round(received / elapsed), delivered: published > 0 ? received / (published * clients) : 0, cpu, repeated, catchUps,
    };
  } finally {
    await stopChild(child);
  }
}

const pad = (s: string | number, n: number): string => String(s).padStart(n);
const ratio = (a: number, b: number): string => (b > 0 ? (a / b).toFixed(2) : 'n/a');

/** The fan-out suite; true when every unit count is within budget. */
async function runFanout(): Promise<boolean> {
  const redis = await startRedisServer();
  let ok = true;
  try {
    process.stdout.write(`\nfan-out: ${clients} Socket.IO clients, ${seconds} s measured after ${warmup} s warm-up; units report at 1 Hz in ${SLOTS_PER_SECOND} slots/s\n`);
    process.stdout.write(`budget: p99 publish→browser receipt < ${P99_BUDGET_MS} ms (shared/DESIGN.md)\n\n`);
    process.stdout.write(`${'units'.padEnd(7)}${'server'.padEnd(18)}${pad('p50 ms', 8)}${pad('p99 ms', 8)}${pad('max ms', 8)}${pad('msgs/s', 11)}${pad('delivered', 11)}${pad('CPU', 8)}${pad('catch-up', 10)}${pad('repeated', 10)}\n`);
    for (const units of unitCounts) {
      const dir = await writeFixtureJurisdiction({ patrolUnits: 0, loadUnits: units });
      const bare = await runTarget('bare', units, redis, dir);
      const ccr = await runTarget('ccr', units, redis, dir);
      for (const [name, r] of [['bare broadcast', bare], ['ccr (frames)', ccr]] as const) {
        process.stdout.write(`${String(units).padEnd(7)}${name.padEnd(18)}${pad(r.p50, 8)}${pad(r.p99, 8)}${pad(r.max, 8)}${pad(r.perSecond, 11)}${pad(`${(r.delivered * 100).toFixed(1)} %`, 11)}${pad(`${(r.cpu * 100).toFixed(0)} %`, 8)}${pad(r.catchUps ?? '-', 10)}${pad(r.repeated, 10)}\n`);
      }
      process.stdout.write(`${''.padEnd(7)}${'ratio ccr/bare'.padEnd(18)}${pad(ratio(ccr.p50, bare.p50), 8)}${pad(ratio(ccr.p99, bare.p99), 8)}${pad(ratio(ccr.max, bare.max), 8)}${pad(ratio(ccr.perSecond, bare.perSecond), 11)}${pad('', 11)}${pad(ratio(ccr.cpu, bare.cpu), 8)}\n`);
      const within = ccr.p99 < P99_BUDGET_MS && ccr.delivered > 0.99 && ccr.repeated === 0;
      if (!within) ok = false;
      process.stdout.write(`${''.padEnd(7)}${within ? 'within budget' : 'BUDGET MISSED'}: p99 ${ccr.p99} ms (< ${P99_BUDGET_MS}), delivered ${(ccr.delivered * 100).toFixed(1)} %, repeated ${ccr.repeated}\n\n`);
    }
  } finally {
    await redis.dispose();
  }
  return ok;
}

async function main(): Promise<void> {
  let ok = true;
  for (const suite of suites) {
    try {
      if (suite === 'fanout') ok = (await runFanout()) && ok;
      else if (suite === 'stats') {
        ok = (await runStatsBench({ iterations: Number(opt['stats-iterations']), warmup: Number(opt['stats-warmup']), months: Number(opt['stats-months']) })) && ok;
      }
      // The wall suite sets process.exitCode = 1 itself when it misses its budget.
      else {
        await runWallBench({
          units: Number(opt['wall-units']), seconds: Number(opt['wall-seconds']), warmup: Number(opt['wall-warmup']),
          baselineSymbol: opt['wall-baseline-symbol'], screens: parseScreens(opt['wall-screens']!),
        });
      }
    } catch (err) {
      ok = false;
      process.stderr.write(`\n${suite} suite failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    }
  }
  if (!ok) process.exitCode = 1;
}

await main();
