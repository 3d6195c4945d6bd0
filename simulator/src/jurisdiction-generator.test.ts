import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  TRACKED_KINDS, buildRoadGraph, checkVolunteers, createGridLocator, haversineMeters, pointInPolygon, pointInRing, type GridShape, type Jurisdiction, type LngLat,
  type UnitKind,
} from '@ccr/shared';
import { DEMO_JURISDICTION_DIR } from './config.js';
import { loadJurisdiction } from './jurisdiction.js';
import { DEMO_SEED, VOLUNTEER_RANGE_M, buildDemoJurisdiction, demoTownOutline, serializeJurisdiction } from './jurisdiction-generator.js';
import { createRng } from '@ccr/shared/demo';

const demo = buildDemoJurisdiction({ seed: DEMO_SEED });
const shapes = (j: Jurisdiction): GridShape[] =>
  j.grids.features.map((f) => ({
    id: f.properties.id,
    polygons: f.geometry.type === 'Polygon' ? [f.geometry.coordinates as LngLat[][]] : (f.geometry.coordinates as LngLat[][][]),
  }));
const countKind = (j: Jurisdiction, kind: UnitKind): number => j.units.filter((u) => u.kind === kind).length;

/** Distance in metres from p to the nearest edge of an open ring (to skip points on a border). */
function distanceToRing(p: LngLat, ring: readonly LngLat[]): number {
  let best = Infinity;
  for (let i = 0; i < ring.length; i++) {
    const a = ring[i]!;
    const b = ring[(i + 1) % ring.length]!;
    for (let t = 0; t <= 1; t += 0.05) best = Math.min(best, haversineMeters(p, [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]));
  }
  return best;
}

