// What the command room keeps of the volunteers' work (群防群治), pure: the open clue queue, the broadcast searches
// by incident, the 护学岗 board's flags, and the clue → task order. stores/volunteerDesk.ts feeds them.
import { pointInMultiPolygon, pointInPolygon, type Clue, type GridCollection, type GuardBoard, type GuardPostState, type GuardWindowName, type Search } from '@ccr/shared';

/** Open clues, newest first: a decided clue leaves the queue. */
export function upsertClue(list: readonly Clue[], c: Clue): Clue[] {
  const rest = list.filter((x) => x.id !== c.id);
  if (c.status !== 'open') return rest;
  return [c, ...rest].sort((a, b) => b.receivedAt - a.receivedAt || (a.id < b.id ? 1 : -1));
}

/** Searches by id; a change replaces the search (the event carries all of it). Ended ones are kept a while so the
 *  console can say "found in 18 min". */
export const ENDED_SEARCH_KEEP_MS = 30 * 60_000;
export function upsertSearch(map: ReadonlyMap<string, Search>, s: Search, now: number): Map<string, Search> {
  const next = new Map(map);
  next.set(s.id, s);
  for (const [id, x] of next) if (x.status !== 'active' && (x.endedAt ?? 0) < now - ENDED_SEARCH_KEEP_MS) next.delete(id);
  return next;
}

/** The search the console shows for an incident: its running one, else the newest that ended. */
export function searchForIncident(searches: Iterable<Search>, incidentId: string | null): Search | null {
  if (!incidentId) return null;
  let best: Search | null = null;
  for (const s of searches) {
    if (s.incidentId !== incidentId) continue;
    if (!best || (s.status === 'active') > (best.status === 'active') || ((s.status === 'active') === (best.status === 'active') && s.startedAt > best.startedAt)) best = s;
  }
  return best;
}

export interface GuardSummary {
  /** The window the wall speaks of: the one open now, else the last one that has begun today; null before both. */
  window: GuardWindowName | null;
  total: number;
  checkedIn: number;
  waiting: number;
  missed: number;
  /** Names of the posts not checked in (missed first). */
  flagged: string[];
}

export function guardSummary(board: GuardBoard | null): GuardSummary {
  const empty: GuardSummary = { window: null, total: 0, checkedIn: 0, waiting: 0, missed: 0, flagged: [] };
  if (!board || board.posts.length === 0) return empty;
  const started = (w: GuardWindowName): boolean => board.posts.some((p) => p.states[w] !== undefined && p.states[w] !== 'upcoming');
  const window: GuardWindowName | null = started('afternoon') ? 'afternoon' : started('morning') ? 'morning' : null;
  if (!window) return { ...empty, total: board.posts.length };
  const by = (st: GuardPostState) => board.posts.filter((p) => p.states[window] === st);
  const missed = by('missed'), waiting = by('waiting');
  return {
    window, total: board.posts.length, checkedIn: by('checked_in').length, waiting: waiting.length, missed: missed.length,
    flagged: [...missed, ...waiting].map((p) => p.name),
  };
}

/** A check-in event applied to the board (the next fetch confirms it). */
export function applyCheckIn(board: GuardBoard, ev: { teamId: string; window: string; at: number; by: string }): GuardBoard {
  return {
    ...board,
    posts: board.posts.map((p) => (p.teamId === ev.teamId
      ? { ...p, checkIns: { ...p.checkIns, [ev.window]: { at: ev.at, by: ev.by } }, states: { ...p.states, [ev.window]: 'checked_in' } }
      : p)),
  };
}

/** The grid officer a clue at this place goes to (一格一警), or null when it has no place or lies outside. */
export function gridOfficerAt(grids: GridCollection, lng: number | undefined, lat: number | undefined): string | null {
  if (lng === undefined || lat === undefined) return null;
  for (const f of grids.features) {
    const g = f.geometry;
    const inside = g.type === 'Polygon' ? pointInPolygon([lng, lat], g.coordinates) : pointInMultiPolygon([lng, lat], g.coordinates);
    if (inside) return f.properties.officerId ?? null;
  }
  return null;
}
