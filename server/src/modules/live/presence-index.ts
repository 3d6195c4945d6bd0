// Patrol presence kept at write time, so the presence sampler (stats/stats-chores.ts) counts per grid instead of
// reading the roster. One zset (Keyspace live.presence) holds exactly the patrol units that count for presence
// apart from the age of their fix: patrol team, not stale, not off duty, last fix inside a grid. Its score packs the
// grid and the fix time, `gridIndex × 2^40 + (ts − 2020-01-01)` in ms, so the units of one grid whose fix is at
// least `since` are one ZCOUNT over a score range (a double holds 2^53 exactly: up to 8,192 grids, fixes to 2054).
// Moved by the position apply (a fix), the stale marking (leaves), the dispatch commit (off duty leaves, back on
// duty returns with its last score, kept in live.presenceScore) and the roster sync (units no longer patrols).
import { TEAM_OF_KIND, type Jurisdiction, type LngLat } from '@ccr/shared';

const EPOCH = Date.UTC(2020, 0, 1);
const SPAN = 2 ** 40;
export const MAX_PRESENCE_GRIDS = 2 ** 13;

/** The score of a fix at `ts` in the grid at `gridIndex` (an integer below 2^53, exact as a Redis score). */
export function presenceScore(gridIndex: number, ts: number): number {
  return gridIndex * SPAN + Math.min(SPAN - 1, Math.max(0, Math.round(ts) - EPOCH));
}

/** The inclusive score range of the grid at `gridIndex`'s units with a fix at or after `since`. */
export function presenceRange(gridIndex: number, since: number): { min: number; max: number } {
  return { min: presenceScore(gridIndex, Math.max(since, EPOCH)), max: gridIndex * SPAN + SPAN - 1 };
}

/**
 * What the position apply writes for a unit's fix: '' not a patrol (nothing), '-' a patrol outside every grid
 * (leaves the index), else the score. Grids are indexed in the jurisdiction's order (stats reads them in the same).
 */
export type PresenceOf = (unitId: string, lng: number, lat: number, ts: number) => string;

export function presenceOf(jurisdiction: Pick<Jurisdiction, 'units' | 'grids'>, locateGrid: (p: LngLat) => string | null): PresenceOf {
  const grids = jurisdiction.grids.features.map((f) => f.properties.id);
  if (grids.length > MAX_PRESENCE_GRIDS) throw new Error(`presence index: ${grids.length} grids, at most ${MAX_PRESENCE_GRIDS}`);
  const index = new Map(grids.map((g, i) => [g, i]));
  const patrols = new Set(jurisdiction.units.filter((u) => TEAM_OF_KIND[u.kind] === 'patrol').map((u) => u.id));
  return (unitId, lng, lat, ts) => {
    if (!patrols.has(unitId)) return '';
    const grid = locateGrid([lng, lat]);
    const i = grid === null ? undefined : index.get(grid);
    return i === undefined ? '-' : String(presenceScore(i, ts));
  };
}
