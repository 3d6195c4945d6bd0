// Which units to offer for an incident, in which order, and why: the dispatch policy (by incident type and
// role) and the ranking it drives. Pure: the ETAs come in from eta.ts (calibrated by the caller), the clock as
// an argument.
//
// The order, for an incident of type T and priority P, with the time left to P's on-scene target as budget:
//   1. units of a role the policy prefers for T that arrive within the budget, soonest first — the incident
//      grid's own community officer (一格一警) counted `gridOfficerBonusSeconds` sooner;
//   2. units of a role the policy merely allows for T that arrive within the budget (reason fallback_in_time),
//      soonest first: a case officer comes before a late patrol, never before a patrol in time;
//   3. everyone late, soonest first, an allowed role counted `fallbackPenaltySeconds` later (so among the late,
//      a preferred unit must be much slower to lose to a fallback) and the grid officer its bonus sooner.
// Roles the policy neither prefers nor allows for T are not offered; kinds in `ownGridOnly` (the minimum combat
// units, "1+N" of one grid) only for incidents inside their own grid.
import { Type, type Static } from '@sinclair/typebox';
import type { Candidate } from './dispatch.js';
import type { CandidateReason } from './candidate-reasons.js';
import { INCIDENT_TYPES, type IncidentType, type LiveUnit, type Priority, type UnitPosition } from './domain.js';
import type { EtaBasis } from './eta.js';
import { haversineMeters } from './geo.js';
import { MOVING_KINDS, isRecommendable, type MovingKind } from './reach.js';
import type { TargetsByPriority } from './targets.js';
import { compileChecker } from './validate.js';

/** What a policy names: a kind of unit, or the incident grid's own community officer. */
export const POLICY_ROLES = [...MOVING_KINDS, 'grid_officer'] as const;
export type PolicyRole = MovingKind | 'grid_officer';
const PolicyRoleSchema = Type.Union(POLICY_ROLES.map((r) => Type.Literal(r)));
const MovingKindSchema = Type.Union(MOVING_KINDS.map((k) => Type.Literal(k)));

export const PolicyRuleSchema = Type.Object(
  {
    /** Offered first when in time. */
    preferred: Type.Array(PolicyRoleSchema, { uniqueItems: true, maxItems: POLICY_ROLES.length }),
    /** Offered after the preferred ones (and before anyone late when in time). */
    allowed: Type.Array(PolicyRoleSchema, { uniqueItems: true, maxItems: POLICY_ROLES.length }),
  },
  { additionalProperties: false },
);
export type PolicyRule = Static<typeof PolicyRuleSchema>;

export const TypePolicySchema = Type.Object(
  {
    preferred: PolicyRuleSchema.properties.preferred,
    allowed: PolicyRuleSchema.properties.allowed,
    /** A different rule for some priorities (a theft in progress is a street incident, one reported afterwards a case). */
    byPriority: Type.Optional(Type.Object(
      { 1: Type.Optional(PolicyRuleSchema), 2: Type.Optional(PolicyRuleSchema), 3: Type.Optional(PolicyRuleSchema) },
      { additionalProperties: false },
    )),
  },
  { additionalProperties: false },
);
export type TypePolicy = Static<typeof TypePolicySchema>;

const policyFields = {
  /** The grid's own officer counts this many seconds sooner than their ETA when ranked. */
  gridOfficerBonusSeconds: Type.Number({ minimum: 0, maximum: 1_800 }),
  /** Among units that are late anyway, an allowed (not preferred) role counts this many seconds later. */
  fallbackPenaltySeconds: Type.Number({ minimum: 0, maximum: 3_600 }),
  /** Kinds offered only for incidents in their own grid. */
  ownGridOnly: Type.Array(MovingKindSchema, { uniqueItems: true, maxItems: MOVING_KINDS.length }),
};

export const DispatchPolicySchema = Type.Object(
  { ...policyFields, types: Type.Object(Object.fromEntries(INCIDENT_TYPES.map((t) => [t, TypePolicySchema])), { additionalProperties: false }) },
  { additionalProperties: false },
);
export interface DispatchPolicy extends Omit<Static<typeof DispatchPolicySchema>, 'types'> {
  types: Record<IncidentType, TypePolicy>;
}

