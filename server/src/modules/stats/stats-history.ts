// Months of realistic history for the demo jurisdiction, written through the live ingest path: each incident is
// recorded by the ingest's IncidentRecorder (the report) and then moved along its lifecycle by one compare-and-set
// saveIncident whose statistics moves come from incidentStatsMoves, exactly as dispatch commands write. Patrol
// presence goes through the same presence write the live sampler uses.
//
// Deterministic: day D's incidents come from a random stream seeded by (seed, D) alone and their rate depends on
// absolute dates (season, weekday, a year-on-year trend), so a rerun — also on a later day — regenerates the same
// incidents under the same ids ("HIS-YYYYMMDD-NNNN"); the recorder finds them unchanged and the lifecycle step is
// skipped, so a rerun changes nothing.
import {
  addDays, addMonths, dayStart, hourKeyOf, isOpenStatus, localDayOf, parseDayKey, transitionIncident,
  type Incident, type IncidentReport, type IncidentStatus, type IncidentType, type Jurisdiction, type Outcome, type Priority,
  type TargetsByPriority,
} from '@ccr/shared';
import {
  createIncidentGenerator, createRng, hashString, type Rng, INCIDENTS_PER_DAY, TREND_EPOCH, dayRateFactor,
} from '@ccr/shared/demo';
import { IncidentRecorder, gridLocatorFor } from '../ingest/incident-ingest.js';
import type { LiveRepository } from '../live/live-repository.js';
import { fixedStatsRules, incidentStatsMoves, type StatsRules } from './stats-buckets.js';
import type { CommunityRepository } from '../community/community-repository.js';
import type { CommunityContext } from '../community/community-service.js';
import { seedCommunityHistory, type CommunityHistoryResult } from './community-history.js';
import { type StatsRepository, presenceDayBucket, presenceHistoryMarker, presenceHourBucket } from './stats-repository.js';

export interface HistoryOptions {
  jurisdiction: Jurisdiction;
  timeZone: string;
  /** History covers local days from `months` months before `endDay` up to the day before `endDay`. */
  months: number;
  /** First day NOT seeded (default: today, which belongs to live data). */
  endDay?: string;
  /** First day seeded (overrides `months`). */
  startDay?: string;
  seed?: number;
  /** Mean incidents a day before season, weekday and trend factors (default: the live simulator's, INCIDENTS_PER_DAY). */
  incidentsPerDay?: number;
  /** Today too, up to the start of the current hour, each incident's lifecycle finished before `now` (the demo's
   *  first start: 今日 panels and the daily trend reach the present instead of stopping at midnight). Not with
   *  `endDay`. A rerun in a later hour adds that hour's incidents. */
  includeToday?: boolean;
  /** Parallel writes in flight. */
  concurrency?: number;
  /** The response targets in force while seeding (RESPONSE_TARGETS; the 1-3-5 defaults when left out): the seeded
   *  steps are judged within target or not against these, as a live write judges against the targets in force. */
  targets?: TargetsByPriority;
  /** Patrol presence history too (default true). */
  presence?: boolean;
  /** The community loops' history too (dispute cases and tasks, community-history.ts), written through these. */
  community?: { repo: CommunityRepository; ctx: CommunityContext };
}

export interface HistoryResult {
  days: number;
  incidents: number;
  recorded: number;
  lifecycles: number;
  presenceHours: number;
  community?: CommunityHistoryResult;
  ms: number;
}

/** Year-on-year: about 6 % quicker responses each year (the incident rate: dayRateFactor). */
const RESPONSE_TREND_PER_YEAR = 0.94;
/** Today's seeded incidents finish their lifecycles at least this long before the seeding's `now`. */
const TODAY_MARGIN_MS = 60_000;

/** Median seconds from the call to dispatch and from dispatch to on scene, per priority. */
const DISPATCH_MEDIAN_S: Record<Priority, number> = { 1: 42, 2: 110, 3: 320 };
const TRAVEL_MEDIAN_S: Record<Priority, number> = { 1: 190, 2: 430, 3: 780 };
/** Minutes spent at the scene, per type. */
const SERVICE_MIN: Record<IncidentType, [number, number]> = {
  theft: [20, 60], fraud: [20, 50], fight: [15, 50], public_order: [10, 40], dispute: [20, 90], missing_person: [30, 150],
  traffic: [15, 45], hazard: [15, 60], help: [10, 40], other: [10, 30],
};
const OUTCOMES: Record<IncidentType, [Outcome, number][]> = {
  theft: [['case_filed', 55], ['handled_on_scene', 30], ['transferred', 15]],
  fraud: [['case_filed', 70], ['handled_on_scene', 20], ['transferred', 10]],
  fight: [['handled_on_scene', 60], ['case_filed', 30], ['transferred', 10]],
  public_order: [['handled_on_scene', 75], ['case_filed', 15], ['no_action', 10]],
  dispute: [['mediated', 88], ['mediation_failed', 12]],
  missing_person: [['handled_on_scene', 92], ['transferred', 8]],
  traffic: [['handled_on_scene', 70], ['transferred', 30]],
  hazard: [['handled_on_scene', 80], ['transferred', 20]],
  help: [['handled_on_scene', 88], ['no_action', 12]],
  other: [['handled_on_scene', 55], ['false_alarm', 30], ['no_action', 15]],
};

