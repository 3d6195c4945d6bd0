// The demo's duty leader for the people around the police: without one, nobody calls the roll of the emergency
// units and no missing person is ever broadcast. A client of the public HTTP API like a person at the console
// (the demo's `dispatcher` account):
//   POST /api/roll-calls { commandId }                 点名 of every emergency unit: once soon after start, then
//                                                      every ROLL_CALL_EVERY of field time (default 2 hours)
//   GET  /api/units?limit=2000                         once: the volunteer teams and where they are (one page in the demo town)
//   GET  /api/incidents?status=open                    every few seconds
//   POST /api/searches { incidentId, teams, radiusM,   协查 for a missing person: the nearest few volunteer teams and
//     gridOfficers, emergencyUnits }                   the grid officers and emergency units within 3 km
//   POST /api/searches/:id/found { commandId }         a plausible while later (found)
// The units' terminals (devices.ts) answer the roll-calls and searches; the volunteers' (volunteer-fleet.ts) the searches.
import { randomUUID } from 'node:crypto';
import { haversineMeters, type Incident, type Unit } from '@ccr/shared';
import { logNormal } from '@ccr/shared/demo';
import { startDeskSession, type DeskApi, type DeskCall, type DeskLeaderOptions } from './desk-session.js';

const MIN = 60_000;
export const SEARCH_RADIUS_M = 3_000;
/** Volunteer teams a search goes to: the nearest few within this distance of the incident. */
const TEAMS_PER_SEARCH = 4;
const TEAM_WITHIN_M = 8_000;

/** The nearest few volunteer teams to a place (pure). */
export function teamsNear(units: readonly Unit[], at: { lng: number; lat: number }): string[] {
  return units
    .filter((u) => u.kind === 'volunteer_team' && u.home)
    .map((u) => ({ id: u.id, d: haversineMeters([at.lng, at.lat], u.home!) }))
    .filter((x) => x.d <= TEAM_WITHIN_M)
    .sort((a, b) => a.d - b.d || a.id.localeCompare(b.id))
    .slice(0, TEAMS_PER_SEARCH)
    .map((x) => x.id);
}

/**
 * Who a demo search for a missing person at `at` goes to (pure): the nearest few volunteer teams, and the grid officers
 * and emergency units — the server sends it to those of them within the radius by where they are now. Null when
 * nobody could be reached: no team near and no emergency unit's place within the radius (grid officers' whereabouts
 * are the server's to know; one of them alone does not make a search).
 */
export function searchChoice(units: readonly Unit[], at: { lng: number; lat: number }): { teams: string[]; gridOfficers: true; emergencyUnits: true } | null {
  const teams = teamsNear(units, at);
  const placeNear = units.some((u) => u.kind === 'emergency_unit' && u.home && haversineMeters([at.lng, at.lat], u.home) <= SEARCH_RADIUS_M);
  return teams.length > 0 || placeNear ? { teams, gridOfficers: true, emergencyUnits: true } : null;
}

export interface AutoRespondersOptions extends DeskLeaderOptions {
  /** Real ms to the first roll-call (default 20 s) and between roll-calls (default 2 field hours). */
  firstRollCallMs?: number;
  rollCallEveryMs?: number;
  /** Field time from a search's start to found (median, spread); default 25 minutes. */
  foundAfter?: readonly [number, number];
}
export interface AutoRespondersStats { rollCalls: number; searches: number; found: number; refused: number; stopped: boolean }
export interface AutoResponders { stats(): AutoRespondersStats; close(): Promise<void> }

