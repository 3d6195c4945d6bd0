// The demo jurisdiction: 胜芳镇 (Bazhou, Hebei), drawn from a seed. The same seed always gives the same
// town, byte for byte — grids, roads, roster and the volunteer teams' members — so the committed files in
// jurisdiction/demo can be checked against it.
import type { JURISDICTION_FILES, GridFeature, Jurisdiction, LngLat, RoadFeature, Station, Unit, Volunteer } from '@ccr/shared';
import { formatJson } from './json-format.js';
import {
  createRng, GIVEN_NAMES, INDUSTRIAL_GRID_NAME, SURNAMES, URBAN_GRID_NAMES, VILLAGE_GRID_NAMES, nameStem, type PlaceName, type Rng,
} from '@ccr/shared/demo';
import { localFrame, pointInRingXY, round6, type LocalFrame, type XY } from './local-geometry.js';
import { buildGridCells, buildTownOutline, type GridCell } from './town-grids.js';
import { buildRoadNetwork, reachEveryGrid, type RoadClass, type RoadNetwork } from './town-roads.js';
import { buildLoadUnits, buildRoster, type DraftUnit, type GridKind, type TownGrid, type TownLayout, type TownNode } from './town-roster.js';

/** The seed of the committed demo (jurisdiction/demo). */
export const DEMO_SEED = 20261123;
export const DEMO_GRID_COUNT = 39;
export const DEMO_CENTER: LngLat = [116.69, 39.07];

export const DEMO_STATION: Station = {
  name: '胜芳派出所',
  nameEn: 'Shengfang Police Station',
  region: '河北省廊坊市霸州市',
  center: DEMO_CENTER,
  timeZone: 'Asia/Shanghai',
};

export interface DemoJurisdictionOptions {
  seed: number;
  /** Extra patrol units ("L-00001" …) for load tests; they never change the rest of the town. */
  loadUnits?: number;
}

/** Names the cells: the core's communities nearest the centre, the industrial park east, villages round the edge. */
function nameGrids(cells: readonly GridCell[]): { cell: GridCell; place: PlaceName; kind: GridKind }[] {
  const byDistance = cells.map((cell, i) => ({ cell, i, d: Math.hypot(cell.centroid[0], cell.centroid[1]) })).sort((a, b) => a.d - b.d || a.i - b.i);
  const urban = byDistance.slice(0, URBAN_GRID_NAMES.length);
  const outer = byDistance.slice(URBAN_GRID_NAMES.length);
  // Industrial parks sit on the edge of town by the main road: take the outer cell furthest east.
  let industrialAt = 0;
  outer.forEach((o, k) => {
    if (o.cell.centroid[0] > outer[industrialAt]!.cell.centroid[0]) industrialAt = k;
  });
  const [industrial] = outer.splice(industrialAt, 1);
  const angle = (c: GridCell): number => (Math.atan2(c.centroid[1], c.centroid[0]) + 2 * Math.PI) % (2 * Math.PI);
  outer.sort((a, b) => angle(a.cell) - angle(b.cell) || a.i - b.i);
  if (outer.length > VILLAGE_GRID_NAMES.length) throw new Error('more outer grids than village names');
  return [
    ...urban.map((u, k) => ({ cell: u.cell, place: URBAN_GRID_NAMES[k]!, kind: 'urban' as const })),
    { cell: industrial!.cell, place: INDUSTRIAL_GRID_NAME, kind: 'industrial' as const },
    ...outer.map((o, k) => ({ cell: o.cell, place: VILLAGE_GRID_NAMES[k]!, kind: 'village' as const })),
  ];
}

const CLASS_RANK: Record<RoadClass, number> = { primary: 3, secondary: 2, local: 1 };

/** The connected road vertices with their grid and neighbours, for placing units. */
function layoutNodes(net: RoadNetwork, grids: readonly TownGrid[]): { nodes: TownNode[]; stationNode: number } {
  const index = new Map<number, number>();
  const nodes: TownNode[] = [];
  const main = new Set(net.components()[0] ?? []);
  const nodeOf = (p: number, cls: RoadClass): number => {
    let i = index.get(p);
    if (i === undefined) {
      i = nodes.length;
      index.set(p, i);
      const xy = net.points[p]!;
      nodes.push({ xy, roadClass: cls, grid: grids.findIndex((g) => pointInRingXY(xy, g.ring)), neighbours: [] });
    }
    const n = nodes[i]!;
    if (CLASS_RANK[cls] > CLASS_RANK[n.roadClass]) n.roadClass = cls;
    return i;
  };
  for (const r of net.roads) {
    if (!main.has(r.points[0]!)) continue;
    for (let k = 0; k + 1 < r.points.length; k++) {
      const a = nodeOf(r.points[k]!, r.roadClass);
      const b = nodeOf(r.points[k + 1]!, r.roadClass);
      nodes[a]!.neighbours.push(b);
      nodes[b]!.neighbours.push(a);
    }
  }
  let stationNode = 0;
  nodes.forEach((n, i) => {
    if (Math.hypot(...n.xy) < Math.hypot(...nodes[stationNode]!.xy)) stationNode = i;
  });
  return { nodes, stationNode };
}

function closeRing(ring: readonly XY[], frame: LocalFrame): LngLat[] {
  const out: LngLat[] = [];
  for (const p of ring) {
    const q = round6(frame.toLngLat(p));
    const last = out[out.length - 1];
    if (!last || last[0] !== q[0] || last[1] !== q[1]) out.push(q);
  }
  const first = out[0]!;
  const last = out[out.length - 1]!;
  if (first[0] === last[0] && first[1] === last[1]) out.pop();
  out.push(first);
  return out;
}

