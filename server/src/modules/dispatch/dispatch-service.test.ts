// The planning rules without Redis: what each command does to incidents, units and orders.
import { describe, expect, it } from 'vitest';
import type { Incident, IncidentStatus, RingUnit, UnitState } from '@ccr/shared';
import { parseUnitFragment, unitFragment, type Assignment, type IncidentRead, type UnitRead } from './dispatch-repository.js';
import {
  planAlert, planArrival, planCancel, planDispatch, planMerge, planReassign, planResolve, planUnitReport, planUnitStatus,
  type Plan, type PlanInput, type PlanResult,
} from './dispatch-service.js';

function incident(id: string, status: IncidentStatus = 'received', assignedUnitIds: string[] = []): Incident {
  return {
    id, type: 'dispute', priority: 2, lng: 116.7, lat: 39.07, address: '中山街12号', reportedAt: 1_000, source: '110', summary: '邻里纠纷',
    reporter: '李女士', status, gridId: 'G1', receivedAt: 1_000, updatedAt: 1_000, revision: 1, assignedUnitIds, timeline: [{ status: 'received', at: 1_000 }],
  };
}
function unit(id: string, status: UnitState['status'] = 'available', incidentId?: string, by = 'leader'): UnitRead {
  const state: UnitState = { id, status, statusSince: 500, ...(incidentId ? { incidentId } : {}) };
  const assignment: Assignment | null = incidentId ? { incidentId, by, at: 500, lng: 116.7, lat: 39.07 } : null;
  return { state, fragment: unitFragment(state), assignment, kind: 'patrol_car' };
}
function input(incidents: Incident[], units: UnitRead[], by = 'dispatcher'): PlanInput {
  let n = 0;
  return {
    actor: { by, at: 9_000 },
    incidents: new Map(incidents.map((i): [string, IncidentRead] => [i.id, { raw: JSON.stringify(i), incident: i }])),
    units: new Map(units.map((u) => [u.state.id, u])),
    newOrderId: () => `o-${++n}`,
  };
}
function ok(r: PlanResult | null): Plan {
  if (!r) throw new Error('no plan');
  if (!r.ok) throw new Error(r.error.message);
  return r.plan;
}
const incidentIn = (p: Plan, id: string) => p.incidents.find((i) => i.incident.id === id)?.incident;
const unitIn = (p: Plan, id: string) => p.units.find((u) => u.id === id);

