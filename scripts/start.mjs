#!/usr/bin/env node
// `pnpm start` / `pnpm dev`: everything the command room needs, from one command.
//
//  1. builds the wall display (client/dist) when it is missing or older than its sources
//     (`--dev`: runs the Vite dev server on :5173 instead);
//  2. uses REDIS_URL if set, otherwise runs a private redis-server on REDIS_PORT (default 6380,
//     data in .data/redis, append-only) or reuses a Redis that already answers there;
//  3. runs the server (@ccr/server "start") and, unless SIMULATOR=off, the simulator (@ccr/simulator "sim");
//  4. waits for GET /api/health = 200 and prints the wall display URL;
//  5. restarts any child that exits unexpectedly (1 s, 2 s, 4 s … 30 s backoff);
//  6. on Ctrl-C / SIGTERM / SIGHUP stops simulator, server, then Redis (SIGTERM, so the AOF is
//     flushed) and exits 0. A second Ctrl-C kills whatever is left.
//
// Node standard library only: it must work right after `pnpm install`.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { colours, findExecutable, packageScript, prefixLines } from './lib/exec.mjs';
import { clientBuildReason } from './lib/freshness.mjs';
import { parseRedisUrl, portInUse, redactRedisUrl, redisPing, REDIS_INSTALL_HINT, waitForRedis } from './lib/redis.mjs';
import { formatDuration, Supervised } from './lib/supervisor.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const c = colours(process.stdout);
const args = process.argv.slice(2);

if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(`Usage: pnpm start            build the client if needed, run Redis + server + simulator
       pnpm dev              same, but the Vite dev server (hot reload) instead of client/dist

Environment (all optional):
  PORT=8080               server port (also where the wall display is served)
  HOST=0.0.0.0            server listen address
  REDIS_URL=redis://…     use this Redis instead of starting a private one
  REDIS_PORT=6380         port of the private redis-server (data in .data/redis)
  SIMULATOR=off           do not run the demo simulator (nor seed the demo history)
  SIM_AUTO_DISPATCH=off   no simulated dispatcher: incidents wait for a person at /dispatch
                          (default on in demo mode: after a grace period it dispatches, calls out, closes)
  SEED_HISTORY=off        do not seed 13 months of demo history (done once per Redis, before the server starts)
  CLIENT_DIST=…           serve a client build from elsewhere (no automatic build)
  START_TIMEOUT_MS=60000  how long to wait for /api/health before warning
Everything else (KEY_PREFIX, JURISDICTION_DIR, LOG_LEVEL, STALE_AFTER_MS, FRAME_INTERVAL_MS,
TIME_ZONE, PRODUCER_TOKEN, …) is passed to the server and simulator unchanged.
`);
  process.exit(0);
}
const unknown = args.filter((a) => a !== '--dev');
if (unknown.length) fail(`unknown argument(s): ${unknown.join(' ')} (try --help)`);

const DEV = args.includes('--dev');
const PORT = Number(process.env.PORT || 8080);
const REDIS_PORT = Number(process.env.REDIS_PORT || 6380);
const SIMULATOR = !/^(off|0|false|no)$/i.test(process.env.SIMULATOR ?? '');
const SEED_HISTORY = SIMULATOR && !/^(off|0|false|no)$/i.test(process.env.SEED_HISTORY ?? '');
const START_TIMEOUT_MS = Number(process.env.START_TIMEOUT_MS || 60_000);
const hostEnv = process.env.HOST ?? '';
const WILDCARD = ['', '0.0.0.0', '::', '[::]'];
const probeHost = WILDCARD.includes(hostEnv) ? '127.0.0.1' : hostEnv;
const urlHost = WILDCARD.includes(hostEnv) || ['127.0.0.1', '::1'].includes(hostEnv) ? 'localhost' : hostEnv;
const fmtHost = (h) => (h.includes(':') ? `[${h}]` : h);
const HEALTH_URL = `http://${fmtHost(probeHost)}:${PORT}/api/health`;
const PUBLIC_URL = `http://${fmtHost(urlHost)}:${PORT}`;

