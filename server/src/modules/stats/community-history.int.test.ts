// The community loops' history (pnpm seed:history) against a real redis-server: written through the community
// plans and commit, with believable rates, figures that equal a recount of what was written, and a second run
// that changes nothing.
import { describe, expect, it } from 'vitest';
import { addDays, localDayOf, type CommunityStatsResponse, type CommunityTask, type DisputeCase } from '@ccr/shared';
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
