// A small jurisdiction for tests: four square grids, a few roads and units, written to a temporary folder.
// Tests use it so they do not depend on the demo data changing.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GridCollection, RoadCollection, Station, Unit, Volunteer } from '@ccr/shared';

export const FIXTURE_ORIGIN: [number, number] = [116.6, 39.0];
const STEP = 0.05;

function square(i: number, j: number): [number, number][] {
  const [x, y] = [FIXTURE_ORIGIN[0] + i * STEP, FIXTURE_ORIGIN[1] + j * STEP];
  return [[x, y], [x + STEP, y], [x + STEP, y + STEP], [x, y + STEP], [x, y]];
}

/** Centre of fixture grid (i, j) ∈ {0,1}², i.e. G1..G4 row by row. */
export function fixtureGridCentre(i: number, j: number): [number, number] {
  return [FIXTURE_ORIGIN[0] + (i + 0.5) * STEP, FIXTURE_ORIGIN[1] + (j + 0.5) * STEP];
}

export interface FixtureOptions {
  patrolUnits?: number;
  /** Extra patrol cars L-00001… for load tests and the benchmark. */
  loadUnits?: number;
}

export async function writeFixtureJurisdiction(opts: FixtureOptions = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ccr-jurisdiction-'));
  const station: Station = { name: '测试派出所', center: fixtureGridCentre(0, 0), timeZone: 'Asia/Shanghai' };
  const cells: [number, number][] = [[0, 0], [1, 0], [0, 1], [1, 1]];
  const grids: GridCollection = {
    type: 'FeatureCollection',
    features: cells.map(([i, j], k) => ({
      type: 'Feature',
      properties: { id: `G${k + 1}`, name: `测试网格${k + 1}`, officerId: `C-${k + 1}` },
      geometry: { type: 'Polygon', coordinates: [square(i, j)] },
    })),
  };
  const roads: RoadCollection = {
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', properties: { id: 'R1', name: '东西大街', class: 'primary' }, geometry: { type: 'LineString', coordinates: [[116.6, 39.05], [116.7, 39.05]] } },
      { type: 'Feature', properties: { id: 'R2', name: '南北大街', class: 'primary' }, geometry: { type: 'LineString', coordinates: [[116.65, 39.0], [116.65, 39.1]] } },
    ],
  };
  const units: Unit[] = [
    ...cells.map((_, k): Unit => ({ id: `C-${k + 1}`, kind: 'community_officer', name: `社区民警${k + 1}`, gridId: `G${k + 1}` })),
    ...Array.from({ length: opts.patrolUnits ?? 4 }, (_, k): Unit => ({ id: `P-${String(k + 1).padStart(2, '0')}`, kind: 'patrol_car', name: `巡逻车${k + 1}` })),
    ...Array.from({ length: opts.loadUnits ?? 0 }, (_, k): Unit => ({ id: `L-${String(k + 1).padStart(5, '0')}`, kind: 'patrol_car', name: `负载${k + 1}` })),
    { id: 'E-0001', kind: 'emergency_unit', name: '中心小学应急单元', placeKind: 'school', members: 12, gridId: 'G1', home: fixtureGridCentre(0, 0) },
    { id: 'V-1', kind: 'volunteer_team', name: '快递小哥义警队', volunteerKind: 'courier', members: 2, gridId: 'G1', home: fixtureGridCentre(0, 0) },
    { id: 'V-2', kind: 'volunteer_team', name: '中心小学护学岗', volunteerKind: 'school_guard', members: 1, gridId: 'G2', home: fixtureGridCentre(1, 0) },
  ];
  // V-1-01 lives at G1's centre, V-1-02 in G4 (about 7 km away), V-2-01 at G2's centre.
  const volunteers: Volunteer[] = [
    { id: 'V-1-01', name: '张快递', teamId: 'V-1', home: fixtureGridCentre(0, 0) },
    { id: 'V-1-02', name: '李快递', teamId: 'V-1', home: fixtureGridCentre(1, 1) },
    { id: 'V-2-01', name: '王护学', teamId: 'V-2' },
  ];
  await Promise.all([
    writeFile(join(dir, 'station.json'), JSON.stringify(station)),
    writeFile(join(dir, 'grids.geojson'), JSON.stringify(grids)),
    writeFile(join(dir, 'roads.geojson'), JSON.stringify(roads)),
    writeFile(join(dir, 'roster.json'), JSON.stringify({ units })),
    writeFile(join(dir, 'volunteers.json'), JSON.stringify({ volunteers })),
  ]);
  return dir;
}
