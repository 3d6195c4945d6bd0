import { describe, expect, it } from 'vitest';
import { haversineMeters } from '@ccr/shared';
import { createRng } from '@ccr/shared/demo';
import { callOutPlan, rollCallPlan, searchAnswerPlan, slackUnit } from './responder-behaviour.js';
import { pickVolunteers } from './volunteer-fleet.js';
import { searchChoice, teamsNear } from './auto-responders.js';

describe('how the simulated responders answer', () => {
  it('call-outs: most come within 10–40 s with 2–6 people, some can\'t, a few never; 1-minute-ring units mostly arrive within 60 s', () => {
    const rng = createRng(1);
    const plans = Array.from({ length: 2_000 }, () => callOutPlan(rng, 1, 60, 12));
    const coming = plans.filter((p) => p?.answer === 'coming');
    const cannot = plans.filter((p) => p?.answer === 'cannot');
    expect(coming.length / plans.length).toBeGreaterThan(0.7);
    expect(cannot.length / plans.length).toBeGreaterThan(0.05);
    expect(plans.filter((p) => p === null).length / plans.length).toBeGreaterThan(0.03);
    for (const p of [...coming, ...cannot]) expect(p!.afterMs).toBeGreaterThanOrEqual(10_000);
    for (const p of coming) {
      if (p?.answer !== 'coming') continue;
      expect(p.afterMs).toBeLessThan(40_000);
      expect(p.people).toBeGreaterThanOrEqual(2);
      expect(p.people).toBeLessThanOrEqual(6);
      expect(p.arriveAfterMs).toBeGreaterThan(p.afterMs);
      expect(p.doneAfterMs).toBeGreaterThan(p.arriveAfterMs);
    }
    const within = coming.filter((p) => p?.answer === 'coming' && p.arriveAfterMs <= 60_000).length / coming.length;
    expect(within).toBeGreaterThan(0.8);
    expect(within).toBeLessThan(1); // some are late
    // A 3-minute-ring unit some 250 m away mostly within 180 s; a time scale divides every delay.
    const far = Array.from({ length: 500 }, () => callOutPlan(rng, 1, 250, 12)).filter((p) => p?.answer === 'coming');
    expect(far.filter((p) => p?.answer === 'coming' && p.arriveAfterMs <= 180_000).length / far.length).toBeGreaterThan(0.8);
    const fast = callOutPlan(createRng(9), 10, 60, 12);
    const slow = callOutPlan(createRng(9), 1, 60, 12);
    expect(fast!.afterMs * 10).toBeCloseTo(slow!.afterMs, 6);
  });

  it('roll-calls: most answer inside the window with at most the registered people; a few late or absent; slack units mostly miss', () => {
    const rng = createRng(2);
    const steady = Array.from({ length: 400 }, (_, k) => `E-${k}`).filter((id) => !slackUnit(id));
    const plans = steady.map((id) => rollCallPlan(rng, id, 300_000, 10));
    const inTime = plans.filter((p) => p && p.afterMs < 300_000);
    expect(inTime.length / plans.length).toBeGreaterThan(0.85);
    expect(plans.some((p) => p === null)).toBe(true);
    expect(plans.some((p) => p && p.afterMs > 300_000)).toBe(true);
    for (const p of inTime) expect(p!.people).toBeGreaterThanOrEqual(6);
    for (const p of inTime) expect(p!.people).toBeLessThanOrEqual(10);
    const slack = Array.from({ length: 2_000 }, (_, k) => `E-${k}`).filter(slackUnit);
    expect(slack.length).toBeGreaterThan(60);
    expect(slack.map((id) => rollCallPlan(rng, id, 300_000, 10)).filter((p) => p === null).length / slack.length).toBeGreaterThan(0.6);
  });

  it('searches: every volunteer acknowledges; about a quarter report a sighting within a third of the radius', () => {
    const rng = createRng(3);
    const centre = { lng: 116.7, lat: 39.08 };
    const plans = Array.from({ length: 1_000 }, () => searchAnswerPlan(rng, 1, centre, 3_000));
    const seen = plans.filter((p) => p.sighting);
    expect(seen.length / plans.length).toBeGreaterThan(0.18);
    expect(seen.length / plans.length).toBeLessThan(0.32);
    for (const p of seen) {
      expect(haversineMeters([centre.lng, centre.lat], [p.sighting!.lng, p.sighting!.lat])).toBeLessThanOrEqual(1_001);
      expect(p.sighting!.afterMs).toBeGreaterThan(p.ackAfterMs);
    }
  });

  it('picks volunteers a team at a time, and the nearest volunteer teams for a search', () => {
    const vs = ['A-1', 'A-2', 'A-3', 'B-1', 'C-1', 'C-2'].map((id) => ({ id, name: id, teamId: id[0]! }));
    expect(pickVolunteers(vs, 4).map((v) => v.id)).toEqual(['A-1', 'B-1', 'C-1', 'A-2']);
    expect(pickVolunteers(vs, 99)).toHaveLength(6);
    const team = (id: string, lng: number) => ({ id, kind: 'volunteer_team' as const, name: id, home: [lng, 39] as [number, number] });
    const units = [team('V-far', 116.9), team('V-2', 116.71), team('V-1', 116.7), { id: 'E-1', kind: 'emergency_unit' as const, name: 'e', home: [116.7, 39] as [number, number] }];
    expect(teamsNear(units, { lng: 116.7, lat: 39 })).toEqual(['V-1', 'V-2']);
    // The grid officers and emergency units within the radius are asked too; nobody near: no search.
    expect(searchChoice(units, { lng: 116.7, lat: 39 })).toEqual({ teams: ['V-1', 'V-2'], gridOfficers: true, emergencyUnits: true });
    const e1Only = units.filter((u) => u.id === 'E-1');
    expect(searchChoice(e1Only, { lng: 116.72, lat: 39 })).toEqual({ teams: [], gridOfficers: true, emergencyUnits: true });
    expect(searchChoice(e1Only, { lng: 116.8, lat: 39 })).toBeNull();
  });
});