function log(message) {
  process.stdout.write(`${c.cyan('[start]')} ${message}\n`);
}
function warn(message) {
  process.stderr.write(`${c.yellow('[start]')} ${c.yellow(message)}\n`);
}
function fail(message, code = 1) {
  process.stderr.write(`${c.red('[start]')} ${c.red(message)}\n`);
  process.exit(code);
}
function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

for (const [name, value] of [['PORT', PORT], ['REDIS_PORT', REDIS_PORT]]) {
  if (!Number.isInteger(value) || value < 1 || value > 65535) fail(`${name} must be a TCP port number, got "${process.env[name]}"`);
}

/** @type {Map<string, Supervised>} */
const children = new Map();
let oneShot = null; // a running build, killed on shutdown
let shuttingDown = false;
const timers = new Set();

// ── shutdown ───────────────────────────────────────────────────────────────────────────────
async function shutdown(reason, exitCode = 0) {
  if (shuttingDown) {
    warn(`${reason} again — killing everything now`);
    for (const child of children.values()) child.kill();
    oneShot?.kill('SIGKILL');
    process.exit(130);
  }
  shuttingDown = true;
  for (const t of timers) clearTimeout(t);
  log(`${reason}: stopping (Ctrl-C again to force)…`);
  oneShot?.kill('SIGTERM');
  const order = [
    ['client', 5_000],
    ['sim', 5_000],
    ['server', 15_000],
    ['redis', 30_000],
  ];
  for (const [name, graceMs] of order) {
    const child = children.get(name);
    if (!child) continue;
    const wasRunning = child.running;
    await child.stop('SIGTERM', graceMs);
    if (wasRunning) log(`${name} stopped`);
  }
  log('bye');
  process.exit(exitCode);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void shutdown(signal));
process.on('uncaughtException', (error) => {
  warn(`launcher error: ${error.stack ?? error}`);
  void shutdown('error', 1);
});

// ── helpers ────────────────────────────────────────────────────────────────────────────────
/** How to call pnpm: the one running us (npm_execpath), else pnpm on PATH. */
function pnpmCommand() {
  const execPath = process.env.npm_execpath;
  if (execPath && /pnpm\.(c?js|mjs)$/.test(execPath) && existsSync(execPath)) return [process.execPath, [execPath]];
  const onPath = findExecutable('pnpm');
  if (onPath) return [onPath, []];
  fail('pnpm not found: install it with `npm install -g pnpm@10`');
}

/** Run to completion with prefixed output; resolves to the exit code. */
function runPrefixed(label, command, commandArgs, options = {}) {
  return new Promise((done) => {
    const child = spawn(command, commandArgs, { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'], ...options });
    oneShot = child;
    const prefix = `${c.magenta(`[${label}]`)} `;
    const streams = Promise.all([prefixLines(child.stdout, prefix, process.stdout), prefixLines(child.stderr, prefix, process.stderr)]);
    child.once('error', (error) => {
      warn(`cannot run ${command}: ${error.message}`);
      done(127);
    });
    child.once('exit', (code, signal) => {
      oneShot = null;
      void streams.then(() => done(code ?? (signal ? 1 : 0)));
    });
  });
}

function externalRedisMessage(ping) {
  const shown = redactRedisUrl(process.env.REDIS_URL);
  return (
    `无法连接 REDIS_URL 指定的 Redis：${shown}（${ping.reason}）。请启动它，或不设 REDIS_URL 让 pnpm start 自带一个。\n` +
    `Redis at REDIS_URL=${shown} is not reachable (${ping.reason}). Start it, or unset REDIS_URL to let pnpm start run its own.\n` +
    `Waiting for it… (Ctrl-C to stop)`
  );
}

async function httpOk(url, timeoutMs = 2000) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer().catch(() => {});
    return res.status === 200;
  } catch {
    return false;
  }
}

