// Predicted against actual travel times, counted at write time. Pure: which counters an arrival moves, and how
// counters read back become error percentiles and the calibration. The dispatch module applies the moves in the
// same atomic commit that puts the unit on scene (dispatch-repository.ts), so an arrival counts exactly once however
// often its report is redelivered: the commit checks the unit was still on its way, and marks the assignment
// arrived.
//
// Layout: one hash per local day of arrival, `eta:day:<YYYY-MM-DD>` (under the deployment's key prefix), fields
//   <kind>|n            arrivals
//   <kind>|e:<p>        arrivals whose relative error |predicted − actual| ÷ actual was p % (whole, 0…MAX_ERROR_BIN)
//   <kind>|r:<b>        arrivals whose actual ÷ model (uncalibrated) was RATIO_STEP^b (b rounded, ±MAX_RATIO_BIN):
//                       the calibration's histogram
//   <kind>|late         arrivals later than predicted
//   <kind>|pms, |ams    sums of predicted and actual milliseconds (means)
import { Type, type Static } from '@sinclair/typebox';
import {
  MOVING_KINDS, compileChecker, localDayOf,
  type EtaCalibration, type EtaErrorFigures, type MovingKind,
} from '@ccr/shared';
import type { BucketMove } from '../stats/stats-buckets.js';

/** What is stored with a unit's assignment when it is sent: the ETA the dispatcher was shown. */
export const EtaPredictionSchema = Type.Object(
  {
    kind: Type.Union(MOVING_KINDS.map((k) => Type.Literal(k))),
    /** Calibrated ETA, seconds (what was shown and is judged). */
    s: Type.Number({ minimum: 0 }),
    /** The model's ETA before calibration, seconds (what the calibration learns from). */
    raw: Type.Number({ minimum: 0 }),
    basis: Type.Union([Type.Literal('road'), Type.Literal('straight_line')]),
  },
  { additionalProperties: false },
);
export type EtaPrediction = Static<typeof EtaPredictionSchema>;
export const checkEtaPrediction = compileChecker(EtaPredictionSchema);

export const etaDayBucket = (day: string): string => `eta:day:${day}`;

export const MAX_ERROR_BIN = 500;
export const RATIO_STEP = 1.02;
export const MAX_RATIO_BIN = 100;
/** Calibration factors stay within these bounds, whatever a few odd arrivals say. */
export const CALIBRATION_MIN = 0.5;
export const CALIBRATION_MAX = 2.5;

/** Counter moves for one arrival: `actualS` is on-scene time − dispatch time, in field seconds. */
export function arrivalMoves(p: EtaPrediction, actualS: number, arrivedAt: number, timeZone: string): BucketMove[] {
  // A unit "arriving" the moment it is sent (standing at the scene) says nothing about travel times.
  if (!(actualS >= 1) || !(p.raw > 0)) return [];
  const bucket = etaDayBucket(localDayOf(arrivedAt, timeZone));
  const error = Math.min(MAX_ERROR_BIN, Math.floor((Math.abs(p.s - actualS) / actualS) * 100));
  const ratio = Math.max(-MAX_RATIO_BIN, Math.min(MAX_RATIO_BIN, Math.round(Math.log(actualS / p.raw) / Math.log(RATIO_STEP))));
  const k = p.kind;
  const moves: BucketMove[] = [
    { bucket, field: `${k}|n`, by: 1 },
    { bucket, field: `${k}|e:${error}`, by: 1 },
    { bucket, field: `${k}|r:${ratio}`, by: 1 },
    { bucket, field: `${k}|pms`, by: Math.round(p.s * 1000) },
    { bucket, field: `${k}|ams`, by: Math.round(actualS * 1000) },
  ];
  if (actualS > p.s) moves.push({ bucket, field: `${k}|late`, by: 1 });
  return moves;
}

interface KindCounts {
  n: number;
  late: number;
  pms: number;
  ams: number;
  /** bin → count */
  errors: Map<number, number>;
  ratios: Map<number, number>;
}

