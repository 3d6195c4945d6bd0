// One simulated shift, tick by tick: where every tracked unit is and which incidents come in. Pure and
// deterministic: a seed, a start time and a tick counter decide everything; the producer only sends it.
import {
  TRACKED_KINDS, buildRoadGraph, type DeviceOrder, type IncidentReport, type Jurisdiction, type LngLat, type PositionReport, type Unit, type UnitReport,
} from '@ccr/shared';
import { PATROL, onArrived, onOrder, onTime, serviceSeconds, type Duty, type DutyStep } from './duty.js';
import { createIncidentGenerator, type IncidentGenerator, createRng, type Rng } from '@ccr/shared/demo';
import {
  createMover, createWorld, isMobileKind, releaseMover, sendMover, stepMover, type MoverState, type MovementWorld,
} from './movement.js';

export interface SimulationOptions {
  jurisdiction: Jurisdiction;
  seed: number;
  /** Wall-clock epoch ms of tick 0; position timestamps are startMs + tick / rateHz. */
  startMs: number;
  /** Simulated clock at tick 0 (drives the hour-of-day profile); default startMs. */
  simStartMs?: number;
  /** Position reports per second of wall-clock time. */
  rateHz?: number;
  /** Simulated seconds per wall-clock second: units move and incidents arrive this much faster. */
  timeScale?: number;
  /** How many tracked units to drive (the roster's first N tracked units); default all. */
  unitCount?: number;
  incidentsPerHour?: number;
  /** Seconds of wall-clock time until the first incident, so a fresh demo shows something at once. */
  firstIncidentAfterS?: number;
  correctionChance?: number;
  firstSequence?: (day: string) => number;
  /** Time at a scene, simulated minutes [min, max] for every incident type; default by type (duty.ts). */
  serviceMinutes?: readonly [number, number];
}

/** What a unit says on the device channel, and log lines about what it did. */
export interface UnitOutput {
  reports: { unitId: string; report: UnitReport }[];
  notes: { unitId: string; text: string }[];
}

export interface SimulationTick {
  tick: number;
  /** Wall-clock epoch ms this tick stands for. */
  ts: number;
  /** Simulated epoch ms (runs timeScale× faster than ts). */
  simMs: number;
  positions: PositionReport[];
  incidents: IncidentReport[];
  /** Units that finished at a scene this tick report it (see duty.ts). */
  output: UnitOutput;
}

export interface Simulation {
  readonly units: readonly Unit[];
  readonly world: MovementWorld;
  readonly incidents: IncidentGenerator;
  tick(): SimulationTick;
  /** An order from the device channel for one of the jurisdiction's units (tracked or fixed). Unknown
   *  units and units this run does not drive only get a note. */
  order(order: DeviceOrder): UnitOutput;
  /** What a driven unit is doing about orders; undefined for units not driven. */
  duty(unitId: string): Duty | undefined;
}

/** Asked for more units than the roster tracks. */
export class NotEnoughUnitsError extends Error {
  constructor(readonly requested: number, readonly available: number) {
    super(`requested ${requested} units but the roster has only ${available} tracked units`);
    this.name = 'NotEnoughUnitsError';
  }
}

/** The units a simulation drives: tracked kinds (not fixed emergency units) in roster order. */
export function trackedUnits(j: Jurisdiction, count?: number): Unit[] {
  const tracked = j.units.filter((u) => TRACKED_KINDS.includes(u.kind) && isMobileKind(u.kind));
  if (count === undefined) return tracked;
  if (count > tracked.length) throw new NotEnoughUnitsError(count, tracked.length);
  return tracked.slice(0, count);
}

/** Splits a tick's positions into messages of at most `max` reports (the contract allows 10,000). */
export function chunk<T>(items: readonly T[], max: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += max) out.push(items.slice(i, i + max));
  return out;
}

const round = (v: number, digits: number): number => Math.round(v * 10 ** digits) / 10 ** digits;

function report(m: MoverState, ts: number): PositionReport {
  const p: LngLat = m.position;
  return {
    unitId: m.unitId,
    lng: round(p[0], 6),
    lat: round(p[1], 6),
    ts,
    speed: round(Math.min(150, m.speed), 1),
    heading: round(m.heading, 1) % 360,
  };
}

