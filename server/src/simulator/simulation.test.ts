import { describe, expect, it } from 'vitest';
import { IncidentReportSchema, PositionMessageSchema, compileChecker } from '@ccr/shared';
import { DEMO_SEED, buildDemoJurisdiction } from './jurisdiction-generator.js';
import { NotEnoughUnitsError, chunk, createSimulation, trackedUnits, type SimulationTick } from './simulation.js';

const demo = buildDemoJurisdiction({ seed: DEMO_SEED });
const START = Date.UTC(2026, 10, 23, 2); // 10:00 in Shanghai
const run = (seed: number, ticks: number, extra: Partial<Parameters<typeof createSimulation>[0]> = {}): SimulationTick[] => {
  const sim = createSimulation({ jurisdiction: demo, seed, startMs: START, ...extra });
  return Array.from({ length: ticks }, () => sim.tick());
};

describe('createSimulation', () => {
  it('drives every tracked unit and never a fixed emergency unit', () => {
    const [first] = run(1, 1);
    expect(first!.positions).toHaveLength(136);
    const ids = new Set(first!.positions.map((p) => p.unitId));
    expect([...ids].some((id) => id.startsWith('E-'))).toBe(false);
    expect(ids.has('P-01') && ids.has('C-39') && ids.has('V-06') && ids.has('A-01') && ids.has('Z-63')).toBe(true);
  });

  it('stamps positions from the tick counter at the report rate', () => {
    const ticks = run(1, 5, { rateHz: 2 });
    expect(ticks.map((t) => t.ts)).toEqual([0, 500, 1000, 1500, 2000].map((d) => START + d));
    for (const t of ticks) for (const p of t.positions) expect(p.ts).toBe(t.ts);
  });

  it('runs simulated time K× faster with --time-scale', () => {
    const ticks = run(1, 3, { timeScale: 60 });
    expect(ticks[2]!.ts - START).toBe(2000);
    expect(ticks[2]!.simMs - START).toBe(120_000);
  });

  it('emits valid messages: positions as one array per tick, incidents per the contract', () => {
    const positions = compileChecker(PositionMessageSchema);
    const incidents = compileChecker(IncidentReportSchema);
    const ticks = run(3, 120, { timeScale: 120 });
    for (const t of ticks) {
      expect(positions.validate(t.positions)).toEqual({ ok: true, value: t.positions });
      for (const i of t.incidents) expect(incidents.validate(i)).toEqual({ ok: true, value: i });
    }
    expect(ticks.flatMap((t) => t.incidents).length).toBeGreaterThan(5);
  });

  it('emits the first incident within a few seconds of starting, even at night', () => {
    const night = Date.UTC(2026, 10, 22, 19); // 03:00 in Shanghai
    const sim = createSimulation({ jurisdiction: demo, seed: 5, startMs: night, incidentsPerHour: 0.01 });
    const ticks = Array.from({ length: 5 }, () => sim.tick());
    const first = ticks.findIndex((t) => t.incidents.length > 0);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(3);
  });

  it('is deterministic: the same seed gives the same first 100 positions and incidents', () => {
    // 100 ticks of every unit, and one car's first 100 positions.
    const positions = (seed: number) => run(seed, 100).flatMap((t) => t.positions);
    const moving = (seed: number) => run(seed, 100).map((t) => t.positions[0]);
    const incidents = (seed: number) => run(seed, 400, { timeScale: 600, unitCount: 1 }).flatMap((t) => t.incidents).slice(0, 100);
    expect(positions(7)).toEqual(positions(7));
    expect(moving(7)).toEqual(moving(7));
    expect(new Set(moving(7).map((p) => `${p!.lng},${p!.lat}`)).size).toBeGreaterThan(10);
    const first = incidents(7);
    expect(first).toHaveLength(100);
    expect(incidents(7)).toEqual(first);
    expect(incidents(8)).not.toEqual(first);
    expect(moving(8)).not.toEqual(moving(7));
  });

  it('moves a unit the same whether 20 or all units are driven', () => {
    const few = run(9, 60, { unitCount: 20 });
    const all = run(9, 60);
    const unit = few[0]!.positions[7]!.unitId;
    const track = (ticks: SimulationTick[]) => ticks.map((t) => t.positions.find((p) => p.unitId === unit));
    expect(track(few)).toEqual(track(all));
  });

  it('refuses more units than the roster tracks, saying how many it has', () => {
    expect(() => trackedUnits(demo, 137)).toThrow(NotEnoughUnitsError);
    expect(() => trackedUnits(demo, 137)).toThrow(/only 136 tracked units/);
    const loaded = buildDemoJurisdiction({ seed: DEMO_SEED, loadUnits: 1000 });
    expect(trackedUnits(loaded, 1100)).toHaveLength(1100);
  });
});

describe('chunk', () => {
  it('splits large ticks into messages of at most 5,000 reports', () => {
    const sizes = chunk(Array.from({ length: 12_001 }, (_, i) => i), 5000).map((c) => c.length);
    expect(sizes).toEqual([5000, 5000, 2001]);
    expect(chunk([], 5000)).toEqual([]);
  });
});
