// Which statistics counters an incident change moves. Pure: every write of an incident (ingest, dispatch
// commands, status changes, history seeding) passes its before and after through here and applies the moves in
// the same Redis script as the write, so a figure moves exactly once per change however often a message is
// redelivered: the moves of (before → after) are "remove before's contributions, add after's", netted.
//
// Layout (all hashes of integer counters, named by the local time of the incident's reportedAt):
//   stats:day:<YYYY-MM-DD>        count fields (below) + hour-of-day fields `hod:HH` / `<metric>|hod:HH`
//   stats:hour:<YYYY-MM-DD>T<HH>  count fields
//   stats:resp:<YYYY-MM-DD>       response histograms: `<step>|prio:<p>|<bin>` (bin = whole seconds rounded up,
//   stats:resp:<YYYY-MM-DD>T<HH>  see responseBin) and `<step>|prio:<p>|ms` (sum of the intervals in ms), plus
//                                 `<step>|prio:<p>|n` (incidents with the step) and `<step>|prio:<p>|in` (of those,
//                                 within the priority's target): the response series read these two counters
//   stats:resp:<YYYY-MM>          the same for the whole month, so the overview's month to date reads one hash
//                                 (minus the month's days after the date), not a hash per day so far
//   Day and month response buckets also keep the histogram's rank tree: `<step>|prio:<p>|r<k>:<i>` counts the
//   incidents whose bin lies in [i·32^k, (i+1)·32^k) for k = 1..3 (RANK_FANOUT, RANK_LEVELS), moved with the bin.
//   The exact median is then found by descending from the ≤ 3 top nodes through 32 children per level to the
//   bin (response-figures.lua): ~100 fields per step and priority, however many distinct seconds a month holds
//   (at 10× history a month's hash held thousands, all read to find one median). Hour buckets need no tree: only
//   their `n` and `in` counters are read.
// Count fields: metric 'incidents' keeps the names the wall's stats:today event reads (`total`, `type:x`,
// `prio:x`) plus `src:x`, `grid:x`; every other count metric m uses `m`, `m|type:x`, `m|src:x`, … A series
// over 13 months by type is then one HMGET of a dozen fields on each of ~400 day hashes.
//
// Within target is judged when the step is counted, against the targets in force then (RESPONSE_TARGETS of the
// node that writes the step, i.e. when the step happened; for seeded history, when it was seeded). A later change
// of the targets does not re-judge past buckets: a bucket's `in` counts each step against the targets in force
// when that step was written, while the overview states the current target beside it. A step already counted
// moves again only when its incident is corrected in a way that moves it (priority, report time, a merge); that
// move takes it out as judged by the targets in force at the correction, which after a targets change can differ
// from how it went in: such a step can leave one incident's `in` off by one, and the histograms (`<bin>`) stay
// exact to recount from.
import {
  DEFAULT_RESPONSE_TARGETS, NO_GRID, hourKeyOf, incidentCountMetrics, localDayOf, responseBin, responseIntervals, targetsInSeconds,
  type CountMetric, type Incident, type ResponseStep, type ResponseTargets, type TargetsByPriority,
} from '@ccr/shared';

/** One counter move: HINCRBY <prefix><bucket> <field> <by>. Buckets are hashes named by this module. */
export interface BucketMove { bucket: string; field: string; by: number }

export const dayBucket = (day: string): string => `stats:day:${day}`;
export const hourBucket = (hour: string): string => `stats:hour:${hour}`;
/** `period` is a day key, an hour key or a month key (YYYY-MM). */
export const responseBucket = (period: string): string => `stats:resp:${period}`;

/** Dimensions a count can be split by, with their field prefixes. */
export const DIM_PREFIX = { type: 'type', source: 'src', grid: 'grid', priority: 'prio', hod: 'hod' } as const;
export type CountDim = keyof typeof DIM_PREFIX;

/** The hash field of a count metric, whole or for one value of a dimension. */
export function countField(metric: CountMetric, dim?: CountDim, value?: string | number): string {
  if (!dim) return metric === 'incidents' ? 'total' : metric;
  const part = `${DIM_PREFIX[dim]}:${value}`;
  return metric === 'incidents' ? part : `${metric}|${part}`;
}

const STEP_CODE: Record<ResponseStep, string> = { dispatch: 'd', on_scene: 's' };
/** Histogram bin field of a response step for a priority. */
export const responseBinField = (step: ResponseStep, priority: number, bin: number): string => `${STEP_CODE[step]}|prio:${priority}|${bin}`;
/** Sum of the intervals (ms) of a response step for a priority. */
export const responseSumField = (step: ResponseStep, priority: number): string => `${STEP_CODE[step]}|prio:${priority}|ms`;
/** Incidents with a response step, per priority: a plain counter the response series read. */
export const responseCountField = (step: ResponseStep, priority: number): string => `${STEP_CODE[step]}|prio:${priority}|n`;
/** Of those, the ones within the priority's target in force when the step was counted. */
export const responseWithinField = (step: ResponseStep, priority: number): string => `${STEP_CODE[step]}|prio:${priority}|in`;