function supervise(name, spec, colour, onLine) {
  const child = new Supervised({
    name,
    spec,
    prefix: `${colour(`[${name}]`)} `,
    log: (message) => warn(message),
    onLine,
  });
  children.set(name, child);
  return child.start();
}

// ── 1. preflight: dependencies, the server port, Redis availability ─────────────────────────
if (!existsSync(join(ROOT, 'server', 'node_modules', '.bin', 'tsx'))) {
  fail('依赖尚未安装，请先运行 pnpm install。\nDependencies are not installed: run `pnpm install` first.');
}
if (await portInUse(PORT, probeHost)) {
  const ours = await httpOk(HEALTH_URL);
  fail(
    ours
      ? `端口 ${PORT} 上已有一个指挥室服务在运行（也许是上一次的 pnpm start）。请先停止它，或设置 PORT=…\n` +
          `A command-room server is already running on port ${PORT} (perhaps an earlier pnpm start). Stop it, or set PORT=…`
      : `端口 ${PORT} 已被其他程序占用。请设置 PORT=… 换一个端口。\nPort ${PORT} is already in use by another program. Set PORT=… to use another port.`,
  );
}

/** @type {{ mode: 'external' | 'reuse' | 'own', url: string, target: object }} */
let redis;
if (process.env.REDIS_URL) {
  let target;
  try {
    target = parseRedisUrl(process.env.REDIS_URL);
  } catch (error) {
    fail(`REDIS_URL is not a valid redis:// URL: ${error.message}`);
  }
  redis = { mode: 'external', url: process.env.REDIS_URL, target, ping: await redisPing(target, 3000) };
  // said now, before a possibly long client build; waited for below
  if (!redis.ping.ok) warn(externalRedisMessage(redis.ping));
} else {
  const target = { host: '127.0.0.1', port: REDIS_PORT };
  const url = `redis://127.0.0.1:${REDIS_PORT}`;
  const ping = await redisPing(target);
  if (ping.ok) {
    redis = { mode: 'reuse', url, target };
  } else if (await portInUse(REDIS_PORT)) {
    fail(
      `端口 ${REDIS_PORT} 被占用，但那不是一个可用的 Redis（${ping.reason}）。请设置 REDIS_PORT=… 或 REDIS_URL=…\n` +
        `Port ${REDIS_PORT} is in use, but not by a Redis I can use (${ping.reason}). Set REDIS_PORT=… or REDIS_URL=…`,
    );
  } else {
    if (!findExecutable('redis-server')) fail(REDIS_INSTALL_HINT);
    redis = { mode: 'own', url, target };
  }
}

// ── 2. client build ─────────────────────────────────────────────────────────────────────────
if (DEV) {
  log('dev mode: the Vite dev server serves the client (no build)');
} else if (process.env.CLIENT_DIST) {
  // the server runs in server/, so a relative CLIENT_DIST is relative to that folder
  if (!existsSync(join(resolve(ROOT, 'server', process.env.CLIENT_DIST), 'index.html'))) {
    warn(`CLIENT_DIST=${process.env.CLIENT_DIST} has no index.html — the wall display will not load`);
  }
} else {
  const reason = clientBuildReason(ROOT);
  if (reason) {
    log(reason === 'missing' ? 'building the wall display (client/dist is missing)…' : 'rebuilding the wall display (sources changed since the last build)…');
    const [pnpm, pnpmArgs] = pnpmCommand();
    const started = Date.now();
    const code = await runPrefixed('build', pnpm, [...pnpmArgs, '--filter', '@ccr/client', 'build']);
    if (shuttingDown) await new Promise(() => {}); // shutdown() exits
    if (code !== 0) {
      if (reason === 'stale') warn(`client build failed (exit ${code}); serving the previous build in client/dist`);
      else fail(`客户端构建失败 / client build failed (exit ${code}); see the [build] lines above`);
    } else {
      log(`client built in ${formatDuration(Date.now() - started)}`);
    }
  } else {
    log('client/dist is up to date');
  }
}

// ── 3. Redis ────────────────────────────────────────────────────────────────────────────────
const REDIS_DIR = join(ROOT, '.data', 'redis');