/** An Rng whose stream can be swapped, so one generator (grids and roads prepared once) serves every day. */
export class SwitchRng implements Rng {
  constructor(public current: Rng) {}
  next(): number { return this.current.next(); }
  float(min: number, max: number): number { return this.current.float(min, max); }
  int(min: number, max: number): number { return this.current.int(min, max); }
  chance(p: number): boolean { return this.current.chance(p); }
  pick<T>(items: readonly T[]): T { return this.current.pick(items); }
  weighted<T>(items: readonly T[], weight: (item: T) => number): T { return this.current.weighted(items, weight); }
  exponential(mean: number): number { return this.current.exponential(mean); }
  poisson(lambda: number): number { return this.current.poisson(lambda); }
  fork(label: string): Rng { return this.current.fork(label); }
}

/** Log-normal around a median (spread sigma), so most responses are near the median and a few are very late. */
function logNormal(rng: Rng, median: number, sigma: number): number {
  const u = Math.max(1e-12, rng.next());
  const v = rng.next();
  return median * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
}

export interface PlannedIncident {
  report: IncidentReport;
  reportedAt: number;
  /** Lifecycle after the report: each step's status and time; the last is closed with `outcome` or cancelled. */
  steps: { status: IncidentStatus; at: number }[];
  outcome?: Outcome;
}

/** The incidents of one local day (pure: from the seed and the day alone). */
export function planDay(day: string, ctx: { seed: number; timeZone: string; perDay: number; generator: ReturnType<typeof createIncidentGenerator>; rng: SwitchRng }): PlannedIncident[] {
  const rng = createRng(hashString(`history:${ctx.seed}:${day}`));
  ctx.rng.current = rng.fork('generator');
  const life = rng.fork('lifecycle');
  const { year, month, day: d } = parseDayKey(day);
  const years = (Date.UTC(year, month - 1, d) - TREND_EPOCH) / (365.25 * 86_400_000);
  const factor = dayRateFactor(day);
  const faster = RESPONSE_TREND_PER_YEAR ** years;
  const profile = Array.from({ length: 24 }, (_, h) => ctx.generator.hourlyRate(h));
  const profileSum = profile.reduce((a, b) => a + b, 0);
  const start = dayStart(day, ctx.timeZone);
  const times: number[] = [];
  for (let h = 0; h < 24; h++) {
    const n = rng.poisson((ctx.perDay * factor * profile[h]!) / profileSum);
    for (let k = 0; k < n; k++) times.push(start + h * 3_600_000 + Math.floor(rng.float(0, 3_600)) * 1000);
  }
  times.sort((a, b) => a - b);
  return times.map((t, k) => {
    const report = { ...ctx.generator.emitNow(t, t), id: `HIS-${day.replaceAll('-', '')}-${String(k + 1).padStart(4, '0')}` };
    const steps: PlannedIncident['steps'] = [];
    const p = report.priority;
    if (life.chance(0.03)) {
      steps.push({ status: 'cancelled', at: t + Math.round(life.float(60, 900)) * 1000 });
      return { report, reportedAt: t, steps };
    }
    const dispatched = t + Math.max(5_000, Math.round(logNormal(life, DISPATCH_MEDIAN_S[p] * faster, 0.6) * 1000));
    const enRoute = dispatched + Math.round(life.float(5, 40)) * 1000;
    const onScene = enRoute + Math.max(30_000, Math.round(logNormal(life, TRAVEL_MEDIAN_S[p] * faster, 0.5) * 1000));
    const [lo, hi] = SERVICE_MIN[report.type];
    const resolved = onScene + Math.round(life.float(lo, hi) * 60) * 1000;
    const closed = resolved + Math.round(life.float(5, 120) * 60) * 1000;
    const outcome = life.weighted(OUTCOMES[report.type], ([, w]) => w)[0];
    steps.push({ status: 'dispatched', at: dispatched }, { status: 'en_route', at: enRoute }, { status: 'on_scene', at: onScene },
      { status: 'resolved', at: resolved }, { status: 'closed', at: closed });
    return { report, reportedAt: t, steps, outcome };
  });
}

