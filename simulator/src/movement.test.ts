import { describe, expect, it } from 'vitest';
import {
  buildRoadGraph, createGridLocator, haversineMeters, type LngLat, type RoadCollection, type RoadGraph, type Unit, type UnitKind,
} from '@ccr/shared';
import { DEMO_SEED, buildDemoJurisdiction } from './jurisdiction-generator.js';
import { OFF_ROAD_SPEED_MPS, createMover, createWorld, releaseMover, sendMover, stepMover } from './movement.js';
import { createRng } from '@ccr/shared/demo';
import { createSimulation } from './simulation.js';

const demo = buildDemoJurisdiction({ seed: DEMO_SEED });
const graph = buildRoadGraph(demo.roads);
const gridShapes = demo.grids.features.map((f) => ({ id: f.properties.id, polygons: [f.geometry.coordinates as LngLat[][]] }));

/** Metres from p to the nearest road edge (flat approximation, exact enough over a few metres). */
function distanceToRoads(g: RoadGraph, p: LngLat): number {
  const kx = 111_195 * Math.cos((p[1] * Math.PI) / 180);
  const ky = 111_195;
  let best = Infinity;
  g.edges.forEach((edges, a) => {
    const pa = g.nodes[a]!;
    if (Math.abs(pa[0] - p[0]) * kx > 2000 || Math.abs(pa[1] - p[1]) * ky > 2000) return;
    for (const e of edges) {
      const pb = g.nodes[e.to]!;
      const ax = (pa[0] - p[0]) * kx;
      const ay = (pa[1] - p[1]) * ky;
      const bx = (pb[0] - p[0]) * kx;
      const by = (pb[1] - p[1]) * ky;
      const dx = bx - ax;
      const dy = by - ay;
      const len2 = dx * dx + dy * dy;
      const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2));
      best = Math.min(best, Math.hypot(ax + t * dx, ay + t * dy));
    }
  });
  return best;
}

/** Top speeds a unit of each kind may show, m/s (cruise ceiling × the brisk end of personal pace). */
const MAX_SPEED: Partial<Record<UnitKind, number>> = {
  patrol_car: (50 / 3.6) * 1.1, case_officer: (50 / 3.6) * 1.1, foot_patrol: (6 / 3.6) * 1.1, community_officer: (5.4 / 3.6) * 1.1,
  combat_unit: (4.3 / 3.6) * 1.1, volunteer_team: (4.7 / 3.6) * 1.1,
};

describe('movement on the demo town', () => {
  const sim = createSimulation({ jurisdiction: demo, seed: 99, startMs: Date.UTC(2026, 10, 23, 1), timeScale: 1 });
  const kindOf = new Map(sim.units.map((u) => [u.id, u]));
  const ticks = Array.from({ length: 900 }, () => sim.tick());

  it('keeps every tracked unit on a road at every sampled tick', () => {
    for (let t = 0; t < ticks.length; t += 15) {
      for (const p of ticks[t]!.positions) expect(distanceToRoads(graph, [p.lng, p.lat]), `${p.unitId} tick ${t}`).toBeLessThan(0.5);
    }
  });

  it('moves each kind at a plausible speed', () => {
    const moving: Record<string, number[]> = {};
    const problems: string[] = [];
    for (let t = 1; t < ticks.length; t++) {
      const prev = ticks[t - 1]!.positions;
      ticks[t]!.positions.forEach((p, i) => {
        const unit = kindOf.get(p.unitId)!;
        const q = prev[i]!;
        const top = MAX_SPEED[unit.kind]!;
        // A unit may cut a corner between ticks, so displacement never exceeds the top speed
        // (plus the 6-decimal rounding of both positions, ±0.1 m each).
        const d = haversineMeters([q.lng, q.lat], [p.lng, p.lat]);
        if (d > top + 0.25) problems.push(`${p.unitId} tick ${t}: moved ${d.toFixed(2)} m in 1 s`);
        if (p.speed! > top + 0.05) problems.push(`${p.unitId} tick ${t}: speed ${p.speed}`);
        if (!(p.heading! >= 0 && p.heading! <= 360)) problems.push(`${p.unitId} tick ${t}: heading ${p.heading}`);
        if (p.speed! > 0) (moving[unit.kind] ??= []).push(p.speed!);
      });
    }
    expect(problems.slice(0, 5)).toEqual([]);
    const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
    // Patrol cars: urban 20–50 km/h, slower on average for junctions and starts.
    expect(mean(moving.patrol_car!) * 3.6).toBeGreaterThan(18);
    expect(mean(moving.patrol_car!) * 3.6).toBeLessThan(50);
    expect(Math.max(...moving.patrol_car!) * 3.6).toBeGreaterThan(35);
    // Foot patrols walk at 4–6 km/h.
    expect(mean(moving.foot_patrol!) * 3.6).toBeGreaterThan(3.5);
    expect(mean(moving.foot_patrol!) * 3.6).toBeLessThan(6.6);
  });

  it('keeps community officers in and around their grid', () => {
    const locate = createGridLocator(gridShapes);
    let inOwn = 0;
    let total = 0;
    for (let t = 0; t < ticks.length; t += 10) {
      for (const p of ticks[t]!.positions) {
        const unit = kindOf.get(p.unitId)!;
        if (unit.kind !== 'community_officer') continue;
        total++;
        if (locate([p.lng, p.lat]) === unit.gridId) inOwn++;
      }
    }
    expect(inOwn / total).toBeGreaterThan(0.85);
  });

  it('gets patrol cars out on the road within the first minutes', () => {
    const start = ticks[0]!.positions;
    const end = ticks.at(-1)!.positions;
    const cars = start.filter((p) => kindOf.get(p.unitId)!.kind === 'patrol_car');
    const moved = cars.filter((p) => {
      const q = end.find((e) => e.unitId === p.unitId)!;
      return haversineMeters([p.lng, p.lat], [q.lng, q.lat]) > 200;
    });
    expect(moved.length).toBeGreaterThanOrEqual(cars.length / 2);
  });
});

