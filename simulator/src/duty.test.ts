import { describe, expect, it } from 'vitest';
import { INCIDENT_TYPES, ORDER_KINDS, type DeviceOrder, type OrderKind } from '@ccr/shared';
import { PATROL, SERVICE_MINUTES, onArrived, onOrder, onTime, serviceSeconds, type Duty } from './duty.js';

const order = (kind: OrderKind, incidentId = 'JQ-20261123-0001', extra: Partial<DeviceOrder['incident']> = {}): DeviceOrder => ({
  orderId: `o-${kind}-${incidentId}`,
  unitId: 'P-01',
  kind,
  issuedAt: 0,
  issuedBy: 'dispatcher',
  incident: { id: incidentId, type: 'theft', priority: 1, lng: 116.7, lat: 39.07, address: '中山街12号', summary: '电动车被盗', ...extra },
});
const responding: Duty = { state: 'responding', incidentId: 'JQ-20261123-0001', incidentType: 'theft', scene: [116.7, 39.07] };
const onScene: Duty = { state: 'on_scene', incidentId: 'JQ-20261123-0001', incidentType: 'theft', serviceLeftS: 300 };
const kinds = (effects: { type: string }[]): string[] => effects.map((e) => e.type);

describe('onOrder', () => {
  for (const kind of ['dispatch', 'backup', 'reassign'] as const) {
    it(`${kind}: a patrolling unit drives to the scene and reports en route`, () => {
      const step = onOrder(PATROL, order(kind), true);
      expect(step.duty).toEqual(responding);
      expect(step.effects).toContainEqual({ type: 'go', scene: [116.7, 39.07] });
      expect(step.effects).toContainEqual({ type: 'report', report: { status: 'en_route', incidentId: 'JQ-20261123-0001' } });
      // Moves first, then tells: the report never precedes the movement it announces.
      expect(kinds(step.effects).indexOf('go')).toBeLessThan(kinds(step.effects).indexOf('report'));
    });
  }

  it('does not restart a unit already working the same incident (a repeated dispatch)', () => {
    for (const duty of [responding, onScene]) {
      const step = onOrder(duty, order('backup'), true);
      expect(step.duty).toBe(duty);
      expect(kinds(step.effects)).toEqual(['note']);
    }
  });

  it('switches to another incident when sent there, from the road or from a scene', () => {
    for (const duty of [responding, onScene]) {
      const step = onOrder(duty, order('dispatch', 'JQ-20261123-0002', { lng: 116.71, type: 'fight' }), true);
      expect(step.duty).toEqual({ state: 'responding', incidentId: 'JQ-20261123-0002', incidentType: 'fight', scene: [116.71, 39.07] });
      expect(step.effects).toContainEqual({ type: 'go', scene: [116.71, 39.07] });
      expect(step.effects).toContainEqual({ type: 'report', report: { status: 'en_route', incidentId: 'JQ-20261123-0002' } });
    }
  });

  it('follows its incident when that is merged into another (reassign while working), without a second en route', () => {
    for (const duty of [responding, onScene]) {
      const step = onOrder(duty, order('reassign', 'JQ-20261123-0002', { lng: 116.71 }), true);
      expect(step.duty).toMatchObject({ state: 'responding', incidentId: 'JQ-20261123-0002' });
      expect(step.effects).toContainEqual({ type: 'go', scene: [116.71, 39.07] });
      expect(kinds(step.effects)).not.toContain('report');
    }
  });

  for (const kind of ['cancel', 'recall'] as const) {
    it(`${kind}: stops work on that incident and returns to patrol without a report`, () => {
      for (const duty of [responding, onScene]) {
        const step = onOrder(duty, order(kind), true);
        expect(step.duty).toEqual(PATROL);
        expect(kinds(step.effects)).toEqual(['release', 'note']);
      }
    });

    it(`${kind}: of an incident the unit is not working changes nothing`, () => {
      expect(onOrder(PATROL, order(kind), true)).toMatchObject({ duty: PATROL, effects: [{ type: 'note' }] });
      const other = onOrder(responding, order(kind, 'JQ-20261123-0009'), true);
      expect(other.duty).toBe(responding);
      expect(kinds(other.effects)).toEqual(['note']);
    });
  }

  it('alert: noted, nothing moves, whatever the unit is doing', () => {
    for (const duty of [PATROL, responding, onScene]) {
      const step = onOrder(duty, order('alert'), false);
      expect(step.duty).toBe(duty);
      expect(kinds(step.effects)).toEqual(['note']);
    }
  });

  it('a fixed place never moves, whatever the order', () => {
    for (const kind of ORDER_KINDS) {
      const step = onOrder(PATROL, order(kind), false);
      expect(step.duty).toEqual(PATROL);
      expect(kinds(step.effects)).toEqual(['note']);
    }
  });
});

describe('arrival and service time', () => {
  it('starts the service clock on arrival, only when responding', () => {
    expect(onArrived(responding, 420)).toMatchObject({ duty: { state: 'on_scene', incidentId: responding.incidentId, serviceLeftS: 420 } });
    expect(onArrived(PATROL, 420).duty).toBe(PATROL);
    expect(onArrived(onScene, 420).duty).toBe(onScene);
  });

  it('reports resolved once the service time is used up, then patrols', () => {
    let duty: Duty = onArrived(responding, 300).duty;
    const reports: unknown[] = [];
    let steps = 0;
    while (duty.state !== 'patrol') {
      const step = onTime(duty, 60);
      duty = step.duty;
      steps++;
      for (const e of step.effects) if (e.type === 'report') reports.push(e.report);
      if (duty.state === 'patrol') expect(kinds(step.effects)).toContain('release');
    }
    expect(steps).toBe(5);
    expect(reports).toEqual([{ status: 'resolved', incidentId: responding.incidentId }]);
    expect(onTime(PATROL, 60)).toEqual({ duty: PATROL, effects: [] });
    expect(onTime(responding, 60)).toEqual({ duty: responding, effects: [] });
  });

  it('chooses service times within each type\'s range, and within an override', () => {
    for (const type of INCIDENT_TYPES) {
      const [lo, hi] = SERVICE_MINUTES[type];
      expect(lo).toBeGreaterThanOrEqual(4);
      expect(hi).toBeLessThanOrEqual(12);
      expect(serviceSeconds(type, 0)).toBe(lo * 60);
      expect(serviceSeconds(type, 0.999)).toBeLessThan(hi * 60);
      expect(serviceSeconds(type, 0.5)).toBeGreaterThan(lo * 60);
    }
    expect(serviceSeconds('fight', 0.5, [0.5, 1.5])).toBe(60);
    expect(serviceSeconds('fight', 0.5, [2, 2])).toBe(120);
  });
});
