import { describe, expect, it } from 'vitest';
import type { CandidateReason } from './candidate-reasons.js';
import type { Candidate } from './dispatch.js';
import {
  DEFAULT_DISPATCH_POLICY, parseDispatchPolicy, radiusToSettle, rankCandidates, rankingIsFinal, ruleFor, timeLeftSeconds,
  type DispatchPolicy, type PlacedUnit, type PolicyIncident, type RankContext,
} from './dispatch-policy.js';
import { INCIDENT_TYPES, type IncidentType, type LiveUnit, type LngLat, type Priority, type UnitKind } from './domain.js';
import { EtaModel } from './eta.js';
import { haversineMeters } from './geo.js';
import { DEFAULT_REACH_OPTIONS, MOVING_KINDS, isRecommendable, type MovingKind } from './reach.js';
import { buildRoadGraph } from './road-graph.js';
import { DEFAULT_RESPONSE_TARGETS } from './targets.js';
import { CENTRE, NOW, near, north, prng, randomFleet, randomTown, unit } from './test-layouts.js';

const STREET_TYPES: IncidentType[] = ['fight', 'public_order', 'traffic', 'hazard', 'help', 'missing_person', 'theft', 'other'];
const PATROL: readonly UnitKind[] = ['patrol_car', 'foot_patrol'];

const incidentAt = (p: LngLat, over: Partial<PolicyIncident> = {}): PolicyIncident =>
  ({ type: 'fight', priority: 1, gridId: 'G1', reportedAt: NOW, lng: p[0], lat: p[1], ...over });

/** A context whose ETAs are given per unit id (seconds), so a test says exactly who arrives when. */
function fixedEtas(etas: Record<string, number>, over: Partial<RankContext> = {}): RankContext {
  return {
    policy: DEFAULT_DISPATCH_POLICY, targets: DEFAULT_RESPONSE_TARGETS, gridOfficers: new Map([['G1', 'C-01']]), staleAfterMs: 30_000,
    eta: (u) => ({ seconds: etas[u.id]!, basis: 'road', calibration: 1 }), ...over,
  };
}

const code = (c: Candidate, what: CandidateReason['code']): CandidateReason | undefined => c.reasons.find((r) => r.code === what);
const tierOf = (c: Candidate): 0 | 1 | 2 => (code(c, 'late') ? 2 : code(c, 'role_preferred') ? 0 : 1);

