// The statistics API against a brute-force recomputation from the raw incidents (read back through
// GET /api/incidents?from=&to=), over a seeded history that crosses a year boundary, with incidents exactly at
// bucket edges, in the default and a non-default time zone; and replaying the whole ingest changes no figure.
import { describe, expect, it } from 'vitest';
import {
  ALL, COUNT_METRICS, DEFAULT_RESPONSE_TARGETS, EARLIEST_INSTANT_MS, NO_GRID, RESPONSE_METRICS, addDays, addMonths,
  comparisonPeriods, dayStart, groupBysOf, incidentCountMetrics, isOpenStatus, localDayOf, localParts, parseDayKey, parseResponseTargets, responseBin,
  responseIntervals, targetsInSeconds, transitionIncident, zonedEpoch, type CountMetric, type Incident, type IncidentReport,
  type IncidentStatus, type Outcome, type PeriodCounts, type Priority, type ResponseFigures, type ResponseTargets, type StatsGroupBy, type StatsHeatmapResponse,
  type StatsInterval, type StatsMetric, type StatsOverviewResponse, type StatsSeriesResponse,
} from '@ccr/shared';
import { useTestbed, fixtureGridCentre, type TestServer } from '../../testing/index.js';
import { loadJurisdiction } from '../jurisdiction/index.js';
import { IncidentRecorder, gridLocatorFor } from '../ingest/incident-ingest.js';
import { fixedStatsRules, incidentStatsMoves, statsRulesOf, type StatsRules } from './stats-buckets.js';
import { seedHistory } from './stats-history.js';
import { presenceSample } from './stats-chores.js';
import { emergencyFigures, unitFigures } from './stats-service.js';

const bed = useTestbed('stats');
const TARGETS = targetsInSeconds(DEFAULT_RESPONSE_TARGETS);
type Server = TestServer & { prefix: string };

