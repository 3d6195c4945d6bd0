// Arrival by geofence: a dispatched or en-route unit that comes within the arrival radius of its incident becomes
// on scene (and the incident with it), recorded by 'system'.
//
// Why a timer and not a hook in position ingest: ingest handles thousands of positions a second and belongs to
// the live module; only the few assigned units matter here. One node (holding a lease, so several nodes do not
// race to commit the same arrival) reads the assignment index and those units' positions every CHECK_EVERY_MS:
// three small Redis reads per tick whatever the fleet size, and arrival is seen at most one tick after the position.
import { haversineMeters } from '@ccr/shared';
import type { FastifyInstance } from 'fastify';
import type { DispatchCommands } from './dispatch-commands.js';
import type { DispatchRepository } from './dispatch-repository.js';
import { planArrival } from './dispatch-service.js';

export const CHECK_EVERY_MS = 500;
const LEASE = 'dispatch-arrival';
const LEASE_MS = 3_000;

export class ArrivalWatch {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private busy: Promise<void> | undefined;

  constructor(
    private readonly app: FastifyInstance,
    private readonly repo: DispatchRepository,
    private readonly commands: DispatchCommands,
    private readonly opts: { radiusM: number; nodeId: string },
  ) {}

  start(): void {
    this.running = true;
    this.timer = setInterval(() => {
      if (this.busy) return; // a slow tick is not stacked
      this.busy = this.tick().then(() => undefined, (err: unknown) => {
        this.app.log.warn({ err: (err as Error).message }, 'arrival check failed');
      }).finally(() => { this.busy = undefined; });
    }, CHECK_EVERY_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    await this.busy;
  }

  /** One check; returns the units found arrived. */
  async tick(): Promise<string[]> {
    if (!(await this.app.live.repo.holdLease(LEASE, this.opts.nodeId, LEASE_MS))) return [];
    const assignments = await this.repo.readAssignments();
    if (assignments.size === 0) return [];
    const ids = [...assignments.keys()];
    const [units, positions] = await Promise.all([this.repo.readUnits(ids), this.repo.readPositions(ids)]);
    const arrived: string[] = [];
    const now = Date.now();
    for (const [unitId, a] of assignments) {
      if (!this.running) break;
      const u = units.get(unitId)?.state;
      const p = positions.get(unitId);
      if (!u || !p || (u.status !== 'dispatched' && u.status !== 'en_route') || u.incidentId !== a.incidentId) continue;
      // A position from a unit gone silent says where it was, not where it is: no arrival from it.
      if (now - p.ts > this.app.live.ctx.staleAfterMs) continue;
      const distanceMeters = haversineMeters([p.lng, p.lat], [a.lng, a.lat]);
      if (distanceMeters > this.opts.radiusM) continue;
      const out = await this.commands.run({
        actor: { by: 'system', at: Date.now(), remark: { code: 'arrived_geofence', params: { unitId, meters: Math.round(distanceMeters) } } },
        incidentIds: [a.incidentId], unitIds: [unitId],
        plan: (input) => planArrival(input, unitId, a.incidentId),
      });
      if (!out) continue; // no longer on its way (reassigned, reported, cancelled meanwhile)
      await this.app.audit.record({
        user: 'system', role: 'system', action: 'unit.arrival', target: `unit:${unitId}`, outcome: out.ok ? 'ok' : 'refused',
        detail: { incidentId: a.incidentId, distanceMeters: Math.round(distanceMeters), ...(out.ok ? {} : { error: out.error.error, message: out.error.message }) },
      });
      if (out.ok) arrived.push(unitId);
    }
    return arrived;
  }
}
