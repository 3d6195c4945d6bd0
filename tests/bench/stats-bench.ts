// `pnpm bench --suite stats`: the statistics budget of shared/DESIGN.md ("a statistics query over 13 months of
// incidents answers in under 50 ms"), measured against baselines in the same run, at the demo's history and at
// ten times as many incidents a day (issue 12: every figure stays flat as history grows).
//
//   setup     per history size (`--stats-per-day 85,850`): a private Redis; `pnpm seed:history --months 13
//             --per-day N` (the demo start's own seeding, timed) for the demo jurisdiction; then the real server
//             (in-process) on it
//   ccr       GET /api/stats/overview, /api/stats/series (13 months daily by type, and on scene within target weekly
//             by priority), /api/stats/heatmap and /api/stats/community (by month and by week) over HTTP on
//             localhost, one request at a time, as a leader: what a leadership screen waits for
//   baselines a bare Redis PING (the floor of any answer from Redis), and each series and the community figures
//             computed by brute force from the raw records (every incident / case / task in the range read from
//             Redis — by-time index + MGET — and counted in Node): what answering without counters costs
// Budget: p95 under 50 ms for every query at every history size; the last table prints each p95 at the first
// size beside the others, as a ratio.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createClient } from 'redis';
import {
  DEFAULT_RESPONSE_TARGETS, addDays, addMonths, dayStart, localDayOf, localParts, responseIntervals, type CommunityStatsResponse, type CommunityTask, type DisputeCase, type Incident, type StatsHeatmapResponse, type StatsSeriesResponse,
} from '@ccr/shared';
import { INCIDENTS_PER_DAY } from '@ccr/shared/demo';
import { DEMO_JURISDICTION_DIR } from '@ccr/server/jurisdiction';
import { recountDisputes, recountTasks, startRedisServer, startTestServer, tokenFor } from '@ccr/server/testing';
import { REPO_ROOT } from '../e2e/client-build.js';

export interface StatsBenchOptions {
  /** Measured requests per query (after `warmup` unmeasured ones). */
  iterations: number;
  warmup: number;
  /** Months of history to seed (the demo seeds 13). */
  months: number;
  /** History sizes: mean incidents a day seeded (`seed:history --per-day`); the first is the baseline size. */
  perDay: number[];
}

/** The demo's own rate and ten times it. */
export const DEFAULT_STATS_PER_DAY = [Math.round(INCIDENTS_PER_DAY), 10 * Math.round(INCIDENTS_PER_DAY)];

const BUDGET_P95_MS = 50;
const PREFIX = 'bench:';
const TZ = 'Asia/Shanghai';

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

async function measure(n: number, warmup: number, run: () => Promise<unknown>): Promise<{ p50: number; p95: number; max: number }> {
  for (let i = 0; i < warmup; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), p95: quantile(times, 0.95), max: times.at(-1)! };
}

function seed(redisUrl: string, months: number, perDay: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/modules/stats/seed-history.ts', '--months', String(months), '--per-day', String(perDay)], {
      cwd: join(REPO_ROOT, 'server'), env: { ...process.env, REDIS_URL: redisUrl, KEY_PREFIX: PREFIX, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(performance.now() - started);
      else reject(new Error(`seed:history exited ${code}: ${out.slice(-500)}`));
    });
  });
}

/** Every incident reported in [from, to) from the raw records, a thousand at a time. */
async function eachIncident(redis: ReturnType<typeof createClient>, from: number, to: number, visit: (i: Incident) => void): Promise<void> {
  const ids = await redis.zRangeByScore(`${PREFIX}incidents:by-time`, from, `(${to}`);
  for (let i = 0; i < ids.length; i += 1000) {
    const raws = await redis.mGet(ids.slice(i, i + 1000).map((id) => `${PREFIX}incident:${id}`));
    for (const raw of raws) if (raw) visit(JSON.parse(raw) as Incident);
  }
}

/** The baseline: the same series from the raw incidents, no buckets. */
async function bruteSeries(redis: ReturnType<typeof createClient>, from: number, to: number): Promise<Map<string, Map<string, number>>> {
  const out = new Map<string, Map<string, number>>();
  await eachIncident(redis, from, to, (inc) => {
    const day = localDayOf(inc.reportedAt, TZ);
    let byType = out.get(day);
    if (!byType) out.set(day, (byType = new Map()));
    byType.set(inc.type, (byType.get(inc.type) ?? 0) + 1);
  });
  return out;
}

