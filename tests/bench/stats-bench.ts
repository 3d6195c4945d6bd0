// `pnpm bench --suite stats`: the statistics budget of shared/DESIGN.md ("a statistics query over 13 months of
// incidents answers in under 50 ms"), measured against baselines in the same run.
//
//   setup     a private Redis; `pnpm seed:history --months 13` (the demo start's own seeding, timed) for the demo
//             jurisdiction; then the real server (in-process) on it
//   ccr       GET /api/stats/overview and GET /api/stats/series (13 months, daily, by type) over HTTP on localhost,
//             one request at a time, as a leader: what a leadership screen waits for
//   baselines a bare Redis PING (the floor of any answer from Redis), and the same 13-month daily series by type
//             computed by brute force from the raw incidents (every incident reported in the range read from
//             Redis — by-time index + MGET — and counted in Node): what answering without buckets costs
// Budget: p95 under 50 ms for the overview, the series and the community figures (GET /api/stats/community over
// the same 13 months, by month and by week, against their brute-force recount from the raw cases and tasks).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createClient } from 'redis';
import { addDays, addMonths, dayStart, localDayOf, type CommunityStatsResponse, type CommunityTask, type DisputeCase, type Incident, type StatsSeriesResponse } from '@ccr/shared';
import { DEMO_JURISDICTION_DIR } from '@ccr/server/jurisdiction';
import { recountDisputes, recountTasks, startRedisServer, startTestServer, tokenFor } from '@ccr/server/testing';
import { REPO_ROOT } from '../e2e/client-build.js';

export interface StatsBenchOptions {
  /** Measured requests per query (after `warmup` unmeasured ones). */
  iterations: number;
  warmup: number;
  /** Months of history to seed (the demo seeds 13). */
  months: number;
}

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

