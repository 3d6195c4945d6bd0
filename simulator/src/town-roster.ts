// Who works the demo town: the three teams' units, the 1+N combat units, the 最小应急单元 and the volunteer
// teams, each placed on the map (mobile units start on a road vertex, fixed places sit beside a road).
import type { PlaceKind, Unit, UnitKind, VolunteerKind } from '@ccr/shared';
import { type Rng, BRAND_WORDS, COMBAT_EQUIPMENT, EMERGENCY_EQUIPMENT, FIRM_KINDS, GIVEN_NAMES, MARKET_KINDS, RESIDENTIAL_SUFFIXES, SHOP_KINDS, SURNAMES, nameStem } from '@ccr/shared/demo';
import { dist, lerp, pointInRingXY, type XY } from './local-geometry.js';
import type { RoadClass } from './town-roads.js';

export type GridKind = 'urban' | 'industrial' | 'village';

export interface TownGrid {
  id: string;
  name: string;
  nameEn: string;
  kind: GridKind;
  officerId: string;
  ring: XY[];
  centroid: XY;
  areaM2: number;
}

/** A vertex of the (connected) road network, as the roster sees it. */
export interface TownNode {
  xy: XY;
  /** The most important class of road through it. */
  roadClass: RoadClass;
  /** Index into the grid list, or -1 on the very edge. */
  grid: number;
  neighbours: number[];
}

export interface TownLayout {
  grids: TownGrid[];
  nodes: TownNode[];
  /** The node the station stands at. */
  stationNode: number;
  /** Semi-axes of the town, metres: how far out "the edge of town" is. */
  radiusX: number;
  radiusY: number;
}

/** Counts the demo roster is built to, from the articles (63 combat units, ~39 grids) and a town's scale. */
export const ROSTER_COUNTS = {
  patrolCars: 12,
  footPatrols: 8,
  caseOfficers: 8,
  combatUnits: 63,
  emergencyUnits: 300,
} as const;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const CHINESE_ORDINALS = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];

/** Unit as drafted in metres; the generator converts `home` to WGS-84. */
export type DraftUnit = Omit<Unit, 'home'> & { home?: XY };

class NameBook {
  private readonly used = new Set<string>();
  constructor(private readonly rng: Rng) {}

  person(): string {
    for (let i = 0; i < 50; i++) {
      const n = this.rng.pick(SURNAMES) + this.rng.pick(GIVEN_NAMES);
      if (!this.used.has(n)) {
        this.used.add(n);
        return n;
      }
    }
    return this.rng.pick(SURNAMES) + this.rng.pick(GIVEN_NAMES) + this.rng.pick(GIVEN_NAMES);
  }

  /** A place name not used before; `make` is retried, then numbered. */
  unique(make: () => string): string {
    for (let i = 0; i < 20; i++) {
      const n = make();
      if (!this.used.has(n)) {
        this.used.add(n);
        return n;
      }
    }
    const base = make();
    for (let k = 2; ; k++) {
      const n = `${base}（${k}）`;
      if (!this.used.has(n)) {
        this.used.add(n);
        return n;
      }
    }
  }
}

/** Greedy farthest-point picks: `count` nodes spread over the candidates, starting next to `start`. */
function spreadNodes(layout: TownLayout, candidates: readonly number[], start: XY, count: number): number[] {
  const chosen: number[] = [];
  const nearestDist = new Map<number, number>(candidates.map((c) => [c, dist(layout.nodes[c]!.xy, start)]));
  let first = candidates[0]!;
  for (const c of candidates) if (nearestDist.get(c)! < nearestDist.get(first)!) first = c;
  chosen.push(first);
  for (const c of candidates) nearestDist.set(c, dist(layout.nodes[c]!.xy, layout.nodes[first]!.xy));
  while (chosen.length < count && chosen.length < candidates.length) {
    let best = candidates[0]!;
    for (const c of candidates) if (nearestDist.get(c)! > nearestDist.get(best)!) best = c;
    chosen.push(best);
    for (const c of candidates) nearestDist.set(c, Math.min(nearestDist.get(c)!, dist(layout.nodes[c]!.xy, layout.nodes[best]!.xy)));
  }
  return chosen;
}

function nodesInGrid(layout: TownLayout, grid: number): number[] {
  const out: number[] = [];
  layout.nodes.forEach((n, i) => {
    if (n.grid === grid) out.push(i);
  });
  return out;
}