/** The heatmap's baseline: incidents per local weekday and hour from the raw incidents. */
async function bruteHeatmap(redis: ReturnType<typeof createClient>, from: number, to: number): Promise<number[][]> {
  const cells = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
  await eachIncident(redis, from, to, (inc) => {
    const p = localParts(inc.reportedAt, TZ);
    cells[p.weekday]![p.hour]!++;
  });
  return cells;
}

/** The baseline of the within-target series: incidents on scene within their priority's target (the seeding's
 *  1-3-5 defaults), per week starting on `weekStarts` and per priority, from the raw incidents. */
async function bruteWithin(redis: ReturnType<typeof createClient>, weekStarts: readonly number[], to: number): Promise<number[][]> {
  const out = [1, 2, 3].map(() => weekStarts.map(() => 0));
  await eachIncident(redis, weekStarts[0]!, to, (inc) => {
    const ms = responseIntervals(inc).on_scene;
    if (ms === undefined || ms > DEFAULT_RESPONSE_TARGETS[inc.priority].onSceneMs) return;
    let w = weekStarts.length - 1;
    while (weekStarts[w]! > inc.reportedAt) w--;
    out[inc.priority - 1]![w]!++;
  });
  return out;
}

const fmt = (r: { p50: number; p95: number; max: number }): string =>
  `p50 ${r.p50.toFixed(2).padStart(7)} ms   p95 ${r.p95.toFixed(2).padStart(7)} ms   max ${r.max.toFixed(2).padStart(7)} ms`;

/** The community baseline: the range's figures recounted from the raw cases and tasks, no counters. */
async function bruteCommunity(redis: ReturnType<typeof createClient>, from: number, to: number): Promise<{ successRate: number | null; completionRate: number | null }> {
  const read = async <T>(index: string, doc: string): Promise<T[]> => {
    const ids = await redis.zRangeByScore(`${PREFIX}community:${index}`, from, `(${to}`);
    const out: T[] = [];
    for (let i = 0; i < ids.length; i += 1000) {
      for (const raw of await redis.mGet(ids.slice(i, i + 1000).map((id) => `${PREFIX}community:${doc}:${id}`))) if (raw) out.push(JSON.parse(raw) as T);
    }
    return out;
  };
  const [cases, tasks] = await Promise.all([read<DisputeCase>('disputes:by-time', 'dispute'), read<CommunityTask>('tasks:by-due', 'task')]);
  return { successRate: recountDisputes(cases).successRate, completionRate: recountTasks(tasks).completionRate };
}

type Timing = { p50: number; p95: number; max: number };
/** One history size's figures: each query's timing and its baseline's. */
interface SizeResult { perDay: number; incidents: number; seedMs: number; rows: Map<string, { r: Timing; baseline: Timing }> }

const QUERIES = [
  'GET /api/stats/overview',
  'GET /api/stats/overview of last month\'s last day (a whole month)',
  'GET /api/stats/series 13 months daily by type',
  'GET /api/stats/series on scene within target, weekly by priority',
  'GET /api/stats/heatmap 13 months',
  'GET /api/stats/community 13 months by month',
  'GET /api/stats/community 13 months by week',
] as const;