function seed(redisUrl: string, months: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/modules/stats/seed-history.ts', '--months', String(months)], {
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

/** The baseline: the same series from the raw incidents, no buckets. */
async function bruteSeries(redis: ReturnType<typeof createClient>, from: number, to: number): Promise<Map<string, Map<string, number>>> {
  const ids = await redis.zRangeByScore(`${PREFIX}incidents:by-time`, from, `(${to}`);
  const out = new Map<string, Map<string, number>>();
  for (let i = 0; i < ids.length; i += 1000) {
    const raws = await redis.mGet(ids.slice(i, i + 1000).map((id) => `${PREFIX}incident:${id}`));
    for (const raw of raws) {
      if (!raw) continue;
      const inc = JSON.parse(raw) as Incident;
      const day = localDayOf(inc.reportedAt, TZ);
      let byType = out.get(day);
      if (!byType) out.set(day, (byType = new Map()));
      byType.set(inc.type, (byType.get(inc.type) ?? 0) + 1);
    }
  }
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

/** True when the overview and the series are within budget. */
export async function runStatsBench(opts: StatsBenchOptions): Promise<boolean> {
  const redis = await startRedisServer();
  const client = createClient({ url: redis.url });
  await client.connect();
  let server: Awaited<ReturnType<typeof startTestServer>> | undefined;
  try {
    process.stdout.write(`\nstats: seeding ${opts.months} months of history (pnpm seed:history, as the demo start does)…\n`);
    const seedMs = await seed(redis.url, opts.months);
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
    const seriesPath = `/api/stats/series?metric=incidents&interval=day&groupBy=type&from=${from}&to=${to}`;
    const series = (await get(seriesPath)) as StatsSeriesResponse;
    // The baseline must compute the same thing: check it once before timing it.
    const brute = await bruteSeries(client, dayStart(from, TZ), dayStart(to, TZ));
    for (const s of series.series) {
      series.buckets.forEach((b, i) => {
        if ((brute.get(b.key)?.get(s.key) ?? 0) !== s.values[i]) throw new Error(`series and brute force disagree on ${b.key} ${s.key}`);
      });
    }

    const { iterations: n, warmup } = opts;
    const ping = await measure(n, warmup, () => client.ping());
    const overview = await measure(n, warmup, () => get('/api/stats/overview'));
    const daily = await measure(n, warmup, () => get(seriesPath));
    const heatmap = await measure(n, warmup, () => get(`/api/stats/heatmap?from=${from}&to=${to}`));
    const response = await measure(n, warmup, () => get(`/api/stats/series?metric=on_scene_within_target&interval=week&groupBy=priority&from=${from}&to=${to}`));
    const bruteN = Math.max(5, Math.floor(n / 10));
    const baseline = await measure(bruteN, 2, () => bruteSeries(client, dayStart(from, TZ), dayStart(to, TZ)));
    // The community loops' figures over the same 13 months (cases and tasks seeded with the incidents), checked once
    // against their recount from the raw records, then timed beside it.
    const communityPath = `/api/stats/community?from=${from}&to=${to}&interval=month`;
    const cm = (await get(communityPath)) as CommunityStatsResponse;
    const bruteCm = await bruteCommunity(client, dayStart(from, TZ), dayStart(to, TZ));
    if (cm.current.disputes.successRate !== bruteCm.successRate || cm.current.tasks.completionRate !== bruteCm.completionRate) {
      throw new Error(`community figures and their recount disagree: ${JSON.stringify([cm.current.disputes.successRate, cm.current.tasks.completionRate, bruteCm])}`);
    }
    const community = await measure(n, warmup, () => get(communityPath));
    const communityWeekly = await measure(n, warmup, () => get(`/api/stats/community?from=${from}&to=${to}&interval=week`));
    const communityBrute = await measure(bruteN, 2, () => bruteCommunity(client, dayStart(from, TZ), dayStart(to, TZ)));

    const line = (name: string, r: { p50: number; p95: number; max: number }, extra = ''): void => {
      process.stdout.write(`  ${name.padEnd(46)} ${fmt(r)}${extra}\n`);
    };
    process.stdout.write(`\nstats suite: ${incidents} incidents over ${series.buckets.length} days, ${n} requests each (brute force ${bruteN}), one at a time over HTTP\n`);
    line('baseline: bare Redis PING', ping);
    line('baseline: daily series by type, brute force', baseline);
    line('GET /api/stats/overview', overview, `   ${(overview.p95 / ping.p95).toFixed(0)}× PING p95`);
    line('GET /api/stats/series 13 months daily by type', daily, `   ${(daily.p95 / baseline.p95).toFixed(3)}× brute force (${(baseline.p95 / daily.p95).toFixed(0)}× faster)`);
    line('GET /api/stats/heatmap 13 months', heatmap);
    line('GET /api/stats/series on-scene within target', response, '   (weekly by priority, from histograms)');
    process.stdout.write(`community: ${cm.current.disputes.cases} dispute cases, ${cm.current.tasks.due} tasks due in the same range\n`);
    line('baseline: community figures, brute force', communityBrute);
    line('GET /api/stats/community 13 months by month', community, `   ${(community.p95 / communityBrute.p95).toFixed(3)}× brute force (${(communityBrute.p95 / community.p95).toFixed(0)}× faster)`);
    line('GET /api/stats/community 13 months by week', communityWeekly);
    const within = overview.p95 < BUDGET_P95_MS && daily.p95 < BUDGET_P95_MS && community.p95 < BUDGET_P95_MS && communityWeekly.p95 < BUDGET_P95_MS;
    process.stdout.write(`  ${within ? 'within budget' : 'BUDGET MISSED'}: p95 overview ${overview.p95.toFixed(1)} ms, series ${daily.p95.toFixed(1)} ms, community ${community.p95.toFixed(1)} / ${communityWeekly.p95.toFixed(1)} ms (< ${BUDGET_P95_MS} ms)\n\n`);
    return within;
  } finally {
    await server?.close();
    await client.close();
    await redis.dispose();
  }
}
