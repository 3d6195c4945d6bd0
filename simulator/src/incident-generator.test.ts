import { describe, expect, it } from 'vitest';
import {
  INCIDENT_TYPES, IncidentReportSchema, compileChecker, createGridLocator, type IncidentReport, type IncidentType, type LngLat,
} from '@ccr/shared';
import { DEMO_SEED, buildDemoJurisdiction } from './jurisdiction-generator.js';
import { HOURLY_INCIDENT_RATE, TYPE_WEIGHTS, createIncidentGenerator, formatLocalIso, createRng } from '@ccr/shared/demo';

const demo = buildDemoJurisdiction({ seed: DEMO_SEED });
const checker = compileChecker(IncidentReportSchema);
const HOUR = 3_600_000;
/** 2026-11-23 00:00 in Shanghai. */
const MIDNIGHT = Date.UTC(2026, 10, 22, 16);

/** Runs the generator hour by hour over `days` simulated days; returns new incidents with their local hour. */
function runDays(days: number, seed: number, incidentsPerHour?: number) {
  const gen = createIncidentGenerator({ jurisdiction: demo, rng: createRng(seed), ...(incidentsPerHour ? { incidentsPerHour } : {}) });
  const fresh: { report: IncidentReport; hour: number }[] = [];
  const resent: IncidentReport[] = [];
  const seen = new Set<string>();
  for (let h = 0; h < days * 24; h++) {
    const from = MIDNIGHT + h * HOUR;
    // Wall time moves with simulated time here, so ids follow the simulated days.
    for (const r of gen.advance(from, from + HOUR, from + HOUR - 1)) {
      if (seen.has(r.id)) resent.push(r);
      else {
        seen.add(r.id);
        fresh.push({ report: r, hour: h % 24 });
      }
    }
  }
  return { gen, fresh, resent };
}