function startOwnRedis() {
  mkdirSync(REDIS_DIR, { recursive: true });
  const binary = findExecutable('redis-server');
  if (!binary) fail(REDIS_INSTALL_HINT);
  // prettier-ignore
  const redisArgs = [
    '--port', String(REDIS_PORT), '--bind', '127.0.0.1',
    '--appendonly', 'yes', '--save', '', '--dir', REDIS_DIR, '--daemonize', 'no',
  ];
  return supervise('redis', () => ({ command: binary, args: redisArgs, cwd: REDIS_DIR, env: process.env }), c.red);
}

if (redis.mode === 'external') {
  const shown = redactRedisUrl(redis.url);
  let ping = redis.ping.ok ? redis.ping : await redisPing(redis.target, 3000);
  if (ping.ok) {
    log(`using Redis at ${shown} (REDIS_URL)`);
  } else {
    let lastMessage = Date.now();
    while (!ping.ok) {
      await sleep(2000);
      ping = await redisPing(redis.target, 3000);
      if (!ping.ok && Date.now() - lastMessage > 30_000) {
        warn(externalRedisMessage(ping));
        lastMessage = Date.now();
      }
    }
    log(`Redis at ${shown} is reachable now`);
  }
} else if (redis.mode === 'reuse') {
  log(`reusing the Redis that already answers on 127.0.0.1:${REDIS_PORT} (not started by me)`);
} else {
  log(`starting a private redis-server on 127.0.0.1:${REDIS_PORT} (data: ${REDIS_DIR})`);
  startOwnRedis();
  if (!(await waitForRedis(redis.target, 20_000))) {
    warn(`redis-server did not answer PING on port ${REDIS_PORT} within 20 s; see the [redis] lines above`);
    await shutdown('Redis failed to start', 1);
  }
  log('Redis is ready');
}

// Watch a Redis we did not start: if a reused one goes away, start our own on its port.
function watchRedis() {
  let failures = 0;
  let reachable = true;
  const tick = async () => {
    if (shuttingDown) return;
    const ping = await redisPing(redis.target, 2000);
    if (ping.ok) {
      if (!reachable) log(`Redis at ${redactRedisUrl(redis.url)} is reachable again`);
      failures = 0;
      reachable = true;
    } else {
      failures += 1;
      if (reachable && failures >= 2) {
        warn(`Redis at ${redactRedisUrl(redis.url)} stopped answering (${ping.reason})`);
        reachable = false;
      }
      if (redis.mode === 'reuse' && failures >= 3 && !(await portInUse(REDIS_PORT)) && findExecutable('redis-server')) {
        log(`starting a private redis-server on port ${REDIS_PORT} to replace it`);
        redis.mode = 'own';
        startOwnRedis();
        return; // now supervised like any other child
      }
    }
    schedule(tick, 5000);
  };
  schedule(tick, 5000);
}
function schedule(fn, ms) {
  const t = setTimeout(() => {
    timers.delete(t);
    void fn();
  }, ms);
  timers.add(t);
}
if (redis.mode !== 'own') watchRedis();

