// GET /api/stats/community against a real redis-server: every figure of the range, of its 同比 and 环比 periods and
// of each trend bucket equals a brute-force recount of the raw cases and tasks (GET /api/disputes, GET /api/tasks),
// whether the counters are read from whole months' hashes or from loose days, across local midnights and with
// reopened cases.
import { describe, expect, it } from 'vitest';
import {
  addDays, addMonths, dayStart, localDayOf, parseDayKey,
  type CommunityStatsResponse, type CommunityTask, type DisputeCase,
} from '@ccr/shared';
import { daysInMonth } from '@ccr/shared';
import { createRng } from '@ccr/shared/demo';
import { fixtureGridCentre, useTestbed, type TestServer } from '../../testing/index.js';
import { pick, recountDisputes, recountTasks } from './community-recount.js';
import {
  planAccept, planClose, planFeedback, planFollowup, planOpenDispute, planOrder, planReopen, planReview, planRoute, planSession, recipientsOf,
} from './community-service.js';

const bed = useTestbed('cs');
const [lng, lat] = fixtureGridCentre(0, 0);
const H = 3_600_000;
let seq = 0;
const cmd = (): string => `cs-${Date.now().toString(36)}-${++seq}`;

async function get<T>(s: TestServer, path: string, expected = 200): Promise<T> {
  const res = await bed.fetch(s, path, {}, 'community');
  expect(res.status, `${path} ${res.status}`).toBe(expected);
  return (await res.json()) as T;
}
async function all<T>(s: TestServer, path: string): Promise<T[]> {
  const out: T[] = [];
  for (let offset = 0; ; offset += 200) {
    const page = await get<{ total: number; items: T[] }>(s, `${path}&limit=200&offset=${offset}`);
    out.push(...page.items);
    if (out.length >= page.total) return out;
  }
}
const lastOfMonth = (day: string): string => { const { year, month } = parseDayKey(day); return `${day.slice(0, 8)}${String(daysInMonth(year, month)).padStart(2, '0')}`; };