describe('createIncidentGenerator', () => {
  const { gen, fresh, resent } = runDays(120, 1);
  const reports = fresh.map((f) => f.report);

  it('follows the hour-of-day profile: busy late morning and evening, quiet 2–6 am', () => {
    const byHour = new Array<number>(24).fill(0);
    for (const f of fresh) byHour[f.hour]!++;
    HOURLY_INCIDENT_RATE.forEach((rate, hour) => {
      const expected = rate * 120;
      expect(Math.abs(byHour[hour]! - expected) / expected, `hour ${hour}: ${byHour[hour]} vs ${expected}`).toBeLessThan(0.3);
    });
    const night = byHour.slice(2, 6).reduce((s, n) => s + n, 0) / 4;
    expect(byHour[11]! / night).toBeGreaterThan(5);
    expect(byHour[19]! / night).toBeGreaterThan(5);
    expect(gen.hourlyRate(19)).toBe(HOURLY_INCIDENT_RATE[19]);
    const perDay = fresh.length / 120;
    expect(perDay).toBeGreaterThan(75);
    expect(perDay).toBeLessThan(105);
  });

  it('scales the whole profile to --incidents-per-hour', () => {
    const { fresh: busy } = runDays(20, 2, 10);
    expect(busy.length / (20 * 24)).toBeGreaterThan(9);
    expect(busy.length / (20 * 24)).toBeLessThan(11);
  });

  it('mixes types, sources and priorities like a town station', () => {
    const count = <K extends string>(key: (r: IncidentReport) => K): Map<K, number> => {
      const m = new Map<K, number>();
      for (const r of reports) m.set(key(r), (m.get(key(r)) ?? 0) + 1);
      return m;
    };
    const types = count((r) => r.type);
    for (const t of INCIDENT_TYPES) expect(types.get(t), t).toBeGreaterThan(0);
    const totalWeight = Object.values(TYPE_WEIGHTS).reduce((s, w) => s + w, 0);
    for (const t of ['dispute', 'traffic', 'theft'] as IncidentType[]) {
      expect(types.get(t)! / reports.length).toBeGreaterThan((TYPE_WEIGHTS[t] / totalWeight) * 0.7);
    }
    const sources = [...count((r) => r.source).entries()].sort((a, b) => b[1] - a[1]);
    expect(sources[0]![0]).toBe('110');
    expect(sources.map((s) => s[0])).toEqual(expect.arrayContaining(['110', 'video_ai', 'patrol', 'online', 'volunteer', 'walk_in']));
    const p1 = count((r) => String(r.priority)).get('1')! / reports.length;
    expect(p1).toBeGreaterThan(0.08);
    expect(p1).toBeLessThan(0.16);
    expect(count((r) => String(r.priority)).get('2')! + count((r) => String(r.priority)).get('3')!).toBeGreaterThan(reports.length * 0.8);
  });

  it('sends reports the ingest contract accepts, in Chinese, on the jurisdiction’s roads', () => {
    const roadNames = new Set(demo.roads.features.map((f) => f.properties.name));
    const locate = createGridLocator(demo.grids.features.map((f) => ({ id: f.properties.id, polygons: [f.geometry.coordinates as LngLat[][]] })));
    let inside = 0;
    for (const r of reports.slice(0, 3000)) {
      expect(checker.validate(r)).toEqual({ ok: true, value: r });
      expect(r.id).toMatch(/^JQ-2026\d{4}-\d{4}$/);
      expect(r.reportedAt).toMatch(/^2026-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
      expect(r.address!.startsWith('胜芳镇')).toBe(true);
      const onRoad = [...roadNames].some((n) => n && r.address!.includes(n));
      const onGrid = demo.grids.features.some((f) => r.address!.includes(f.properties.name));
      expect(onRoad || onGrid, r.address).toBe(true);
      expect(r.summary!.length).toBeGreaterThan(2);
      expect(r.reporter!.length).toBeGreaterThan(2);
      if (locate([r.lng, r.lat])) inside++;
    }
    expect(inside / 3000).toBeGreaterThan(0.99);
    expect(reports.some((r) => /与.+交叉口$/u.test(r.address!))).toBe(true);
    expect(reports.some((r) => /\d{3}\*{4}\d{4}$/u.test(r.reporter!))).toBe(true);
  });

  it('numbers incidents per local day, JQ-YYYYMMDD-0001 upwards', () => {
    const firstDay = reports.filter((r) => r.id.startsWith('JQ-20261123-')).map((r) => r.id);
    expect(firstDay[0]).toBe('JQ-20261123-0001');
    expect(firstDay[1]).toBe('JQ-20261123-0002');
    expect(reports.some((r) => r.id === 'JQ-20261124-0001')).toBe(true);
    const resumed = createIncidentGenerator({ jurisdiction: demo, rng: createRng(1), firstSequence: () => 42 });
    expect(resumed.emitNow(MIDNIGHT, MIDNIGHT + 1000).id).toBe('JQ-20261123-0042');
  });

  it('puts more incidents in the hot spots (old town, markets) than in the villages', () => {
    const locate = createGridLocator(demo.grids.features.map((f) => ({ id: f.properties.id, polygons: [f.geometry.coordinates as LngLat[][]] })));
    const nameOf = new Map(demo.grids.features.map((f) => [f.properties.id, f.properties.name]));
    const perGrid = new Map<string, number>();
    for (const r of reports) {
      const g = locate([r.lng, r.lat]);
      if (g) perGrid.set(g, (perGrid.get(g) ?? 0) + 1);
    }
    const avg = (pred: (name: string) => boolean): number => {
      const ids = [...nameOf].filter(([, n]) => pred(n)).map(([id]) => id);
      return ids.reduce((s, id) => s + (perGrid.get(id) ?? 0), 0) / ids.length;
    };
    expect(avg((n) => /古镇|商贸|家具城|中山街/u.test(n)) / avg((n) => n.endsWith('村'))).toBeGreaterThan(3);
  });

  it('re-sends about 3 % of incidents later with one field corrected', () => {
    const share = resent.length / fresh.length;
    expect(share).toBeGreaterThan(0.015);
    expect(share).toBeLessThan(0.05);
    const byId = new Map(reports.map((r) => [r.id, r]));
    for (const c of resent) {
      const original = byId.get(c.id)!;
      expect(c).not.toEqual(original);
      expect(c.reportedAt).toBe(original.reportedAt);
      expect(c.type).toBe(original.type);
      expect(checker.check(c)).toBe(true);
    }
  });

  it('is deterministic for a seed', () => {
    const again = runDays(3, 1).fresh.map((f) => f.report);
    expect(again).toEqual(reports.slice(0, again.length));
  });
});

describe('formatLocalIso', () => {
  it('writes the station’s offset', () => {
    expect(formatLocalIso(Date.UTC(2026, 10, 23, 1, 41, 5), 'Asia/Shanghai')).toBe('2026-11-23T09:41:05+08:00');
    expect(formatLocalIso(Date.UTC(2026, 10, 22, 16, 0, 0), 'Asia/Shanghai')).toBe('2026-11-23T00:00:00+08:00');
    expect(formatLocalIso(Date.UTC(2026, 0, 1), 'UTC')).toBe('2026-01-01T00:00:00+00:00');
  });
});