/** Children per rank tree node and levels above the bins: 32³ = 32,768, so ≤ 3 top nodes span every bin up to the
 *  overflow bin (RESPONSE_BIN_MAX + 1 = 86,401). */
export const RANK_FANOUT = 32;
export const RANK_LEVELS = 3;
/** Rank tree node `index` at `level` (1..RANK_LEVELS) of a step's histogram for a priority (see the layout above). */
export const responseRankField = (step: ResponseStep, priority: number, level: number, index: number): string =>
  `${STEP_CODE[step]}|prio:${priority}|r${level}:${index}`;

/** What an incident write needs to place its counters: the station's time zone and the response targets in force
 *  now (read at each write, so the node's current setting judges the steps it writes). */
export interface StatsRules {
  timeZone: string;
  targets(): ResponseTargets;
}

/** Rules with fixed targets (the 1-3-5 defaults when left out): history seeding and tests. */
export function fixedStatsRules(timeZone: string, targets: TargetsByPriority = DEFAULT_RESPONSE_TARGETS): StatsRules {
  const t = targetsInSeconds(targets);
  return { timeZone, targets: () => t };
}

/** Rules that follow a live context: the targets module sets `ctx.targets` when it starts (the defaults until then). */
export function statsRulesOf(live: { timeZone: string; ctx: { targets?: TargetsByPriority } }): StatsRules {
  let seen: TargetsByPriority | undefined;
  let inSeconds = targetsInSeconds(DEFAULT_RESPONSE_TARGETS);
  return {
    timeZone: live.timeZone,
    targets: () => {
      const now = live.ctx.targets ?? DEFAULT_RESPONSE_TARGETS;
      if (now !== seen) { seen = now; inSeconds = targetsInSeconds(now); }
      return inSeconds;
    },
  };
}

const hh = (hourKey: string): string => hourKey.slice(11, 13);

function contributions(i: Incident, timeZone: string, targets: ResponseTargets, by: 1 | -1): BucketMove[] {
  const day = localDayOf(i.reportedAt, timeZone);
  const hour = hourKeyOf(i.reportedAt, timeZone);
  const dayB = dayBucket(day);
  const hourB = hourBucket(hour);
  const grid = i.gridId ?? NO_GRID;
  const out: BucketMove[] = [];
  for (const m of incidentCountMetrics(i)) {
    const fields = [
      countField(m), countField(m, 'type', i.type), countField(m, 'source', i.source),
      countField(m, 'grid', grid), countField(m, 'priority', i.priority),
    ];
    for (const field of fields) out.push({ bucket: dayB, field, by }, { bucket: hourB, field, by });
    out.push({ bucket: dayB, field: countField(m, 'hod', hh(hour)), by });
  }
  const intervals = responseIntervals(i);
  for (const step of ['dispatch', 'on_scene'] as const) {
    const ms = intervals[step];
    if (ms === undefined) continue;
    const t = targets[i.priority];
    const within = ms <= (step === 'dispatch' ? t.dispatchSeconds : t.onSceneSeconds) * 1000;
    const bin = responseBin(ms);
    for (const bucket of [responseBucket(day), responseBucket(hour), responseBucket(day.slice(0, 7))]) {
      out.push({ bucket, field: responseBinField(step, i.priority, bin), by });
      out.push({ bucket, field: responseSumField(step, i.priority), by: by * ms });
      out.push({ bucket, field: responseCountField(step, i.priority), by });
      if (within) out.push({ bucket, field: responseWithinField(step, i.priority), by });
    }
    for (const bucket of [responseBucket(day), responseBucket(day.slice(0, 7))]) {
      for (let k = 1, width = RANK_FANOUT; k <= RANK_LEVELS; k++, width *= RANK_FANOUT) {
        out.push({ bucket, field: responseRankField(step, i.priority, k, Math.floor(bin / width)), by });
      }
    }
  }
  return out;
}

/** Nets out moves that undo each other, so an unchanged bucket is not touched. */
export function netMoves(moves: readonly BucketMove[]): BucketMove[] {
  const net = new Map<string, BucketMove>();
  for (const m of moves) {
    const key = `${m.bucket}|${m.field}`;
    const by = (net.get(key)?.by ?? 0) + m.by;
    if (by === 0) net.delete(key);
    else net.set(key, { ...m, by });
  }
  return [...net.values()];
}

/** Counter moves that keep every figure exact when an incident is reported, corrected or changes status. Before
 *  and after are judged against the same targets, so a step the change leaves where it was nets to nothing. */
export function incidentStatsMoves(before: Incident | null, after: Incident, rules: StatsRules): BucketMove[] {
  const targets = rules.targets();
  if (!before) return contributions(after, rules.timeZone, targets, 1);
  return netMoves([...contributions(before, rules.timeZone, targets, -1), ...contributions(after, rules.timeZone, targets, 1)]);
}