/** True when every query is within budget at every history size. */
export async function runStatsBench(opts: StatsBenchOptions): Promise<boolean> {
  const sizes: SizeResult[] = [];
  for (const perDay of opts.perDay) sizes.push(await benchHistory(opts, perDay, perDay / opts.perDay[0]!));
  const base = sizes[0]!;
  const head = sizes.map((x) => `${(x.perDay / base.perDay).toFixed(0)}× (${x.incidents})`.padStart(28)).join('');
  process.stdout.write(`stats p95 by history size (incidents seeded over ${opts.months} months), each as a share of its baseline's p95 in the same\n` +
    `run (brute force; PING for the overview); growth = p95 at the largest size ÷ at the first; budget < ${BUDGET_P95_MS} ms each:\n`);
  process.stdout.write(`  ${'query'.padEnd(64)}${head}  growth   budget\n`);
  let within = true;
  for (const q of QUERIES) {
    const rows = sizes.map((x) => x.rows.get(q)!);
    const p95s = rows.map((x) => x.r.p95);
    const ok = p95s.every((v) => v < BUDGET_P95_MS);
    within &&= ok;
    const cells = rows.map((x) => `${x.r.p95.toFixed(1)} ms (${(x.r.p95 / x.baseline.p95).toFixed(3)}×)`.padStart(28)).join('');
    process.stdout.write(`  ${q.padEnd(64)}${cells}  ${(p95s.at(-1)! / p95s[0]!).toFixed(2).padStart(6)}   ${ok ? 'within' : 'MISSED'}\n`);
  }
  process.stdout.write(`  ${within ? 'within budget at every size' : 'BUDGET MISSED'} (seeding: ${sizes.map((x) => `${(x.seedMs / 1000).toFixed(1)} s`).join(' / ')})\n\n`);
  return within;
}

