// The 1-3-5 promise (DOMAIN.md): self-help within 1 minute, mutual aid within 3, police on scene within 5.
// The board colours an incident's timer against the 5-minute arrival target.
import type { Incident } from '@ccr/shared';

export const SELF_HELP_MS = 60_000;
export const MUTUAL_AID_MS = 3 * 60_000;
export const ARRIVAL_TARGET_MS = 5 * 60_000;

/** ok: within target; near: past the 3-minute mark and not yet on scene; late: the 5-minute target is missed. */
export type TimerState = 'ok' | 'near' | 'late';

const ARRIVED: ReadonlySet<string> = new Set(['on_scene', 'resolved', 'closed']);

/** When police first reached the scene, from the timeline; null while nobody is there. */
export function arrivedAt(incident: Pick<Incident, 'timeline'>): number | null {
  for (const e of incident.timeline) if (ARRIVED.has(e.status)) return e.at;
  return null;
}

export function timerState(incident: Pick<Incident, 'reportedAt' | 'timeline' | 'status'>, now: number): TimerState {
  const arrival = arrivedAt(incident) ?? (ARRIVED.has(incident.status) ? incident.reportedAt : null);
  if (arrival !== null) return arrival - incident.reportedAt <= ARRIVAL_TARGET_MS ? 'ok' : 'late';
  const elapsed = now - incident.reportedAt;
  if (elapsed < MUTUAL_AID_MS) return 'ok';
  if (elapsed < ARRIVAL_TARGET_MS) return 'near';
  return 'late';
}