/** Day hashes summed, by kind. Unknown kinds and fields are ignored (a hash may hold more one day). */
export function countsByKind(hashes: readonly Record<string, string>[]): Map<MovingKind, KindCounts> {
  const out = new Map<MovingKind, KindCounts>();
  for (const h of hashes) {
    for (const [field, raw] of Object.entries(h)) {
      const bar = field.indexOf('|');
      const kind = field.slice(0, bar) as MovingKind;
      if (bar < 0 || !MOVING_KINDS.includes(kind)) continue;
      const v = Number(raw);
      if (!Number.isFinite(v)) continue;
      let c = out.get(kind);
      if (!c) out.set(kind, (c = { n: 0, late: 0, pms: 0, ams: 0, errors: new Map(), ratios: new Map() }));
      const rest = field.slice(bar + 1);
      if (rest === 'n' || rest === 'late' || rest === 'pms' || rest === 'ams') c[rest] += v;
      else if (rest.startsWith('e:')) add(c.errors, Number(rest.slice(2)), v);
      else if (rest.startsWith('r:')) add(c.ratios, Number(rest.slice(2)), v);
    }
  }
  return out;
}

const add = (m: Map<number, number>, bin: number, v: number): void => {
  if (Number.isInteger(bin)) m.set(bin, (m.get(bin) ?? 0) + v);
};

/** The bin below which a share `q` of the counts lies (the smallest bin whose cumulative count reaches q·n). */
export function histogramQuantile(hist: ReadonlyMap<number, number>, q: number): number | null {
  const bins = [...hist].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const total = bins.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return null;
  const need = q * total;
  let acc = 0;
  for (const [bin, n] of bins) {
    acc += n;
    if (acc >= need) return bin;
  }
  return bins.at(-1)![0];
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/** Error figures of some counts (one kind, or all together). */
export function errorFigures(c: KindCounts | undefined): EtaErrorFigures {
  if (!c || c.n === 0) {
    return { arrivals: 0, errorP50Percent: null, errorP90Percent: null, laterThanPredictedPercent: null, meanPredictedSeconds: null, meanActualSeconds: null };
  }
  // Upper edge of the bin: "90 % of arrivals were within p90".
  const edge = (q: number): number | null => {
    const b = histogramQuantile(c.errors, q);
    return b === null ? null : b + 1;
  };
  return {
    arrivals: c.n,
    errorP50Percent: edge(0.5),
    errorP90Percent: edge(0.9),
    laterThanPredictedPercent: round1((c.late / c.n) * 100),
    meanPredictedSeconds: round1(c.pms / c.n / 1000),
    meanActualSeconds: round1(c.ams / c.n / 1000),
  };
}

/** Every kind's counts added together. */
export function allKinds(counts: ReadonlyMap<MovingKind, KindCounts>): KindCounts {
  const all: KindCounts = { n: 0, late: 0, pms: 0, ams: 0, errors: new Map(), ratios: new Map() };
  for (const c of counts.values()) {
    all.n += c.n;
    all.late += c.late;
    all.pms += c.pms;
    all.ams += c.ams;
    for (const [b, n] of c.errors) add(all.errors, b, n);
    for (const [b, n] of c.ratios) add(all.ratios, b, n);
  }
  return all;
}

/**
 * The calibration from a window's counts: per kind with at least `minSamples` arrivals, the median of actual ÷
 * model, clamped to [CALIBRATION_MIN, CALIBRATION_MAX]. A median, not a mean: one unit that stopped for coffee
 * must not slow every estimate down.
 */
export function calibrationFrom(counts: ReadonlyMap<MovingKind, KindCounts>, opts: { minSamples: number; windowDays: number; now: number }): EtaCalibration {
  const byKind: EtaCalibration['byKind'] = {};
  for (const kind of MOVING_KINDS) {
    const c = counts.get(kind);
    const samples = c ? [...c.ratios.values()].reduce((s, n) => s + n, 0) : 0;
    if (!c || samples < opts.minSamples) continue;
    const median = histogramQuantile(c.ratios, 0.5)!;
    const factor = Math.min(CALIBRATION_MAX, Math.max(CALIBRATION_MIN, RATIO_STEP ** median));
    byKind[kind] = { factor: Math.round(factor * 1000) / 1000, samples };
  }
  return { computedAt: opts.now, windowDays: opts.windowDays, minSamples: opts.minSamples, byKind };
}
