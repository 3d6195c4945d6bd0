// What a simulated unit does with the orders it receives on the device channel, and when it reports back.
// Pure: the simulation applies the effects (movement, reports), the device layer does the talking.
//
//   patrol ──dispatch/backup/reassign──▶ responding ──at the scene──▶ on_scene ──service time──▶ patrol
//      ▲                                     │                          │          (reports resolved)
//      └──────────── cancel / recall of the incident it is working ─────┘
//
// Arrival is the server's to detect (geofence on the positions the unit keeps sending): the unit stands on
// the exact scene, so any radius sees it, and does not also claim on_scene itself (one source of truth).
import type { DeviceOrder, IncidentType, LngLat, UnitReport } from '@ccr/shared';

export type Duty =
  | { state: 'patrol' }
  | { state: 'responding'; incidentId: string; incidentType: IncidentType; scene: LngLat }
  | { state: 'on_scene'; incidentId: string; incidentType: IncidentType; serviceLeftS: number };

export type DutyEffect =
  /** Drive to the scene and stop there. */
  | { type: 'go'; scene: LngLat }
  /** Back to the unit's own patrol. */
  | { type: 'release' }
  | { type: 'report'; report: UnitReport }
  /** A line worth a log entry. */
  | { type: 'note'; text: string };

export interface DutyStep {
  duty: Duty;
  effects: DutyEffect[];
}

export const PATROL: Duty = { state: 'patrol' };

/** Time spent at a scene before reporting it handled, in simulated minutes, by incident type. */
export const SERVICE_MINUTES: Readonly<Record<IncidentType, readonly [min: number, max: number]>> = {
  theft: [6, 12],
  fraud: [5, 10], // stop-payment calls and a statement
  fight: [8, 12],
  public_order: [5, 10],
  dispute: [8, 12], // on-the-spot mediation
  missing_person: [6, 12],
  traffic: [6, 12],
  hazard: [4, 8],
  help: [4, 8],
  other: [4, 8],
};

/**
 * Seconds of service for an incident type. `u` is a uniform draw in [0, 1); `range` (simulated minutes)
 * replaces the per-type table (--service-minutes).
 */
export function serviceSeconds(type: IncidentType, u: number, range?: readonly [number, number]): number {
  const [lo, hi] = range ?? SERVICE_MINUTES[type];
  return (lo + (hi - lo) * u) * 60;
}

const workingOn = (duty: Duty): string | undefined => (duty.state === 'patrol' ? undefined : duty.incidentId);

/**
 * An order arrives. `mobile` is false for fixed places (minimum emergency units), which are alerted but
 * never move. Orders for the incident a unit already works are not restarted (a repeated dispatch must
 * not send it back on the road from the scene).
 */
export function onOrder(duty: Duty, order: DeviceOrder, mobile: boolean): DutyStep {
  const incident = order.incident;
  const current = workingOn(duty);
  switch (order.kind) {
    case 'dispatch':
    case 'backup':
    case 'reassign': {
      if (!mobile) return { duty, effects: [{ type: 'note', text: `${order.kind} ${incident.id} ignored: a fixed place does not move` }] };
      if (current === incident.id) return { duty, effects: [{ type: 'note', text: `${order.kind} ${incident.id}: already on it` }] };
      const effects: DutyEffect[] = [];
      if (current !== undefined) effects.push({ type: 'note', text: `leaves ${current} for ${incident.id}` });
      effects.push({ type: 'go', scene: [incident.lng, incident.lat] });
      // A unit moved along with its incident (merged into another) keeps the status it had on the server:
      // it is already on its way or on scene, and saying en_route again would be an illegal transition.
      if (!(order.kind === 'reassign' && current !== undefined)) {
        effects.push({ type: 'report', report: { status: 'en_route', incidentId: incident.id } });
      }
      effects.push({ type: 'note', text: `${order.kind} → ${incident.id} P${incident.priority} ${incident.type} ${incident.address}`.trimEnd() });
      return { duty: { state: 'responding', incidentId: incident.id, incidentType: incident.type, scene: [incident.lng, incident.lat] }, effects };
    }
    case 'cancel':
    case 'recall': {
      if (current !== incident.id) {
        return { duty, effects: [{ type: 'note', text: `${order.kind} ${incident.id}: not working it${current ? ` (on ${current})` : ''}` }] };
      }
      return { duty: PATROL, effects: [{ type: 'release' }, { type: 'note', text: `${order.kind} ${incident.id}: back to patrol` }] };
    }
    case 'alert':
      return { duty, effects: [{ type: 'note', text: `alert ${incident.id} P${incident.priority} ${incident.type} ${incident.address}`.trimEnd() }] };
  }
}

/** The unit stands at the scene; `serviceS` is how long it will take (serviceSeconds). */
export function onArrived(duty: Duty, serviceS: number): DutyStep {
  if (duty.state !== 'responding') return { duty, effects: [] };
  return {
    duty: { state: 'on_scene', incidentId: duty.incidentId, incidentType: duty.incidentType, serviceLeftS: serviceS },
    effects: [{ type: 'note', text: `at the scene of ${duty.incidentId} for ${(serviceS / 60).toFixed(1)} min` }],
  };
}

/** dtS simulated seconds pass. When the service time is used up the unit reports the incident handled and
 *  returns to patrol. */
export function onTime(duty: Duty, dtS: number): DutyStep {
  if (duty.state !== 'on_scene') return { duty, effects: [] };
  const left = duty.serviceLeftS - dtS;
  if (left > 0) return { duty: { ...duty, serviceLeftS: left }, effects: [] };
  return {
    duty: PATROL,
    effects: [
      { type: 'report', report: { status: 'resolved', incidentId: duty.incidentId } },
      { type: 'release' },
      { type: 'note', text: `${duty.incidentId} handled; back to patrol` },
    ],
  };
}