describe('stepMover', () => {
  // A straight road A–J–B with a side street at J, so J is a junction.
  const roads: RoadCollection = {
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', properties: { id: 'main', class: 'primary' }, geometry: { type: 'LineString', coordinates: [[116.0, 39.0], [116.01, 39.0], [116.02, 39.0]] } },
      { type: 'Feature', properties: { id: 'side', class: 'local' }, geometry: { type: 'LineString', coordinates: [[116.01, 39.0], [116.01, 39.01]] } },
    ],
  };
  const g = buildRoadGraph(roads);
  const world = createWorld(g, []);
  const car: Unit = { id: 'P-99', kind: 'patrol_car', name: '巡逻车99', home: [116.0, 39.0] };

  it('slows for a junction and speeds up again after it', () => {
    const rng = createRng(1);
    const m = createMover(car, world, rng);
    const j = g.nearestNode([116.01, 39.0]);
    const b = g.nearestNode([116.02, 39.0]);
    Object.assign(m, { pauseLeft: 0, route: [j, b], cursor: 0, along: 0, cruise: 13, speed: 13 });
    const samples: { d: number; speed: number }[] = [];
    for (let s = 0; s < 150 && m.route.length > 0; s++) {
      stepMover(m, 1, world, rng);
      samples.push({ d: haversineMeters(m.position, g.nodes[j]!), speed: m.speed });
    }
    const nearJunction = samples.filter((x) => x.d < 15);
    const open = samples.filter((x) => x.d > 300);
    expect(nearJunction.length).toBeGreaterThan(0);
    expect(Math.min(...nearJunction.map((x) => x.speed))).toBeLessThan(6);
    expect(Math.max(...open.map((x) => x.speed))).toBeGreaterThan(11);
  });

  it('covers the same ground in one long step as in many short ones (a high --time-scale)', () => {
    const walker: Unit = { id: 'F-99', kind: 'foot_patrol', name: '步巡99', home: [116.0, 39.0] };
    const j = g.nearestNode([116.01, 39.0]);
    const b = g.nearestNode([116.02, 39.0]);
    const [long, short] = [createMover(walker, world, createRng(5)), createMover(walker, world, createRng(5))];
    for (const m of [long, short]) Object.assign(m, { pauseLeft: 0, route: [j, b], cursor: 0, along: 0, cruise: 1.4 });
    const rngLong = createRng(7);
    const rngShort = createRng(7);
    stepMover(long, 600, world, rngLong);
    for (let s = 0; s < 600; s++) stepMover(short, 1, world, rngShort);
    expect(haversineMeters(long.position, short.position)).toBeLessThan(0.01);
    expect(haversineMeters(long.position, [116.0, 39.0])).toBeGreaterThan(700);
    expect(distanceToRoads(g, long.position)).toBeLessThan(0.5);
  });

  describe('sent to a point (sendMover)', () => {
    // 40 m north of the main road, 300 m short of B. Roads bend only at nodes, so the unit leaves the road at
    // the nearest node (B) and walks the 300 m across.
    const scene: LngLat = [116.0165, 39.00036];
    const access = haversineMeters(scene, [116.02, 39.0]);

    it('drives along the roads, walks the last stretch, stops exactly at the point and stays', () => {
      const rng = createRng(2);
      const m = createMover(car, world, rng);
      sendMover(m, world, scene);
      const kerb = g.nodes[m.errand!.node]!;
      let steps = 0;
      let offRoadSteps = 0;
      while (!m.errand!.arrived && steps < 600) {
        stepMover(m, 1, world, rng);
        steps++;
        const fromRoad = distanceToRoads(g, m.position);
        if (fromRoad > 0.5) {
          offRoadSteps++;
          // Off the road only on the straight stretch from the kerb node to the scene.
          expect(haversineMeters(m.position, kerb) + haversineMeters(m.position, scene)).toBeCloseTo(haversineMeters(kerb, scene), 0);
          expect(m.speed).toBeLessThanOrEqual(OFF_ROAD_SPEED_MPS);
        }
      }
      expect(m.errand!.arrived).toBe(true);
      expect(offRoadSteps).toBeGreaterThan(0);
      expect(haversineMeters(m.position, scene)).toBeLessThan(0.01);
      // 1.7 km of road at most 55 km/h, then the walk across: no faster than physics allows.
      expect(steps).toBeGreaterThan(1700 / 15.3 + access / OFF_ROAD_SPEED_MPS - 2);
      for (let s = 0; s < 300; s++) stepMover(m, 1, world, rng);
      expect(haversineMeters(m.position, scene)).toBeLessThan(0.01);
      expect(m.speed).toBe(0);
    });

    it('arrives at the same place whether stepped by 1 s or by long steps (a high --time-scale)', () => {
      const fine = createMover(car, world, createRng(3));
      const coarse = createMover(car, world, createRng(3));
      for (const m of [fine, coarse]) sendMover(m, world, scene);
      const rngFine = createRng(4);
      const rngCoarse = createRng(4);
      for (let s = 0; s < 900; s++) stepMover(fine, 1, world, rngFine);
      stepMover(coarse, 900, world, rngCoarse);
      expect(fine.errand!.arrived && coarse.errand!.arrived).toBe(true);
      expect(haversineMeters(fine.position, coarse.position)).toBeLessThan(0.01);
    });

    it('turns round when caught driving away from the point', () => {
      const rng = createRng(5);
      const m = createMover(car, world, rng);
      const a = g.nearestNode([116.0, 39.0]);
      const j = g.nearestNode([116.01, 39.0]);
      // Half-way from J towards A, 430 m from J: the scene lies behind.
      Object.assign(m, { pauseLeft: 0, node: j, route: [a], cursor: 0, along: 430, cruise: 12, speed: 12 });
      stepMover(m, 0.001, world, rng);
      const before = haversineMeters(m.position, scene);
      sendMover(m, world, scene);
      stepMover(m, m.errand!.departIn + 5, world, rng);
      expect(haversineMeters(m.position, scene)).toBeLessThan(before);
      expect(distanceToRoads(g, m.position)).toBeLessThan(0.5);
    });

    it('once released, walks back to the road and patrols again', () => {
      const rng = createRng(6);
      const m = createMover(car, world, rng);
      sendMover(m, world, scene);
      stepMover(m, 900, world, rng);
      expect(m.errand!.arrived).toBe(true);
      releaseMover(m);
      expect(m.errand).toBeUndefined();
      let back = -1;
      for (let s = 0; s < 1200; s++) {
        stepMover(m, 1, world, rng);
        if (back < 0 && distanceToRoads(g, m.position) < 0.5) back = s;
      }
      expect(back).toBeGreaterThanOrEqual(0);
      expect(back).toBeLessThan(access / OFF_ROAD_SPEED_MPS + 2);
      expect(haversineMeters(m.position, scene)).toBeGreaterThan(access);
      expect(distanceToRoads(g, m.position)).toBeLessThan(0.5);
    });

    it('released while driving, finishes the edge it is on and patrols from there', () => {
      const rng = createRng(7);
      const m = createMover(car, world, rng);
      sendMover(m, world, scene);
      stepMover(m, 20, world, rng);
      expect(m.errand!.arrived).toBe(false);
      releaseMover(m);
      for (let s = 0; s < 600; s++) {
        stepMover(m, 1, world, rng);
        expect(distanceToRoads(g, m.position)).toBeLessThan(0.5);
      }
    });
  });
});