function nearestNodeTo(layout: TownLayout, p: XY, among: readonly number[]): number {
  let best = among[0]!;
  for (const i of among) if (dist(layout.nodes[i]!.xy, p) < dist(layout.nodes[best]!.xy, p)) best = i;
  return best;
}

/** A spot beside a road inside the grid (shops and schools face a street), else any spot in the grid. */
function placeBesideRoad(rng: Rng, layout: TownLayout, gridIndex: number, gridNodes: readonly number[]): XY {
  const grid = layout.grids[gridIndex]!;
  for (let attempt = 0; attempt < 30 && gridNodes.length > 0; attempt++) {
    const a = layout.nodes[rng.pick(gridNodes)]!;
    const b = layout.nodes[rng.pick(a.neighbours)]!;
    const along = lerp(a.xy, b.xy, rng.float(0.1, 0.9));
    const len = Math.max(dist(a.xy, b.xy), 1e-6);
    const side = (rng.chance(0.5) ? 1 : -1) * rng.float(12, 35);
    const p: XY = [along[0] - ((b.xy[1] - a.xy[1]) / len) * side, along[1] + ((b.xy[0] - a.xy[0]) / len) * side];
    if (pointInRingXY(p, grid.ring)) return p;
  }
  const xs = grid.ring.map((p) => p[0]);
  const ys = grid.ring.map((p) => p[1]);
  for (;;) {
    const p: XY = [rng.float(Math.min(...xs), Math.max(...xs)), rng.float(Math.min(...ys), Math.max(...ys))];
    if (pointInRingXY(p, grid.ring)) return p;
  }
}

function pickEquipment(rng: Rng, kit: readonly string[], min: number, max: number): string[] {
  const n = rng.int(min, max);
  // Earlier items are the standard kit, so they are the likelier ones.
  const pool = [...kit];
  const out: string[] = [];
  while (out.length < n && pool.length > 0) {
    const item = rng.weighted(pool, (x) => pool.length - pool.indexOf(x) + 2);
    pool.splice(pool.indexOf(item), 1);
    out.push(item);
  }
  return kit.filter((k) => out.includes(k));
}

const PLACE_MEMBERS: Record<PlaceKind, [number, number]> = {
  shop: [3, 8], school: [10, 30], firm: [8, 30], village: [10, 30], hospital: [10, 25], market: [8, 20], residential: [5, 20],
};

/** Which places a grid holds: the old town is shops and housing, the park is firms, a village has its committee. */
function placeMix(grid: TownGrid): Record<PlaceKind, number> {
  if (grid.kind === 'industrial') return { firm: 9, shop: 1, residential: 0.5, school: 0, village: 0, hospital: 0.1, market: 0.2 };
  if (grid.kind === 'village') return { shop: 3, firm: 2, residential: 1, school: 0.6, village: 0, hospital: 0.2, market: 0.3 };
  const trading = /市场|商贸|家具城|古镇/u.test(grid.name);
  return { shop: trading ? 6 : 4, residential: 3, school: 1, market: trading ? 1.3 : 0.4, hospital: 0.35, firm: 0.5, village: 0 };
}