async function get<T>(s: Server, path: string): Promise<{ status: number; body: T }> {
  const res = await bed.fetch(s, path, {}, 'leader');
  return { status: res.status, body: (await res.json()) as T };
}
async function ok<T>(s: Server, path: string): Promise<T> {
  const r = await get<T>(s, path);
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Every incident reported in [from, to), read page by page from the raw-incident route. */
async function rawIncidents(s: Server, from: number, to: number): Promise<Incident[]> {
  const out: Incident[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await ok<{ total: number; items: Incident[] }>(s, `/api/incidents?from=${from}&to=${to}&limit=1000&offset=${offset}`);
    out.push(...page.items);
    if (out.length >= page.total || page.items.length === 0) return out;
  }
}

const groupKeyOf = (i: Incident, g: StatsGroupBy): string =>
  g === 'none' ? ALL : g === 'type' ? i.type : g === 'source' ? i.source : g === 'grid' ? (i.gridId ?? NO_GRID) : String(i.priority);

/** What a series must say, computed from the raw incidents alone; within target by the targets each incident's
 *  steps were written under (all the defaults unless a test changes them). */
function bruteSeries(incidents: readonly Incident[], r: StatsSeriesResponse, targetsOf: (i: Incident) => ResponseTargets = () => TARGETS): number[][] {
  const keys = r.series.map((s) => s.key);
  const values = keys.map(() => r.buckets.map(() => 0));
  const metric = r.metric as StatsMetric;
  for (const i of incidents) {
    const b = r.buckets.findIndex((x) => x.start <= i.reportedAt && i.reportedAt < x.end);
    expect(b, `incident ${i.id} outside every bucket`).toBeGreaterThanOrEqual(0);
    if ((COUNT_METRICS as readonly string[]).includes(metric)) {
      if (!incidentCountMetrics(i).includes(metric as CountMetric)) continue;
    } else {
      const step = metric.startsWith('dispatched') ? 'dispatch' : 'on_scene';
      const ms = responseIntervals(i)[step];
      if (ms === undefined) continue;
      const t = targetsOf(i)[i.priority];
      const target = step === 'dispatch' ? t.dispatchSeconds : t.onSceneSeconds;
      if (metric.endsWith('_within_target') && ms > target * 1000) continue;
    }
    values[keys.indexOf(groupKeyOf(i, r.groupBy as StatsGroupBy))]![b]!++;
  }
  return values;
}

function brutePeriod(incidents: readonly Incident[], from: string, to: string, tz: string): Omit<PeriodCounts, 'byGrid' | 'closureRate' | 'mediationRate'> & { byGrid: Record<string, number> } {
  const inP = incidents.filter((i) => { const d = localDayOf(i.reportedAt, tz); return d >= from && d <= to; });
  const count = (m: CountMetric) => inP.filter((i) => incidentCountMetrics(i).includes(m)).length;
  const by = (f: (i: Incident) => string, keys: readonly string[]) => Object.fromEntries(keys.map((k) => [k, inP.filter((i) => f(i) === k).length]));
  return {
    from, to, total: inP.length,
    byType: by((i) => i.type, ['theft', 'fraud', 'fight', 'public_order', 'dispute', 'missing_person', 'traffic', 'hazard', 'help', 'other']),
    bySource: by((i) => i.source, ['110', 'video_ai', 'patrol', 'online', 'volunteer', 'walk_in']),
    byGrid: by((i) => i.gridId ?? NO_GRID, ['G1', 'G2', 'G3', 'G4', NO_GRID]),
    byPriority: by((i) => String(i.priority), ['1', '2', '3']),
    criminal: count('criminal'), publicOrder: count('public_order'), dispute: count('dispute'), closed: count('closed'),
    mediated: count('mediated'), mediationFailed: count('mediation_failed'),
  };
}

function bruteResponse(incidents: readonly Incident[], from: string, to: string, tz: string) {
  const inP = incidents.filter((i) => { const d = localDayOf(i.reportedAt, tz); return d >= from && d <= to; });
  const figures = (step: 'dispatch' | 'on_scene') => ([1, 2, 3] as Priority[]).map((p) => {
    const target = step === 'dispatch' ? TARGETS[p].dispatchSeconds : TARGETS[p].onSceneSeconds;
    const ms = inP.filter((i) => i.priority === p).map((i) => responseIntervals(i)[step]).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
    const within = ms.filter((v) => v <= target * 1000).length;
    return {
      priority: p, targetSeconds: target, count: ms.length, withinTarget: within, share: ms.length ? within / ms.length : null,
      meanSeconds: ms.length ? ms.reduce((a, b) => a + b, 0) / ms.length / 1000 : null,
      medianSeconds: ms.length ? responseBin(ms[Math.ceil(ms.length / 2) - 1]!) : null,
    };
  });
  return { from, to, dispatch: figures('dispatch'), onScene: figures('on_scene') };
}

/** Writes an incident as ingest and dispatch would: recorded, then its lifecycle in one compare-and-set write. */
async function writeIncident(
  s: Server, tz: string, report: IncidentReport, steps: { status: IncidentStatus; after: number }[] = [], outcome?: Outcome,
  rules: StatsRules = fixedStatsRules(tz),
): Promise<void> {
  const j = await loadJurisdiction(bed.jurisdictionDir);
  const repo = s.app.live.repo;
  await new IncidentRecorder(repo, gridLocatorFor(j.grids), rules).record(report, Date.now());
  if (steps.length === 0) return;
  const stored = (await repo.readIncidentRaw(report.id))!;
  let after = stored.incident;
  for (const st of steps) {
    const r = transitionIncident(after, st.status, { by: 'test', at: after.reportedAt + st.after }, st.status === 'closed' ? { outcome: outcome! } : {});
    if (!r.ok) throw new Error(r.error.message);
    after = r.state;
  }
  const saved = await repo.saveIncident({
    expectedRaw: stored.raw, incident: after, event: { type: 'incident:updated', incident: after }, isOpen: isOpenStatus(after.status),
    moves: incidentStatsMoves(stored.incident, after, rules), today: localDayOf(Date.now(), tz), now: Date.now(),
  });
  expect(saved).toBe(true);
}

/** Incidents exactly on the edges: local midnights, an hour edge, the month and year boundaries, response
 *  intervals exactly at and just past their targets, one outside every grid, one corrected after the fact. */
async function writeEdgeIncidents(s: Server, tz: string): Promise<void> {
  const now = Date.now();
  const today = localDayOf(now, tz);
  const yesterday = addDays(today, -1);
  const monthStart = `${today.slice(0, 8)}01`;
  const [g1, g4] = [fixtureGridCentre(0, 0), fixtureGridCentre(1, 1)];
  const rep = (id: string, at: number, extra: Partial<IncidentReport> = {}): IncidentReport => ({
    id, type: 'theft', priority: 1, lng: g1[0], lat: g1[1], reportedAt: at, source: '110', ...extra,
  });
  const full = (dispatchMs: number, onSceneMs: number) => [
    { status: 'dispatched' as const, after: dispatchMs }, { status: 'on_scene' as const, after: onSceneMs },
    { status: 'resolved' as const, after: onSceneMs + 600_000 }, { status: 'closed' as const, after: onSceneMs + 900_000 },
  ];
  const edges: [IncidentReport, { status: IncidentStatus; after: number }[], Outcome?][] = [
    [rep('EDGE-1', dayStart(yesterday, tz)), full(60_000, 300_000), 'case_filed'],
    [rep('EDGE-2', dayStart(today, tz) - 1, { type: 'dispute', priority: 2 }), full(180_001, 900_000), 'mediated'],
    [rep('EDGE-3', dayStart(yesterday, tz) + 10 * 3_600_000, { type: 'dispute' }), full(60_001, 300_001), 'mediation_failed'],
    [rep('EDGE-4', dayStart(monthStart, tz), { lng: g4[0], lat: g4[1], type: 'fight' }), []],
    [rep('EDGE-5', dayStart(monthStart, tz) - 1, { type: 'public_order', source: 'video_ai' }), []],
    [rep('EDGE-6', dayStart('2026-01-01', tz), { priority: 3 }), full(0, 1_800_000), 'handled_on_scene'],
    [rep('EDGE-7', dayStart('2026-01-01', tz) - 1, { priority: 3 }), full(600_000, 1_800_001), 'handled_on_scene'],
    [rep('EDGE-8', now - 5_000, { lng: 100, lat: 20, source: 'online' }), [{ status: 'dispatched', after: 1_000 }]],
    [rep('EDGE-9', now - 60_000, { type: 'fraud' }), []],
  ];
  for (const [r, steps, outcome] of edges) await writeIncident(s, tz, r, steps, outcome);
  // A correction moves the incident between buckets (type, priority, local day) exactly once.
  await writeIncident(s, tz, rep('EDGE-9', dayStart(yesterday, tz) + 3_600_000, { type: 'fight', priority: 2 }));
}

function randomQuery(rnd: () => number, today: string, tz: string): { metric: StatsMetric; interval: StatsInterval; groupBy: StatsGroupBy; from: string; to: string } {
  const metrics = [...COUNT_METRICS, ...RESPONSE_METRICS];
  const metric = metrics[Math.floor(rnd() * metrics.length)]!;
  const groups = groupBysOf(metric);
  const groupBy = groups[Math.floor(rnd() * groups.length)]!;
  const interval = (['hour', 'day', 'week', 'month'] as const)[Math.floor(rnd() * 4)]!;
  const earliest = addMonths(today, -13);
  const span = interval === 'hour' ? 1 + Math.floor(rnd() * 20) : 1 + Math.floor(rnd() * 395);
  const startOffset = Math.floor(rnd() * 390);
  const fromDay = addDays(earliest, Math.min(startOffset, 395 - Math.min(span, 395)));
  const toDay = addDays(fromDay, span) > addDays(today, 1) ? addDays(today, 1) : addDays(fromDay, span);
  const style = Math.floor(rnd() * 3);
  // Bounds as local days, as instants inside a day (widened to whole buckets), or as epoch ms.
  const bound = (day: string, isTo: boolean): string => {
    if (style === 0) return day;
    const t = dayStart(day, tz) + (isTo ? -1 : 1) * Math.floor(rnd() * 3_600_000);
    return style === 1 ? new Date(t).toISOString() : String(t);
  };
  return { metric, interval, groupBy, from: bound(fromDay, false), to: bound(toDay, true) };
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
}

async function checkRandomQueries(s: Server, tz: string, n: number, seed: number): Promise<void> {
  const rnd = lcg(seed);
  const today = localDayOf(Date.now(), tz);
  let counted = 0;
  for (let k = 0; k < n; k++) {
    const q = randomQuery(rnd, today, tz);
    if (Number(q.to) <= Number(q.from)) continue;
    const r = await ok<StatsSeriesResponse>(s, `/api/stats/series?${new URLSearchParams(q)}`);
    expect(r.series.map((x) => x.key).length).toBeGreaterThan(0);
    const raw = await rawIncidents(s, r.from, r.to);
    expect(r.series.map((x) => x.values), JSON.stringify(q)).toEqual(bruteSeries(raw, r));
    counted += r.series.reduce((a, x) => a + x.values.reduce((b, v) => b + v, 0), 0);
  }
  expect(counted, 'the random queries saw incidents').toBeGreaterThan(n * 5);
}

async function checkOverview(s: Server, tz: string, date: string): Promise<void> {
  const o = await ok<StatsOverviewResponse>(s, `/api/stats/overview?date=${date}`);
  const monthFrom = `${date.slice(0, 8)}01`;
  const { yoy, mom } = comparisonPeriods(monthFrom, date);
  const raw = await rawIncidents(s, dayStart(yoy[0], tz), dayStart(addDays(date, 1), tz));
  expect(o.today).toMatchObject(brutePeriod(raw, date, date, tz));
  expect(o.month).toMatchObject(brutePeriod(raw, monthFrom, date, tz));
  expect(o.response.today).toEqual(bruteResponse(raw, date, date, tz));
  expect(o.response.month).toEqual(bruteResponse(raw, monthFrom, date, tz));
  // Today is still running: the earlier periods end with the same local hour of their last day.
  const throughHour = date === localDayOf(Date.now(), tz) ? o.comparisons.incidents.yoy.throughHour : undefined;
  if (date === localDayOf(Date.now(), tz)) expect(throughHour).toBeTypeOf('number');
  else expect(o.comparisons.incidents.yoy.throughHour).toBeUndefined();
  const cutAt = (last: string): Incident[] => throughHour === undefined ? raw : raw.filter((i) => {
    const p = parseDayKey(last);
    return i.reportedAt < zonedEpoch(p.year, p.month, p.day, throughHour + 1, tz) || localDayOf(i.reportedAt, tz) !== last;
  });
  const y = brutePeriod(cutAt(yoy[1]), yoy[0], yoy[1], tz);
  const m = brutePeriod(cutAt(mom[1]), mom[0], mom[1], tz);
  expect(o.comparisons.incidents.yoy).toMatchObject({ from: yoy[0], to: yoy[1], value: y.total });
  expect(o.comparisons.incidents.mom.throughHour).toBe(throughHour);
  expect(o.comparisons.criminal.yoy.value).toBe(y.criminal);
  expect(o.comparisons.publicOrder.mom).toMatchObject({ from: mom[0], to: mom[1], value: m.publicOrder });
  expect(o.comparisons.dispute.mom.value).toBe(m.dispute);
  expect(o.comparisons.criminal.current).toBe(o.month.criminal);
  if (y.criminal > 0) expect(o.comparisons.criminal.yoy.change).toBeCloseTo((o.month.criminal - y.criminal) / y.criminal, 12);
}

async function checkHeatmap(s: Server, tz: string, from: string, to: string, metric: CountMetric): Promise<void> {
  const h = await ok<StatsHeatmapResponse>(s, `/api/stats/heatmap?metric=${metric}&from=${from}&to=${to}`);
  const raw = await rawIncidents(s, h.from, h.to);
  const cells = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
  for (const i of raw) {
    if (!incidentCountMetrics(i).includes(metric)) continue;
    const p = localParts(i.reportedAt, tz);
    cells[p.weekday]![p.hour]!++;
  }
  expect(h.cells).toEqual(cells);
}

/** Every statistics counter under the server's prefix (presence and the KPI memo aside). */
async function statsCounters(s: Server): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  for await (const keys of bed.producer.scanIterator({ MATCH: `${s.prefix}stats:*`, COUNT: 1000 })) {
    for (const k of keys) {
      if (k.includes('stats:presence') || k.includes('stats:kpi') || k.endsWith('stats:responses-judged')) continue;
      out.set(k, await bed.producer.hGetAll(k));
    }
  }
  return out;
}