describe('dispatch planning', () => {
  it('dispatch sends available units, records who sent them and orders each; the CAS tokens are what was read', () => {
    const p = ok(planDispatch(input([incident('A')], [unit('P-1'), unit('P-2')]), 'A', ['P-1', 'P-2'], 'dispatch', '带盾牌'));
    expect(incidentIn(p, 'A')).toMatchObject({ status: 'dispatched', assignedUnitIds: ['P-1', 'P-2'], updatedAt: 9_000 });
    expect(incidentIn(p, 'A')!.timeline.at(-1)).toEqual({ status: 'dispatched', at: 9_000, by: 'dispatcher', note: 'P-1,P-2 · 带盾牌' });
    expect(p.incidents[0]!.expectedRaw).toBe(JSON.stringify(incident('A')));
    expect(unitIn(p, 'P-1')).toMatchObject({ expectedFragment: '"status":"available","statusSince":500', state: { status: 'dispatched', incidentId: 'A' }, assignment: { incidentId: 'A', by: 'dispatcher' } });
    expect(p.orders.map((o) => [o.unitId, o.kind, o.note])).toEqual([['P-1', 'dispatch', '带盾牌'], ['P-2', 'dispatch', '带盾牌']]);
    expect(p.resultUnitIds).toEqual(['P-1', 'P-2']);
  });

  it('names who holds a unit that is not available', () => {
    const r = planDispatch(input([incident('A')], [unit('P-1', 'en_route', 'B', 'leader')]), 'A', ['P-1'], 'dispatch');
    expect(r).toMatchObject({ ok: false, error: { status: 409, error: 'unit_held', params: { unitId: 'P-1', incidentId: 'B', by: 'leader' }, unitId: 'P-1', unitStatus: 'en_route', heldByIncidentId: 'B', heldBy: 'leader' } });
    const busy = planDispatch(input([incident('A')], [unit('P-1', 'off_duty')]), 'A', ['P-1'], 'dispatch');
    expect(busy).toMatchObject({ ok: false, error: { error: 'unit_unavailable', params: { unitId: 'P-1', status: 'off_duty' }, unitStatus: 'off_duty' } });
    expect(!busy.ok && busy.error.heldByIncidentId).toBeUndefined();
  });

  it('never sends a minimum emergency unit (it is called out instead)', () => {
    const place: UnitRead = { ...unit('E-1'), kind: 'emergency_unit' };
    const r = planDispatch(input([incident('A')], [place]), 'A', ['E-1'], 'dispatch');
    expect(r).toMatchObject({ ok: false, error: { status: 409, error: 'not_dispatchable', params: { unitId: 'E-1' }, unitId: 'E-1' } });
    expect(!r.ok && r.error.message).toMatch(/alert-emergency-units/);
    const re = planReassign(input([incident('A', 'dispatched', ['P-1'])], [unit('P-1', 'dispatched', 'A'), place]), 'A', 'P-1', 'E-1');
    expect(re).toMatchObject({ ok: false, error: { unitId: 'E-1' } });
  });

  it('backup adds units to a dispatched incident without a new timeline entry, and is refused before dispatch', () => {
    const p = ok(planDispatch(input([incident('A', 'en_route', ['P-1'])], [unit('P-1', 'en_route', 'A'), unit('P-2')]), 'A', ['P-2'], 'backup'));
    expect(incidentIn(p, 'A')).toMatchObject({ status: 'en_route', assignedUnitIds: ['P-1', 'P-2'] });
    expect(incidentIn(p, 'A')!.timeline).toHaveLength(1);
    expect(planDispatch(input([incident('A')], [unit('P-2')]), 'A', ['P-2'], 'backup')).toMatchObject({ ok: false, error: { error: 'backup_needs_dispatch', params: { incidentId: 'A', status: 'received' } } });
    expect(planDispatch(input([incident('A', 'en_route', ['P-1'])], [unit('P-1', 'en_route', 'A'), unit('P-2')]), 'A', ['P-2'], 'dispatch'))
      .toMatchObject({ ok: false, error: { error: 'already_dispatched', params: { incidentId: 'A' } } });
  });

  it('reassign swaps one unit for another and keeps the incident stage', () => {
    const inc = incident('A', 'on_scene', ['P-1', 'P-2']);
    const p = ok(planReassign(input([inc], [unit('P-1', 'on_scene', 'A'), unit('P-2', 'en_route', 'A'), unit('P-3')]), 'A', 'P-2', 'P-3'));
    expect(incidentIn(p, 'A')).toMatchObject({ status: 'on_scene', assignedUnitIds: ['P-1', 'P-3'] });
    expect(unitIn(p, 'P-2')).toMatchObject({ state: { status: 'available' }, assignment: null });
    expect(unitIn(p, 'P-3')!.state).toMatchObject({ status: 'dispatched', incidentId: 'A' });
    expect(p.orders.map((o) => [o.unitId, o.kind])).toEqual([['P-2', 'recall'], ['P-3', 'reassign']]);
    expect(planReassign(input([inc], [unit('P-1', 'on_scene', 'A'), unit('P-4', 'dispatched', 'B'), unit('P-3')]), 'A', 'P-4', 'P-3'))
      .toMatchObject({ ok: false, error: { error: 'unit_not_assigned', params: { unitId: 'P-4', incidentId: 'A' }, unitId: 'P-4' } });
  });

  it('cancel and resolve release every unit working on the incident', () => {
    const units = [unit('P-1', 'on_scene', 'A'), unit('P-2', 'dispatched', 'A')];
    const c = ok(planCancel(input([incident('A', 'on_scene', ['P-1', 'P-2'])], units), 'A', '误报'));
    expect(incidentIn(c, 'A')).toMatchObject({ status: 'cancelled', assignedUnitIds: [] });
    expect(c.units.map((u) => [u.id, u.state.status, u.assignment])).toEqual([['P-1', 'available', null], ['P-2', 'available', null]]);
    expect(c.orders.map((o) => o.kind)).toEqual(['cancel', 'cancel']);
    const r = ok(planResolve(input([incident('A', 'on_scene', ['P-1', 'P-2'])], units), 'A'));
    expect(incidentIn(r, 'A')!.status).toBe('resolved');
    expect(r.orders.map((o) => o.kind)).toEqual(['recall', 'recall']);
    expect(planResolve(input([incident('A', 'en_route', ['P-2'])], units), 'A'))
      .toMatchObject({ ok: false, error: { error: 'illegal_transition', params: { subject: 'incident', id: 'A', from: 'en_route', to: 'resolved' } } });
  });

  it('merge moves the duplicate\'s units to the survivor, which advances to their stage', () => {
    const p = ok(planMerge(input([incident('A', 'en_route', ['P-1']), incident('B')], [unit('P-1', 'en_route', 'A')]), 'A', 'B'));
    expect(incidentIn(p, 'A')).toMatchObject({ status: 'merged', mergedInto: 'B', assignedUnitIds: [] });
    const b = incidentIn(p, 'B')!;
    expect(b).toMatchObject({ status: 'en_route', assignedUnitIds: ['P-1'] });
    expect(b.timeline.map((e) => e.status)).toEqual(['received', 'dispatched', 'en_route']);
    // The system's words are a code and its values, said in the reader's language by the client.
    expect(b.timeline.at(-1)!.remark).toEqual({ code: 'merged_from', params: { incidentId: 'A' } });
    expect(b.timeline.at(-1)!.note).toBeUndefined();
    expect(unitIn(p, 'P-1')).toMatchObject({ state: { status: 'en_route', statusSince: 500, incidentId: 'B' }, assignment: { incidentId: 'B' } });
    expect(p.orders.map((o) => [o.kind, o.incident.id])).toEqual([['reassign', 'B']]);
    expect(planMerge(input([incident('A'), incident('B', 'resolved')], []), 'A', 'B')).toMatchObject({ ok: false, error: { error: 'merge_target_closed', params: { incidentId: 'B', status: 'resolved' } } });
    expect(planMerge(input([incident('A')], []), 'A', 'A')).toMatchObject({ ok: false, error: { error: 'merge_into_self', params: { incidentId: 'A' } } });
  });

  it('a dispatcher sets the status of a free unit only', () => {
    expect(unitIn(ok(planUnitStatus(input([], [unit('P-1')]), 'P-1', 'off_duty')), 'P-1')!.state.status).toBe('off_duty');
    expect(planUnitStatus(input([], [unit('P-1', 'off_duty')]), 'P-1', 'busy'))
      .toMatchObject({ ok: false, error: { error: 'illegal_transition', params: { subject: 'unit', id: 'P-1', from: 'off_duty', to: 'busy' } } });
    expect(planUnitStatus(input([], [unit('P-1', 'dispatched', 'A')]), 'P-1', 'available'))
      .toMatchObject({ ok: false, error: { error: 'unit_assigned', params: { unitId: 'P-1', incidentId: 'A' }, heldByIncidentId: 'A' } });
  });
});