function emergencyQuotas(grids: readonly TownGrid[], total: number): number[] {
  const weight = (g: TownGrid): number => (g.kind === 'industrial' ? 14 : g.kind === 'urban' ? 11 : 5);
  const sum = grids.reduce((s, g) => s + weight(g), 0);
  const exact = grids.map((g) => (weight(g) * total) / sum);
  const quotas = exact.map(Math.floor);
  let left = total - quotas.reduce((s, q) => s + q, 0);
  const order = exact.map((e, i) => ({ i, frac: e - Math.floor(e) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    quotas[i]!++;
    left--;
  }
  return quotas;
}

export function buildRoster(rng: Rng, layout: TownLayout): DraftUnit[] {
  const names = new NameBook(rng.fork('names'));
  const units: DraftUnit[] = [];
  const station = layout.nodes[layout.stationNode]!.xy;
  const nodeHome = (i: number): XY => layout.nodes[i]!.xy;
  const allNodes = layout.nodes.map((_, i) => i);
  const gridNodes = layout.grids.map((_, g) => nodesInGrid(layout, g));
  const homeInGrid = (g: number, r: Rng): XY => {
    const inGrid = gridNodes[g]!;
    return inGrid.length > 0 ? nodeHome(r.pick(inGrid)) : nodeHome(nearestNodeTo(layout, layout.grids[g]!.centroid, allNodes));
  };

  // 治安巡逻队: cars spread over the arterials, foot patrols over the old town; nobody starts on the town's edge.
  const reach = (i: number): number => Math.hypot(layout.nodes[i]!.xy[0] / layout.radiusX, layout.nodes[i]!.xy[1] / layout.radiusY);
  const arterialNodes = allNodes.filter((i) => layout.nodes[i]!.roadClass !== 'local' && reach(i) < 0.7);
  spreadNodes(layout, arterialNodes, station, ROSTER_COUNTS.patrolCars).forEach((node, k) => {
    units.push({ id: `P-${pad(k + 1, 2)}`, kind: 'patrol_car', name: `巡逻车${pad(k + 1, 2)}`, callSign: `胜巡${pad(k + 1, 2)}`, members: 2, home: nodeHome(node) });
  });
  const urbanNodes = allNodes.filter((i) => layout.grids[layout.nodes[i]!.grid]?.kind === 'urban' && reach(i) < 0.4);
  spreadNodes(layout, urbanNodes, station, ROSTER_COUNTS.footPatrols).forEach((node, k) => {
    units.push({ id: `F-${pad(k + 1, 2)}`, kind: 'foot_patrol', name: `步巡${pad(k + 1, 2)}`, callSign: `胜步${pad(k + 1, 2)}`, members: 2, home: nodeHome(node) });
  });

  // 社区警务队: one officer per grid (一格一警), starting from the grid's middle.
  layout.grids.forEach((g, gi) => {
    const inGrid = gridNodes[gi]!;
    const home = nodeHome(nearestNodeTo(layout, g.centroid, inGrid.length > 0 ? inGrid : allNodes));
    units.push({ id: g.officerId, kind: 'community_officer', name: `社区民警 ${names.person()}`, gridId: g.id, members: 1, home });
  });

  // 案件办理队: based at the station.
  for (let k = 1; k <= ROSTER_COUNTS.caseOfficers; k++) {
    units.push({ id: `A-${pad(k, 2)}`, kind: 'case_officer', name: `办案民警 ${names.person()}`, members: 1, home: station });
  }

  // 最小作战单元 (1+N): one per grid, a second in the busy grids, a third … until 63.
  const combatRng = rng.fork('combat');
  const perGrid = layout.grids.map(() => 1);
  const busyOrder = layout.grids
    .map((g, i) => ({ i, score: (g.kind === 'village' ? 1 : 3) * Math.sqrt(g.areaM2) }))
    .sort((a, b) => b.score - a.score || a.i - b.i);
  for (let extra = 0, k = 0; extra < ROSTER_COUNTS.combatUnits - layout.grids.length; extra++, k++) perGrid[busyOrder[k % busyOrder.length]!.i]!++;
  let combatNo = 0;
  layout.grids.forEach((g, gi) => {
    for (let n = 0; n < perGrid[gi]!; n++) {
      combatNo++;
      const suffix = perGrid[gi]! > 1 ? CHINESE_ORDINALS[n] ?? String(n + 1) : '';
      units.push({
        id: `Z-${pad(combatNo, 2)}`, kind: 'combat_unit', name: `${g.name}作战单元${suffix}`, gridId: g.id,
        members: combatRng.int(3, 8), equipment: pickEquipment(combatRng, COMBAT_EQUIPMENT, 3, 5), home: homeInGrid(gi, combatRng),
      });
    }
  });

  // 最小应急单元: places with their people and kit, beside a road inside their grid.
  const placeRng = rng.fork('places');
  const quotas = emergencyQuotas(layout.grids, ROSTER_COUNTS.emergencyUnits);
  const counters = { hospital: 0, middleSchool: 0 };
  const placeName = (kind: PlaceKind, g: TownGrid): string => {
    const stem = nameStem(g.name);
    const brand = (): string => placeRng.pick(BRAND_WORDS);
    switch (kind) {
      case 'village': return `${g.name}村委会`;
      case 'shop': return names.unique(() => (placeRng.chance(0.3) ? `${placeRng.pick(SURNAMES)}记${placeRng.pick(SHOP_KINDS)}` : `${brand()}${placeRng.pick(SHOP_KINDS)}`));
      case 'firm': return names.unique(() => `${brand()}${placeRng.pick(FIRM_KINDS)}`);
      case 'residential': return names.unique(() => `${brand()}${placeRng.pick(RESIDENTIAL_SUFFIXES)}`);
      case 'market': return names.unique(() => (/家具城/u.test(g.name) && placeRng.chance(0.6)
        ? `国际家具城${placeRng.pick(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'])}座`
        : placeRng.chance(0.5) ? `${stem}${placeRng.pick(MARKET_KINDS)}` : `${brand()}${placeRng.pick(MARKET_KINDS)}`));
      case 'hospital': {
        counters.hospital++;
        if (counters.hospital === 1) return names.unique(() => '胜芳镇卫生院');
        if (counters.hospital === 2) return names.unique(() => '胜芳中心医院');
        return names.unique(() => (g.kind === 'village' ? `${g.name}卫生室` : `${stem}社区卫生服务站`));
      }
      case 'school': {
        if (g.kind === 'urban' && counters.middleSchool < 3 && placeRng.chance(0.5)) {
          counters.middleSchool++;
          return names.unique(() => `胜芳镇第${CHINESE_ORDINALS[counters.middleSchool - 1]}中学`);
        }
        return names.unique(() => placeRng.pick(g.kind === 'village'
          ? [`${stem}小学`, `${stem}幼儿园`, `${stem}中心小学`]
          : [`${stem}小学`, `${stem}幼儿园`, `${brand()}幼儿园`, `${brand()}双语幼儿园`, `${stem}实验小学`]));
      }
    }
  };
  let emergencyNo = 0;
  layout.grids.forEach((g, gi) => {
    const mix = placeMix(g);
    const kinds = Object.keys(mix) as PlaceKind[];
    for (let n = 0; n < quotas[gi]!; n++) {
      const kind: PlaceKind = g.kind === 'village' && n === 0 ? 'village' : placeRng.weighted(kinds, (k) => mix[k]);
      const [lo, hi] = PLACE_MEMBERS[kind];
      emergencyNo++;
      units.push({
        id: `E-${pad(emergencyNo, 4)}`, kind: 'emergency_unit', name: placeName(kind, g), gridId: g.id, placeKind: kind,
        members: placeRng.int(lo, hi), equipment: pickEquipment(placeRng, EMERGENCY_EQUIPMENT, 2, 5),
        home: placeBesideRoad(placeRng, layout, gi, gridNodes[gi]!),
      });
    }
  });

  // 群防群治: volunteer teams, each based in the grid where its people work.
  const gridByName = (pattern: RegExp): number => Math.max(0, layout.grids.findIndex((g) => pattern.test(g.name)));
  const teams: { name: string; kind: VolunteerKind; grid: number; members: [number, number] }[] = [
    { name: '快乐小哥义警队', kind: 'courier', grid: gridByName(/家具城/u), members: [30, 60] },
    { name: '美丽环卫巡防队', kind: 'sanitation', grid: gridByName(/中山街/u), members: [20, 45] },
    { name: '平安的哥志愿队', kind: 'taxi', grid: gridByName(/迎宾路/u), members: [15, 40] },
    { name: '商贸街十户联防队', kind: 'merchant', grid: gridByName(/商贸街/u), members: [10, 30] },
    { name: '护学岗志愿队', kind: 'school_guard', grid: gridByName(/文化街/u), members: [10, 25] },
    { name: '家具城十户联防队', kind: 'merchant', grid: gridByName(/家具城/u), members: [12, 30] },
  ];
  const volunteerRng = rng.fork('volunteers');
  teams.forEach((t, k) => {
    const g = layout.grids[t.grid]!;
    const inGrid = gridNodes[t.grid]!;
    units.push({
      id: `V-${pad(k + 1, 2)}`, kind: 'volunteer_team', name: t.name, volunteerKind: t.kind, gridId: g.id,
      members: volunteerRng.int(t.members[0], t.members[1]), home: nodeHome(nearestNodeTo(layout, g.centroid, inGrid.length > 0 ? inGrid : allNodes)),
    });
  });
  return units;
}

/** Extra patrol units for load tests ("L-00001" …), two cars to each foot patrol, on random road vertices. */
export function buildLoadUnits(rng: Rng, layout: TownLayout, count: number): DraftUnit[] {
  const units: DraftUnit[] = [];
  for (let k = 1; k <= count; k++) {
    const kind: UnitKind = k % 3 === 0 ? 'foot_patrol' : 'patrol_car';
    const label = kind === 'patrol_car' ? '压测车' : '压测步巡';
    units.push({ id: `L-${pad(k, 5)}`, kind, name: `${label}${pad(k, 5)}`, members: 2, home: layout.nodes[rng.int(0, layout.nodes.length - 1)]!.xy });
  }
  return units;
}