/** DISPATCH_POLICY: any field may be left out and keeps its default; a type given replaces that type's rule. */
export const DispatchPolicyOverrideSchema = Type.Object(
  {
    gridOfficerBonusSeconds: Type.Optional(policyFields.gridOfficerBonusSeconds),
    fallbackPenaltySeconds: Type.Optional(policyFields.fallbackPenaltySeconds),
    ownGridOnly: Type.Optional(policyFields.ownGridOnly),
    types: Type.Optional(Type.Object(Object.fromEntries(INCIDENT_TYPES.map((t) => [t, Type.Optional(TypePolicySchema)])), { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type DispatchPolicyOverride = Static<typeof DispatchPolicyOverrideSchema>;

/** On the street and urgent: the patrols and the grid's own people first; other community officers and the
 *  case-handling team when nobody of them is in time. */
const STREET: TypePolicy = {
  preferred: ['patrol_car', 'foot_patrol', 'grid_officer', 'combat_unit'],
  allowed: ['community_officer', 'case_officer'],
};
/** A case to take down and work (fraud, a theft found afterwards): the case-handling team and the grid officer
 *  who knows the people; patrols when no case officer is in time. */
const CASE: PolicyRule = {
  preferred: ['case_officer', 'grid_officer'],
  allowed: ['patrol_car', 'foot_patrol', 'community_officer'],
};

/** Defaults from the domain (shared/DOMAIN.md): 一室三队 — patrol for the street, the community team for its grids
 *  and disputes, the case team for cases; volunteers help search for a missing person. */
export const DEFAULT_DISPATCH_POLICY: DispatchPolicy = {
  gridOfficerBonusSeconds: 60,
  fallbackPenaltySeconds: 120,
  ownGridOnly: ['combat_unit'],
  types: {
    fight: STREET,
    public_order: STREET,
    traffic: STREET,
    hazard: STREET,
    help: STREET,
    other: STREET,
    // In progress (P1, P2) it is a street incident; reported afterwards (P3) a case.
    theft: { ...STREET, byPriority: { 3: CASE } },
    fraud: CASE,
    // Disputes are resolved at the source by the grid's community police (矛盾纠纷 · 警务室 on the spot).
    dispute: { preferred: ['grid_officer', 'patrol_car', 'foot_patrol', 'combat_unit'], allowed: ['community_officer', 'case_officer'] },
    // Patrol to the scene at once; volunteer teams (couriers, sanitation workers) help search.
    missing_person: { preferred: STREET.preferred, allowed: [...STREET.allowed, 'volunteer_team'] },
  },
};

const checkOverride = compileChecker(DispatchPolicyOverrideSchema);

/** Roles named twice in one rule are a mistake worth refusing at start, not a tie to break silently. */
function ruleProblems(where: string, r: PolicyRule): string[] {
  const both = r.preferred.filter((x) => r.allowed.includes(x));
  return both.length > 0 ? [`${where}: ${both.join(', ')} both preferred and allowed`] : [];
}

/**
 * Reads DISPATCH_POLICY (JSON, any field may be left out; a type given replaces that type's rule), e.g.
 * {"gridOfficerBonusSeconds":90,"types":{"fraud":{"preferred":["case_officer"],"allowed":["grid_officer"]}}}.
 * Throws a readable error naming every problem.
 */
export function parseDispatchPolicy(raw: string | undefined, source = 'DISPATCH_POLICY', base: DispatchPolicy = DEFAULT_DISPATCH_POLICY): DispatchPolicy {
  const fail = (why: string): never => {
    throw new Error(`配置错误 / bad setting ${source}: ${why}. Expected JSON like {"types":{"fraud":{"preferred":["case_officer","grid_officer"],"allowed":["patrol_car"]}}}; roles: ${POLICY_ROLES.join(', ')}`);
  };
  if (raw === undefined || raw.trim() === '') return base;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    return fail(`not JSON (${(err as Error).message})`);
  }
  const checked = checkOverride.validate(parsed, 10);
  if (!checked.ok) return fail(checked.errors.join('; '));
  const o = checked.value;
  const types = { ...base.types };
  for (const t of INCIDENT_TYPES) {
    const given = o.types?.[t];
    if (given) types[t] = given;
  }
  const policy: DispatchPolicy = {
    gridOfficerBonusSeconds: o.gridOfficerBonusSeconds ?? base.gridOfficerBonusSeconds,
    fallbackPenaltySeconds: o.fallbackPenaltySeconds ?? base.fallbackPenaltySeconds,
    ownGridOnly: o.ownGridOnly ?? base.ownGridOnly,
    types,
  };
  const problems = INCIDENT_TYPES.flatMap((t) => [
    ...ruleProblems(`types.${t}`, policy.types[t]),
    ...([1, 2, 3] as const).flatMap((p) => {
      const r = policy.types[t].byPriority?.[p];
      return r ? ruleProblems(`types.${t}.byPriority.${p}`, r) : [];
    }),
  ]);
  if (problems.length > 0) fail(problems.join('; '));
  return policy;
}

/** The rule for an incident of this type and priority. */
export function ruleFor(policy: DispatchPolicy, type: IncidentType, priority: Priority): PolicyRule {
  const t = policy.types[type];
  return t.byPriority?.[priority] ?? t;
}

// --- the ranking ----------------------------------------------------------------------------------------

export interface PolicyIncident {
  type: IncidentType;
  priority: Priority;
  gridId: string | null;
  reportedAt: number;
  lng: number;
  lat: number;
}

/** A unit that may be offered: available, fresh, placed. */
export type PlacedUnit = LiveUnit & { position: UnitPosition; kind: MovingKind };

export interface CalibratedEta {
  seconds: number;
  basis: EtaBasis;
  /** The factor applied to the model's estimate (1 = none). */
  calibration: number;
}

export interface RankContext {
  policy: DispatchPolicy;
  targets: TargetsByPriority;
  /** The community officer of each grid (一格一警: the grid's officerId in the jurisdiction). */
  gridOfficers: ReadonlyMap<string, string>;
  staleAfterMs: number;
  /** The unit's ETA to the incident's scene. */
  eta(u: PlacedUnit): CalibratedEta;
}

/** Where a candidate sorts: its tier (0 preferred in time, 1 allowed in time, 2 late), then its key (seconds). */
export interface SortKey { tier: 0 | 1 | 2; key: number }

export interface Ranking {
  candidates: Candidate[];
  /** One per candidate, same order. */
  keys: SortKey[];
  /** Seconds left to the on-scene target when ranked (the "in time" limit). */
  budgetSeconds: number;
  /** The rule it followed (who else could have been offered). */
  rule: PolicyRule;
}

/** Seconds left of the incident's on-scene target at `now` (never negative, never more than the target). */
export function timeLeftSeconds(incident: Pick<PolicyIncident, 'priority' | 'reportedAt'>, now: number, targets: TargetsByPriority): number {
  const target = targets[incident.priority].onSceneMs / 1000;
  return Math.min(target, Math.max(0, target - (now - incident.reportedAt) / 1000));
}

const compareKeys = (a: SortKey, b: SortKey): number => a.tier - b.tier || a.key - b.key;

/** The role a unit plays for this incident, or null when it works another grid only. */
function roleOf(u: PlacedUnit, incident: PolicyIncident, ctx: RankContext): { role: PolicyRole; gridOfficer: boolean; ownGrid: boolean } | null {
  const grid = incident.gridId;
  if (ctx.policy.ownGridOnly.includes(u.kind)) {
    if (!grid || u.gridId !== grid) return null;
    return { role: u.kind, gridOfficer: false, ownGrid: true };
  }
  if (u.kind === 'community_officer' && grid) {
    const named = ctx.gridOfficers.get(grid);
    if (named === u.id || (named === undefined && u.gridId === grid)) return { role: 'grid_officer', gridOfficer: true, ownGrid: false };
  }
  return { role: u.kind, gridOfficer: false, ownGrid: false };
}

/**
 * Available, fresh units the policy allows for the incident, best first, each with its reasons; never a busy,
 * off-duty, dispatched or stale unit.
 */
export function rankCandidates(units: readonly LiveUnit[], incident: PolicyIncident, now: number, ctx: RankContext): Ranking {
  const rule = ruleFor(ctx.policy, incident.type, incident.priority);
  const budget = timeLeftSeconds(incident, now, ctx.targets);
  const bonus = ctx.policy.gridOfficerBonusSeconds;
  const at: [number, number] = [incident.lng, incident.lat];
  const rows: { c: Candidate; k: SortKey }[] = [];
  for (const u of units) {
    if (!isRecommendable(u, now, ctx.staleAfterMs)) continue;
    const r = roleOf(u, incident, ctx);
    if (!r) continue;
    // The grid officer whose role the rule does not name is still a community officer.
    const role: PolicyRole = r.gridOfficer && !rule.preferred.includes('grid_officer') && !rule.allowed.includes('grid_officer') ? u.kind : r.role;
    const gridOfficer = role === 'grid_officer';
    const preferred = rule.preferred.includes(role);
    if (!preferred && !rule.allowed.includes(role)) continue;
    const eta = ctx.eta(u);
    const inTime = eta.seconds <= budget;
    const tier: SortKey['tier'] = inTime ? (preferred ? 0 : 1) : 2;
    const key = eta.seconds - (gridOfficer ? bonus : 0) + (tier === 2 && !preferred ? ctx.policy.fallbackPenaltySeconds : 0);
    const reasons: CandidateReason[] = [
      { code: 'eta', params: { seconds: Math.round(eta.seconds), basis: eta.basis, calibration: eta.calibration } },
      inTime
        ? { code: 'in_time', params: { seconds: Math.floor(budget), priority: incident.priority } }
        : { code: 'late', params: { seconds: Math.ceil(eta.seconds - budget), priority: incident.priority } },
      { code: preferred ? 'role_preferred' : 'role_fallback', params: { kind: u.kind, type: incident.type } },
    ];
    if (gridOfficer) reasons.push({ code: 'grid_officer', params: { gridId: incident.gridId! } });
    if (r.ownGrid) reasons.push({ code: 'own_grid', params: { gridId: incident.gridId! } });
    if (tier === 1) reasons.push({ code: 'fallback_in_time', params: {} });
    rows.push({
      c: {
        unitId: u.id, name: u.name, kind: u.kind, team: u.team, status: u.status,
        distanceMeters: haversineMeters([u.position.lng, u.position.lat], at),
        etaSeconds: eta.seconds, positionAgeMs: Math.max(0, now - u.position.ts), reasons,
      },
      k: { tier, key },
    });
  }
  rows.sort((a, b) => compareKeys(a.k, b.k) || a.c.etaSeconds - b.c.etaSeconds || a.c.distanceMeters - b.c.distanceMeters
    || (a.c.unitId < b.c.unitId ? -1 : a.c.unitId > b.c.unitId ? 1 : 0));
  return { candidates: rows.map((r) => r.c), keys: rows.map((r) => r.k), budgetSeconds: budget, rule };
}

/** The kind a role is made of. */
const kindOfRole = (role: PolicyRole): MovingKind => (role === 'grid_officer' ? 'community_officer' : role);

/**
 * The ETA a unit of `role` must exceed to rank after `last` (ranking after it is then certain; ties never
 * matter because the caller asks for strictly more).
 */
function etaToRankAfter(role: PolicyRole, preferred: boolean, last: SortKey, budget: number, policy: DispatchPolicy): number {
  const bonus = role === 'grid_officer' ? policy.gridOfficerBonusSeconds : 0;
  const lateKey = preferred ? last.key + bonus : last.key + bonus - policy.fallbackPenaltySeconds;
  switch (last.tier) {
    // In time, a preferred unit must have a larger key; an allowed one ranks after anyway (tier 1 or 2).
    case 0: return preferred ? Math.min(budget, last.key + bonus) : -Infinity;
    // A preferred unit must be late; an allowed one late, or in time but with a larger key.
    case 1: return preferred ? budget : Math.min(budget, last.key + bonus);
    // Late, and with a larger key.
    case 2: return Math.max(budget, lateKey);
  }
}

/** Every role the rule could offer, with whether it is preferred. */
const rolesOf = (rule: PolicyRule): { role: PolicyRole; preferred: boolean }[] =>
  [...rule.preferred.map((role) => ({ role, preferred: true })), ...rule.allowed.map((role) => ({ role, preferred: false }))];

/**
 * After a search that saw every unit near enough, whether the best `limit` are final: `minEtaUnseen(kind)` bounds
 * from below the ETA of every unit of that kind not yet seen, and none of them could rank before the last of
 * the best (strictly).
 */
export function rankingIsFinal(ranking: Ranking, limit: number, minEtaUnseen: (kind: MovingKind) => number, policy: DispatchPolicy): boolean {
  const last = ranking.keys[limit - 1];
  if (!last) return false;
  return rolesOf(ranking.rule).every(({ role, preferred }) =>
    minEtaUnseen(kindOfRole(role)) > etaToRankAfter(role, preferred, last, ranking.budgetSeconds, policy));
}

/**
 * How far a search must have looked for the best `limit` to be final: the largest of `radiusFor(kind, eta)` over
 * the rule's roles, where `radiusFor` is the distance beyond which a kind's ETA exceeds `eta`. Undefined when
 * fewer than `limit` have been found (nothing to compare with yet).
 */
export function radiusToSettle(ranking: Ranking, limit: number, policy: DispatchPolicy, radiusFor: (kind: MovingKind, eta: number) => number): number | undefined {
  const last = ranking.keys[limit - 1];
  if (!last) return undefined;
  let radius = 0;
  for (const { role, preferred } of rolesOf(ranking.rule)) {
    const eta = etaToRankAfter(role, preferred, last, ranking.budgetSeconds, policy);
    if (eta === -Infinity) continue;
    radius = Math.max(radius, radiusFor(kindOfRole(role), eta + 1e-6));
  }
  return radius;
}