describe('a unit reports', () => {
  const two = () => input([incident('A', 'on_scene', ['P-1', 'P-2'])], [unit('P-1', 'on_scene', 'A'), unit('P-2', 'en_route', 'A')], 'device:P-1');

  it('en route and on scene move its incident forward, never back; who sent it stays on record', () => {
    const p = ok(planUnitReport(input([incident('A', 'dispatched', ['P-1'])], [unit('P-1', 'dispatched', 'A', 'leader')], 'device:P-1'), 'P-1', { status: 'en_route' }));
    expect(incidentIn(p, 'A')!.status).toBe('en_route');
    expect(unitIn(p, 'P-1')!.assignment!.by).toBe('leader');
    const q = ok(planUnitReport(two(), 'P-2', { status: 'on_scene' }));
    expect(incidentIn(q, 'A')).toBeUndefined(); // already on scene: not rewritten
  });

  it('resolved releases the unit; the incident is resolved when its last unit is done', () => {
    const p = ok(planUnitReport(two(), 'P-1', { status: 'resolved' }));
    expect(incidentIn(p, 'A')).toMatchObject({ status: 'on_scene', assignedUnitIds: ['P-2'] });
    expect(unitIn(p, 'P-1')!.state).toEqual({ id: 'P-1', status: 'available', statusSince: 9_000 });
    const last = ok(planUnitReport(input([incident('A', 'on_scene', ['P-1'])], [unit('P-1', 'on_scene', 'A')], 'device:P-1'), 'P-1', { status: 'busy' }));
    expect(incidentIn(last, 'A')).toMatchObject({ status: 'resolved', assignedUnitIds: [] });
    expect(unitIn(last, 'P-1')!.state.status).toBe('busy');
  });

  it('cannot release itself on the way, report for another incident, or resolve with nothing to do', () => {
    expect(planUnitReport(two(), 'P-2', { status: 'resolved' }))
      .toMatchObject({ ok: false, error: { error: 'report_too_early', params: { unitId: 'P-2', incidentId: 'A', status: 'en_route', report: 'resolved' } } });
    expect(planUnitReport(two(), 'P-2', { status: 'available' })).toMatchObject({ ok: false, error: { error: 'report_too_early' } });
    expect(planUnitReport(two(), 'P-1', { status: 'off_duty' })).toMatchObject({ ok: false });
    expect(planUnitReport(two(), 'P-1', { status: 'on_scene', incidentId: 'Z' })).toMatchObject({ ok: false, error: { status: 403, error: 'not_your_incident', params: { unitId: 'P-1', incidentId: 'Z' } } });
    expect(planUnitReport(input([], [unit('P-9')]), 'P-9', { status: 'resolved' })).toMatchObject({ ok: false, error: { error: 'no_incident', params: { unitId: 'P-9' } } });
    expect(ok(planUnitReport(input([], [unit('P-9')]), 'P-9', { status: 'off_duty' })).units[0]!.state.status).toBe('off_duty');
  });
});

