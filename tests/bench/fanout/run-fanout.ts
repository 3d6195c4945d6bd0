// `pnpm bench --suite fanout`: publish → Socket.IO receipt, the real server against a bare broadcast of the same
// load in the same run (shared/DESIGN.md, "Budgets"). Every part runs in a process of its own so that none of
// them limits another's figures:
//   producer  (fanout/producer.ts) N units at 1 Hz by PUBLISH on the ingest channel, paced against the clock;
//             what it offered per second is reported and checked against N (a row whose load was not offered
//             within 2 % is NOT MEASURED, never passed)
//   clients   (fanout/clients.ts) the M Socket.IO clients, spread over several processes; their CPU is printed
//   servers   the real server (1..K nodes on one Redis) or the bare broadcast (bench/bare-broadcast.ts)
//   Redis     one redis-server, or with --cluster a 3-master Redis Cluster (the servers on REDIS_CLUSTER; the
//             producer and the bare broadcast on the master of the deployment's tag; Redis CPU summed over the
//             masters, the busiest one named)
// Per row: latency percentiles (receipt − producer's ts), delivered share, the server's CPU, Redis's CPU, the
// clients' busiest process, event-loop lag p99/max and the server's own time from ingest to emit (p99, from its
// ccr_fanout_lag_ms histogram over the window), catch-up frames, repeats. /metrics is read with a METRICS_TOKEN.
// Whether a row keeps up: nothing lost (≥ 99.9 % delivered) and no growing backlog (the median latency of the
// window's last third within 250 ms of its first third's), for the capacity row of issue 12.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { loadConfig } from '@ccr/server';
import { DEMO_PASSWORD, freePort, keyBase, postJson, startRedisCluster, startRedisServer, writeFixtureJurisdiction } from '@ccr/server/testing';
import { LatencyHistogram } from '../latency-histogram.js';
import { buckets, parseSamples, sampleValue, windowQuantile } from './prometheus.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../../..');
const ARTIFACTS = join(ROOT, '.artifacts', 'bench');
const SLOTS_PER_SECOND = 50;
/** Offered load within this share of the nominal rate, or the row is not measured. */
const PACING_TOLERANCE = 0.02;
/** Above the 5,000-unit budget row: shared/DESIGN.md's 20,000-unit budget. */
const LARGE_P99_BUDGET_MS = 300;
const SMALL_ROW_UNITS = 5_000;
const SMALL_CPU_BUDGET = 0.25;
/** A client process busier than this share of a core may itself be what delays receipts. */
const CLIENT_CPU_WARN = 0.8;
/** A median latency that grows by more than this from the window's first third to its last is a backlog. */
const BACKLOG_MS = 250;

export interface FanoutOptions {
  units: number[];
  clients: number;
  /** Processes the clients are spread over. */
  clientProcesses: number;
  /** Server nodes per row of the real server (each a process on the same Redis). */
  nodes: number[];
  seconds: number;
  warmup: number;
  frameMs?: number;
  /** A 3-master Redis Cluster in place of one redis-server. */
  cluster?: boolean;
}

/** Where a row's Redis is: one node, or a cluster whose masters each serve a share of the slots. */
interface RedisBed {
  cluster: boolean;
  /** What the servers' REDIS_URL holds (every node, on a cluster). */
  url: string;
  /** The master that serves `name` (on one node: that node). */
  masterOf(name: string): Promise<string>;
  /** Every master's URL (CPU is read from each). */
  masters: string[];
  dispose(): Promise<void>;
}

async function startRedisBed(cluster: boolean): Promise<RedisBed> {
  if (!cluster) {
    const r = await startRedisServer();
    return { cluster, url: r.url, masterOf: async () => r.url, masters: [r.url], dispose: () => r.dispose() };
  }
  const c = await startRedisCluster();
  return { cluster, url: c.url, masterOf: async (name) => (await c.masterOf(name)).url, masters: c.nodes.map((n) => n.url), dispose: () => c.dispose() };
}

