import { describe, expect, it } from 'vitest';
import {
  CALIBRATION_MAX, CALIBRATION_MIN, RATIO_STEP, allKinds, arrivalMoves, calibrationFrom, countsByKind, errorFigures,
  histogramQuantile, type EtaPrediction,
} from './eta-accuracy.js';
import type { BucketMove } from '../stats/stats-buckets.js';

const TZ = 'Asia/Shanghai';
const AT = Date.UTC(2026, 11, 4, 6, 0, 0); // 14:00 in Shanghai
const car = (s: number, raw = s): EtaPrediction => ({ kind: 'patrol_car', s, raw, basis: 'road' });

/** Applies moves to hashes the way the commit's HINCRBY does. */
function apply(moves: readonly BucketMove[], into: Map<string, Record<string, string>> = new Map()): Map<string, Record<string, string>> {
  for (const m of moves) {
    const h = into.get(m.bucket) ?? {};
    h[m.field] = String(Number(h[m.field] ?? 0) + m.by);
    into.set(m.bucket, h);
  }
  return into;
}

describe('arrivalMoves', () => {
  it('counts one arrival in the day of arrival: error bin, ratio bin, late flag, sums', () => {
    const moves = arrivalMoves(car(100, 80), 120, AT, TZ);
    expect(moves).toEqual([
      { bucket: 'eta:day:2026-12-04', field: 'patrol_car|n', by: 1 },
      { bucket: 'eta:day:2026-12-04', field: 'patrol_car|e:16', by: 1 }, // |100 − 120| ÷ 120 = 16.7 %
      { bucket: 'eta:day:2026-12-04', field: `patrol_car|r:${Math.round(Math.log(1.5) / Math.log(RATIO_STEP))}`, by: 1 }, // 120 ÷ 80
      { bucket: 'eta:day:2026-12-04', field: 'patrol_car|pms', by: 100_000 },
      { bucket: 'eta:day:2026-12-04', field: 'patrol_car|ams', by: 120_000 },
      { bucket: 'eta:day:2026-12-04', field: 'patrol_car|late', by: 1 },
    ]);
    // the local day, not the UTC one
    expect(arrivalMoves(car(60), 60, Date.UTC(2026, 11, 4, 17, 0, 0), TZ)[0]!.bucket).toBe('eta:day:2026-12-05');
  });

  it('learns nothing from a unit that was there already or a prediction of zero, and caps what is absurd', () => {
    expect(arrivalMoves(car(100), 0.4, AT, TZ)).toEqual([]);
    expect(arrivalMoves(car(0, 0), 100, AT, TZ)).toEqual([]);
    const wild = arrivalMoves(car(10_000, 1), 10, AT, TZ).map((m) => m.field);
    expect(wild).toContain('patrol_car|e:500');
    expect(wild).toContain('patrol_car|r:100');
  });
});

describe('figures from the counters', () => {
  it('reads p50/p90 as upper bin edges, and means, by kind and for all kinds', () => {
    // ten cars predicted 100, 110, … 190 s, each arriving after 100 s: errors 0, 10, … 90 %
    const hashes = apply(Array.from({ length: 10 }, (_, k) => arrivalMoves(car(100 + k * 10, 100), 100, AT, TZ)).flat());
    const counts = countsByKind([...hashes.values()]);
    const c = counts.get('patrol_car')!;
    expect(c.n).toBe(10);
    expect(errorFigures(c)).toEqual({
      arrivals: 10, errorP50Percent: 41, errorP90Percent: 81, laterThanPredictedPercent: 0, meanPredictedSeconds: 145, meanActualSeconds: 100,
    });
    expect(errorFigures(undefined)).toMatchObject({ arrivals: 0, errorP50Percent: null, errorP90Percent: null });
    const more = apply(arrivalMoves({ kind: 'foot_patrol', s: 300, raw: 300, basis: 'road' }, 300, AT, TZ), hashes);
    const all = allKinds(countsByKind([...more.values()]));
    expect(all.n).toBe(11);
    expect(errorFigures(all).errorP50Percent).toBe(41);
    // foreign fields and kinds are ignored
    const odd = countsByKind([{ 'tank|n': '3', total: '9', 'patrol_car|e:x': '1', 'patrol_car|n': 'many' }]);
    expect([...odd.keys()]).toEqual(['patrol_car']);
    expect(errorFigures(odd.get('patrol_car'))).toMatchObject({ arrivals: 0, errorP50Percent: null });
  });

  it('histogramQuantile is the smallest bin reaching the share', () => {
    expect(histogramQuantile(new Map(), 0.5)).toBeNull();
    expect(histogramQuantile(new Map([[3, 1], [1, 1], [2, 2]]), 0.5)).toBe(2);
    expect(histogramQuantile(new Map([[3, 1], [1, 1], [2, 2]]), 0.25)).toBe(1);
    expect(histogramQuantile(new Map([[3, 1], [1, 1], [2, 2]]), 1)).toBe(3);
    expect(histogramQuantile(new Map([[-4, 5], [7, 0]]), 0.9)).toBe(-4);
  });

  it('calibrates a kind by its median actual ÷ model once it has enough arrivals, within bounds', () => {
    const slow = Array.from({ length: 30 }, (_, k) => arrivalMoves(car(100, 100), k < 20 ? 130 : 400, AT, TZ)).flat();
    const few = Array.from({ length: 4 }, () => arrivalMoves({ kind: 'foot_patrol', s: 100, raw: 100, basis: 'road' }, 300, AT, TZ)).flat();
    const absurd = Array.from({ length: 25 }, () => arrivalMoves({ kind: 'case_officer', s: 100, raw: 100, basis: 'road' }, 1_000, AT, TZ)).flat();
    const counts = countsByKind([...apply([...slow, ...few, ...absurd]).values()]);
    const c = calibrationFrom(counts, { minSamples: 20, windowDays: 14, now: AT });
    expect(c.computedAt).toBe(AT);
    expect(Object.keys(c.byKind).sort()).toEqual(['case_officer', 'patrol_car']);
    // the median of 20 × 1.3 and 10 × 4: 1.3 (to the nearest 2 % step), not the mean
    expect(c.byKind.patrol_car!.factor).toBeCloseTo(1.3, 1);
    expect(c.byKind.patrol_car!.samples).toBe(30);
    expect(c.byKind.case_officer!.factor).toBe(CALIBRATION_MAX);
    const fast = Array.from({ length: 25 }, () => arrivalMoves(car(100, 100), 10, AT, TZ)).flat();
    expect(calibrationFrom(countsByKind([...apply(fast).values()]), { minSamples: 20, windowDays: 14, now: AT }).byKind.patrol_car!.factor).toBe(CALIBRATION_MIN);
  });
});
