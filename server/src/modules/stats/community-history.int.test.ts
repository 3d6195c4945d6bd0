// The community loops' history (pnpm seed:history) against a real redis-server: written through the community
// plans and commit, with believable rates, figures that equal a recount of what was written, and a second run
// that changes nothing.
import { describe, expect, it } from 'vitest';
import { addDays, localDayOf, weekOf, type CommunityStatsResponse, type CommunityTask, type DisputeCase } from '@ccr/shared';
import { useTestbed, type TestServer } from '../../testing/index.js';
import { loadJurisdiction } from '../jurisdiction/index.js';
import { pick, recountDisputes, recountTasks } from '../community/community-recount.js';
import { seedHistory } from './stats-history.js';

const bed = useTestbed('ch');

async function get<T>(s: TestServer, path: string): Promise<T> {
  const res = await bed.fetch(s, path, {}, 'community');
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}
async function all<T>(s: TestServer, path: string): Promise<T[]> {
  const out: T[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await get<{ total: number; items: T[] }>(s, `${path}&limit=1000&offset=${offset}`);
    out.push(...page.items);
    if (out.length >= page.total) return out;
  }
}
/** Every community key and value but the id counters: equal before and after means nothing changed. */
async function footprint(prefix: string): Promise<string> {
  const keys = (await bed.producer.keys(`${prefix}community:*`)).filter((k) => !k.includes(':seq:')).sort();
  const values = await Promise.all(keys.map(async (k) => {
    const type = await bed.producer.type(k);
    if (type === 'string') return bed.producer.get(k);
    if (type === 'hash') return JSON.stringify(await bed.producer.hGetAll(k));
    if (type === 'set') return JSON.stringify((await bed.producer.sMembers(k)).sort());
    return JSON.stringify(await bed.producer.zRangeWithScores(k, 0, -1));
  }));
  return JSON.stringify([keys, values]);
}