describe('buildDemoJurisdiction', () => {
  it('describes 胜芳派出所 at real coordinates', () => {
    expect(demo.station).toEqual({
      name: '胜芳派出所', nameEn: 'Shengfang Police Station', region: '河北省廊坊市霸州市', center: [116.69, 39.07], timeZone: 'Asia/Shanghai',
    });
    const outline = demoTownOutline(DEMO_SEED);
    const lngs = outline.map((p) => p[0]);
    const lats = outline.map((p) => p[1]);
    const widthKm = haversineMeters([Math.min(...lngs), 39.07], [Math.max(...lngs), 39.07]) / 1000;
    const heightKm = haversineMeters([116.69, Math.min(...lats)], [116.69, Math.max(...lats)]) / 1000;
    expect(widthKm).toBeGreaterThan(9);
    expect(widthKm).toBeLessThan(12);
    expect(heightKm).toBeGreaterThan(7);
    expect(heightKm).toBeLessThan(10);
  });

  it('has 39 grids G01..G39 with distinct Chinese names, each with its community officer', () => {
    const ids = demo.grids.features.map((f) => f.properties.id);
    expect(ids).toEqual(Array.from({ length: 39 }, (_, i) => `G${String(i + 1).padStart(2, '0')}`));
    const names = new Set(demo.grids.features.map((f) => f.properties.name));
    expect(names.size).toBe(39);
    for (const f of demo.grids.features) {
      expect(f.properties.name).toMatch(/(社区|村|景区|园区)$/u);
      expect(f.properties.nameEn).toMatch(/^[A-Za-z ]+$/);
      const officer = demo.units.find((u) => u.id === f.properties.officerId);
      expect(officer?.kind).toBe('community_officer');
      expect(officer?.gridId).toBe(f.properties.id);
    }
  });

  it('tiles the town outline: every point inside falls in exactly one grid, none outside', () => {
    const outline = demoTownOutline(DEMO_SEED);
    const grids = shapes(demo);
    const locate = createGridLocator(grids);
    const rng = createRng(7);
    const lngs = outline.map((p) => p[0]);
    const lats = outline.map((p) => p[1]);
    let inside = 0;
    for (let n = 0; n < 4000; n++) {
      const p: LngLat = [rng.float(Math.min(...lngs) - 0.005, Math.max(...lngs) + 0.005), rng.float(Math.min(...lats) - 0.005, Math.max(...lats) + 0.005)];
      if (distanceToRing(p, outline) < 2) continue; // a border point may go either way
      const containing = grids.filter((g) => g.polygons.some((poly) => pointInPolygon(p, poly))).length;
      if (pointInRing(p, outline)) {
        inside++;
        expect(containing).toBe(1);
        expect(locate(p)).not.toBeNull();
      } else {
        expect(containing).toBe(0);
        expect(locate(p)).toBeNull();
      }
    }
    expect(inside).toBeGreaterThan(2000);
  });

  it('has primary, secondary and local roads forming one connected network that reaches every grid', () => {
    const classes = new Set(demo.roads.features.map((f) => f.properties.class));
    expect(classes).toEqual(new Set(['primary', 'secondary', 'local']));
    const names = demo.roads.features.map((f) => f.properties.name);
    expect(names).toContain('胜芳大道');
    expect(names).toContain('中山大街');
    expect(names).toContain('环城路');
    const graph = buildRoadGraph(demo.roads);
    expect(new Set(graph.component).size).toBe(1);
    const locate = createGridLocator(shapes(demo));
    const gridsWithRoad = new Set(graph.nodes.map((p) => locate(p)));
    for (const f of demo.grids.features) expect(gridsWithRoad.has(f.properties.id), f.properties.id).toBe(true);
    // Roads cross at shared vertices: the arterials meet other roads many times.
    const junctions = graph.edges.filter((e) => e.length >= 3).length;
    expect(junctions).toBeGreaterThan(100);
  });

  it('has the roster the articles describe', () => {
    expect(countKind(demo, 'patrol_car')).toBe(12);
    expect(countKind(demo, 'foot_patrol')).toBe(8);
    expect(countKind(demo, 'community_officer')).toBe(39);
    expect(countKind(demo, 'case_officer')).toBe(8);
    expect(countKind(demo, 'combat_unit')).toBe(63);
    expect(countKind(demo, 'emergency_unit')).toBe(300);
    expect(countKind(demo, 'volunteer_team')).toBe(6);
    expect(demo.units.filter((u) => TRACKED_KINDS.includes(u.kind))).toHaveLength(136);
    const ids = demo.units.map((u) => u.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain('P-01');
    expect(ids).toContain('F-08');
    expect(ids).toContain('C-39');
    expect(ids).toContain('A-08');
    expect(ids).toContain('Z-63');
    expect(ids).toContain('E-0300');
    expect(ids).toContain('V-06');
  });

  it('places every unit sensibly: grid units inside their grid, mobile units on a road vertex', () => {
    const locate = createGridLocator(shapes(demo));
    const graph = buildRoadGraph(demo.roads);
    const vertices = new Set(graph.nodes.map((p) => `${p[0]},${p[1]}`));
    const combatGrids = new Set<string>();
    for (const u of demo.units) {
      expect(u.home, u.id).toBeDefined();
      if (u.kind === 'emergency_unit') {
        expect(locate(u.home!), u.id).toBe(u.gridId);
        expect(u.members).toBeGreaterThanOrEqual(3);
        expect(u.members).toBeLessThanOrEqual(30);
        expect(u.placeKind).toBeDefined();
        expect(u.equipment!.length).toBeGreaterThan(0);
      } else {
        expect(vertices.has(`${u.home![0]},${u.home![1]}`), u.id).toBe(true);
      }
      if (u.kind === 'combat_unit') {
        combatGrids.add(u.gridId!);
        expect(locate(u.home!), u.id).toBe(u.gridId);
        expect(u.members).toBeGreaterThanOrEqual(3);
        expect(u.members).toBeLessThanOrEqual(8);
      }
      if (u.kind === 'volunteer_team') {
        expect(u.volunteerKind).toBeDefined();
        expect(u.members).toBeGreaterThanOrEqual(10);
        expect(u.members).toBeLessThanOrEqual(60);
      }
    }
    expect(combatGrids.size).toBe(39); // 1+N combat units cover every grid
    const placeKinds = new Set(demo.units.map((u) => u.placeKind).filter(Boolean));
    expect(placeKinds).toEqual(new Set(['shop', 'school', 'firm', 'village', 'hospital', 'market', 'residential']));
  });

  it('lists each volunteer team\'s members (volunteers.json): as many as the roster says, named, near the team, in town', () => {
    const teams = demo.units.filter((u) => u.kind === 'volunteer_team');
    const vs = demo.volunteers ?? [];
    expect(vs).toHaveLength(teams.reduce((n, t) => n + (t.members ?? 0), 0));
    expect(checkVolunteers(vs, demo.units, new Set(demo.grids.features.map((f) => f.properties.id)))).toEqual([]);
    for (const t of teams) {
      const members = vs.filter((v) => v.teamId === t.id);
      expect(members.map((v) => v.id)).toEqual(Array.from({ length: t.members! }, (_, k) => `${t.id}-${String(k + 1).padStart(2, '0')}`));
    }
    expect(new Set(vs.map((v) => v.name)).size).toBe(vs.length);
    const outline = demoTownOutline(DEMO_SEED);
    const byId = new Map(teams.map((t) => [t.id, t]));
    for (const v of vs) {
      expect(v.name, v.id).toMatch(/^\p{Script=Han}{2,3}$/u);
      expect(haversineMeters(v.home!, byId.get(v.teamId)!.home!), v.id).toBeLessThanOrEqual(VOLUNTEER_RANGE_M + 1);
      expect(pointInRing(v.home!, outline), v.id).toBe(true);
    }
    // The load-test roster adds units, never other volunteers.
    expect(buildDemoJurisdiction({ seed: DEMO_SEED, loadUnits: 50 }).volunteers).toEqual(vs);
  });

  it('is deterministic: the same seed gives the same town, another seed another town', () => {
    expect(buildDemoJurisdiction({ seed: DEMO_SEED })).toEqual(demo);
    const other = buildDemoJurisdiction({ seed: 42 });
    expect(other.grids).not.toEqual(demo.grids);
    expect(other.grids.features).toHaveLength(39);
  });

  it('adds load-test units without changing anything else', () => {
    const loaded = buildDemoJurisdiction({ seed: DEMO_SEED, loadUnits: 250 });
    expect(loaded.units).toHaveLength(demo.units.length + 250);
    expect(loaded.units.slice(0, demo.units.length)).toEqual(demo.units);
    expect(loaded.grids).toEqual(demo.grids);
    const extra = loaded.units.slice(demo.units.length);
    expect(extra[0]!.id).toBe('L-00001');
    expect(extra.at(-1)!.id).toBe('L-00250');
    expect(new Set(extra.map((u) => u.kind))).toEqual(new Set(['patrol_car', 'foot_patrol']));
  });
});

describe('the committed demo jurisdiction', () => {
  it(`equals buildDemoJurisdiction({ seed: ${DEMO_SEED} }) byte for byte`, async () => {
    for (const [file, text] of Object.entries(serializeJurisdiction(demo))) {
      expect(await readFile(join(DEMO_JURISDICTION_DIR, file), 'utf8'), file).toBe(text);
    }
  });

  it('passes loadJurisdiction (schemas and cross-file checks)', async () => {
    expect(await loadJurisdiction(DEMO_JURISDICTION_DIR)).toEqual(demo);
  });
});