/** Start of the local hour `now` is in (on local day `today`). */
function hourStartOf(now: number, today: string, timeZone: string): number {
  const start = dayStart(today, timeZone);
  return start + Math.floor((now - start) / 3_600_000) * 3_600_000;
}

/**
 * Today's planned incidents reported before `untilHour`, each lifecycle squeezed (in proportion) to end by `doneBy`
 * when it would end later: steps after the seeding would never be taken (nobody advances seeded incidents), and
 * the board would hold half-done incidents no unit is on.
 */
export function planToday(plannedToday: readonly PlannedIncident[], untilHour: number, doneBy: number): PlannedIncident[] {
  return plannedToday.filter((p) => p.reportedAt < untilHour).map((p) => {
    const end = p.steps.at(-1)?.at ?? p.reportedAt;
    if (end <= doneBy) return p;
    const room = Math.max(0, doneBy - p.reportedAt);
    const scale = room / Math.max(1, end - p.reportedAt);
    let prev = p.reportedAt;
    const steps = p.steps.map((s) => {
      prev = Math.max(prev + 1, p.reportedAt + Math.floor((s.at - p.reportedAt) * scale));
      return { ...s, at: prev };
    });
    return { ...p, steps };
  });
}

/** Runs `work` over items with at most `n` in flight. */
async function pool<T>(items: readonly T[], n: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

/** The history's first and last day (inclusive). */
export function historyDays(opts: Pick<HistoryOptions, 'months' | 'endDay' | 'startDay' | 'timeZone'>, now: number): { first: string; last: string } {
  const end = opts.endDay ?? localDayOf(now, opts.timeZone);
  return { first: opts.startDay ?? addMonths(end, -opts.months), last: addDays(end, -1) };
}

export async function seedHistory(live: LiveRepository, stats: StatsRepository, opts: HistoryOptions, now = Date.now()): Promise<HistoryResult> {
  const started = performance.now();
  // Seeding an empty Redis: every bucket it writes counts within target as it goes, nothing to judge later.
  await stats.responsesJudged(now);
  const { timeZone, jurisdiction } = opts;
  const seed = opts.seed ?? 2026;
  const { first, last } = historyDays(opts, now);
  const rng = new SwitchRng(createRng(seed));
  const generator = createIncidentGenerator({ jurisdiction: { ...jurisdiction, station: { ...jurisdiction.station, timeZone } }, rng, correctionChance: 0 });
  const ctx = { seed, timeZone, perDay: opts.incidentsPerDay ?? INCIDENTS_PER_DAY, generator, rng };
  const days: string[] = [];
  for (let d = first; d <= last; d = addDays(d, 1)) days.push(d);
  const planned = days.flatMap((d) => planDay(d, ctx));
  const today = localDayOf(now, timeZone);
  const untilHour = opts.includeToday && !opts.endDay ? hourStartOf(now, today, timeZone) : null;
  if (untilHour !== null) planned.push(...planToday(planDay(today, ctx), untilHour, now - TODAY_MARGIN_MS));

  const locate = gridLocatorFor(jurisdiction.grids);
  const rules = fixedStatsRules(timeZone, opts.targets);
  const recorder = new IncidentRecorder(live, locate, rules);
  let recorded = 0;
  let lifecycles = 0;
  await pool(planned, opts.concurrency ?? 48, async (p) => {
    if ((await recorder.record(p.report, now)) !== 'unchanged') recorded++;
    if (await advance(live, p, rules, today, now)) lifecycles++;
  });

  // After the incidents: cases opened from dispute incidents link to them.
  const community = opts.community
    ? await seedCommunityHistory(opts.community.repo, opts.community.ctx, {
      seed, timeZone, days: untilHour !== null ? [...days, today] : days, incidents: planned, now, ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    })
    : undefined;

  let presenceHours = 0;
  if (opts.presence !== false) {
    const perGrid = new Map<string, number>();
    for (const p of planned) {
      const g = locate([p.report.lng, p.report.lat]);
      if (g) perGrid.set(g, (perGrid.get(g) ?? 0) + 1);
    }
    const grids = jurisdiction.grids.features.map((f) => f.properties.id);
    const mean = planned.length / Math.max(1, grids.length);
    const weights = grids.map((g) => 1 + (perGrid.get(g) ?? 0) / Math.max(1, mean));
    const patrols = jurisdiction.units.filter((u) => u.kind === 'patrol_car' || u.kind === 'foot_patrol').length;
    const hours: number[] = [];
    for (let t = dayStart(first, timeZone); t < (untilHour ?? dayStart(addDays(last, 1), timeZone)); t += 3_600_000) hours.push(t);
    await pool(hours, opts.concurrency ?? 48, async (t) => {
      if (await writePresenceHour(stats, t, { seed, timeZone, grids, weights, patrols })) presenceHours++;
    });
  }
  return { days: days.length, incidents: planned.length, recorded, lifecycles, presenceHours, ...(community ? { community } : {}), ms: Math.round(performance.now() - started) };
}

/** Applies the planned lifecycle steps the stored incident has not taken yet (those not in the future) in one write. */
async function advance(live: LiveRepository, p: PlannedIncident, rules: StatsRules, today: string, now: number): Promise<boolean> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const stored = await live.readIncidentRaw(p.report.id);
    if (!stored) throw new Error(`history: incident ${p.report.id} was not recorded`);
    const before = stored.incident;
    const taken = before.timeline.length - 1;
    let after: Incident = before;
    for (const s of p.steps.slice(taken)) {
      if (s.at > now) break;
      const r = transitionIncident(after, s.status, { by: 'history', at: s.at }, s.status === 'closed' ? { outcome: p.outcome! } : {});
      if (!r.ok) return false; // changed by someone else (e.g. a dispatcher): leave it alone
      after = r.state;
    }
    if (after === before) return false;
    const saved = await live.saveIncident({
      expectedRaw: stored.raw, incident: after, event: { type: 'incident:updated', incident: after }, isOpen: isOpenStatus(after.status),
      moves: incidentStatsMoves(before, after, rules), today, now,
    });
    if (saved) return true;
  }
  throw new Error(`history: incident ${p.report.id}: too many concurrent changes`);
}