function toUnit(u: DraftUnit, frame: LocalFrame): Unit {
  const { home, ...rest } = u;
  return home ? { ...rest, home: round6(frame.toLngLat(home)) } : rest;
}

/** How far from their team's place (a road vertex) a volunteer usually is: they work the streets around it. */
export const VOLUNTEER_RANGE_M = 1_000;

/**
 * The volunteer teams' members (volunteers.json): as many per team as the roster says it has, numbered
 * `<team>-01`…, each with a name distinct in the town and a usual place within VOLUNTEER_RANGE_M of the team's,
 * inside the town (else the team's own). Pure; the rng decides.
 */
function buildVolunteers(rng: Rng, units: readonly DraftUnit[], outline: readonly XY[]): (Omit<Volunteer, 'home'> & { home?: XY })[] {
  const taken = new Set<string>();
  const out: (Omit<Volunteer, 'home'> & { home?: XY })[] = [];
  for (const team of units) {
    if (team.kind !== 'volunteer_team') continue;
    for (let k = 1; k <= (team.members ?? 0); k++) {
      let name: string;
      do name = rng.pick(SURNAMES) + rng.pick(GIVEN_NAMES); while (taken.has(name));
      taken.add(name);
      let home: XY | undefined;
      for (let tries = 0; team.home && !home && tries < 10; tries++) {
        const r = VOLUNTEER_RANGE_M * Math.sqrt(rng.next());
        const a = rng.float(0, 2 * Math.PI);
        const p: XY = [team.home[0] + r * Math.cos(a), team.home[1] + r * Math.sin(a)];
        if (pointInRingXY(p, outline)) home = p;
      }
      home ??= team.home;
      out.push({ id: `${team.id}-${String(k).padStart(2, '0')}`, name, teamId: team.id, ...(home ? { home } : {}) });
    }
  }
  return out;
}

/** The town's outer boundary (the union of all grids) for a seed, as WGS-84 (open ring, unrounded). */
export function demoTownOutline(seed: number): LngLat[] {
  const frame = localFrame(DEMO_CENTER);
  return buildTownOutline(createRng(seed).fork('outline')).outline.map((p) => frame.toLngLat(p));
}

export function buildDemoJurisdiction(options: DemoJurisdictionOptions): Jurisdiction {
  const rng = createRng(options.seed);
  const frame = localFrame(DEMO_CENTER);
  const town = buildTownOutline(rng.fork('outline'));
  const cells = buildGridCells(rng.fork('grids'), town, DEMO_GRID_COUNT);
  const named = nameGrids(cells);
  const grids: TownGrid[] = named.map(({ cell, place, kind }, k) => ({
    id: `G${String(k + 1).padStart(2, '0')}`, name: place.name, nameEn: place.nameEn, kind,
    officerId: `C-${String(k + 1).padStart(2, '0')}`, ring: cell.ring, centroid: cell.centroid, areaM2: cell.areaM2,
  }));

  const villages = named.filter((n) => n.kind !== 'urban').map((n) => ({ cell: n.cell, name: n.place.name }));
  const { network } = buildRoadNetwork(rng.fork('roads'), town, villages);
  const all = named.map((n) => ({ cell: n.cell, name: n.place.name }));
  reachEveryGrid(network, all);
  network.connectIslands((p) => {
    const g = grids.find((gr) => pointInRingXY(p, gr.ring));
    return g ? `${nameStem(g.name)}支路` : '乡间支路';
  });

  const { nodes, stationNode } = layoutNodes(network, grids);
  const layout: TownLayout = { grids, nodes, stationNode, radiusX: town.radiusX, radiusY: town.radiusY };
  const draftUnits = buildRoster(rng.fork('roster'), layout);
  const loadUnits = options.loadUnits ? buildLoadUnits(rng.fork('load'), layout, options.loadUnits) : [];
  const volunteers = buildVolunteers(rng.fork('volunteers'), draftUnits, town.outline);

  const gridFeatures: GridFeature[] = grids.map((g) => ({
    type: 'Feature',
    properties: { id: g.id, name: g.name, nameEn: g.nameEn, officerId: g.officerId },
    geometry: { type: 'Polygon', coordinates: [closeRing(g.ring, frame)] },
  }));
  const roadFeatures: RoadFeature[] = network.roads.map((r, k) => ({
    type: 'Feature',
    properties: { id: `R${String(k + 1).padStart(3, '0')}`, name: r.name, class: r.roadClass },
    geometry: { type: 'LineString', coordinates: r.points.map((p) => round6(frame.toLngLat(network.points[p]!))) },
  }));
  return {
    station: { ...DEMO_STATION, center: [...DEMO_CENTER] },
    grids: { type: 'FeatureCollection', features: gridFeatures },
    roads: { type: 'FeatureCollection', features: roadFeatures },
    units: [...draftUnits, ...loadUnits].map((u) => toUnit(u, frame)),
    volunteers: volunteers.map(({ home, ...v }) => (home ? { ...v, home: round6(frame.toLngLat(home)) } : v)),
  };
}

/** The five files of a jurisdiction folder, as committed (see loadJurisdiction for the reading side). */
export function serializeJurisdiction(j: Jurisdiction): Record<(typeof JURISDICTION_FILES)[number], string> {
  return {
    'station.json': formatJson(j.station, 40),
    'grids.geojson': formatJson(j.grids),
    'roads.geojson': formatJson(j.roads),
    'roster.json': formatJson({ units: j.units }, 240),
    'volunteers.json': formatJson({ volunteers: j.volunteers ?? [] }, 240),
  };
}
