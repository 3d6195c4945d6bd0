// The demo's history and its live simulator tell one story: the same rate on the same day, and a today that
// reaches the present hour with every seeded incident finished.
import { describe, expect, it } from 'vitest';
import { addDays, dayStart } from '@ccr/shared';
import { createIncidentGenerator, INCIDENTS_PER_DAY, liveIncidentsPerHour, createRng, type Rng } from '@ccr/shared/demo';
import { DEMO_JURISDICTION_DIR, loadJurisdiction } from '../jurisdiction/index.js';
import { SwitchRng, binomial, planDay, planToday, presenceOfHour } from './stats-history.js';

const TZ = 'Asia/Shanghai';
// the committed demo town (the server's own files; the simulator generates them)
const demo = await loadJurisdiction(DEMO_JURISDICTION_DIR);

/** planDay swaps the generator's random stream per day; one generator serves every day. */
function context() {
  const rng = new SwitchRng(createRng(1));
  const generator = createIncidentGenerator({ jurisdiction: { ...demo, station: { ...demo.station, timeZone: TZ } }, rng, correctionChance: 0 });
  return { seed: 2026, timeZone: TZ, perDay: INCIDENTS_PER_DAY, generator, rng };
}

describe('seeded history', () => {
  it('has the live simulator\'s rate on every day (its default incidents per hour × 24)', () => {
    const ctx = context();
    // Sixty days of one season: the history's count against the simulator's expectation for the same days.
    let seeded = 0;
    let live = 0;
    for (let d = '2026-11-01'; d < '2026-12-31'; d = addDays(d, 1)) {
      seeded += planDay(d, ctx).length;
      live += liveIncidentsPerHour(d) * 24;
    }
    expect(live).toBeGreaterThan(3_000);
    expect(Math.abs(seeded - live) / live).toBeLessThan(0.05);
  });

  it('plans today up to the start of the current hour, every lifecycle finished before now, in order', () => {
    const ctx = context();
    const day = '2026-12-04';
    const hour = dayStart(day, TZ) + 10 * 3_600_000; // 10:00
    const now = hour + 20 * 60_000; // 10:20
    const doneBy = now - 60_000;
    const whole = planDay(day, ctx);
    const today = planToday(whole, hour, doneBy);
    expect(today.length).toBe(whole.filter((p) => p.reportedAt < hour).length);
    expect(today.length).toBeGreaterThan(10); // a morning's incidents: 今日 no longer reads 0–1
    let squeezed = 0;
    for (const p of today) {
      expect(p.reportedAt).toBeLessThan(hour);
      let prev = p.reportedAt;
      for (const s of p.steps) {
        expect(s.at).toBeGreaterThan(prev);
        prev = s.at;
      }
      expect(prev).toBeLessThanOrEqual(doneBy);
      expect(['closed', 'cancelled']).toContain(p.steps.at(-1)!.status);
      const original = whole.find((w) => w.report.id === p.report.id)!;
      if (original.steps.at(-1)!.at > doneBy) squeezed++;
      else expect(p).toBe(original); // finished in time: untouched
    }
    expect(squeezed).toBeGreaterThan(0);
  });

  it('seeds patrol presence as the unit-by-unit draw it replaces would, at a cost that does not grow with the roster', () => {
    // The draw seeding used before: every unit on duty or not, then six weighted 10-minute spells each.
    const unitByUnit = (rng: Rng, patrols: number, share: number, weights: readonly number[]): number[] => {
      const out = weights.map(() => 0);
      const idx = weights.map((_, i) => i);
      for (let u = 0; u < patrols; u++) {
        if (!rng.chance(share)) continue;
        for (let spell = 0; spell < 6; spell++) out[rng.weighted(idx, (k) => weights[k]!)]! += 600;
      }
      return out;
    };
    const weights = [1, 1.5, 2, 3.2];
    const total = weights.reduce((a, b) => a + b, 0);
    const mean = (draw: (rng: Rng) => number[], hours: number, seed: number) => {
      const rng = createRng(seed);
      const sum = weights.map(() => 0);
      const sq = weights.map(() => 0);
      for (let h = 0; h < hours; h++) draw(rng).forEach((v, g) => { sum[g]! += v; sq[g]! += v * v; });
      return { mean: sum.map((v) => v / hours), sd: sum.map((v, g) => Math.sqrt(sq[g]! / hours - (v / hours) ** 2)) };
    };
    // A small roster (12 patrols, day and night shares): the same mean and spread per grid, hour by hour.
    for (const share of [0.85, 0.45]) {
      const expected = weights.map((w) => 12 * share * 6 * 600 * (w / total));
      const old = mean((rng) => unitByUnit(rng, 12, share, weights), 4_000, 1);
      const now = mean((rng) => presenceOfHour(rng, 12, share, weights), 4_000, 2);
      weights.forEach((_, g) => {
        expect(Math.abs(old.mean[g]! / expected[g]! - 1), `old grid ${g}`).toBeLessThan(0.03);
        expect(Math.abs(now.mean[g]! / expected[g]! - 1), `new grid ${g}`).toBeLessThan(0.03);
        expect(Math.abs(now.sd[g]! / old.sd[g]! - 1), `spread grid ${g}`).toBeLessThan(0.06);
      });
    }
    // A 20,000-unit roster: the expected minutes, from a few random numbers an hour whatever the roster.
    let draws = 0;
    const base = createRng(3);
    const counting: Rng = { ...base, next: () => { draws++; return base.next(); } };
    const big = weights.map(() => 0);
    for (let h = 0; h < 200; h++) presenceOfHour(counting, 20_000, 0.85, weights).forEach((v, g) => { big[g]! += v / 200; });
    weights.forEach((w, g) => expect(Math.abs(big[g]! / (20_000 * 0.85 * 3_600 * (w / total)) - 1)).toBeLessThan(0.01));
    expect(draws / 200).toBeLessThanOrEqual(2 * (weights.length + 1));
  });

  it('draws binomial counts with the right mean and variance on both sides of the exact/approximate switch', () => {
    const rng = createRng(9);
    for (const [n, p] of [[10, 0.3], [40, 0.9], [200, 0.1], [5_000, 0.25]] as const) {
      const xs = Array.from({ length: 20_000 }, () => binomial(rng, n, p));
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length;
      expect(xs.every((x) => Number.isInteger(x) && x >= 0 && x <= n)).toBe(true);
      expect(Math.abs(m / (n * p) - 1), `mean n=${n} p=${p}`).toBeLessThan(0.01);
      expect(Math.abs(v / (n * p * (1 - p)) - 1), `variance n=${n} p=${p}`).toBeLessThan(0.05);
    }
    expect([binomial(rng, 0, 0.5), binomial(rng, 7, 0), binomial(rng, 7, 1)]).toEqual([0, 0, 7]);
  });
});