async function ingestDrained(s: Server): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const groups = (await bed.producer.sendCommand(['XINFO', 'GROUPS', `${s.prefix}in:incidents`])) as unknown[][];
    const g = groups[0] ?? [];
    const field = (name: string) => g[g.indexOf(name) + 1];
    if (Number(field('pending')) === 0 && Number(field('lag')) === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('ingest did not drain');
}

/** A server with history seeded from `startDay` (no presence) and the edge incidents: what the tests of buckets an
 *  older version wrote start from, before they strip what it did not write. */
async function seededServer(tz: string, startDay: string, incidentsPerDay: number) {
  const s = await bed.server({ auth: { rateLimitPerMinute: 100_000 } });
  const j = await loadJurisdiction(bed.jurisdictionDir);
  await seedHistory(s.app.live.repo, s.app.stats.repo, { jurisdiction: j, timeZone: tz, months: 13, startDay, incidentsPerDay, presence: false });
  await writeEdgeIncidents(s, tz);
  return s;
}

describe('statistics API', () => {
  it('answers every figure exactly as a brute-force count of the raw incidents (Asia/Shanghai)', async () => {
    const tz = 'Asia/Shanghai';
    const s = await bed.server({ auth: { rateLimitPerMinute: 100_000 } });
    const j = await loadJurisdiction(bed.jurisdictionDir);
    const seeded = await seedHistory(s.app.live.repo, s.app.stats.repo, { jurisdiction: j, timeZone: tz, months: 13, incidentsPerDay: 4, concurrency: 16 });
    expect(seeded.incidents).toBeGreaterThan(1000);
    await writeEdgeIncidents(s, tz);
    const today = localDayOf(Date.now(), tz);

    await checkRandomQueries(s, tz, 40, 42);
    // Fixed ranges over the edges: the year boundary by hour, the month boundary by day and week.
    for (const q of [
      { metric: 'incidents', interval: 'hour', groupBy: 'priority', from: '2025-12-31', to: '2026-01-02' },
      { metric: 'on_scene_within_target', interval: 'day', groupBy: 'priority', from: '2025-12-30', to: '2026-01-03' },
      { metric: 'dispatched_within_target', interval: 'hour', groupBy: 'none', from: addDays(today, -1), to: addDays(today, 1) },
      { metric: 'criminal', interval: 'month', groupBy: 'grid', from: addMonths(today, -13), to: addDays(today, 1) },
      { metric: 'incidents', interval: 'week', groupBy: 'type', from: addDays(`${today.slice(0, 8)}01`, -10), to: addDays(today, 1) },
    ] as const) {
      const r = await ok<StatsSeriesResponse>(s, `/api/stats/series?${new URLSearchParams(q)}`);
      expect(r.series.map((x) => x.values), JSON.stringify(q)).toEqual(bruteSeries(await rawIncidents(s, r.from, r.to), r));
    }
    for (const date of [today, addDays(today, -1), addDays(`${today.slice(0, 8)}01`, -1), addMonths(today, -1)]) await checkOverview(s, tz, date);
    await checkHeatmap(s, tz, addMonths(today, -13), addDays(today, 1), 'incidents');
    await checkHeatmap(s, tz, '2025-12-15', '2026-01-15', 'dispute');
  }, 180_000);

  it('uses a non-default time zone for every day and hour boundary (Asia/Kolkata, +05:30)', async () => {
    const tz = 'Asia/Kolkata';
    const s = await bed.server({ timeZone: tz, auth: { rateLimitPerMinute: 100_000 } });
    const j = await loadJurisdiction(bed.jurisdictionDir);
    const today = localDayOf(Date.now(), tz);
    await seedHistory(s.app.live.repo, s.app.stats.repo, { jurisdiction: j, timeZone: tz, months: 13, startDay: addDays(today, -45), incidentsPerDay: 6, presence: false });
    await writeEdgeIncidents(s, tz);
    await checkRandomQueries(s, tz, 15, 7);
    await checkOverview(s, tz, today);
    await checkHeatmap(s, tz, addDays(today, -45), addDays(today, 1), 'incidents');
    const r = await ok<StatsSeriesResponse>(s, `/api/stats/series?metric=incidents&interval=day&from=${today}&to=${addDays(today, 1)}`);
    expect(r.from).toBe(Date.parse(`${today}T00:00:00+05:30`));
  }, 120_000);

  it('leaves every figure unchanged when the whole ingest is replayed and the history is seeded again', async () => {
    const tz = 'Asia/Shanghai';
    const s = await bed.server({ auth: { rateLimitPerMinute: 100_000 } });
    const j = await loadJurisdiction(bed.jurisdictionDir);
    const today = localDayOf(Date.now(), tz);
    const opts = { jurisdiction: j, timeZone: tz, months: 13, startDay: addDays(today, -20), incidentsPerDay: 10 };
    await seedHistory(s.app.live.repo, s.app.stats.repo, opts);
    await writeEdgeIncidents(s, tz);
    const before = await statsCounters(s);
    const series = await ok<StatsSeriesResponse>(s, `/api/stats/series?metric=incidents&interval=day&groupBy=type&from=${addDays(today, -20)}&to=${addDays(today, 1)}`);
    expect(before.size).toBeGreaterThan(20);

    const raw = await rawIncidents(s, EARLIEST_INSTANT_MS, Date.now() + 86_400_000);
    const reports = raw.map((i): IncidentReport => ({
      id: i.id, type: i.type, priority: i.priority, lng: i.lng, lat: i.lat, address: i.address, reportedAt: i.reportedAt,
      source: i.source, summary: i.summary, reporter: i.reporter,
    }));
    for (let round = 0; round < 2; round++) {
      for (const r of reports) await bed.producer.xAdd(`${s.prefix}in:incidents`, '*', { data: JSON.stringify(r) });
      await ingestDrained(s);
    }
    const again = await seedHistory(s.app.live.repo, s.app.stats.repo, opts);
    expect(again).toMatchObject({ recorded: 0, lifecycles: 0, presenceHours: 0 });
    expect(await statsCounters(s)).toEqual(before);
    expect(await ok<StatsSeriesResponse>(s, `/api/stats/series?metric=incidents&interval=day&groupBy=type&from=${addDays(today, -20)}&to=${addDays(today, 1)}`)).toEqual(series);
  }, 120_000);

  it('counts within target when a step is written, against the targets in force then: a later change of the targets re-judges nothing', async () => {
    const tz = 'Asia/Shanghai';
    const a = await bed.server({ auth: { rateLimitPerMinute: 100_000 } });
    // The same Redis after RESPONSE_TARGETS changed: P1 dispatched within 2 min and on scene within 10 (defaults 1 and 5).
    const loose = parseResponseTargets('{"1":{"dispatch":120,"onScene":600}}');
    const b = await bed.server({ keyPrefix: a.prefix, responseTargets: loose, auth: { rateLimitPerMinute: 100_000 } });
    const [lng, lat] = fixtureGridCentre(0, 0);
    const reportedAt = Date.now() - 3_600_000;
    const day = localDayOf(reportedAt, tz);
    const rep = (id: string): IncidentReport => ({ id, type: 'theft', priority: 1, lng, lat, reportedAt, source: '110' });
    const late = [{ status: 'dispatched' as const, after: 90_000 }, { status: 'on_scene' as const, after: 400_000 }];
    // Each node writes through its own rules (as its ingest and dispatch do): the same 90 s / 400 s are late under
    // the defaults (node a) and within under the loose targets (node b).
    await writeIncident(a, tz, rep('WT-A'), late, undefined, statsRulesOf(a.app.live));
    await writeIncident(b, tz, rep('WT-B'), late, undefined, statsRulesOf(b.app.live));
    // Node b later closes WT-A: its steps stay where they were, so they are not judged again.
    await writeIncident(b, tz, rep('WT-A'), [{ status: 'resolved', after: 900_000 }, { status: 'closed', after: 1_000_000 }], 'case_filed', statsRulesOf(b.app.live));

    const judged = (i: Incident): ResponseTargets => (i.id === 'WT-A' ? TARGETS : targetsInSeconds(loose));
    for (const s of [a, b]) {
      for (const q of [
        { metric: 'on_scene_within_target', interval: 'day', groupBy: 'priority' },
        { metric: 'dispatched_within_target', interval: 'hour', groupBy: 'none' },
        { metric: 'on_scene', interval: 'week', groupBy: 'none' },
      ] as const) {
        const r = await ok<StatsSeriesResponse>(s, `/api/stats/series?${new URLSearchParams({ ...q, from: day, to: addDays(day, 1) })}`);
        const total = r.series.reduce((n, x) => n + x.values.reduce((m, v) => m + v, 0), 0);
        expect(total, JSON.stringify(q)).toBe(q.metric === 'on_scene' ? 2 : 1);
        expect(r.series.map((x) => x.values), JSON.stringify(q)).toEqual(bruteSeries(await rawIncidents(s, r.from, r.to), r, judged));
      }
    }
    // The overview states the target in force now beside the counts judged when they were written.
    const o = await ok<StatsOverviewResponse>(b, `/api/stats/overview?date=${day}`);
    expect(o.response.today.onScene[0]).toMatchObject({ priority: 1, targetSeconds: 600, count: 2, withinTarget: 1, share: 0.5 });
    expect(o.response.today.dispatch[0]).toMatchObject({ targetSeconds: 120, count: 2, withinTarget: 1 });
    const oa = await ok<StatsOverviewResponse>(a, `/api/stats/overview?date=${day}`);
    expect(oa.response.today.onScene[0]).toMatchObject({ targetSeconds: 300, count: 2, withinTarget: 1 });
  });

  it('judges response buckets written before within target was counted at write time, once, from their histograms', async () => {
    const tz = 'Asia/Shanghai';
    const today = localDayOf(Date.now(), tz);
    const s = await seededServer(tz, addDays(today, -12), 8);
    // What an older version left: histograms only, no month buckets, and no mark.
    let stripped = 0;
    let months = 0;
    for await (const keys of bed.producer.scanIterator({ MATCH: `${s.prefix}stats:resp:*`, COUNT: 1000 })) {
      for (const k of keys) {
        if (/:\d{4}-\d{2}$/.test(k)) { months += await bed.producer.del(k); continue; }
        const old = Object.keys(await bed.producer.hGetAll(k)).filter((f) => /\|(n|in|r\d+:\d+)$/.test(f));
        if (old.length) stripped += await bed.producer.hDel(k, old);
      }
    }
    await bed.producer.del(`${s.prefix}stats:responses-judged`);
    expect(stripped).toBeGreaterThan(50);
    expect(months).toBeGreaterThan(0);
    const queries = [
      { metric: 'on_scene_within_target', interval: 'day', groupBy: 'priority', from: addDays(today, -13), to: addDays(today, 1) },
      { metric: 'dispatched', interval: 'hour', groupBy: 'none', from: addDays(today, -2), to: addDays(today, 1) },
      { metric: 'dispatched_within_target', interval: 'week', groupBy: 'none', from: addMonths(today, -13), to: addDays(today, 1) },
    ] as const;
    const zero = await ok<StatsSeriesResponse>(s, `/api/stats/series?${new URLSearchParams(queries[0])}`);
    expect(zero.series.every((x) => x.values.every((v) => v === 0))).toBe(true);
    // The overview's counts and medians come from the bins already (the read plants each day's rank tree); within
    // target waits for the judging.
    const unjudged = await ok<StatsOverviewResponse>(s, `/api/stats/overview?date=${addDays(today, -1)}`);
    const rawBefore = await rawIncidents(s, dayStart(addDays(today, -1), tz), dayStart(today, tz));
    const countsOf = (f: Pick<ResponseFigures, 'dispatch' | 'onScene'>) => [...f.dispatch, ...f.onScene].map(({ count, medianSeconds, meanSeconds }) => ({ count, medianSeconds, meanSeconds }));
    expect(countsOf(unjudged.response.today)).toEqual(countsOf(bruteResponse(rawBefore, addDays(today, -1), addDays(today, -1), tz)));

    await bed.producer.scriptFlush(); // a restarted Redis: the script is loaded again
    const judged = await s.app.stats.chores.judgeOldResponses(Date.now());
    expect(judged).toBeGreaterThan(20);
    for (const q of queries) {
      const r = await ok<StatsSeriesResponse>(s, `/api/stats/series?${new URLSearchParams(q)}`);
      expect(r.series.map((x) => x.values), JSON.stringify(q)).toEqual(bruteSeries(await rawIncidents(s, r.from, r.to), r));
    }
    for (const date of [today, addDays(today, -7)]) {
      const o = await ok<StatsOverviewResponse>(s, `/api/stats/overview?date=${date}`);
      const monthFrom = `${date.slice(0, 8)}01`;
      const raw = await rawIncidents(s, dayStart(monthFrom, tz), dayStart(addDays(date, 1), tz));
      expect(o.response.today).toEqual(bruteResponse(raw, date, date, tz));
      expect(o.response.month).toEqual(bruteResponse(raw, monthFrom, date, tz));
    }
    // Once: marked for the deployment, and each bucket marked too should a run be cut short and start again.
    const counters = await statsCounters(s);
    expect(await s.app.stats.chores.judgeOldResponses(Date.now())).toBe(0);
    await bed.producer.del(`${s.prefix}stats:responses-judged`);
    expect(await s.app.stats.chores.judgeOldResponses(Date.now())).toBe(0);
    expect(await statsCounters(s)).toEqual(counters);
  });

  it('plants the rank tree of response buckets written before it, once, on the first read: exact medians, nothing rewritten after', async () => {
    const tz = 'Asia/Shanghai';
    const today = localDayOf(Date.now(), tz);
    const s = await seededServer(tz, addMonths(today, -1), 12);
    // What the previous version left: bins, sums and the n / in counters, no tree.
    let stripped = 0;
    for await (const keys of bed.producer.scanIterator({ MATCH: `${s.prefix}stats:resp:*`, COUNT: 1000 })) {
      for (const k of keys) {
        const tree = Object.keys(await bed.producer.hGetAll(k)).filter((f) => /\|r\d+:\d+$/.test(f));
        if (tree.length) stripped += await bed.producer.hDel(k, tree);
      }
    }
    expect(stripped).toBeGreaterThan(100);
    await bed.producer.scriptFlush();
    const dates = [today, addDays(`${today.slice(0, 8)}01`, -1), addMonths(today, -1), addDays(today, -3)];
    for (const date of dates) await checkOverview(s, tz, date);
    const counters = await statsCounters(s);
    // Planted once: read again, the same figures and not one counter rewritten.
    for (const date of dates) await checkOverview(s, tz, date);
    expect(await statsCounters(s)).toEqual(counters);
    // A step written after the planting moves bin and tree together.
    const [lng, lat] = fixtureGridCentre(0, 0);
    await writeIncident(s, tz, { id: 'RT-1', type: 'theft', priority: 2, lng, lat, reportedAt: Date.now() - 3_600_000, source: '110' },
      [{ status: 'dispatched', after: 42_000 }, { status: 'on_scene', after: 77_000 }]);
    await checkOverview(s, tz, today);
  }, 120_000);

  it('samples patrol presence once per slot and reports the share of grids visited in the last hour', async () => {
    const s = await bed.server({ presenceTargetPercent: 75, auth: { rateLimitPerMinute: 100_000 } });
    const now = Date.now();
    const [g1, g4] = [fixtureGridCentre(0, 0), fixtureGridCentre(1, 1)];
    await s.app.live.repo.applyPositions([
      { unitId: 'P-01', lng: g1[0], lat: g1[1], ts: now }, { unitId: 'P-02', lng: g1[0], lat: g1[1], ts: now },
      { unitId: 'P-03', lng: g4[0], lat: g4[1], ts: now }, { unitId: 'C-2', lng: g4[0], lat: g4[1], ts: now },
    ], now);
    const slot = Math.floor(now / (s.config.presenceSampleSeconds * 1000));
    await s.app.stats.chores.samplePresence(slot, now);
    await s.app.stats.chores.samplePresence(slot, now); // the same slot again (another node, a retry): counted once
    const o = await ok<StatsOverviewResponse>(s, '/api/stats/overview');
    const sample = s.config.presenceSampleSeconds / 60;
    expect(o.presence).toMatchObject({ target: 0.75, gridsTotal: 4, gridsVisitedLastHour: 2, visitedShare: 0.5 });
    // Two patrol cars in G1 for one sample; the community officer in G4 is not a patrol.
    expect(o.presence.minutesThisHourByGrid).toEqual({ G1: 2 * sample, G2: 0, G3: 0, G4: sample });
    expect(o.presence.minutesTodayByGrid.G1).toBe(2 * sample);
    const series = await ok<StatsSeriesResponse>(s, `/api/stats/series?metric=presence_minutes&interval=hour&groupBy=grid&from=${now - 1}&to=${now + 1}`);
    expect(series.series.find((x) => x.key === 'G1')!.values).toEqual([2 * sample]);
    expect(o.units.patrol).toMatchObject({ total: 4, onDuty: 4, available: 3 });
    expect(o.emergencyUnits.units).toBeGreaterThan(0);
  });

  it('counts presence and the overview\'s unit figures from what is kept at write time, exactly as a recount over every unit', async () => {
    const s = await bed.server({ auth: { rateLimitPerMinute: 100_000 } });
    const j = await loadJurisdiction(bed.jurisdictionDir);
    const opts = { staleAfterMs: s.config.staleAfterMs, presenceSampleSeconds: s.config.presenceSampleSeconds, locateGrid: gridLocatorFor(j.grids) };
    const recount = async (at: number) => presenceSample(await s.app.live.repo.readUnits(), at, opts);
    const same = async (at: number, expected: Record<string, number>) => {
      const units = await s.app.live.repo.readUnits();
      const o = await ok<StatsOverviewResponse>(s, '/api/stats/overview');
      expect({ units: o.units, emergencyUnits: o.emergencyUnits }).toEqual({ units: unitFigures(units), emergencyUnits: emergencyFigures(units) });
      const kept = await s.app.stats.chores.presenceCounts(at);
      expect(Object.fromEntries(kept)).toEqual(Object.fromEntries(await recount(at)));
      expect(Object.fromEntries(kept)).toEqual(Object.fromEntries(Object.entries(expected).map(([g, n]) => [g, n * opts.presenceSampleSeconds])));
    };
    let seq = 0;
    const setStatus = async (id: string, status: string) => {
      const r = await bed.fetch(s, `/api/units/${id}/status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ commandId: `presence-${++seq}`, status }) }, 'leader');
      expect(r.status).toBe(200);
    };
    const [g1, g2, g3, g4] = [fixtureGridCentre(0, 0), fixtureGridCentre(1, 0), fixtureGridCentre(0, 1), fixtureGridCentre(1, 1)];
    const grid = (p: [number, number]) => opts.locateGrid(p);
    const t0 = Date.now();
    // P-01 and P-02 in one grid, P-03 in another, P-04 outside every grid, P-02's fix too old, a community officer.
    await s.app.live.repo.applyPositions([
      { unitId: 'P-01', lng: g1[0], lat: g1[1], ts: t0 }, { unitId: 'P-02', lng: g1[0], lat: g1[1], ts: t0 - s.config.staleAfterMs - 1 },
      { unitId: 'P-03', lng: g4[0], lat: g4[1], ts: t0 }, { unitId: 'P-04', lng: 0.5, lat: 0.5, ts: t0 }, { unitId: 'C-2', lng: g4[0], lat: g4[1], ts: t0 },
    ], t0);
    await same(t0, { [grid(g1)!]: 1, [grid(g4)!]: 1 });
    // A move to another grid, a fix into a grid, a fix older than the stored one (refused, nothing moves).
    await s.app.live.repo.applyPositions([
      { unitId: 'P-01', lng: g2[0], lat: g2[1], ts: t0 + 1_000 }, { unitId: 'P-04', lng: g3[0], lat: g3[1], ts: t0 + 1_000 },
      { unitId: 'P-03', lng: g1[0], lat: g1[1], ts: t0 - 5_000 },
    ], t0 + 1_000);
    await same(t0 + 1_000, { [grid(g2)!]: 1, [grid(g3)!]: 1, [grid(g4)!]: 1 });
    // Off duty leaves, back on duty returns; busy still counts.
    await setStatus('P-03', 'off_duty');
    await same(t0 + 1_000, { [grid(g2)!]: 1, [grid(g3)!]: 1 });
    await setStatus('P-03', 'available');
    await setStatus('P-01', 'busy');
    await same(t0 + 1_000, { [grid(g2)!]: 1, [grid(g3)!]: 1, [grid(g4)!]: 1 });
    // An off-duty patrol that reports does not count; stale units leave and a fix brings them back.
    await setStatus('P-04', 'off_duty');
    await s.app.live.repo.applyPositions([{ unitId: 'P-04', lng: g3[0], lat: g3[1], ts: t0 + 2_000 }], t0 + 2_000);
    await same(t0 + 2_000, { [grid(g2)!]: 1, [grid(g4)!]: 1 });
    expect(await s.app.live.repo.markStale(t0 + 1_500, t0 + 2_000)).toBeGreaterThan(0);
    await same(t0 + 2_000, {});
    // An emergency unit off duty and back, a community officer busy (counts not tied to presence).
    await setStatus('E-0001', 'off_duty');
    await setStatus('C-2', 'busy');
    await same(t0 + 2_000, {});
    await setStatus('E-0001', 'available');
    await same(t0 + 2_000, {});
    // P-04 reported after the cutoff (not stale): back on duty, it returns with its last fix.
    await setStatus('P-04', 'available');
    await same(t0 + 2_000, { [grid(g3)!]: 1 });
    await s.app.live.repo.applyPositions([{ unitId: 'P-03', lng: g4[0], lat: g4[1], ts: t0 + 3_000 }], t0 + 3_000);
    await same(t0 + 3_000, { [grid(g3)!]: 1, [grid(g4)!]: 1 });
    // Fixes age out by time alone, as in the recount.
    await same(t0 + 2_000 + s.config.staleAfterMs, { [grid(g3)!]: 1, [grid(g4)!]: 1 });
    await same(t0 + 2_001 + s.config.staleAfterMs, { [grid(g4)!]: 1 });
    await same(t0 + 3_001 + s.config.staleAfterMs, {});
  });

  it('refuses bad ranges and unknown parameters with clear 400s', async () => {
    const s = await bed.server();
    const today = localDayOf(Date.now(), 'Asia/Shanghai');
    const cases: [string, string, Record<string, unknown>, RegExp][] = [
      [`/api/stats/series?from=${today}&to=${addDays(today, -3)}`, 'range_reversed', {}, /from must be before to/],
      [`/api/stats/series?from=${addMonths(today, -14)}&to=${today}`, 'range_too_early', { earliest: addMonths(today, -13), months: 13 }, /beyond 13 months/],
      [`/api/stats/series?from=yesterday&to=${today}`, 'bad_time', { name: 'from', value: 'yesterday' }, /cannot read from/],
      [`/api/stats/series?from=2026-11-01T00:00:00&to=${today}`, 'bad_time', { name: 'from' }, /cannot read from/],
      [`/api/stats/series?metric=arrests&from=${addDays(today, -3)}&to=${today}`, 'invalid_request', { path: '/querystring/metric' }, /invalid request/],
      [`/api/stats/series?interval=minute&from=${addDays(today, -3)}&to=${today}`, 'invalid_request', { path: '/querystring/interval' }, /invalid request/],
      [`/api/stats/series?groupBy=officer&from=${addDays(today, -3)}&to=${today}`, 'invalid_request', { path: '/querystring/groupBy' }, /invalid request/],
      [`/api/stats/series?metric=on_scene&groupBy=type&from=${addDays(today, -3)}&to=${today}`, 'bad_grouping', { metric: 'on_scene', groupBy: 'type' }, /cannot be grouped by type/],
      [`/api/stats/series?interval=hour&from=${addMonths(today, -6)}&to=${today}`, 'hourly_too_long', { days: 62 }, /at most 62 days/],
      [`/api/stats/heatmap?from=${today}&to=${today}`, 'range_reversed', {}, /from must be before to/],
      [`/api/stats/overview?date=${addMonths(today, -14)}`, 'range_too_early', { months: 13 }, /beyond 13 months/],
      [`/api/stats/overview?date=${addDays(today, 1)}`, 'date_in_future', { today }, /must not be after today/],
      [`/api/stats/overview?date=2026-13-01`, 'bad_day', { name: 'date', value: '2026-13-01' }, /cannot read date="2026-13-01"/],
      [`/api/stats/overview?date=2026-02-30`, 'bad_day', { name: 'date' }, /cannot read date=/],
      [`/api/incidents?from=${today}&to=${addDays(today, -1)}`, 'range_reversed', {}, /from must be before to/],
      [`/api/incidents?status=open&from=${today}`, 'range_with_filter', { subject: 'incident' }, /cannot be combined/],
    ];
    for (const [path, error, params, message] of cases) {
      const r = await get<{ error: string; params: Record<string, unknown>; message: string }>(s, path);
      expect(r.status, path).toBe(400);
      // The client says it from the code and params; the message is English, for API users.
      expect(r.body, path).toMatchObject({ error, params, message: expect.stringMatching(message) });
      expect(r.body.message, path).not.toMatch(/[\u4e00-\u9fff]/u);
    }
    expect((await fetch(`${s.url}/api/stats/overview`)).status).toBe(401);
    const metrics = await (await bed.fetch(s, '/metrics')).text();
    expect(metrics).toMatch(/ccr_stats_rejected_total\{route="\/api\/stats\/series",reason="range"\} [1-9]/);
  });

  it('pushes today\'s KPIs as a stats:kpi event when they change, and only then', async () => {
    const tz = 'Asia/Shanghai';
    const s = await bed.server({ auth: { rateLimitPerMinute: 100_000 } });
    const m = bed.mirror(s);
    await m.ready();
    await s.app.stats.chores.tick(Date.now(), 1_000);
    const [g1] = [fixtureGridCentre(0, 0)];
    await writeIncident(s, tz, { id: 'KPI-1', type: 'dispute', priority: 2, lng: g1[0], lat: g1[1], reportedAt: Date.now() - 1_000, source: 'walk_in' });
    await new Promise((r) => setTimeout(r, 2_100));
    await s.app.stats.chores.tick(Date.now(), 1_000);
    await s.app.stats.chores.tick(Date.now() + 2_100, 1_000); // nothing changed: no second event
    await expect.poll(() => m.deltas.filter((d) => d.event.type === 'stats:kpi').length).toBeGreaterThanOrEqual(1);
    const kpis = m.deltas.filter((d) => d.event.type === 'stats:kpi').map((d) => (d.event as { kpi: { today: PeriodCounts } }).kpi);
    expect(kpis.at(-1)!.today).toMatchObject({ total: 1, dispute: 1, bySource: expect.objectContaining({ walk_in: 1 }) });
    expect(new Set(kpis.map((k) => JSON.stringify(k))).size).toBe(kpis.length);
  });
});