describe('sent to a scene across the demo town', () => {
  it('each kind reaches a point 1.5–3 km away at its own pace, along roads', () => {
    const units = demo.units.filter((u) => u.kind === 'patrol_car' || u.kind === 'foot_patrol').slice(0, 6);
    for (const u of units) {
      const rng = createRng(11);
      const world2 = createWorld(graph, gridShapes);
      const m = createMover(u, world2, rng);
      // A point on a far road node of the town, so the straight line is a lower bound of the drive.
      const start = m.position;
      const targetNode = graph.nodes.findIndex((p, i) => {
        const d = haversineMeters(start, p);
        return d > 1500 && d < 3000 && graph.component[i] === 0;
      });
      const target = graph.nodes[targetNode]!;
      sendMover(m, world2, target);
      let s = 0;
      while (!m.errand!.arrived && s < 7200) {
        stepMover(m, 1, world2, rng);
        s++;
      }
      expect(m.errand!.arrived, u.id).toBe(true);
      const straight = haversineMeters(start, target);
      const [minKmh, maxKmh] = u.kind === 'patrol_car' ? [8, 55] : [3, 6.6];
      expect(straight / s, u.id).toBeLessThan(maxKmh / 3.6);
      expect(straight / s, u.id).toBeGreaterThan(minKmh / 3.6 / 2.5);
    }
  });
});