describe('geofence and call-out', () => {
  it('arrival applies only to a unit still on its way to that incident', () => {
    const p = ok(planArrival(input([incident('A', 'dispatched', ['P-1'])], [unit('P-1', 'dispatched', 'A')], 'system'), 'P-1', 'A'));
    expect(incidentIn(p, 'A')!.timeline.at(-1)).toMatchObject({ status: 'on_scene', by: 'system' });
    expect(planArrival(input([incident('A', 'on_scene', ['P-1'])], [unit('P-1', 'on_scene', 'A')]), 'P-1', 'A')).toBeNull();
    expect(planArrival(input([incident('A')], [unit('P-1', 'dispatched', 'B')]), 'P-1', 'A')).toBeNull();
  });

  it('alerts each emergency unit once per incident and refuses a finished incident', () => {
    const ring = (id: string): RingUnit => ({ unitId: id, name: id, members: 5, distanceMeters: 10, etaSeconds: 9, lng: 116.7, lat: 39.07 });
    const units = [unit('E-1'), unit('E-2')];
    const p = ok(planAlert(input([incident('A')], units), 'A', [ring('E-1'), ring('E-2')], new Set(['E-1'])));
    expect(p.orders.map((o) => [o.unitId, o.kind])).toEqual([['E-2', 'alert']]);
    expect(p.alerted).toEqual({ incidentId: 'A', unitIds: ['E-2'] });
    expect(p.incidents).toEqual([]);
    expect(planAlert(input([incident('A', 'closed')], units), 'A', [ring('E-1')], new Set())).toMatchObject({ ok: false, error: { error: 'call_out_closed', params: { incidentId: 'A', status: 'closed' } } });
  });
});

describe('unit status fragments', () => {
  it('round-trip, with the incident only while assigned', () => {
    for (const s of [{ id: 'P-1', status: 'available', statusSince: 3 }, { id: 'P-1', status: 'en_route', statusSince: 4, incidentId: 'JQ-1' }] as UnitState[]) {
      expect(parseUnitFragment('P-1', unitFragment(s))).toEqual(s);
      expect(JSON.parse(`{${unitFragment(s)}}`)).toMatchObject({ status: s.status });
    }
    expect(parseUnitFragment('P-1', null)).toEqual({ id: 'P-1', status: 'available', statusSince: 0 });
  });
});