interface Row {
  kind: 'bare' | 'ccr'; units: number; nodes: number;
  offered: number; p50: number; p99: number; max: number; delivered: number; repeated: number;
  serverCpu: number; redisCpu: number; clientCpuMax: number;
  /** The busiest Redis master's CPU (equal to redisCpu on one node). */
  redisCpuMax: number;
  /** Median latency in the window's first and last third: a growing backlog shows as the second above the first. */
  p50First: number; p50Last: number;
  loopLagP99?: number; loopLagMax?: number; serverTimeP99?: number; catchUps?: number;
}

// ---- child processes ----

interface Child { proc: ChildProcess; lines: AsyncIterator<string>; all: string[] }

function startChild(name: string, script: string, cwd: string, env: Record<string, string>): Child {
  mkdirSync(ARTIFACTS, { recursive: true });
  const log = createWriteStream(join(ARTIFACTS, `${name}.log`));
  const proc = spawn(process.execPath, ['--import', 'tsx', script], { cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  proc.stderr!.pipe(log);
  const all: string[] = [];
  const rl = createInterface({ input: proc.stdout! });
  rl.on('line', (l) => { all.push(l); log.write(`${l}\n`); });
  const lines = (async function* () { for (let i = 0; ; i++) { while (all.length <= i) { if (proc.exitCode !== null) return; await sleep(20); } yield all[i]!; } })();
  return { proc, lines, all };
}

/** The next JSON line of a child that satisfies `pick`. */
async function expectLine<T>(c: Child, what: string, pick: (o: Record<string, unknown>) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const next = await Promise.race([c.lines.next(), sleep(Math.max(0, deadline - Date.now())).then(() => null)]);
    if (next === null) throw new Error(`timed out waiting for ${what}`);
    if (next.done) throw new Error(`${what}: the process ended (exit ${c.proc.exitCode}); see .artifacts/bench`);
    try {
      const o = JSON.parse(next.value) as Record<string, unknown>;
      if (pick(o)) return o as T;
    } catch { /* a log line */ }
  }
}

async function stopChild(c: Child): Promise<void> {
  if (c.proc.exitCode !== null) return;
  await new Promise<void>((r) => { c.proc.once('exit', () => r()); c.proc.kill('SIGTERM'); });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const sleepUntil = (t: number): Promise<void> => sleep(Math.max(0, t - Date.now()));

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
}

async function redisCpuSeconds(r: ReturnType<typeof createClient>): Promise<number> {
  const info = await r.info('cpu');
  const v = (k: string): number => Number(new RegExp(`^${k}:(\\S+)`, 'm').exec(info)?.[1] ?? NaN);
  return v('used_cpu_user') + v('used_cpu_sys');
}

type Probe = ReturnType<typeof createClient>;

// ---- one row ----

async function runRow(kind: 'bare' | 'ccr', units: number, nodes: number, opts: FanoutOptions, redis: RedisBed, jurisdictionDir: string): Promise<Row> {
  const prefix = `bench-${kind}-${units}-${nodes}:`;
  const channel = `${keyBase({ keyPrefix: prefix, cluster: redis.cluster })}in:positions`;
  // The producer and the bare broadcast talk to the master of the deployment's tag, as the servers do.
  const home = await redis.masterOf(channel);
  const metricsToken = randomBytes(18).toString('base64url');
  const servers: { child: Child; url: string }[] = [];
  const children: Child[] = [];
  // No offline queue: a Redis that died fails the row at once instead of leaving the bench waiting for it.
  const probes: Probe[] = redis.masters.map((url) => createClient({ url, disableOfflineQueue: true }));
  await Promise.all(probes.map((p) => p.connect()));
  try {
    for (let n = 0; n < nodes; n++) {
      const port = await freePort();
      const child = kind === 'bare'
        ? startChild(`bare-${units}-n${n}`, join(HERE, '../bare-broadcast.ts'), join(ROOT, 'tests'), { PORT: String(port), REDIS_URL: home, CHANNEL: channel })
        : startChild(`ccr-${units}-n${n}`, join(ROOT, 'server/src/server.ts'), join(ROOT, 'server'), {
          PORT: String(port), HOST: '127.0.0.1', REDIS_URL: redis.url, REDIS_CLUSTER: String(redis.cluster), KEY_PREFIX: prefix, JURISDICTION_DIR: jurisdictionDir,
          LOG_LEVEL: 'warn', STALE_AFTER_MS: '600000', CLIENT_DIST: '/nonexistent', METRICS_TOKEN: metricsToken,
          ...(opts.frameMs ? { FRAME_INTERVAL_MS: String(opts.frameMs) } : {}),
        });
      servers.push({ child, url: `http://127.0.0.1:${port}` });
    }
    for (const s of servers) {
      await waitFor(async () => (await fetch(kind === 'bare' ? `${s.url}/socket.io/?EIO=4&transport=polling` : `${s.url}/api/health`)).ok, 60_000, `${kind} server`);
    }
    // The real server admits only logged-in screens: the clients share one operator (wall) session, as walls may.
    const token = kind === 'ccr' ? await operatorToken(servers[0]!.url) : '';
    const procs = Math.max(1, Math.min(opts.clientProcesses, opts.clients));
    const clientProcs: Child[] = [];
    for (let k = 0; k < procs; k++) {
      const count = Math.floor(opts.clients / procs) + (k < opts.clients % procs ? 1 : 0);
      const c = startChild(`clients-${kind}-${units}-${k}`, join(HERE, 'clients.ts'), join(ROOT, 'tests'), {
        URL: servers[k % servers.length]!.url, COUNT: String(count), KIND: kind, ...(token ? { TOKEN: token } : {}),
      });
      clientProcs.push(c);
      children.push(c);
    }
    await Promise.all(clientProcs.map((c) => expectLine(c, 'clients connected', (o) => o.ready === true)));
    const producer = startChild(`producer-${kind}-${units}`, join(HERE, 'producer.ts'), join(ROOT, 'tests'), {
      UNITS: String(units), CHANNEL: channel, REDIS_URL: home, SLOTS: String(SLOTS_PER_SECOND),
    });
    children.push(producer);
    await expectLine(producer, 'the producer', (o) => o.ready === true);

    await sleep(opts.warmup * 1000);
    const start = Math.ceil((Date.now() + 500) / 1000) * 1000;
    const end = start + opts.seconds * 1000;
    for (const c of clientProcs) c.proc.stdin!.write(`window ${start} ${end}\n`);
    await sleepUntil(start);
    const at0 = await readings(kind, servers, metricsToken, probes);
    await sleepUntil(end);
    const at1 = await readings(kind, servers, metricsToken, probes);
    // The last positions of the window are still on their way.
    await sleep(1_500);
    for (const c of clientProcs) c.proc.stdin!.write('report\n');
    type Hist = ReturnType<LatencyHistogram['toJSON']>;
    const reports = await Promise.all(clientProcs.map((c) => expectLine<{ received: number; repeated: number; hist: Hist; first: Hist; last: Hist; cpu: number }>(c, 'client report', (o) => 'received' in o)));
    const offeredTotal = producer.all.flatMap((l) => {
      try { const o = JSON.parse(l) as { sec?: number; n?: number }; return o.sec !== undefined && o.sec * 1000 >= start && o.sec * 1000 < end ? [o.n ?? 0] : []; } catch { return []; }
    }).reduce((a, b) => a + b, 0);

    const hist = new LatencyHistogram();
    const [first, last] = [new LatencyHistogram(), new LatencyHistogram()];
    for (const r of reports) { hist.merge(r.hist); first.merge(r.first); last.merge(r.last); }
    const received = reports.reduce((a, r) => a + r.received, 0);
    const seconds = opts.seconds;
    const row: Row = {
      kind, units, nodes,
      offered: offeredTotal / seconds,
      p50: hist.percentile(50), p99: hist.percentile(99), max: Math.round(hist.max),
      delivered: offeredTotal > 0 ? received / (offeredTotal * opts.clients) : 0,
      repeated: reports.reduce((a, r) => a + r.repeated, 0),
      serverCpu: (at1.serverCpu - at0.serverCpu) / seconds,
      redisCpu: (at1.redisCpu.reduce((a, b) => a + b, 0) - at0.redisCpu.reduce((a, b) => a + b, 0)) / seconds,
      redisCpuMax: Math.max(...at1.redisCpu.map((c, n) => (c - at0.redisCpu[n]!) / seconds)),
      clientCpuMax: Math.max(...reports.map((r) => r.cpu)),
      p50First: first.percentile(50), p50Last: last.percentile(50),
    };
    if (kind === 'ccr') {
      // Event-loop lag: prom-client resets its histogram at every scrape, so the end scrape covers the window.
      row.loopLagP99 = Math.max(...at1.samples.map((s) => sampleValue(s, 'ccr_nodejs_eventloop_lag_p99_seconds') * 1000));
      row.loopLagMax = Math.max(...at1.samples.map((s) => sampleValue(s, 'ccr_nodejs_eventloop_lag_max_seconds') * 1000));
      row.serverTimeP99 = Math.max(...at1.samples.map((s, n) => windowQuantile(
        buckets(at0.samples[n]!, 'ccr_fanout_lag_ms', { kind: 'positions' }), buckets(s, 'ccr_fanout_lag_ms', { kind: 'positions' }), 0.99)));
      row.catchUps = at1.samples.reduce((a, s, n) => a + sampleValue(s, 'ccr_fanout_catchup_frames_total') - sampleValue(at0.samples[n]!, 'ccr_fanout_catchup_frames_total'), 0);
    }
    return row;
  } finally {
    for (const c of children) await stopChild(c);
    for (const s of servers) await stopChild(s.child);
    await Promise.all(probes.map((p) => p.close()));
  }
}

async function readings(kind: 'bare' | 'ccr', servers: { child: Child; url: string }[], metricsToken: string, probes: Probe[]) {
  const samples = kind === 'ccr'
    ? await Promise.all(servers.map(async (s) => {
      const res = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
      if (!res.ok) throw new Error(`bench: /metrics answered ${res.status}`);
      return parseSamples(await res.text());
    }))
    : [];
  return {
    samples,
    serverCpu: servers.reduce((a, s) => a + cpuSeconds(s.child.proc.pid!), 0),
    redisCpu: await Promise.all(probes.map(redisCpuSeconds)),
  };
}

async function operatorToken(url: string): Promise<string> {
  const res = await postJson<{ token: string; message?: string }>(`${url}/api/auth/login`, { username: 'operator', password: process.env.CCR_DEMO_PASSWORD || DEMO_PASSWORD });
  if (res.status !== 200) throw new Error(`bench: login as operator failed: ${res.status} ${res.body.message ?? ''}`);
  return res.body.token;
}

// ---- the table ----

const COLUMNS: [string, number][] = [
  ['units', 7], ['nodes', 6], ['server', 16], ['offered/s', 11], ['p50 ms', 8], ['p99 ms', 8], ['max ms', 8], ['delivered', 11],
  ['srv CPU', 9], ['srv/1k', 8], ['Redis CPU', 10], ['Redis/1k', 9], ['busiest', 9], ['clients CPU', 12], ['p50 1st→last', 14], ['loop p99', 10], ['loop max', 10], ['srv p99', 9], ['catch-up', 10], ['repeated', 10],
];
const pct = (v: number, d = 0): string => (Number.isFinite(v) ? `${(v * 100).toFixed(d)} %` : 'n/a');
const num = (v: number | undefined, d = 0): string => (v === undefined ? '-' : Number.isFinite(v) ? v.toFixed(d) : 'n/a');
const ratio = (a: number, b: number): string => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? (a / b).toFixed(2) : 'n/a');
function line(cells: (string | number)[]): string {
  return cells.map((c, i) => (i < 3 ? String(c).padEnd(COLUMNS[i]![1]) : String(c).padStart(COLUMNS[i]![1]))).join('') + '\n';
}
function rowLine(r: Row): string {
  return line([
    r.units, r.nodes, r.kind === 'bare' ? 'bare broadcast' : 'ccr (frames)', num(r.offered), num(r.p50), num(r.p99), num(r.max), pct(r.delivered, 1),
    pct(r.serverCpu), pct(perThousand(r.serverCpu, r.offered), 1), pct(r.redisCpu), pct(perThousand(r.redisCpu, r.offered), 1), pct(r.redisCpuMax), pct(r.clientCpuMax),
    `${num(r.p50First)}→${num(r.p50Last)}`, num(r.loopLagP99, 1), num(r.loopLagMax, 1), num(r.serverTimeP99, 1), num(r.catchUps), r.repeated,
  ]);
}