export function createSimulation(options: SimulationOptions): Simulation {
  const { jurisdiction, seed, startMs } = options;
  const rateHz = options.rateHz ?? 1;
  const timeScale = options.timeScale ?? 1;
  if (!(rateHz > 0) || !(timeScale > 0)) throw new RangeError('rateHz and timeScale must be positive');
  const periodMs = 1000 / rateHz;
  const simStartMs = options.simStartMs ?? startMs;
  // An explicit rate of 0 (tests, a quiet demo) means no incidents at all, not even the opening one.
  const firstIncidentTick = options.incidentsPerHour === 0 ? Infinity : Math.max(1, Math.round((options.firstIncidentAfterS ?? 2) * rateHz));

  const root = createRng(seed);
  const graph = buildRoadGraph(jurisdiction.roads);
  if (graph.nodes.length === 0) throw new Error('roads.geojson has no roads: the simulator needs a road network to drive units on');
  const world = createWorld(
    graph,
    jurisdiction.grids.features.map((f) => ({
      id: f.properties.id,
      polygons: f.geometry.type === 'Polygon' ? [f.geometry.coordinates as LngLat[][]] : (f.geometry.coordinates as LngLat[][][]),
    })),
  );
  const units = trackedUnits(jurisdiction, options.unitCount);
  // Each unit draws from its own stream, so driving 50 units moves those 50 exactly as driving 5,000 would.
  const movers: { state: MoverState; rng: Rng; duty: Duty; orderRng: Rng }[] = units.map((u) => {
    const rng = root.fork(`unit:${u.id}`);
    // Orders draw from their own stream, so a unit that was never sent anywhere moves exactly as before.
    return { state: createMover(u, world, rng), rng, duty: PATROL, orderRng: root.fork(`orders:${u.id}`) };
  });
  const moverById = new Map(movers.map((m) => [m.state.unitId, m]));
  const fixedIds = new Set(jurisdiction.units.filter((u) => !isMobileKind(u.kind)).map((u) => u.id));

  const apply = (unitId: string, step: DutyStep, out: UnitOutput): void => {
    const mover = moverById.get(unitId);
    if (mover) mover.duty = step.duty;
    for (const e of step.effects) {
      if (e.type === 'report') out.reports.push({ unitId, report: e.report });
      else if (e.type === 'note') out.notes.push({ unitId, text: e.text });
      else if (!mover) continue;
      else if (e.type === 'go') sendMover(mover.state, world, e.scene);
      else releaseMover(mover.state);
    }
  };
  const serviceRange = options.serviceMinutes;
  const incidents = createIncidentGenerator({
    jurisdiction,
    rng: root.fork('incidents'),
    ...(options.incidentsPerHour !== undefined ? { incidentsPerHour: options.incidentsPerHour } : {}),
    ...(options.correctionChance !== undefined ? { correctionChance: options.correctionChance } : {}),
    ...(options.firstSequence ? { firstSequence: options.firstSequence } : {}),
  });

  let tick = 0;
  let sentAny = false;
  return {
    units,
    world,
    incidents,
    tick() {
      const n = tick++;
      const ts = Math.round(startMs + n * periodMs);
      const simMs = simStartMs + n * periodMs * timeScale;
      const dtS = n === 0 ? 0 : (periodMs * timeScale) / 1000;
      const positions: PositionReport[] = new Array(movers.length);
      const output: UnitOutput = { reports: [], notes: [] };
      movers.forEach((mover, i) => {
        const { state, rng } = mover;
        if (dtS > 0) stepMover(state, dtS, world, rng);
        if (mover.duty.state === 'responding' && state.errand?.arrived) {
          apply(state.unitId, onArrived(mover.duty, serviceSeconds(mover.duty.incidentType, mover.orderRng.next(), serviceRange)), output);
        } else if (mover.duty.state === 'on_scene' && dtS > 0) {
          apply(state.unitId, onTime(mover.duty, dtS), output);
        }
        positions[i] = report(state, ts);
      });
      const news = n === 0 ? [] : incidents.advance(simMs - periodMs * timeScale, simMs, ts);
      if (!sentAny && news.length === 0 && n >= firstIncidentTick) news.push(incidents.emitNow(simMs, ts));
      if (news.length > 0) sentAny = true;
      return { tick: n, ts, simMs, positions, incidents: news, output };
    },
    order(order) {
      const out: UnitOutput = { reports: [], notes: [] };
      const mover = moverById.get(order.unitId);
      if (mover) apply(order.unitId, onOrder(mover.duty, order, true), out);
      else if (fixedIds.has(order.unitId)) apply(order.unitId, onOrder(PATROL, order, false), out);
      else out.notes.push({ unitId: order.unitId, text: `${order.kind} ${order.incident.id} not acted on: this run does not drive ${order.unitId}` });
      return out;
    },
    duty: (unitId) => moverById.get(unitId)?.duty,
  };
}
