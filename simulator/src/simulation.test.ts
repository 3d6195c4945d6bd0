import { describe, expect, it } from 'vitest';
import { IncidentReportSchema, PositionMessageSchema, compileChecker, haversineMeters, type DeviceOrder } from '@ccr/shared';
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

  it('sends no incident at all with --incidents-per-hour 0', () => {
    const sim = createSimulation({ jurisdiction: demo, seed: 5, startMs: START, incidentsPerHour: 0, timeScale: 600, unitCount: 1 });
    expect(Array.from({ length: 200 }, () => sim.tick()).flatMap((t) => t.incidents)).toEqual([]);
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

describe('units obey orders', () => {
  const order = (unitId: string, kind: DeviceOrder['kind'], at: [number, number], id = 'JQ-20261123-0001'): DeviceOrder => ({
    orderId: `o-${kind}-${unitId}-${id}`, unitId, kind, issuedAt: START, issuedBy: 'dispatcher',
    incident: { id, type: 'theft', priority: 1, lng: at[0], lat: at[1], address: '中山街12号', summary: '电动车被盗' },
  });

  it('a dispatched unit reports en route, drives to the scene, stays for the service time, reports resolved and patrols', () => {
    const sim = createSimulation({ jurisdiction: demo, seed: 4, startMs: START, timeScale: 30, serviceMinutes: [5, 5] });
    const first = sim.tick();
    const car = first.positions.find((p) => p.unitId === 'P-01')!;
    // A scene about a kilometre east of the car.
    const scene: [number, number] = [car.lng + 0.012, car.lat];
    const out = sim.order(order('P-01', 'dispatch', scene));
    expect(out.reports).toEqual([{ unitId: 'P-01', report: { status: 'en_route', incidentId: 'JQ-20261123-0001' } }]);
    expect(sim.duty('P-01')).toMatchObject({ state: 'responding' });

    let arrivedTick = -1;
    let resolvedTick = -1;
    const reports: unknown[] = [];
    for (let t = 1; t < 400 && resolvedTick < 0; t++) {
      const tick = sim.tick();
      const p = tick.positions.find((x) => x.unitId === 'P-01')!;
      if (arrivedTick < 0 && haversineMeters([p.lng, p.lat], scene) < 1) arrivedTick = t;
      for (const r of tick.output.reports) reports.push(r);
      if (tick.output.reports.length > 0) resolvedTick = t;
      // Every other unit carries on with nothing to report.
      expect(tick.output.reports.every((r) => r.unitId === 'P-01')).toBe(true);
    }
    expect(reports).toEqual([{ unitId: 'P-01', report: { status: 'resolved', incidentId: 'JQ-20261123-0001' } }]);
    // At ×30, one tick is 30 simulated seconds: a km or two by road takes a handful of ticks, not minutes.
    expect(arrivedTick).toBeGreaterThan(0);
    expect(arrivedTick).toBeLessThan(30);
    // Five simulated minutes at the scene are ten ticks at ×30.
    expect(resolvedTick - arrivedTick).toBeGreaterThanOrEqual(10);
    expect(resolvedTick - arrivedTick).toBeLessThanOrEqual(12);
    expect(sim.duty('P-01')).toEqual({ state: 'patrol' });
  });

  it('a cancelled unit turns back to patrol and reports nothing more', () => {
    const sim = createSimulation({ jurisdiction: demo, seed: 4, startMs: START, timeScale: 30, serviceMinutes: [1, 1] });
    const car = sim.tick().positions.find((p) => p.unitId === 'P-02')!;
    const scene: [number, number] = [car.lng, car.lat + 0.015];
    sim.order(order('P-02', 'dispatch', scene));
    sim.tick();
    expect(sim.order(order('P-02', 'cancel', scene)).reports).toEqual([]);
    for (let t = 0; t < 100; t++) {
      const tick = sim.tick();
      expect(tick.output.reports).toEqual([]);
      const p = tick.positions.find((x) => x.unitId === 'P-02')!;
      expect(haversineMeters([p.lng, p.lat], scene)).toBeGreaterThan(1);
    }
    expect(sim.duty('P-02')).toEqual({ state: 'patrol' });
  });

  it('an emergency unit is alerted without moving; units not driven are only noted', () => {
    const sim = createSimulation({ jurisdiction: demo, seed: 4, startMs: START, unitCount: 10 });
    sim.tick();
    const alert = sim.order(order('E-0001', 'alert', [116.68, 39.07]));
    expect(alert.reports).toEqual([]);
    expect(alert.notes).toEqual([{ unitId: 'E-0001', text: expect.stringContaining('alert JQ-20261123-0001') }]);
    const notDriven = sim.order(order('Z-63', 'dispatch', [116.68, 39.07]));
    expect(notDriven.reports).toEqual([]);
    expect(notDriven.notes[0]!.text).toContain('does not drive Z-63');
    expect(sim.duty('E-0001')).toBeUndefined();
  });

  it('leaves every other unit exactly where an unordered run has it', () => {
    const plain = createSimulation({ jurisdiction: demo, seed: 12, startMs: START, timeScale: 10 });
    const ordered = createSimulation({ jurisdiction: demo, seed: 12, startMs: START, timeScale: 10 });
    plain.tick();
    const car = ordered.tick().positions[0]!;
    ordered.order(order(car.unitId, 'dispatch', [car.lng + 0.01, car.lat]));
    for (let t = 0; t < 50; t++) {
      const [a, b] = [plain.tick(), ordered.tick()];
      expect(b.positions.slice(1)).toEqual(a.positions.slice(1));
    }
  });
});
