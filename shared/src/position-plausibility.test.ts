import { describe, expect, it } from 'vitest';
import { DEFAULT_PLAUSIBILITY, MAX_PLAUSIBLE_SPEED_MPS, PositionPlausibility, clampFixTime, judgeFix } from './position-plausibility.js';

const T0 = Date.UTC(2026, 11, 4, 6, 0, 0);
const HOME = { lng: 116.6921, lat: 39.0683 };
/** A fix `metres` east of HOME at `ms` after T0. */
const east = (metres: number, ms: number) => ({ lng: HOME.lng + metres / (111_320 * Math.cos((HOME.lat * Math.PI) / 180)), lat: HOME.lat, ts: T0 + ms });

describe('judgeFix', () => {
  it('refuses a 30 km jump in half a second for every kind', () => {
    for (const kind of Object.keys(MAX_PLAUSIBLE_SPEED_MPS) as (keyof typeof MAX_PLAUSIBLE_SPEED_MPS)[]) {
      const j = judgeFix(east(0, 0), east(30_000, 500), kind, DEFAULT_PLAUSIBILITY);
      expect(j.plausible, kind).toBe(false);
      expect(j.speedMps).toBeGreaterThan(50_000);
    }
  });

  it('tells a car from a walker by speed, and allows the receiver its error', () => {
    // 600 m in 20 s is 108 km/h: a car, not a foot patrol.
    expect(judgeFix(east(0, 0), east(600, 20_000), 'patrol_car', DEFAULT_PLAUSIBILITY).plausible).toBe(true);
    expect(judgeFix(east(0, 0), east(600, 20_000), 'foot_patrol', DEFAULT_PLAUSIBILITY).plausible).toBe(false);
    // A fixed place drifts by its receiver's error, never further.
    expect(judgeFix(east(0, 0), east(150, 1_000), 'emergency_unit', DEFAULT_PLAUSIBILITY).plausible).toBe(true);
    expect(judgeFix(east(0, 0), east(1_000, 3_600_000), 'emergency_unit', DEFAULT_PLAUSIBILITY).plausible).toBe(false);
  });

  it('scales the ceiling with a demo faster than real time', () => {
    const fast = { ...DEFAULT_PLAUSIBILITY, timeScale: 10 };
    expect(judgeFix(east(0, 0), east(5_000, 10_000), 'patrol_car', DEFAULT_PLAUSIBILITY).plausible).toBe(false);
    expect(judgeFix(east(0, 0), east(5_000, 10_000), 'patrol_car', fast).plausible).toBe(true);
  });

  it('leaves older and simultaneous fixes to latest-wins', () => {
    expect(judgeFix(east(0, 1_000), east(30_000, 1_000), 'patrol_car', DEFAULT_PLAUSIBILITY).plausible).toBe(true);
    expect(judgeFix(east(0, 1_000), east(30_000, 0), 'patrol_car', DEFAULT_PLAUSIBILITY).plausible).toBe(true);
  });
});

describe('clampFixTime', () => {
  it('believes a small skew and reads a clock further ahead as now', () => {
    expect(clampFixTime(T0 + 2_000, T0, 5_000)).toEqual({ ts: T0 + 2_000, clamped: false });
    expect(clampFixTime(T0 + 120_000, T0, 5_000)).toEqual({ ts: T0, clamped: true });
    expect(clampFixTime(T0 - 1_000, T0, 5_000)).toEqual({ ts: T0 - 1_000, clamped: false });
  });
});

describe('PositionPlausibility', () => {
  it('refuses a jump and keeps judging against the last good fix', () => {
    const p = new PositionPlausibility();
    expect(p.check('P-03', 'patrol_car', east(0, 0)).ok).toBe(true);
    const jump = p.check('P-03', 'patrol_car', east(30_000, 500));
    expect(jump).toMatchObject({ ok: false, reason: 'implausible_speed' });
    expect(p.check('P-03', 'patrol_car', east(10, 1_000)).ok).toBe(true);
  });

  it('accepts a run of refused fixes that agree: the remembered fix was the wrong one, and the unit must not freeze', () => {
    const p = new PositionPlausibility();
    p.remember('P-03', east(30_000, 0)); // a bad fix stored before this node started
    const verdicts = [1, 2, 3].map((i) => p.check('P-03', 'patrol_car', east(i * 5, i * 1_000)).ok);
    expect(verdicts).toEqual([false, false, true]);
    expect(p.check('P-03', 'patrol_car', east(20, 4_000)).ok).toBe(true);
  });

  it('does not re-anchor on fixes that scatter', () => {
    const p = new PositionPlausibility();
    p.check('P-03', 'patrol_car', east(0, 0));
    const scattered = [40_000, -40_000, 40_000, -40_000].map((m, i) => p.check('P-03', 'patrol_car', east(m, (i + 1) * 500)).ok);
    expect(scattered).toEqual([false, false, false, false]);
  });

  it('measures how long the exact coordinates have repeated', () => {
    const p = new PositionPlausibility();
    p.check('P-03', 'patrol_car', east(0, 0));
    expect(p.check('P-03', 'patrol_car', east(0, 60_000))).toEqual({ ok: true, frozenFor: 60_000, moved: false });
    expect(p.check('P-03', 'patrol_car', east(0, 200_000))).toEqual({ ok: true, frozenFor: 200_000, moved: false });
    // A late fix from before says nothing about now.
    expect(p.check('P-03', 'patrol_car', east(50, 100_000))).toEqual({ ok: true, frozenFor: 0, moved: false });
    expect(p.check('P-03', 'patrol_car', east(30, 201_000))).toEqual({ ok: true, frozenFor: 0, moved: true });
  });
});
