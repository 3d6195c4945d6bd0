// Pure rules of the console: the order of the queue, the unit status board's groups and colours.
import { TEAMS, canBeOriginal, formatElapsed, type Locale, isSuspectedDuplicate, type Incident, type IncidentStatus, type LiveUnit, type Team, type UnitKind } from '@ccr/shared';
import { tl } from '../../i18n';

/** Received (接警, nobody sent yet) first, then by how far the incident has gone. */
const STAGE: Record<IncidentStatus, number> = {
  received: 0, dispatched: 1, en_route: 1, on_scene: 2, resolved: 3, closed: 4, cancelled: 4, merged: 4,
};

/** Queue order: incidents still waiting for a unit first; within a stage by priority, then longest waiting. */
export function compareQueue(a: Incident, b: Incident): number {
  return STAGE[a.status] - STAGE[b.status]
    || a.priority - b.priority
    || a.reportedAt - b.reportedAt
    || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function queueOrder(incidents: Iterable<Incident>): Incident[] {
  return [...incidents].sort(compareQueue);
}

/** The incident a step of ↑/↓ lands on (stays at the ends; the first one when nothing is selected). */
export function stepSelection(queue: readonly Incident[], selectedId: string | null, step: number): string | null {
  if (queue.length === 0) return null;
  const at = selectedId === null ? -1 : queue.findIndex((i) => i.id === selectedId);
  if (at < 0) return queue[0]!.id;
  return queue[Math.max(0, Math.min(queue.length - 1, at + step))]!.id;
}

/** Time-in-status colour of a unit on the board. Stale wins: a silent unit's status is not to be trusted. */
export type StatusTone = 'stale' | 'off' | 'available' | 'ok' | 'long' | 'overlong';
/** A unit busy, sent or on scene for longer than these is amber, then red (a check-in is due). */
export const LONG_STATUS_MS = 30 * 60_000;
export const OVERLONG_STATUS_MS = 60 * 60_000;

export function statusTone(u: Pick<LiveUnit, 'status' | 'stale' | 'statusSince'>, now: number): StatusTone {
  if (u.stale) return 'stale';
  if (u.status === 'off_duty') return 'off';
  if (u.status === 'available') return 'available';
  const t = now - u.statusSince;
  return t >= OVERLONG_STATUS_MS ? 'overlong' : t >= LONG_STATUS_MS ? 'long' : 'ok';
}

/** The label of what a person reads as a unit's state: 失联 over its status, for the same reason as statusTone. */
export function unitStateLabel(u: Pick<LiveUnit, 'status' | 'stale'>): `label.unitStatus.${LiveUnit['status'] | 'stale'}` {
  return `label.unitStatus.${u.stale ? 'stale' : u.status}`;
}

/** How long a unit on its way has reported one and the same fix, once that counts as frozen (LiveUnit.frozenSince):
 *  its place on the map and its ETA are as old as that. Null when its fix is live. */
export function frozenFor(u: Pick<LiveUnit, 'frozenSince'>, now: number): number | null {
  return u.frozenSince === undefined ? null : Math.max(0, now - u.frozenSince);
}

/** 定位冻结 4:05 beside a unit whose fix is frozen; empty when it is live. */
export function frozenText(u: Pick<LiveUnit, 'frozenSince'>, now: number, locale: Locale): string {
  const ms = frozenFor(u, now);
  return ms === null ? '' : tl('console.frozen', locale, { for: formatElapsed(ms) });
}

export interface TeamGroup {
  team: Team;
  /** Officers and cars, one chip each. */
  units: LiveUnit[];
  available: number;
  /** Minimum combat units of the team (1+N groups, dozens of them): counted, not listed one by one. */
  combat: { total: number; available: number };
}

/** Kinds the board lists one by one: the officers and cars a dispatcher sends. */
const LISTED: ReadonlySet<UnitKind> = new Set<UnitKind>(['patrol_car', 'foot_patrol', 'community_officer', 'case_officer']);

/** Police units by team (一室三队), each team by kind then name; non-police forces are left out. */
export function unitsByTeam(units: Iterable<LiveUnit>): TeamGroup[] {
  const groups = new Map<Team, TeamGroup>(TEAMS.map((t) => [t, { team: t, units: [], available: 0, combat: { total: 0, available: 0 } }]));
  for (const u of units) {
    if (u.team === null) continue;
    const g = groups.get(u.team);
    if (!g) continue;
    const free = u.status === 'available' && !u.stale;
    if (!LISTED.has(u.kind)) {
      g.combat.total++;
      if (free) g.combat.available++;
      continue;
    }
    g.units.push(u);
    if (free) g.available++;
  }
  for (const g of groups.values()) g.units.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name, 'zh-CN') || a.id.localeCompare(b.id));
  return [...groups.values()];
}

/** Units assigned to an incident (from the incident's list, falling back to the units' own incidentId). */
export function assignedUnits(incident: Incident, units: ReadonlyMap<string, LiveUnit>): LiveUnit[] {
  const out: LiveUnit[] = [];
  const seen = new Set<string>();
  for (const id of incident.assignedUnitIds) {
    const u = units.get(id);
    if (u) { out.push(u); seen.add(id); }
  }
  for (const u of units.values()) if (u.incidentId === incident.id && !seen.has(u.id)) out.push(u);
  return out;
}

/** 疑似重复 as the console shows it: the original (when still on the board), how far and how long apart, and
 *  whether a merge into it can work now (merging into a closed or resolved incident is refused with 409). */
export interface DuplicateView {
  of: string;
  original: Incident | undefined;
  distanceMeters: number;
  seconds: number;
  mergeable: boolean;
}

export function duplicateView(incident: Incident, board: ReadonlyMap<string, Incident>): DuplicateView | null {
  if (!isSuspectedDuplicate(incident)) return null;
  const flag = incident.suspectedDuplicate!;
  const original = board.get(flag.of);
  return {
    of: flag.of, original, distanceMeters: flag.distanceMeters, seconds: flag.seconds,
    mergeable: !!original && canBeOriginal(original) && incident.status !== 'merged',
  };
}

/**
 * 转矛盾纠纷: where a dispute incident goes to become a case (the community desk's 受理 form, filled from it), or
 * its case when it already is one. Null for other incidents.
 */
export function disputeIntakeRoute(incident: Pick<Incident, 'id' | 'type' | 'disputeCaseId'> | null): { path: string; query: Record<string, string> } | null {
  if (!incident || incident.type !== 'dispute') return null;
  return incident.disputeCaseId
    ? { path: '/community', query: { case: incident.disputeCaseId } }
    : { path: '/community', query: { intake: incident.id } };
}