/** A CPU share per 1,000 positions/s offered: what each 1k/s costs, to size a real deployment from. */
export const perThousand = (cpu: number, offered: number): number => (offered > 0 ? cpu / (offered / 1_000) : NaN);

/** Offered within tolerance of the nominal rate: otherwise the row says nothing about the server. */
export function paced(offered: number, units: number): boolean {
  return Math.abs(offered - units) <= PACING_TOLERANCE * units;
}

/** The budget of shared/DESIGN.md for one row of the real server beside its bare baseline. */
export function verdict(ccr: Row, bare: Row, frameMs: number): { ok: boolean; text: string } {
  if (!paced(ccr.offered, ccr.units) || !paced(bare.offered, bare.units)) {
    return { ok: false, text: `NOT MEASURED: offered ${num(ccr.offered)}/s (ccr) and ${num(bare.offered)}/s (bare) of ${ccr.units}/s nominal (± ${pct(PACING_TOLERANCE)})` };
  }
  const clean = ccr.repeated === 0;
  if (ccr.units <= SMALL_ROW_UNITS) {
    const limit = frameMs + 1.5 * bare.p99;
    const cpu = ccr.serverCpu + ccr.redisCpu;
    const ok = clean && ccr.p99 <= limit && cpu <= SMALL_CPU_BUDGET && ccr.delivered >= 0.999;
    return { ok, text: `${ok ? 'within budget' : 'BUDGET MISSED'}: p99 ${num(ccr.p99)} ms (≤ frame ${frameMs} + 1.5 × bare p99 ${num(bare.p99)} = ${num(limit)}), `
      + `server + Redis CPU ${pct(cpu)} of a core (≤ ${pct(SMALL_CPU_BUDGET)}), delivered ${pct(ccr.delivered, 2)}, repeated ${ccr.repeated}` };
  }
  const ok = clean && ccr.p99 <= LARGE_P99_BUDGET_MS && ccr.delivered >= 0.9999;
  return { ok, text: `${ok ? 'within budget' : 'BUDGET MISSED'}: p99 ${num(ccr.p99)} ms (≤ ${LARGE_P99_BUDGET_MS}), delivered ${pct(ccr.delivered, 2)} (nothing lost), `
    + `event-loop lag max ${num(ccr.loopLagMax, 1)} ms, repeated ${ccr.repeated}` };
}

