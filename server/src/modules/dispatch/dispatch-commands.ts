// Runs a command: read → plan (pure) → one atomic commit; when Redis changed between the read and the commit the
// script writes nothing and the command is planned again from a fresh read (bounded). A command id seen before
// answers its stored result and does nothing again.
import { createHash, randomUUID } from 'node:crypto';
import { commandIdReused, isOpenStatus, localDay, type Actor, type CommandResult } from '@ccr/shared';
import type { DispatchRepository } from './dispatch-repository.js';
import { notFoundError, type CommandError, type PlanInput, type PlanResult } from './dispatch-service.js';
import { incidentStatsMoves, type StatsRules } from '../stats/stats-buckets.js';

const MAX_ATTEMPTS = 25;

export type CommandOutcome = { ok: true; result: CommandResult } | { ok: false; error: CommandError };

export interface CommandSpec {
  /** The client's command id and a hash of what it asked (to tell a retry from a reuse). */
  command?: { id: string; bodyHash: string };
  actor: Actor;
  /** Incidents that must exist; their assigned units are read too. */
  incidentIds: string[];
  /** Units that must exist (beyond the incidents' own). */
  unitIds: string[];
  /** Also read the incidents these units are assigned to (a unit's own report). */
  followUnitIncidents?: boolean;
  /** Plans from what was read; null means there is nothing to do (geofence: the unit is no longer on its way).
   *  Called again on every attempt, so anything else it reads (a call-out's alerted set) is read afresh too. */
  plan(input: PlanInput): PlanResult | null | Promise<PlanResult | null>;
}

/** A stable hash of a command's request: the same action on the same target with the same fields. */
export function requestHash(action: string, target: string, body: Record<string, unknown>): string {
  const { commandId: _ignored, ...rest } = body;
  return createHash('sha1').update(JSON.stringify([action, target, rest], (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v)).digest('hex');
}

export const newOrderId = (): string => `o-${randomUUID()}`;

export class DispatchCommands {
  constructor(private readonly repo: DispatchRepository, private readonly stats: StatsRules) {}

  async run(spec: CommandSpec): Promise<CommandOutcome | null> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (spec.command) {
        const stored = await this.repo.readCommand(spec.command.id);
        if (stored) {
          if (stored.bodyHash === spec.command.bodyHash) return { ok: true, result: { ...stored.result, replayed: true } };
          return {
            ok: false,
            error: { status: 409, ...commandIdReused(spec.command.id) },
          };
        }
      }
      // Separate reads need not agree with each other: the commit checks everything it writes, and every plan
      // that depends on an incident's units also writes that incident.
      const units = await this.repo.readUnits(spec.unitIds);
      const missingUnit = spec.unitIds.find((id) => !units.has(id));
      if (missingUnit) return { ok: false, error: notFoundError('unit', missingUnit) };
      const own = spec.followUnitIncidents ? [...units.values()].flatMap((u) => (u.state.incidentId ? [u.state.incidentId] : [])) : [];
      const incidents = await this.repo.readIncidents([...new Set([...spec.incidentIds, ...own])]);
      const missingIncident = spec.incidentIds.find((id) => !incidents.has(id));
      if (missingIncident) return { ok: false, error: notFoundError('incident', missingIncident) };
      const others = [...new Set([...incidents.values()].flatMap((i) => i.incident.assignedUnitIds))].filter((id) => !units.has(id));
      for (const [id, read] of await this.repo.readUnits(others)) units.set(id, read);

      const planned = await spec.plan({ actor: spec.actor, incidents, units, newOrderId });
      if (!planned) return null;
      if (!planned.ok) {
        // The same command may have been committed by a concurrent retry after we looked: then its result answers.
        if (spec.command && (await this.repo.readCommand(spec.command.id))) continue;
        return planned;
      }
      const { plan } = planned;
      const now = spec.actor.at;
      const outcome = await this.repo.commit({
        now,
        today: localDay(now, this.stats.timeZone),
        ...(spec.command ? { command: spec.command } : {}),
        incidents: plan.incidents.map((i) => ({ ...i, isOpen: isOpenStatus(i.incident.status) })),
        units: plan.units,
        orders: plan.orders,
        moves: plan.incidents.flatMap((i) => incidentStatsMoves(incidents.get(i.incident.id)!.incident, i.incident, this.stats)),
        ...(plan.resultIncident ? { resultIncident: plan.resultIncident } : {}),
        resultUnitIds: plan.resultUnitIds,
        ...(plan.alerted ? { alerted: plan.alerted } : {}),
      });
      if (outcome.kind === 'ok') return { ok: true, result: outcome.result };
      // 'replay': the same command id committed meanwhile (a concurrent retry): the loop answers its result.
      // Changed incident, unit or alerted set: plan again from a fresh read.
    }
    throw new Error(`dispatch command: too many concurrent changes (${MAX_ATTEMPTS} attempts)`);
  }
}