// ── 4. server, simulator, dev client ────────────────────────────────────────────────────────
const childEnv = { ...process.env, REDIS_URL: redis.url };
// Demo history for the statistics (once per Redis; idempotent if interrupted), before the server starts so that
// no screen is connected while it writes months of incidents.
if (SEED_HISTORY) {
  log('seeding 13 months of demo history for the statistics (first start only; SEED_HISTORY=off to skip)…');
  const [pnpm, pnpmArgs] = pnpmCommand();
  const started = Date.now();
  const code = await runPrefixed('history', pnpm, [...pnpmArgs, '--filter', '@ccr/server', 'exec', 'tsx', 'src/modules/stats/seed-history.ts', '--months', '13', '--once'], { env: childEnv });
  if (shuttingDown) await new Promise(() => {}); // shutdown() exits
  if (code !== 0) warn(`history seeding failed (exit ${code}); statistics show live data only. See the [history] lines above`);
  else log(`history ready in ${formatDuration(Date.now() - started)}`);
}
supervise('server', () => packageScript(join(ROOT, 'server'), 'start', ROOT, childEnv), c.green);
// Vite picks the next free port when 5173 is taken: take the URL from its own "Local:" line.
let viteUrl = 'http://localhost:5173/';
if (DEV) {
  supervise('client', () => packageScript(join(ROOT, 'client'), 'dev', ROOT, process.env), c.blue, (line) => {
    // eslint-disable-next-line no-control-regex
    const match = /Local:\s+(https?:\/\/\S+)/.exec(line.replace(/\x1b\[[0-9;]*m/g, ''));
    if (match) viteUrl = match[1];
  });
}

function announce() {
  const line = `指挥室大屏 / Wall display: ${DEV ? viteUrl : `${PUBLIC_URL}/`}`;
  process.stdout.write(`\n${c.bold(c.green(line))}\n`);
  if (DEV) process.stdout.write(`服务端 / Server:           ${PUBLIC_URL}/  (the Vite dev server proxies to it)\n`);
  process.stdout.write(`调度台 / Dispatch console:  ${PUBLIC_URL}/dispatch\n`);
  process.stdout.write(`社区警务台 / Community:    ${PUBLIC_URL}/community\n`);
  process.stdout.write(`统计分析 / Statistics:     ${PUBLIC_URL}/stats\n`);
  process.stdout.write(`接口文档 / API docs:        ${PUBLIC_URL}/docs\n`);
  if (!/^(0|false|no|off)$/i.test(process.env.DEMO_MODE ?? '')) {
    // The same default as server/src/modules/auth/auth-config.ts (DEMO_PASSWORD); demo mode only.
    const password = process.env.CCR_DEMO_PASSWORD ? '(CCR_DEMO_PASSWORD)' : 'ccr-demo-2026';
    process.stdout.write(`演示账号 / demo accounts:   operator (大屏), dispatcher (调度台), leader (统计), community (社区警务台), admin — 密码 / password ${password}\n`);
  }
  process.stdout.write('\n');
}

const waitStarted = Date.now();
let warned = false;
while (!(await httpOk(HEALTH_URL))) {
  if (shuttingDown) await new Promise(() => {});
  if (!warned && Date.now() - waitStarted > START_TIMEOUT_MS) {
    warned = true;
    warn(
      `服务端 ${formatDuration(START_TIMEOUT_MS)} 内未就绪：${HEALTH_URL} 没有返回 200。请查看上面的 [server] 日志；我会继续等待并自动重启它。\n` +
        `The server is not healthy after ${formatDuration(START_TIMEOUT_MS)}: ${HEALTH_URL} did not answer 200. ` +
        `See the [server] lines above; still waiting (and restarting it if it exits). Ctrl-C to stop.`,
    );
  }
  await sleep(500);
}
if (shuttingDown) await new Promise(() => {});
log(`server healthy after ${formatDuration(Date.now() - waitStarted)}`);
announce();

if (SIMULATOR) {
  // The simulator's units log in as device terminals on this server (whatever HOST it listens on).
  const simServerUrl = process.env.SIM_SERVER_URL || `http://${fmtHost(probeHost)}:${PORT}`;
  // …and the demo has a dispatcher (the demo account, so demo mode only), unless SIM_AUTO_DISPATCH says otherwise.
  const demoMode = !/^(0|false|no|off)$/i.test(process.env.DEMO_MODE ?? '');
  const autoDispatch = process.env.SIM_AUTO_DISPATCH || (demoMode ? 'on' : 'off');
  const childEnvNow = { ...process.env, REDIS_URL: redis.url, SIM_SERVER_URL: simServerUrl, SIM_AUTO_DISPATCH: autoDispatch };
  supervise('sim', () => packageScript(join(ROOT, 'simulator'), 'sim', ROOT, childEnvNow), c.yellow);
} else {
  log('SIMULATOR=off: not running the simulator');
}