/** No growing backlog over the window: nothing lost and the last third's median within BACKLOG_MS of the first's. */
export function keepsUp(r: Pick<Row, 'offered' | 'units' | 'delivered' | 'p50First' | 'p50Last' | 'nodes'>): { ok: boolean; text: string } {
  const ok = paced(r.offered, r.units) && r.delivered >= 0.999 && r.p50Last - r.p50First <= BACKLOG_MS;
  return { ok, text: `${ok ? 'keeps up' : 'DOES NOT KEEP UP'} at ${r.units.toLocaleString('en')} units on ${r.nodes} node${r.nodes > 1 ? 's' : ''}: `
    + `delivered ${pct(r.delivered, 2)} (≥ 99.9 %), median latency ${num(r.p50First)} ms in the window's first third, ${num(r.p50Last)} ms in its last (a backlog grows past +${BACKLOG_MS} ms)` };
}

/** The fan-out suite; true when every row is measured and within budget. */
export async function runFanout(opts: FanoutOptions): Promise<boolean> {
  const frameMs = opts.frameMs ?? loadConfig({}).frameIntervalMs;
  const out = (s: string): void => { process.stdout.write(s); };
  const redis = await startRedisBed(opts.cluster ?? false);
  let ok = true;
  try {
    out(`\nfan-out: ${opts.clients} Socket.IO clients in ${opts.clientProcesses} processes, ${opts.seconds} s measured after ${opts.warmup} s warm-up; `
      + `units report at 1 Hz in ${SLOTS_PER_SECOND} slots/s from a producer process of their own; frame interval ${frameMs} ms; `
      + `${redis.cluster ? `a 3-master Redis Cluster (${redis.masters.length} redis-server processes), the servers on REDIS_CLUSTER` : 'one redis-server'}\n`);
    out(`budget (shared/DESIGN.md): ≤ ${SMALL_ROW_UNITS} units — p99 ≤ frame + 1.5 × the bare broadcast's p99, server + Redis ≤ ${pct(SMALL_CPU_BUDGET)} of a core; `
      + `more units — p99 ≤ ${LARGE_P99_BUDGET_MS} ms, nothing lost; a row whose load was not offered within ${pct(PACING_TOLERANCE)} is not measured\n`);
    out('CPU columns: share of one core over the window (server: all its nodes; Redis: all its masters, busiest = the busiest master; clients: the busiest client process); '
      + 'srv/1k, Redis/1k = CPU per 1,000 positions/s offered; p50 1st→last = median latency ms in the window\'s first and last third; loop = event-loop lag ms '
      + '(busiest node); srv p99 = the server\'s own ingest → emit time (ccr_fanout_lag_ms over the window)\n\n');
    out(line(COLUMNS.map(([n]) => n)));
    for (const units of opts.units) {
      const dir = await writeFixtureJurisdiction({ patrolUnits: 0, loadUnits: units });
      for (const nodes of opts.nodes) {
        const bare = await runRow('bare', units, nodes, opts, redis, dir);
        const ccr = await runRow('ccr', units, nodes, opts, redis, dir);
        out(rowLine(bare));
        out(rowLine(ccr));
        out(line(['', '', 'ratio ccr/bare', ratio(ccr.offered, bare.offered), ratio(ccr.p50, bare.p50), ratio(ccr.p99, bare.p99), ratio(ccr.max, bare.max), '',
          ratio(ccr.serverCpu, bare.serverCpu), '', ratio(ccr.redisCpu, bare.redisCpu), ...Array<string>(COLUMNS.length - 11).fill('')]));
        const v = verdict(ccr, bare, frameMs);
        if (!v.ok) ok = false;
        out(`${''.padEnd(13)}${v.text}\n`);
        out(`${''.padEnd(13)}${keepsUp(ccr).text}\n`);
        const busy = Math.max(bare.clientCpuMax, ccr.clientCpuMax);
        if (busy > CLIENT_CPU_WARN) out(`${''.padEnd(13)}note: a client process used ${pct(busy)} of a core — add --client-processes\n`);
        out('\n');
      }
    }
  } finally {
    await redis.dispose();
  }
  return ok;
}