describe('rankCandidates (dispatch policy)', () => {
  it('puts a patrol and the grid officer in time before six case officers at the station (the P1 fire hazard seen on main)', () => {
    const station = north(0);
    const units = [
      ...Array.from({ length: 6 }, (_, k) => unit({ id: `A-0${k + 1}`, kind: 'case_officer', position: { lng: station[0], lat: station[1], ts: NOW } })),
      unit({ id: 'P-03', kind: 'patrol_car' }),
      unit({ id: 'C-01', kind: 'community_officer', gridId: 'G1' }),
      unit({ id: 'C-02', kind: 'community_officer', gridId: 'G2' }),
    ];
    const etas = { 'A-01': 70, 'A-02': 70, 'A-03': 70, 'A-04': 70, 'A-05': 70, 'A-06': 70, 'P-03': 150, 'C-01': 200, 'C-02': 90 };
    const r = rankCandidates(units, incidentAt(CENTRE, { type: 'hazard' }), NOW, fixedEtas(etas));
    // P1: 300 s to be on scene. The grid officer counts 60 s sooner (140 < 150).
    expect(r.budgetSeconds).toBe(300);
    // Other community officers and case officers in time come next, soonest first.
    expect(r.candidates.map((c) => c.unitId)).toEqual(['C-01', 'P-03', 'A-01', 'A-02', 'A-03', 'A-04', 'A-05', 'A-06', 'C-02']);
    expect(r.candidates[0]!.reasons).toEqual([
      { code: 'eta', params: { seconds: 200, basis: 'road', calibration: 1 } },
      { code: 'in_time', params: { seconds: 300, priority: 1 } },
      { code: 'role_preferred', params: { kind: 'community_officer', type: 'hazard' } },
      { code: 'grid_officer', params: { gridId: 'G1' } },
    ]);
    expect(r.candidates[3]!.reasons).toEqual([
      { code: 'eta', params: { seconds: 70, basis: 'road', calibration: 1 } },
      { code: 'in_time', params: { seconds: 300, priority: 1 } },
      { code: 'role_fallback', params: { kind: 'case_officer', type: 'hazard' } },
      { code: 'fallback_in_time', params: {} },
    ]);
    expect(r.keys.map((k) => k.tier)).toEqual([0, 0, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('sends a case officer first when nobody preferred can be in time, and ranks the late by ETA with a penalty for fallbacks', () => {
    const units = [unit({ id: 'P-01', kind: 'patrol_car' }), unit({ id: 'F-01', kind: 'foot_patrol' }), unit({ id: 'A-01', kind: 'case_officer' }), unit({ id: 'A-02', kind: 'case_officer' })];
    // reported 4 minutes ago: 60 s left
    const inc = incidentAt(CENTRE, { reportedAt: NOW - 240_000 });
    const r = rankCandidates(units, inc, NOW, fixedEtas({ 'P-01': 200, 'F-01': 400, 'A-01': 50, 'A-02': 250 }));
    expect(r.budgetSeconds).toBe(60);
    // A-02 (250 + 120 penalty) after F-01 (400)? no: 370 < 400, so before it.
    expect(r.candidates.map((c) => c.unitId)).toEqual(['A-01', 'P-01', 'A-02', 'F-01']);
    expect(code(r.candidates[1]!, 'late')).toEqual({ code: 'late', params: { seconds: 140, priority: 1 } });
    expect(r.candidates[0]!.reasons.map((x) => x.code)).toEqual(['eta', 'in_time', 'role_fallback', 'fallback_in_time']);
  });

  it('follows the type: case officers first for fraud and a theft reported afterwards; volunteers only to search; combat units only in their grid', () => {
    const units = [
      unit({ id: 'P-01', kind: 'patrol_car' }), unit({ id: 'A-01', kind: 'case_officer' }), unit({ id: 'V-01', kind: 'volunteer_team', gridId: 'G1' }),
      unit({ id: 'Z-01', kind: 'combat_unit', gridId: 'G1' }), unit({ id: 'Z-02', kind: 'combat_unit', gridId: 'G2' }),
    ];
    const etas = { 'P-01': 100, 'A-01': 200, 'V-01': 50, 'Z-01': 150, 'Z-02': 20 };
    const ids = (type: IncidentType, priority: Priority = 2, gridId: string | null = 'G1') =>
      rankCandidates(units, incidentAt(CENTRE, { type, priority, gridId }), NOW, fixedEtas(etas)).candidates.map((c) => c.unitId);
    expect(ids('fraud')).toEqual(['A-01', 'P-01']);
    expect(ids('theft', 3)).toEqual(['A-01', 'P-01']);
    expect(ids('theft', 1)).toEqual(['P-01', 'Z-01', 'A-01']);
    expect(ids('missing_person')).toEqual(['P-01', 'Z-01', 'V-01', 'A-01']);
    expect(ids('fight', 2, 'G2')).toEqual(['Z-02', 'P-01', 'A-01']);
    expect(ids('fight', 2, null)).toEqual(['P-01', 'A-01']);
    const z = rankCandidates(units, incidentAt(CENTRE, { type: 'fight', gridId: 'G2' }), NOW, fixedEtas(etas)).candidates[0]!;
    expect(code(z, 'own_grid')).toEqual({ code: 'own_grid', params: { gridId: 'G2' } });
  });

  it('knows the grid officer from the jurisdiction (officerId), else from the officer\'s own grid', () => {
    const units = [unit({ id: 'C-07', kind: 'community_officer', gridId: 'G1' }), unit({ id: 'C-01', kind: 'community_officer', gridId: 'G9' })];
    const etas = { 'C-07': 100, 'C-01': 100 };
    const named = rankCandidates(units, incidentAt(CENTRE), NOW, fixedEtas(etas)).candidates;
    expect(named.map((c) => [c.unitId, !!code(c, 'grid_officer')])).toEqual([['C-01', true], ['C-07', false]]);
    const unnamed = rankCandidates(units, incidentAt(CENTRE), NOW, fixedEtas(etas, { gridOfficers: new Map() })).candidates;
    expect(unnamed.map((c) => [c.unitId, !!code(c, 'grid_officer')])).toEqual([['C-07', true], ['C-01', false]]);
  });

  it('never lets a case officer outrank a patrol in time for a street incident (P1, P2) on seeded towns, and offers exactly whom the policy allows', () => {
    let checkedPairs = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const rand = prng(seed);
      const model = new EtaModel(buildRoadGraph(randomTown(rand, 7, 6)), DEFAULT_REACH_OPTIONS);
      const units = randomFleet(rand, 30 + Math.floor(rand() * 120), { spanM: 2_500, grids: 4 });
      const gridOfficers = new Map(units.filter((u) => u.kind === 'community_officer' && rand() < 0.5).map((u) => [u.gridId!, u.id]));
      const calibration = Object.fromEntries(MOVING_KINDS.map((k) => [k, 0.7 + rand() * 0.8])) as Record<MovingKind, number>;
      for (let q = 0; q < 4; q++) {
        const scene = near(rand, 1_500);
        const at = model.forScene(scene);
        const inc = incidentAt(scene, {
          type: STREET_TYPES[Math.floor(rand() * STREET_TYPES.length)]!, priority: rand() < 0.5 ? 1 : 2,
          gridId: rand() < 0.9 ? `G${1 + Math.floor(rand() * 4)}` : null, reportedAt: NOW - Math.floor(rand() * 400_000),
        });
        const ctx: RankContext = {
          policy: DEFAULT_DISPATCH_POLICY, targets: DEFAULT_RESPONSE_TARGETS, gridOfficers, staleAfterMs: 30_000,
          eta: (u: PlacedUnit) => {
            const e = at.eta(u.kind, [u.position.lng, u.position.lat]);
            return { ...e, seconds: e.seconds * calibration[u.kind], calibration: calibration[u.kind] };
          },
        };
        const r = rankCandidates(units, inc, NOW, ctx);
        const budget = timeLeftSeconds(inc, NOW, DEFAULT_RESPONSE_TARGETS);
        const c = r.candidates;
        // the invariant
        c.forEach((a, i) => {
          if (a.kind !== 'case_officer') return;
          for (const b of c.slice(i + 1)) {
            if (PATROL.includes(b.kind)) {
              checkedPairs++;
              expect(b.etaSeconds > budget, `seed ${seed}/${q}: case officer ${a.unitId} before ${b.unitId} in time`).toBe(true);
            }
          }
        });
        // exactly the recommendable units the rule names (combat units in their own grid only)
        const rule = ruleFor(DEFAULT_DISPATCH_POLICY, inc.type, inc.priority);
        const expected = units.filter((u) => isRecommendable(u, NOW, 30_000)).filter((u) => {
          if (u.kind === 'combat_unit') return !!inc.gridId && u.gridId === inc.gridId && rule.preferred.concat(rule.allowed).includes('combat_unit');
          const isGridOfficer = u.kind === 'community_officer' && !!inc.gridId && (gridOfficers.get(inc.gridId) ?? (u.gridId === inc.gridId ? u.id : undefined)) === u.id;
          return [...rule.preferred, ...rule.allowed].includes(isGridOfficer ? 'grid_officer' : (u.kind as MovingKind));
        });
        expect(new Set(c.map((x) => x.unitId)), `seed ${seed}/${q}`).toEqual(new Set(expected.map((u) => u.id)));
        // the documented order, read back from the reasons
        const bonus = DEFAULT_DISPATCH_POLICY.gridOfficerBonusSeconds;
        const penalty = DEFAULT_DISPATCH_POLICY.fallbackPenaltySeconds;
        const keyOf = (x: Candidate): number => x.etaSeconds - (code(x, 'grid_officer') ? bonus : 0) + (tierOf(x) === 2 && code(x, 'role_fallback') ? penalty : 0);
        for (let i = 1; i < c.length; i++) {
          const [a, b] = [c[i - 1]!, c[i]!];
          expect(tierOf(a) < tierOf(b) || (tierOf(a) === tierOf(b) && keyOf(a) <= keyOf(b) + 1e-9), `seed ${seed}/${q} at ${i}`).toBe(true);
          expect((code(a, 'late') ? 1 : 0) <= (code(b, 'late') ? 1 : 0)).toBe(true);
        }
        for (const x of c) {
          expect(x.distanceMeters).toBeCloseTo(haversineMeters([units.find((u) => u.id === x.unitId)!.position!.lng, units.find((u) => u.id === x.unitId)!.position!.lat], scene), 6);
          expect(code(x, 'eta')!.params).toMatchObject({ seconds: Math.round(x.etaSeconds) });
          expect(!!code(x, 'fallback_in_time')).toBe(tierOf(x) === 1);
        }
      }
    }
    expect(checkedPairs).toBeGreaterThan(500);
  }, 60_000);

  it('is final (rankingIsFinal) only when no unit not yet seen could change the best `limit`: brute force on seeded towns', () => {
    let finals = 0;
    let partial = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const rand = prng(9_000 + seed);
      const model = new EtaModel(buildRoadGraph(randomTown(rand, 6, 5)), DEFAULT_REACH_OPTIONS);
      const units = randomFleet(rand, 40 + Math.floor(rand() * 150), { spanM: 4_000, grids: 3 });
      const scene = near(rand, 800);
      const at = model.forScene(scene);
      const inc = incidentAt(scene, {
        type: INCIDENT_TYPES[Math.floor(rand() * INCIDENT_TYPES.length)]!, priority: rand() < 0.7 ? 1 : ((2 + Math.floor(rand() * 2)) as Priority),
        gridId: `G${1 + Math.floor(rand() * 3)}`, reportedAt: NOW - Math.floor(rand() * 600_000),
      });
      const ctx: RankContext = {
        policy: DEFAULT_DISPATCH_POLICY, targets: DEFAULT_RESPONSE_TARGETS, gridOfficers: new Map(), staleAfterMs: 30_000,
        eta: (u) => ({ ...at.eta(u.kind, [u.position.lng, u.position.lat]), calibration: 1 }),
      };
      const all = rankCandidates(units, inc, NOW, ctx);
      for (const radius of [500, 1_000, 2_000, 3_000, 4_500, 12_000]) {
        const limit = 1 + Math.floor(rand() * 10);
        const dist = (u: LiveUnit): number => (u.position ? haversineMeters([u.position.lng, u.position.lat], scene) : Infinity);
        const seen = rankCandidates(units.filter((u) => dist(u) <= radius), inc, NOW, ctx);
        const final = rankingIsFinal(seen, limit, (kind) => model.minSecondsBeyond(kind, radius), DEFAULT_DISPATCH_POLICY);
        // radiusToSettle says how far one must look for that: exactly the radius from which on it is final
        const settle = radiusToSettle(seen, limit, DEFAULT_DISPATCH_POLICY, (kind, eta) => model.radiusForSeconds(kind, eta));
        if (settle === undefined) expect(final).toBe(false);
        else if (Math.abs(radius - settle) > 1e-3) expect(radius > settle, `seed ${seed} r ${radius} settle ${settle}`).toBe(final);
        if (final) {
          finals++;
          if (seen.candidates.length < all.candidates.length) partial++;
          expect(seen.candidates.slice(0, limit).map((c) => c.unitId), `seed ${seed} r ${radius} limit ${limit}`)
            .toEqual(all.candidates.slice(0, limit).map((c) => c.unitId));
        }
      }
    }
    // final often, and often before everyone was seen
    expect(finals).toBeGreaterThan(150);
    expect(partial).toBeGreaterThan(25);
  }, 60_000);
});

describe('parseDispatchPolicy', () => {
  it('uses the defaults, merges an override and refuses nonsense naming the problem', () => {
    expect(parseDispatchPolicy(undefined)).toEqual(DEFAULT_DISPATCH_POLICY);
    expect(parseDispatchPolicy('  ')).toEqual(DEFAULT_DISPATCH_POLICY);
    const p: DispatchPolicy = parseDispatchPolicy('{"gridOfficerBonusSeconds":90,"types":{"fraud":{"preferred":["case_officer"],"allowed":["grid_officer"]}}}');
    expect(p.gridOfficerBonusSeconds).toBe(90);
    expect(p.types.fraud).toEqual({ preferred: ['case_officer'], allowed: ['grid_officer'] });
    expect(p.types.fight).toEqual(DEFAULT_DISPATCH_POLICY.types.fight);
    expect(ruleFor(DEFAULT_DISPATCH_POLICY, 'theft', 3)).toEqual(DEFAULT_DISPATCH_POLICY.types.fraud);
    expect(() => parseDispatchPolicy('{')).toThrow(/DISPATCH_POLICY: not JSON/);
    expect(() => parseDispatchPolicy('{"types":{"arson":{"preferred":[],"allowed":[]}}}')).toThrow(/DISPATCH_POLICY.*types/);
    expect(() => parseDispatchPolicy('{"types":{"fight":{"preferred":["tank"],"allowed":[]}}}')).toThrow(/preferred/);
    expect(() => parseDispatchPolicy('{"types":{"fight":{"preferred":["patrol_car"],"allowed":["patrol_car"]}}}')).toThrow(/types.fight: patrol_car both preferred and allowed/);
    expect(() => parseDispatchPolicy('{"gridOfficerBonusSeconds":-1}')).toThrow(/gridOfficerBonusSeconds/);
    expect(() => parseDispatchPolicy('{"ownGridOnly":["emergency_unit"]}')).toThrow(/ownGridOnly/);
    expect(() => parseDispatchPolicy('{"colour":"blue"}', 'DISPATCH_POLICY_FILE /etc/p.json')).toThrow(/DISPATCH_POLICY_FILE \/etc\/p.json/);
  });
});
