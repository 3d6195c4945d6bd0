import { describe, expect, it } from 'vitest';
import { INCIDENT_STATUSES, UNIT_STATUSES, type Incident, type IncidentStatus, type UnitStatus } from './domain.js';
import {
  advanceIncident, incidentStageFromUnits, transitionIncident, transitionUnit, type UnitState,
} from './lifecycle.js';

// The legal pairs written out once more, independently of the table in lifecycle.ts: every other pair is illegal.
const LEGAL_INCIDENT = new Set([
  'received>dispatched', 'received>cancelled', 'received>merged',
  'dispatched>en_route', 'dispatched>on_scene', 'dispatched>cancelled', 'dispatched>merged',
  'en_route>on_scene', 'en_route>cancelled', 'en_route>merged',
  'on_scene>resolved', 'on_scene>cancelled', 'on_scene>merged',
  'resolved>closed', 'resolved>cancelled',
]);
const LEGAL_UNIT = new Set([
  'available>dispatched', 'available>busy', 'available>off_duty',
  'dispatched>en_route', 'dispatched>on_scene', 'dispatched>available',
  'en_route>on_scene', 'en_route>available',
  'on_scene>available', 'on_scene>busy',
  'busy>available', 'busy>off_duty',
  'off_duty>available',
]);

function incident(status: IncidentStatus): Incident {
  return {
    id: 'JQ-1', type: 'theft', priority: 1, lng: 116.7, lat: 39.07, address: '中山街12号', reportedAt: 1_000, source: '110',
    summary: '电动车被盗', reporter: '王先生', status, gridId: 'G1', receivedAt: 1_000, updatedAt: 1_000, revision: 1,
    assignedUnitIds: [], timeline: [{ status: 'received', at: 1_000 }],
  };
}
const actor = { by: 'dispatcher', at: 5_000, note: '派P-01' };
const extraFor = (to: IncidentStatus) => (to === 'closed' ? { outcome: 'handled_on_scene' as const } : to === 'merged' ? { mergedInto: 'JQ-2' } : {});

describe('incident state machine', () => {
  for (const from of INCIDENT_STATUSES) {
    for (const to of INCIDENT_STATUSES) {
      const legal = LEGAL_INCIDENT.has(`${from}>${to}`);
      it(`${from} → ${to} is ${legal ? 'legal' : 'illegal'}`, () => {
        const before = incident(from);
        const r = transitionIncident(before, to, actor, extraFor(to));
        if (legal) {
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          expect(r.state.status).toBe(to);
          expect(r.state.updatedAt).toBe(5_000);
          expect(r.entry).toEqual({ status: to, at: 5_000, by: 'dispatcher', note: '派P-01' });
          expect(r.state.timeline).toEqual([...before.timeline, r.entry]);
          if (to === 'closed') expect(r.state.outcome).toBe('handled_on_scene');
          if (to === 'merged') expect(r.state.mergedInto).toBe('JQ-2');
          expect(before.status).toBe(from); // the input is not changed
        } else {
          expect(r.ok).toBe(false);
          if (r.ok) return;
          expect(r.error).toMatchObject({ code: 'illegal_transition', subject: 'incident', id: 'JQ-1', from, to });
          expect(r.error.message).toContain(`from ${from} to ${to}`);
        }
      });
    }
  }

  it('refuses closing without an outcome and merging without a target (a programming error, not user input)', () => {
    expect(() => transitionIncident(incident('resolved'), 'closed', actor)).toThrow();
    expect(() => transitionIncident(incident('received'), 'merged', actor)).toThrow();
    expect(() => transitionIncident(incident('received'), 'dispatched', actor, { outcome: 'mediated' })).toThrow();
  });

  it('omits the note from the entry when there is none', () => {
    const r = transitionIncident(incident('received'), 'dispatched', { by: 'system', at: 7 });
    expect(r.ok && r.entry).toEqual({ status: 'dispatched', at: 7, by: 'system' });
  });
});

describe('unit state machine', () => {
  for (const from of UNIT_STATUSES) {
    for (const to of UNIT_STATUSES) {
      const legal = LEGAL_UNIT.has(`${from}>${to}`);
      it(`${from} → ${to} is ${legal ? 'legal' : 'illegal'}`, () => {
        const assigned = ['dispatched', 'en_route', 'on_scene'].includes(from);
        const before: UnitState = { id: 'P-01', status: from, statusSince: 10, ...(assigned ? { incidentId: 'JQ-1' } : {}) };
        const r = transitionUnit(before, to, actor, to === 'dispatched' ? 'JQ-9' : undefined);
        if (legal) {
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          expect(r.state).toMatchObject({ id: 'P-01', status: to, statusSince: 5_000 });
          expect(r.entry).toEqual({ status: to, at: 5_000, by: 'dispatcher', note: '派P-01' });
          const expectIncident = to === 'dispatched' ? 'JQ-9' : ['en_route', 'on_scene'].includes(to) ? 'JQ-1' : undefined;
          expect(r.state.incidentId).toBe(expectIncident);
        } else {
          expect(r.ok).toBe(false);
          if (r.ok) return;
          expect(r.error).toMatchObject({ code: 'illegal_transition', subject: 'unit', id: 'P-01', from, to });
          expect(r.error.message).toContain(`unit P-01 cannot go from ${from} to ${to}`);
        }
      });
    }
  }

  it('needs the incident to dispatch to', () => {
    expect(() => transitionUnit({ id: 'P-01', status: 'available', statusSince: 0 }, 'dispatched', actor)).toThrow();
  });
});

describe('the incident follows its units', () => {
  it('takes the furthest stage of its units', () => {
    const u = (status: UnitStatus) => ({ status });
    expect(incidentStageFromUnits([])).toBeNull();
    expect(incidentStageFromUnits([u('available')])).toBeNull();
    expect(incidentStageFromUnits([u('dispatched')])).toBe('dispatched');
    expect(incidentStageFromUnits([u('dispatched'), u('en_route')])).toBe('en_route');
    expect(incidentStageFromUnits([u('en_route'), u('on_scene'), u('dispatched')])).toBe('on_scene');
  });

  it('advances step by step, one timeline entry per step, jumping where the table allows', () => {
    const r = advanceIncident(incident('received'), 'on_scene', actor);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.state.status).toBe('on_scene');
    expect(r.entry.map((e) => e.status)).toEqual(['dispatched', 'on_scene']);
    expect(r.state.timeline.map((e) => e.status)).toEqual(['received', 'dispatched', 'on_scene']);

    const r2 = advanceIncident(incident('dispatched'), 'en_route', actor);
    expect(r2.ok && r2.entry.map((e) => e.status)).toEqual(['en_route']);
  });

  it('never goes back', () => {
    const before = incident('on_scene');
    const r = advanceIncident(before, 'en_route', actor);
    expect(r.ok && r.entry).toEqual([]);
    expect(r.ok && r.state).toBe(before);
  });

  it('refuses to advance an incident that is resolved or final', () => {
    for (const s of ['resolved', 'closed', 'cancelled', 'merged'] as const) {
      const r = advanceIncident(incident(s), 'on_scene', actor);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.error.code).toBe('illegal_transition');
    }
  });
});