/**
 * Draws from a binomial distribution (n trials, probability p) in time independent of n: by inversion of the
 * distribution (exact) while n·p is small, by the normal approximation (rounded, kept in [0, n]) beyond, where
 * the two are indistinguishable at the scale of minutes of presence.
 */
export function binomial(rng: Rng, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(rng, n, 1 - p);
  const mean = n * p;
  if (mean < 30) {
    const q = 1 - p;
    const s = p / q;
    const a = (n + 1) * s;
    let r = q ** n;
    let u = rng.next();
    let x = 0;
    while (u > r && x < n) {
      u -= r;
      x++;
      r *= a / x - s;
    }
    return x;
  }
  const z = Math.sqrt(-2 * Math.log(Math.max(1e-300, 1 - rng.next()))) * Math.cos(2 * Math.PI * rng.next());
  return Math.min(n, Math.max(0, Math.round(mean + z * Math.sqrt(mean * (1 - p)))));
}

/**
 * One hour of patrol presence, seconds per grid (in the order of `weights`): each of `patrols` units is on duty
 * with probability `onDutyShare` and spends six 10-minute spells in grids picked with probability proportional to
 * `weights`. Drawn as totals, not unit by unit: the units on duty are a binomial draw, their spells spread over the
 * grids multinomially (a binomial per grid of what the grids before it left), which is the same distribution as
 * drawing each unit's six picks, at a cost in grids, not in units (a 20,000-unit roster seeds as fast as 20).
 */
export function presenceOfHour(rng: Rng, patrols: number, onDutyShare: number, weights: readonly number[]): number[] {
  let spells = 6 * binomial(rng, patrols, onDutyShare);
  let rest = weights.reduce((a, w) => a + w, 0);
  return weights.map((w, i) => {
    const k = i === weights.length - 1 || rest <= 0 ? spells : binomial(rng, spells, w / rest);
    spells -= k;
    rest -= w;
    return k * 600;
  });
}

/** One hour of patrol presence (presenceOfHour), fewer units on duty at night, from a stream seeded by the hour. */
async function writePresenceHour(stats: StatsRepository, t: number, ctx: { seed: number; timeZone: string; grids: string[]; weights: number[]; patrols: number }): Promise<boolean> {
  const hour = hourKeyOf(t, ctx.timeZone);
  const rng = createRng(hashString(`presence:${ctx.seed}:${hour}`));
  const h = Number(hour.slice(11, 13));
  const onDutyShare = h >= 7 && h < 23 ? 0.85 : 0.45;
  const seconds = presenceOfHour(rng, ctx.patrols, onDutyShare, ctx.weights);
  const secondsByGrid = new Map(ctx.grids.map((g, i) => [g, seconds[i]!]));
  return stats.addPresence({
    marker: presenceHistoryMarker(hour), hourBucket: presenceHourBucket(hour), dayBucket: presenceDayBucket(hour.slice(0, 10)),
    visitAt: 0, secondsByGrid,
  });
}