export function startAutoResponders(o: AutoRespondersOptions): AutoResponders {
  const log = o.log ?? (() => {});
  const username = o.username ?? 'dispatcher';
  const pollMs = o.pollMs ?? 3_000;
  const stats: AutoRespondersStats = { rollCalls: 0, searches: 0, found: 0, refused: 0, stopped: false };
  let closed = false;
  let desk: DeskApi | undefined;
  // The desk session's request (delivered with the first round) for the steps below.
  const call = (method: 'GET' | 'POST', path: string, body?: unknown): Promise<DeskCall | null> => desk!.call(method, path, body);
  const field = (x: unknown, k: string): unknown => (x && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined);
  const why = (a: { status: number; body: unknown }): string => `HTTP ${a.status} ${String(field(a.body, 'message') ?? field(a.body, 'error') ?? '')}`.trimEnd();

  const every = o.rollCallEveryMs ?? (2 * 60 * MIN) / o.timeScale;
  let nextRollCallAt = Date.now() + (o.firstRollCallMs ?? 20_000);
  let rollCallCommand = `sim-rc-${randomUUID()}`;
  async function rollCall(now: number): Promise<void> {
    if (now < nextRollCallAt) return;
    const a = await call('POST', '/api/roll-calls', { commandId: rollCallCommand });
    if (!a || a.status >= 500 || a.status === 429) return; // same command next round
    nextRollCallAt = now + every;
    rollCallCommand = `sim-rc-${randomUUID()}`;
    if (a.status === 200) {
      stats.rollCalls++;
      log(`auto-responders: 点名 ${String(field(a.body, 'id'))} → ${String(field(a.body, 'units'))} 个应急单元`);
    } else {
      stats.refused++;
      log(`auto-responders: roll-call refused (${why(a)})`);
    }
  }

  let units: Unit[] | undefined;
  /** Incident → its search (or null: tried, refused) and the command ids, the same on every retry. */
  const searches = new Map<string, { startCommand: string; searchId?: string; foundAt?: number; foundCommand: string; done?: boolean }>();
  async function searchStep(incidents: readonly Incident[], now: number): Promise<void> {
    if (!units) {
      const u = await call('GET', '/api/units?limit=2000');
      if (u?.status !== 200 || !Array.isArray(u.body)) return;
      units = u.body as Unit[];
    }
    for (const i of incidents) {
      if (closed || i.type !== 'missing_person') continue;
      let s = searches.get(i.id);
      if (!s) searches.set(i.id, (s = { startCommand: `sim-xc-${randomUUID()}`, foundCommand: `sim-xf-${randomUUID()}` }));
      if (s.done) continue;
      if (!s.searchId) {
        const choice = searchChoice(units, i);
        if (!choice) { s.done = true; continue; }
        const a = await call('POST', '/api/searches', {
          commandId: s.startCommand, incidentId: i.id, kind: 'missing_person', description: (i.summary || `${i.address} 走失人员`).slice(0, 500),
          radiusM: SEARCH_RADIUS_M, ...choice,
        });
        if (!a || a.status >= 500 || a.status === 429) continue;
        if (a.status !== 200) { s.done = true; stats.refused++; log(`auto-responders: ${i.id} 协查 refused (${why(a)})`); continue; }
        s.searchId = String(field(a.body, 'id'));
        const [median, sigma] = o.foundAfter ?? [25 * MIN, 0.5];
        s.foundAt = now + Math.max(1_000, logNormal(o.rng, median, sigma) / o.timeScale);
        stats.searches++;
        const to = (field(a.body, 'recipients') as unknown[] | undefined) ?? [];
        const unitsTold = to.filter((r) => String(r).startsWith('u:')).length;
        log(`auto-responders: ${i.id} 协查 ${s.searchId} → ${[...choice.teams, '网格民警', '应急单元'].join(', ')} (${to.length - unitsTold} 人, ${unitsTold} 个单位, ${SEARCH_RADIUS_M / 1000} km)`);
      }
      if (s.searchId && s.foundAt !== undefined && now >= s.foundAt) {
        const a = await call('POST', `/api/searches/${encodeURIComponent(s.searchId)}/found`, { commandId: s.foundCommand });
        if (!a || a.status >= 500 || a.status === 429) continue;
        s.done = true;
        if (a.status === 200) {
          stats.found++;
          log(`auto-responders: ${i.id} 协查 ${s.searchId} 已找到 (${Math.round(Number(field(a.body, 'timeToFoundMs')) / 1000)} s)`);
        } else {
          stats.refused++;
          log(`auto-responders: ${s.searchId} found refused (${why(a)}); leaving it`);
        }
      }
    }
  }

  async function round(): Promise<boolean> {
    const now = Date.now();
    await rollCall(now);
    const a = await call('GET', '/api/incidents?status=open&limit=1000');
    if (a?.status !== 200) return false;
    const incidents = (field(a.body, 'items') as Incident[] | undefined) ?? [];
    // Searches of incidents closed meanwhile are finished too (found when the unit brought the person home).
    const open = new Set(incidents.map((i) => i.id));
    const openOrSearching = incidents.filter((i) => i.type === 'missing_person');
    for (const [id, s] of searches) {
      if (open.has(id)) continue;
      if (s.done || !s.searchId) searches.delete(id);
      else openOrSearching.push({ id, type: 'missing_person' } as Incident);
    }
    await searchStep(openOrSearching, now);
    return true;
  }

  const session = startDeskSession({ name: 'auto-responders', serverUrl: o.serverUrl, username, password: o.password, pollMs, log }, (api) => { desk = api; return round(); });
  return {
    stats: () => ({ ...stats, stopped: session.stopped() }),
    async close() { closed = true; await session.close(); },
  };
}