describe('community history', () => {
  it('writes cases and tasks with believable rates through the commit; figures equal the recount; a rerun changes nothing', async () => {
    const tz = 'Asia/Shanghai';
    const s = await bed.server({ auth: { rateLimitPerMinute: 100_000 } });
    const j = await loadJurisdiction(bed.jurisdictionDir);
    const today = localDayOf(Date.now(), tz);
    const community = { repo: s.app.community.repo, ctx: s.app.community.context };
    const opts = { jurisdiction: j, timeZone: tz, months: 13, startDay: addDays(today, -75), incidentsPerDay: 60, presence: false, includeToday: true, community };
    // One `now` for both runs: a planned step falling between them would (rightly) be taken by the second.
    const now = Date.now();
    const r = await seedHistory(s.app.live.repo, s.app.stats.repo, opts, now);
    expect(r.community).toMatchObject({ refusedSteps: 0 });
    expect(r.community!.cases).toBeGreaterThan(150);
    expect(r.community!.tasksWritten).toBe(r.community!.tasks);

    const from = addDays(today, -75);
    const to = addDays(today, 1);
    const stats = await get<CommunityStatsResponse>(s, `/api/stats/community?from=${from}&to=${to}&interval=week`);
    const d = stats.current.disputes;
    const t = stats.current.tasks;
    // The articles' order of magnitude: most mediations succeed, most at tier 1, tasks done on time nearly always.
    expect(d.successRate).toBeGreaterThan(0.85);
    expect(d.successRate).toBeLessThan(0.99);
    expect(d.tier1Share).toBeGreaterThan(0.55);
    expect(d.satisfaction.rate).toBeGreaterThan(0.9);
    expect(t.completionRate).toBeGreaterThan(0.9);
    expect(t.completionRate).toBeLessThan(0.999);
    expect(d.lateStages.route + d.lateStages.session + d.lateStages.followup).toBeGreaterThan(0);

    const cases = await all<DisputeCase>(s, `/api/disputes?from=${from}&to=${to}`);
    const tasks = await all<CommunityTask>(s, `/api/tasks?from=${from}&to=${to}`);
    expect(pick(d, Object.keys(recountDisputes(cases)))).toEqual(recountDisputes(cases));
    expect(pick(t, Object.keys(recountTasks(tasks)))).toEqual(recountTasks(tasks));
    // Week counters (moved in the same commit as the day's) equal the recount of each whole week's raw records, and
    // a weekly trend reads one week hash a point.
    const mondays = stats.buckets.map((b) => b.key).filter((k) => weekOf(k) === k && k >= from && addDays(k, 6) < to).slice(0, 6);
    expect(mondays.length).toBe(6);
    for (const monday of mondays) {
      const end = addDays(monday, 7);
      const w = await get<CommunityStatsResponse>(s, `/api/stats/community?from=${monday}&to=${end}&interval=day`);
      const wc = cases.filter((c) => { const day = localDayOf(c.createdAt, tz); return day >= monday && day < end; });
      const wt = tasks.filter((x) => { const day = localDayOf(x.dueAt, tz); return day >= monday && day < end; });
      expect(pick(w.current.disputes, Object.keys(recountDisputes(wc))), monday).toEqual(recountDisputes(wc));
      expect(pick(w.current.tasks, Object.keys(recountTasks(wt))), monday).toEqual(recountTasks(wt));
      const key = `${s.prefix}community:disputes:week:${monday}`;
      expect(Number(await bed.producer.hGet(key, 'd') ?? 0), monday).toBe(wc.length);
    }
    // Counters stored before weeks were kept (no week hashes, nothing marked built): the first read rebuilds the
    // weeks it needs from their days, once, and every figure is the same.
    const weekly = await get<CommunityStatsResponse>(s, `/api/stats/community?from=${from}&to=${to}&interval=week`);
    const weekKeys = await bed.producer.keys(`${s.prefix}community:*:week:*`);
    expect(weekKeys.length).toBeGreaterThan(20);
    await bed.producer.del([...weekKeys, `${s.prefix}community:weeks-built`]);
    await bed.producer.scriptFlush();
    const strip = ({ overdueNow: _, ...rest }: CommunityStatsResponse) => rest;
    expect(strip(await get<CommunityStatsResponse>(s, `/api/stats/community?from=${from}&to=${to}&interval=week`))).toEqual(strip(weekly));
    const rebuilt = await bed.producer.keys(`${s.prefix}community:*:week:*`);
    expect(rebuilt.length).toBeGreaterThan(0);
    const built = JSON.stringify(await Promise.all(rebuilt.sort().map((k) => bed.producer.hGetAll(k))));
    expect(strip(await get<CommunityStatsResponse>(s, `/api/stats/community?from=${from}&to=${to}&interval=week`))).toEqual(strip(weekly));
    expect(JSON.stringify(await Promise.all(rebuilt.sort().map((k) => bed.producer.hGetAll(k))))).toBe(built);

    // Cases from dispute incidents are linked both ways; recent ones are still open, as they would be.
    const linked = cases.filter((c) => c.source === 'incident');
    expect(linked.length).toBeGreaterThan(50);
    const incident = (await (await bed.fetch(s, `/api/incidents/${linked[0]!.incidentIds[0]}`)).json()) as { disputeCaseId?: string };
    expect(incident.disputeCaseId).toBe(linked[0]!.id);
    expect(cases.some((c) => c.status !== 'closed')).toBe(true);
    expect(await bed.producer.zCard(`${s.prefix}community:notices:pending`)).toBe(0);

    const before = await footprint(s.prefix);
    const again = await seedHistory(s.app.live.repo, s.app.stats.repo, opts, now);
    expect(again.community).toMatchObject({ casesWritten: 0, tasksWritten: 0 });
    expect(await footprint(s.prefix)).toBe(before);
  }, 120_000);
});