async function benchHistory(opts: StatsBenchOptions, perDay: number, scale: number): Promise<SizeResult> {
  const redis = await startRedisServer();
  const client = createClient({ url: redis.url });
  await client.connect();
  let server: Awaited<ReturnType<typeof startTestServer>> | undefined;
  try {
    process.stdout.write(`\nstats: seeding ${opts.months} months of history, ${perDay} incidents a day (pnpm seed:history, as the demo start does)…\n`);
    const seedMs = await seed(redis.url, opts.months, perDay);
    const incidents = await client.zCard(`${PREFIX}incidents:by-time`);
    process.stdout.write(`stats: ${incidents} incidents with lifecycles and ${opts.months} months of patrol presence seeded in ${(seedMs / 1000).toFixed(1)} s (incl. tsx start-up)\n`);

    server = await startTestServer({
      redisUrl: redis.url, jurisdictionDir: DEMO_JURISDICTION_DIR, keyPrefix: PREFIX, timeZone: TZ, auth: { rateLimitPerMinute: 1_000_000 },
    });
    const token = await tokenFor(server, 'leader');
    const url = server.url;
    const get = async (path: string): Promise<unknown> => {
      const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json();
    };
    const today = localDayOf(Date.now(), TZ);
    const from = addMonths(today, -13);
    const to = addDays(today, 1);
    const [fromMs, toMs] = [dayStart(from, TZ), dayStart(to, TZ)];
    const seriesPath = `/api/stats/series?metric=incidents&interval=day&groupBy=type&from=${from}&to=${to}`;
    const withinPath = `/api/stats/series?metric=on_scene_within_target&interval=week&groupBy=priority&from=${from}&to=${to}`;
    // Each baseline must compute the same thing: checked once before timing it.
    const series = (await get(seriesPath)) as StatsSeriesResponse;
    const brute = await bruteSeries(client, fromMs, toMs);
    for (const s of series.series) {
      series.buckets.forEach((b, i) => {
        if ((brute.get(b.key)?.get(s.key) ?? 0) !== s.values[i]) throw new Error(`series and brute force disagree on ${b.key} ${s.key}`);
      });
    }
    const withinSeries = (await get(withinPath)) as StatsSeriesResponse;
    const weekStarts = withinSeries.buckets.map((b) => b.start);
    if (JSON.stringify(withinSeries.series.map((x) => x.values)) !== JSON.stringify(await bruteWithin(client, weekStarts, toMs))) {
      throw new Error('the within-target series and its brute-force recount disagree');
    }

    const heatmapPath = `/api/stats/heatmap?from=${from}&to=${to}`;
    const cells = ((await get(heatmapPath)) as StatsHeatmapResponse).cells;
    if (JSON.stringify(cells) !== JSON.stringify(await bruteHeatmap(client, fromMs, toMs))) throw new Error('the heatmap and its brute-force recount disagree');

    const { iterations: n, warmup } = opts;
    // Brute force reads every raw record in the range: fewer rounds at larger sizes keep the run to minutes.
    const bruteN = Math.max(5, Math.floor(n / 10 / scale));
    const ping = await measure(n, warmup, () => client.ping());
    const overview = await measure(n, warmup, () => get('/api/stats/overview'));
    // The month to date at its longest: the previous month's last day.
    const wholeMonth = await measure(n, warmup, () => get(`/api/stats/overview?date=${addDays(`${today.slice(0, 8)}01`, -1)}`));
    const daily = await measure(n, warmup, () => get(seriesPath));
    const heatmap = await measure(n, warmup, () => get(heatmapPath));
    const response = await measure(n, warmup, () => get(withinPath));
    const baseline = await measure(bruteN, 2, () => bruteSeries(client, fromMs, toMs));
    const withinBaseline = await measure(bruteN, 2, () => bruteWithin(client, weekStarts, toMs));
    const heatmapBaseline = await measure(bruteN, 2, () => bruteHeatmap(client, fromMs, toMs));
    // The community loops' figures over the same 13 months (cases and tasks seeded with the incidents), checked once
    // against their recount from the raw records, then timed beside it.
    const communityPath = `/api/stats/community?from=${from}&to=${to}&interval=month`;
    const cm = (await get(communityPath)) as CommunityStatsResponse;
    const bruteCm = await bruteCommunity(client, fromMs, toMs);
    if (cm.current.disputes.successRate !== bruteCm.successRate || cm.current.tasks.completionRate !== bruteCm.completionRate) {
      throw new Error(`community figures and their recount disagree: ${JSON.stringify([cm.current.disputes.successRate, cm.current.tasks.completionRate, bruteCm])}`);
    }
    const community = await measure(n, warmup, () => get(communityPath));
    const communityWeekly = await measure(n, warmup, () => get(`/api/stats/community?from=${from}&to=${to}&interval=week`));
    const communityBrute = await measure(bruteN, 2, () => bruteCommunity(client, fromMs, toMs));

    const line = (name: string, r: Timing, extra = ''): void => {
      process.stdout.write(`  ${name.padEnd(64)} ${fmt(r)}${extra}\n`);
    };
    const vs = (r: Timing, b: Timing): string => `   ${(r.p95 / b.p95).toFixed(3)}× brute force (${(b.p95 / r.p95).toFixed(0)}× faster)`;
    process.stdout.write(`\nstats suite, ${perDay} a day: ${incidents} incidents over ${series.buckets.length} days, ${n} requests each (brute force ${bruteN}), one at a time over HTTP\n`);
    line('baseline: bare Redis PING', ping);
    line('baseline: daily series by type, brute force', baseline);
    line('baseline: on scene within target weekly by priority, brute force', withinBaseline);
    line('baseline: heatmap, brute force', heatmapBaseline);
    line(QUERIES[0], overview, `   ${(overview.p95 / ping.p95).toFixed(0)}× PING p95`);
    line(QUERIES[1], wholeMonth, `   ${(wholeMonth.p95 / ping.p95).toFixed(0)}× PING p95`);
    line(QUERIES[2], daily, vs(daily, baseline));
    line(QUERIES[3], response, vs(response, withinBaseline));
    line(QUERIES[4], heatmap, vs(heatmap, heatmapBaseline));
    process.stdout.write(`community: ${cm.current.disputes.cases} dispute cases, ${cm.current.tasks.due} tasks due in the same range\n`);
    line('baseline: community figures, brute force', communityBrute);
    line(QUERIES[5], community, vs(community, communityBrute));
    line(QUERIES[6], communityWeekly, vs(communityWeekly, communityBrute));
    process.stdout.write('\n');
    const rows: SizeResult['rows'] = new Map([
      [QUERIES[0], { r: overview, baseline: ping }],
      [QUERIES[1], { r: wholeMonth, baseline: ping }],
      [QUERIES[2], { r: daily, baseline }],
      [QUERIES[3], { r: response, baseline: withinBaseline }],
      [QUERIES[4], { r: heatmap, baseline: heatmapBaseline }],
      [QUERIES[5], { r: community, baseline: communityBrute }],
      [QUERIES[6], { r: communityWeekly, baseline: communityBrute }],
    ]);
    return { perDay, incidents, seedMs, rows };
  } finally {
    await server?.close();
    await client.close();
    await redis.dispose();
  }
}