describe('GET /api/stats/community', () => {
  it('equals a brute-force recount of the raw records: the range, 同比, 环比 and every trend bucket, from months or days', async () => {
    const s = await bed.server();
    const { commands, repo, context } = s.app.community;
    const tz = s.app.live.timeZone;
    const rng = createRng(0x5_7a75);
    const today = localDayOf(Date.now(), tz);
    // Month M three months back (all in the past), the days either side of it, and the same month a year earlier.
    const m = addMonths(`${today.slice(0, 8)}01`, -3);
    const mEnd = lastOfMonth(m);
    const days = [
      addDays(m, -1), m, addDays(m, 14), mEnd, addDays(mEnd, 1), addDays(mEnd, 2),
      addMonths(m, -12), addMonths(addDays(m, 9), -12), addDays(m, -20),
    ];
    const moment = (day: string): number => {
      const d = dayStart(day, tz);
      // Many within an hour of a local midnight.
      return rng.chance(0.5) ? d + (rng.chance(0.5) ? rng.int(0, H - 1) : 24 * H - rng.int(1, H)) : d + rng.int(0, 24 * H - 1);
    };
    const run = (at: number, disputeIds: string[], taskIds: string[], plan: Parameters<typeof commands.run>[0]['plan']) =>
      commands.run({ command: { id: cmd(), bodyHash: 'h' }, actor: { by: 'community', at }, disputeIds, taskIds, plan });

    for (let i = 0; i < 60; i++) {
      let at = moment(days[i % days.length]!);
      const [id] = await repo.nextIds('MD', localDayOf(at, tz), 1);
      const opened = await run(at, [], [], (input) => planOpenDispute(context, input, id!, {
        commandId: 'x'.repeat(8), source: 'walk_in', category: rng.pick(['neighbour', 'family', 'labour', 'business', 'land_property', 'other'] as const),
        parties: [{ name: `当事人${i}` }], lng, lat, gridId: rng.pick(['G1', 'G2', 'G3', 'G4']), riskLevel: rng.pick(['low', 'medium', 'high'] as const),
        mayEscalate: rng.chance(0.2), summary: '纠纷',
      }, { incident: async () => null, repeatsOf: async () => ({ ids: [], fingerprints: [] }) }));
      expect(opened.ok).toBe(true);
      // Minutes to days between steps, so every stage-time bin width is used.
      const step = async (plan: Parameters<typeof commands.run>[0]['plan']): Promise<boolean> => {
        at += rng.chance(0.3) ? rng.int(1, 119) * 60_000 : rng.int(2, 60) * H + rng.int(0, 59) * 60_000;
        return (await run(at, [id!], [], plan)).ok;
      };
      if (rng.chance(0.1)) continue;
      await step((input) => planRoute(context, input, id!, { commandId: 'x', tier: rng.pick([1, 1, 1, 2, 3] as const), owner: { name: '民警' } }));
      for (let k = 0; k < 3; k++) {
        const result = rng.pick(['success', 'success', 'success', 'failed', 'escalate'] as const);
        const ok = await step((input) => planSession(context, input, id!, { commandId: 'x', participants: ['a'], result }));
        if (ok && result === 'escalate') await step((input) => planRoute(context, input, id!, { commandId: 'x', tier: 3, owner: { name: '调解中心' } }));
        if (ok && result === 'success') break;
      }
      // Every fifth case recurs at its 回访 (reopened) and is mediated again.
      const recurs = i % 5 === 0;
      if (rng.chance(0.9) || recurs) await step((input) => planFollowup(context, input, id!, { commandId: 'x', satisfaction: rng.pick(['satisfied', 'satisfied', 'basic', 'dissatisfied'] as const), recurred: recurs }));
      if (recurs) {
        await step((input) => planRoute(context, input, id!, { commandId: 'x', tier: 2, owner: { name: '社区警务队' } }));
        await step((input) => planSession(context, input, id!, { commandId: 'x', participants: ['a'], result: rng.pick(['success', 'failed'] as const) }));
      }
      if (rng.chance(0.7)) await step((input) => planClose(context, input, id!, rng.chance(0.3) ? '当事人撤回' : undefined));
      if (rng.chance(0.1)) await step((input) => planReopen(context, input, id!, '再次发生'));
    }
    for (let i = 0; i < 50; i++) {
      const dueAt = moment(days[i % days.length]!);
      const orderedAt = dueAt - rng.int(2, 48) * H;
      const to = recipientsOf(context, { kind: 'unit', unitId: rng.pick(['C-1', 'C-2', 'C-3', 'P-01']) });
      if (!to.ok) throw new Error('recipients');
      const ids = await repo.nextIds('RW', localDayOf(orderedAt, tz), 1);
      const category = rng.pick(['visit', 'hazard', 'patrol'] as const);
      const kind = { visit: 'household_visit', hazard: 'fire_hazard', patrol: 'place_patrol' }[category];
      await run(orderedAt, [], [], (input) => planOrder(input, { commandId: 'x', target: { kind: 'unit', unitId: to.units[0]!.id }, category, kind, instructions: '任务', dueAt, requires: { text: true, count: false, location: false } }, to.units, ids, `B-${ids[0]}`));
      const id = ids[0]!;
      let at = orderedAt;
      // Feedback before the due time mostly, some after it (late).
      const step = (plan: Parameters<typeof commands.run>[0]['plan']) => { at += rng.int(1, 20) * H; return run(at, [], [id], plan); };
      if (rng.chance(0.1)) continue;
      await step((input) => planAccept(input, id, undefined));
      for (let k = 0; k < 3; k++) {
        await step((input) => planFeedback(input, id, undefined, { text: '完成' }));
        const verdict = rng.chance(0.8) ? 'accepted' : 'returned';
        await step((input) => planReview(input, id, verdict, verdict === 'returned' ? '返工' : undefined));
        if (verdict === 'accepted') break;
      }
    }

    const check = async (period: { from: string; to: string; disputes: object; tasks: object }, what: string): Promise<number> => {
      const end = addDays(period.to, 1);
      const cases = await all<DisputeCase>(s, `/api/disputes?from=${period.from}&to=${end}`);
      const tasks = await all<CommunityTask>(s, `/api/tasks?from=${period.from}&to=${end}`);
      const rd = recountDisputes(cases);
      const rt = recountTasks(tasks);
      expect(pick(period.disputes, Object.keys(rd)), `${what} ${period.from}..${period.to}`).toEqual(rd);
      expect(pick(period.tasks, Object.keys(rt)), `${what} ${period.from}..${period.to}`).toEqual(rt);
      return cases.length + tasks.length;
    };
    const ranges: { from: string; to: string; interval: 'day' | 'week' | 'month' }[] = [
      { from: m, to: addDays(mEnd, 1), interval: 'month' }, // one whole month: its hash, 同比 and 环比 whole months too
      { from: addMonths(m, -12), to: addDays(mEnd, 3), interval: 'month' }, // 13 months and loose days
      { from: addDays(m, -1), to: addDays(mEnd, 3), interval: 'week' },
      { from: mEnd, to: addDays(mEnd, 1), interval: 'day' }, // one day, at a month's end
    ];
    for (let r = 0; r < 4; r++) {
      const a = rng.int(0, 5);
      const b = rng.int(a, 5);
      const sorted = [...days.slice(0, 6)].sort();
      ranges.push({ from: sorted[a]!, to: addDays(sorted[b]!, 1), interval: 'day' });
    }
    let checked = 0;
    for (const q of ranges) {
      const res = await get<CommunityStatsResponse>(s, `/api/stats/community?from=${q.from}&to=${q.to}&interval=${q.interval}`);
      const what = `${q.from}..${q.to} by ${q.interval}`;
      expect(res.current.from, what).toBe(q.from);
      checked += await check(res.current, `${what}: current`);
      await check(res.yoy, `${what}: 同比`);
      await check(res.mom, `${what}: 环比`);
      // Each trend bucket is the recount of its own days.
      const success = res.series.find((x) => x.key === 'successRate')!.values;
      const completion = res.series.find((x) => x.key === 'completionRate')!.values;
      for (let b = 0; b < res.buckets.length; b++) {
        const bucket = res.buckets[b]!;
        const from = localDayOf(bucket.start, tz);
        const to = localDayOf(bucket.end, tz);
        const cases = await all<DisputeCase>(s, `/api/disputes?from=${from}&to=${to}`);
        const tasks = await all<CommunityTask>(s, `/api/tasks?from=${from}&to=${to}`);
        expect([success[b], completion[b]], `${what}: bucket ${bucket.key}`).toEqual([recountDisputes(cases).successRate, recountTasks(tasks).completionRate]);
      }
      const kpi = (k: string) => res.kpis.find((x) => x.key === k)!;
      expect(kpi('successRate')).toMatchObject({ current: res.current.disputes.successRate, yoy: res.yoy.disputes.successRate, mom: res.mom.disputes.successRate });
      expect(kpi('tasksLate').current).toBe(res.current.tasks.due - res.current.tasks.onTime);
    }
    expect(checked).toBeGreaterThan(100);
    const whole = await all<DisputeCase>(s, `/api/disputes?from=${addMonths(m, -12)}&to=${addDays(mEnd, 3)}`);
    expect(whole.some((c) => c.reopened > 0), 'some case was reopened').toBe(true);
    expect(whole.some((c) => localDayOf(c.createdAt, tz) !== localDayOf(c.createdAt + H, tz)), 'some case opened in the last hour of a day').toBe(true);
  });

  it('refuses a range it cannot answer, with a code and its values (the client says it in zh or en)', async () => {
    const s = await bed.server();
    const cases: [string, string][] = [
      ['from=2026-02-30&to=2026-03-02', 'bad_time'], ['from=2026-03-02&to=2026-03-01', 'range_reversed'],
      ['from=2024-01-01&to=2026-06-01', 'range_too_long'], ['from=2026-01-01&to=2026-06-01&interval=day', 'daily_too_long'],
      ['interval=year', 'invalid_request'],
    ];
    for (const [q, code] of cases) {
      const body = await get<{ error: string; message: string; params?: Record<string, unknown> }>(s, `/api/stats/community?${q}`, 400);
      expect(body.error, q).toBe(code);
      expect(body.params, q).toBeTypeOf('object');
      expect(body.message, q).not.toMatch(/[\u4e00-\u9fff]/); // English for API users; people read the catalogue
    }
    const month = await get<CommunityStatsResponse>(s, '/api/stats/community');
    expect(month.current.from.endsWith('-01')).toBe(true);
    expect(month.kpis.map((k) => k.key)).toContain('completionRate');
  });
});
