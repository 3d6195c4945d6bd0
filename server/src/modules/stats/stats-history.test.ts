// The demo's history and its live simulator tell one story: the same rate on the same day, and a today that
// reaches the present hour with every seeded incident finished.
import { describe, expect, it } from 'vitest';
import { addDays, dayStart } from '@ccr/shared';
import { createIncidentGenerator, INCIDENTS_PER_DAY, liveIncidentsPerHour, createRng } from '@ccr/shared/demo';
import { DEMO_JURISDICTION_DIR, loadJurisdiction } from '../jurisdiction/index.js';
import { SwitchRng, planDay, planToday } from './stats-history.js';

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
});
