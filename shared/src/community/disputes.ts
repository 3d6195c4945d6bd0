// Dispute cases (矛盾纠纷): 受理 → 分流 → 调解 → 回访 → 销号. Pure: no clock, no I/O; the caller passes who and when
// and the stage limits. Schemas for the case and for every command's request live here too.
//
//   from \ to     accepted routed mediating escalated mediated followed_up closed
//   accepted                  ✓                                               ✓
//   routed                           ✓         ✓         ✓                    ✓
//   mediating                        ✓         ✓         ✓                    ✓
//   escalated                 ✓                                               ✓
//   mediated         ✓                                            ✓           ✓
//   followed_up      ✓                                                        ✓
//   closed           ✓
//
// - routed → mediating / mediated / escalated is what a mediation session records: failed, success, escalate
//   (to the next tier, which must route it to one of its own: escalated → routed).
// - mediating → mediating is a further failed session: the one pair where staying put records something.
// - mediated → followed_up is the 回访; mediated → accepted is a 回访 that finds the dispute recurred (reopened).
// - followed_up → accepted and closed → accepted reopen a case whose dispute came back ("recurred").
// - closed is reached from every open status: from followed_up plainly (销号), from anywhere else only with a
//   reason for closing without a 回访 (withdrawn, referred to court …).
import { Type, type Static } from '@sinclair/typebox';
import { GridIdSchema, IncidentIdSchema, LatSchema, LngSchema, UnitIdSchema } from '../domain.js';
import { EpochMsSchema } from '../time.js';
import {
  DISPUTE_CATEGORIES, DISPUTE_SOURCES, DISPUTE_STATUSES, RISK_LEVELS, SATISFACTIONS,
  SESSION_RESULTS, type DisputeStatus, type MediationTier,
} from './labels.js';

export const DisputeStatusSchema = Type.Union(DISPUTE_STATUSES.map((s) => Type.Literal(s)));
export const DisputeCategorySchema = Type.Union(DISPUTE_CATEGORIES.map((s) => Type.Literal(s)));
export const DisputeSourceSchema = Type.Union(DISPUTE_SOURCES.map((s) => Type.Literal(s)));
export const RiskLevelSchema = Type.Union(RISK_LEVELS.map((s) => Type.Literal(s)));
export const SatisfactionSchema = Type.Union(SATISFACTIONS.map((s) => Type.Literal(s)));
export const SessionResultSchema = Type.Union(SESSION_RESULTS.map((s) => Type.Literal(s)));
export const MediationTierSchema = Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3)]);

export const DISPUTE_TRANSITIONS: Readonly<Record<DisputeStatus, readonly DisputeStatus[]>> = {
  accepted: ['routed', 'closed'],
  routed: ['mediating', 'escalated', 'mediated', 'closed'],
  mediating: ['mediating', 'escalated', 'mediated', 'closed'],
  escalated: ['routed', 'closed'],
  mediated: ['accepted', 'followed_up', 'closed'],
  followed_up: ['accepted', 'closed'],
  closed: ['accepted'],
};
export const OPEN_DISPUTE_STATUSES: readonly DisputeStatus[] = DISPUTE_STATUSES.filter((s) => s !== 'closed');
export const canDisputeTransition = (from: DisputeStatus, to: DisputeStatus): boolean => DISPUTE_TRANSITIONS[from].includes(to);

/** Stage time limits (COMMUNITY_ROUTE_WITHIN_H, COMMUNITY_SESSION_WITHIN_H, COMMUNITY_FOLLOWUP_DAYS). */
export interface DisputeLimits {
  /** 受理 (or escalated, or reopened) → 分流. */
  routeWithinMs: number;
  /** 分流 → first session, and a failed session → the next one. */
  sessionWithinMs: number;
  /** A successful session → 回访. */
  followupWithinMs: number;
}
export const DEFAULT_DISPUTE_LIMITS: DisputeLimits = {
  routeWithinMs: 24 * 3_600_000,
  sessionWithinMs: 3 * 86_400_000,
  followupWithinMs: 7 * 86_400_000,
};

/** Which time limit a status runs against (null: none). Late stages are counted by this name. */
export type DisputeStage = 'route' | 'session' | 'followup';
export const DISPUTE_STAGES: readonly DisputeStage[] = ['route', 'session', 'followup'];
export function stageOf(status: DisputeStatus): DisputeStage | null {
  switch (status) {
    case 'accepted': case 'escalated': return 'route';
    case 'routed': case 'mediating': return 'session';
    case 'mediated': return 'followup';
    default: return null;
  }
}
export function deadlineOf(status: DisputeStatus, since: number, limits: DisputeLimits): number | null {
  const stage = stageOf(status);
  if (stage === 'route') return since + limits.routeWithinMs;
  if (stage === 'session') return since + limits.sessionWithinMs;
  if (stage === 'followup') return since + limits.followupWithinMs;
  return null;
}

// --- the case ----------------------------------------------------------------------------------------------

export const DisputeIdSchema = Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*$' });
const PersonNameSchema = Type.String({ minLength: 1, maxLength: 32 });
const PhoneSchema = Type.String({ minLength: 3, maxLength: 20, pattern: '^[0-9*+ -]+$' });
const NoteSchema = Type.String({ maxLength: 500 });
const ReasonSchema = Type.String({ minLength: 1, maxLength: 500 });
const ByAtSchema = { by: Type.String({ maxLength: 64 }), at: Type.Number() };

/** A party as stored and shown: name and phone masked like incident reporters (王* · 138****0000). */
export const PartySchema = Type.Object(
  { name: Type.String({ maxLength: 40 }), phone: Type.Optional(Type.String({ maxLength: 24 })), role: Type.Optional(Type.Union([Type.Literal('applicant'), Type.Literal('respondent'), Type.Literal('other')])) },
  { additionalProperties: false },
);
export type Party = Static<typeof PartySchema>;

export const OwnerSchema = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 64 }), unitId: Type.Optional(UnitIdSchema) },
  { additionalProperties: false },
);
export type Owner = Static<typeof OwnerSchema>;

export const MediationSessionSchema = Type.Object(
  {
    /** When it was held, as recorded (epoch ms, not in the future). */
    heldAt: Type.Number(),
    tier: MediationTierSchema,
    participants: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 20 }),
    result: SessionResultSchema,
    note: Type.Optional(NoteSchema),
    ...ByAtSchema,
  },
  { additionalProperties: false },
);
export type MediationSession = Static<typeof MediationSessionSchema>;

export const FollowupSchema = Type.Object(
  { satisfaction: SatisfactionSchema, recurred: Type.Boolean(), note: Type.Optional(NoteSchema), ...ByAtSchema },
  { additionalProperties: false },
);
export type Followup = Static<typeof FollowupSchema>;

export const DisputeTimelineEntrySchema = Type.Object(
  {
    status: DisputeStatusSchema,
    at: Type.Number(),
    by: Type.String({ maxLength: 64 }),
    note: Type.Optional(Type.String({ maxLength: 500 })),
    /** The deadline of the stage this entry starts (absent: no limit). Kept so lateness is judged by the limit
     *  in force then, not by a setting changed since. */
    dueAt: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);
export type DisputeTimelineEntry = Static<typeof DisputeTimelineEntrySchema>;

export const DisputeCaseSchema = Type.Object(
  {
    id: DisputeIdSchema,
    status: DisputeStatusSchema,
    source: DisputeSourceSchema,
    category: DisputeCategorySchema,
    parties: Type.Array(PartySchema, { minItems: 1, maxItems: 10 }),
    address: Type.String({ maxLength: 200 }),
    lng: LngSchema,
    lat: LatSchema,
    gridId: GridIdSchema,
    riskLevel: RiskLevelSchema,
    /** 可能激化: may turn violent; shown first with overdue cases. */
    mayEscalate: Type.Boolean(),
    summary: Type.String({ maxLength: 1000 }),
    incidentIds: Type.Array(IncidentIdSchema, { maxItems: 20 }),
    /** Earlier cases with the same party or address within the repeat window (COMMUNITY_REPEAT_DAYS). */
    repeatOf: Type.Array(DisputeIdSchema, { maxItems: 20 }),
    /** Tier now handling it (null before routing). */
    tier: Type.Union([MediationTierSchema, Type.Null()]),
    owner: Type.Union([OwnerSchema, Type.Null()]),
    sessions: Type.Array(MediationSessionSchema, { maxItems: 100 }),
    followups: Type.Array(FollowupSchema, { maxItems: 50 }),
    /** Times reopened because the dispute recurred. */
    reopened: Type.Integer({ minimum: 0 }),
    closeReason: Type.Optional(ReasonSchema),
    createdAt: Type.Number(),
    createdBy: Type.String({ maxLength: 64 }),
    updatedAt: Type.Number(),
    /** When the current status was entered, and its deadline (null: none). Overdue = dueAt < now. */
    statusSince: Type.Number(),
    dueAt: Type.Union([Type.Number(), Type.Null()]),
    timeline: Type.Array(DisputeTimelineEntrySchema, { maxItems: 400 }),
  },
  { additionalProperties: false },
);
export type DisputeCase = Static<typeof DisputeCaseSchema>;

// --- requests ----------------------------------------------------------------------------------------------

const CommandId = Type.String({ minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });

/** A party as entered: the server masks name and phone before anything is stored. */
export const PartyInputSchema = Type.Object(
  { name: PersonNameSchema, phone: Type.Optional(PhoneSchema), role: Type.Optional(Type.Union([Type.Literal('applicant'), Type.Literal('respondent'), Type.Literal('other')])) },
  { additionalProperties: false },
);
export type PartyInput = Static<typeof PartyInputSchema>;

/** POST /api/disputes — 受理. From an incident (转矛盾纠纷: `incidentId`, its point and address are used when
 *  the request gives none) or from a walk-in / online / volunteer report or the community team itself. */
export const OpenDisputeRequestSchema = Type.Object(
  {
    commandId: CommandId,
    source: DisputeSourceSchema,
    incidentId: Type.Optional(IncidentIdSchema),
    category: DisputeCategorySchema,
    parties: Type.Array(PartyInputSchema, { minItems: 1, maxItems: 10 }),
    address: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    lng: Type.Optional(LngSchema),
    lat: Type.Optional(LatSchema),
    /** The grid, when the person taking it knows better than the point; otherwise located from the point. */
    gridId: Type.Optional(GridIdSchema),
    riskLevel: RiskLevelSchema,
    mayEscalate: Type.Boolean(),
    summary: Type.String({ minLength: 1, maxLength: 1000 }),
  },
  { additionalProperties: false },
);
export type OpenDisputeRequest = Static<typeof OpenDisputeRequestSchema>;

/** POST /api/disputes/:id/route — 分流 to a tier and an owner. */
export const RouteDisputeRequestSchema = Type.Object(
  { commandId: CommandId, tier: MediationTierSchema, owner: OwnerSchema, note: Type.Optional(NoteSchema) },
  { additionalProperties: false },
);
export type RouteDisputeRequest = Static<typeof RouteDisputeRequestSchema>;

/** POST /api/disputes/:id/sessions — 调解: one session and its result. */
export const SessionRequestSchema = Type.Object(
  {
    commandId: CommandId,
    heldAt: Type.Optional(EpochMsSchema),
    participants: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 20 }),
    result: SessionResultSchema,
    note: Type.Optional(NoteSchema),
  },
  { additionalProperties: false },
);
export type SessionRequest = Static<typeof SessionRequestSchema>;

/** POST /api/disputes/:id/followup — 回访. */
export const FollowupRequestSchema = Type.Object(
  { commandId: CommandId, satisfaction: SatisfactionSchema, recurred: Type.Boolean(), note: Type.Optional(NoteSchema) },
  { additionalProperties: false },
);
export type FollowupRequest = Static<typeof FollowupRequestSchema>;

/** POST /api/disputes/:id/close — 销号; `reason` is required unless the case has had its 回访. */
export const CloseDisputeRequestSchema = Type.Object(
  { commandId: CommandId, reason: Type.Optional(ReasonSchema) },
  { additionalProperties: false },
);
export type CloseDisputeRequest = Static<typeof CloseDisputeRequestSchema>;

/** POST /api/disputes/:id/reopen — the dispute recurred. */
export const ReopenDisputeRequestSchema = Type.Object(
  { commandId: CommandId, reason: ReasonSchema },
  { additionalProperties: false },
);
export type ReopenDisputeRequest = Static<typeof ReopenDisputeRequestSchema>;

// --- the machine ---------------------------------------------------------------------------------------------

export interface CommunityActor { by: string; at: number; note?: string }

/** A refused step: 409 (illegal_transition and the rules beside it). The message is English; the client says it
 *  from the code and params. */
export interface CommunityRefusal {
  code: 'illegal_transition' | 'reason_required' | 'no_higher_tier' | 'tier_below_case' | 'too_many_entries' | 'not_assignee' | 'future_time' | 'feedback_incomplete';
  subject: 'dispute' | 'task';
  id: string;
  from?: string;
  to?: string;
  /** What the code's sentence names (errors.ts). */
  params: Record<string, string | number>;
  message: string;
}
export type CommunityResult<T> = { ok: true; state: T } | { ok: false; error: CommunityRefusal };

export function illegalDisputeTransition(id: string, from: DisputeStatus, to: DisputeStatus): CommunityRefusal {
  return {
    code: 'illegal_transition', subject: 'dispute', id, from, to, params: { subject: 'dispute', id, from, to },
    message: `illegal transition: dispute ${id} cannot go from ${from} to ${to}`,
  };
}
const refuse = (code: CommunityRefusal['code'], id: string, en: string, params: Record<string, string | number> = { subject: 'dispute', id }): { ok: false; error: CommunityRefusal } =>
  ({ ok: false, error: { code, subject: 'dispute', id, params, message: en } });

/** One transition: timeline entry, status, its start and its deadline. Anything else the step changes is `patch`. */
export function transitionDispute(
  c: DisputeCase, to: DisputeStatus, actor: CommunityActor, limits: DisputeLimits, patch: Partial<DisputeCase> = {},
): CommunityResult<DisputeCase> {
  if (!canDisputeTransition(c.status, to)) return { ok: false, error: illegalDisputeTransition(c.id, c.status, to) };
  if (c.timeline.length >= 400) return refuse('too_many_entries', c.id, `dispute ${c.id} has too many entries`);
  const dueAt = deadlineOf(to, actor.at, limits);
  const entry = { status: to, at: actor.at, by: actor.by, ...(actor.note ? { note: actor.note } : {}), ...(dueAt !== null ? { dueAt } : {}) };
  return { ok: true, state: { ...c, ...patch, status: to, updatedAt: actor.at, statusSince: actor.at, dueAt, timeline: [...c.timeline, entry] } };
}

export interface OpenDisputeFields {
  id: string; source: DisputeCase['source']; category: DisputeCase['category']; parties: Party[]; address: string;
  lng: number; lat: number; gridId: string; riskLevel: DisputeCase['riskLevel']; mayEscalate: boolean; summary: string;
  incidentIds: string[]; repeatOf: string[];
}

/** 受理: a new case, accepted now, due to be routed within the limit. */
export function openDispute(f: OpenDisputeFields, actor: CommunityActor, limits: DisputeLimits): DisputeCase {
  const dueAt = deadlineOf('accepted', actor.at, limits);
  return {
    ...f, status: 'accepted', tier: null, owner: null, sessions: [], followups: [], reopened: 0,
    createdAt: actor.at, createdBy: actor.by, updatedAt: actor.at, statusSince: actor.at, dueAt,
    timeline: [{ status: 'accepted', at: actor.at, by: actor.by, ...(actor.note ? { note: actor.note } : {}), ...(dueAt !== null ? { dueAt } : {}) }],
  };
}

/** 分流: to a tier and an owner. After an escalation the case cannot go back below the tier it was sent to. */
export function routeDispute(c: DisputeCase, tier: MediationTier, owner: Owner, actor: CommunityActor, limits: DisputeLimits): CommunityResult<DisputeCase> {
  if (c.status === 'escalated' && c.tier !== null && tier < c.tier) {
    return refuse('tier_below_case', c.id, `dispute ${c.id} was escalated to tier ${c.tier}; it cannot be routed to tier ${tier}`, { id: c.id, tier: c.tier, to: tier });
  }
  return transitionDispute(c, 'routed', actor, limits, { tier, owner });
}

/** 调解: a session at the case's tier. success → mediated (回访 due), failed → mediating, escalate → the next tier. */
export function recordSession(
  c: DisputeCase, s: { heldAt: number; participants: string[]; result: MediationSession['result']; note?: string }, actor: CommunityActor, limits: DisputeLimits,
): CommunityResult<DisputeCase> {
  const to: DisputeStatus = s.result === 'success' ? 'mediated' : s.result === 'failed' ? 'mediating' : 'escalated';
  if (!canDisputeTransition(c.status, to)) return { ok: false, error: illegalDisputeTransition(c.id, c.status, to) };
  if (s.heldAt > actor.at) return refuse('future_time', c.id, 'a session cannot be held in the future', {});
  if (c.sessions.length >= 100) return refuse('too_many_entries', c.id, `dispute ${c.id} has too many sessions`);
  const tier = c.tier ?? 1;
  if (to === 'escalated' && tier >= 3) {
    return refuse('no_higher_tier', c.id, `dispute ${c.id} is at the mediation centre (tier 3): there is no higher tier`, { id: c.id });
  }
  const session: MediationSession = {
    heldAt: s.heldAt, tier: tier as MediationTier, participants: s.participants, result: s.result, by: actor.by, at: actor.at, ...(s.note ? { note: s.note } : {}),
  };
  const patch: Partial<DisputeCase> = { sessions: [...c.sessions, session] };
  if (to === 'escalated') Object.assign(patch, { tier: (tier + 1) as MediationTier, owner: null });
  return transitionDispute(c, to, actor, limits, patch);
}

/** 回访: satisfaction and whether the dispute came back; a recurred one is reopened at once. */
export function recordFollowup(
  c: DisputeCase, f: { satisfaction: Followup['satisfaction']; recurred: boolean; note?: string }, actor: CommunityActor, limits: DisputeLimits,
): CommunityResult<DisputeCase> {
  const to: DisputeStatus = f.recurred ? 'accepted' : 'followed_up';
  // A 回访 belongs after a successful mediation: name the step the user meant, not the reopen it may lead to.
  if (c.status !== 'mediated') return { ok: false, error: illegalDisputeTransition(c.id, c.status, 'followed_up') };
  if (c.followups.length >= 50) return refuse('too_many_entries', c.id, `dispute ${c.id} has too many follow-ups`);
  const followup: Followup = { satisfaction: f.satisfaction, recurred: f.recurred, by: actor.by, at: actor.at, ...(f.note ? { note: f.note } : {}) };
  const patch: Partial<DisputeCase> = { followups: [...c.followups, followup] };
  if (f.recurred) Object.assign(patch, { reopened: c.reopened + 1, tier: null, owner: null });
  return transitionDispute(c, to, actor, limits, patch);
}

/** 销号: plainly after a 回访, otherwise only with a reason. */
export function closeDispute(c: DisputeCase, reason: string | undefined, actor: CommunityActor, limits: DisputeLimits): CommunityResult<DisputeCase> {
  if (!canDisputeTransition(c.status, 'closed')) return { ok: false, error: illegalDisputeTransition(c.id, c.status, 'closed') };
  if (c.status !== 'followed_up' && !reason) {
    return refuse('reason_required', c.id, `dispute ${c.id} has had no follow-up visit: closing without one needs a reason`);
  }
  return transitionDispute(c, 'closed', actor, limits, reason ? { closeReason: reason } : {});
}

/** The dispute recurred after its 回访 or after closing: accepted again, to be routed afresh. */
export function reopenDispute(c: DisputeCase, reason: string, actor: CommunityActor, limits: DisputeLimits): CommunityResult<DisputeCase> {
  if (c.status !== 'followed_up' && c.status !== 'closed') return { ok: false, error: illegalDisputeTransition(c.id, c.status, 'accepted') };
  const { closeReason: _dropped, ...rest } = c;
  return transitionDispute(rest, 'accepted', { ...actor, note: reason }, limits, { reopened: c.reopened + 1, tier: null, owner: null });
}

/** Overdue: an open case past its stage deadline. */
export const isDisputeOverdue = (c: Pick<DisputeCase, 'dueAt'>, now: number): boolean => c.dueAt !== null && c.dueAt < now;

// --- parties: masked like incident reporters, fingerprinted for repeat detection ------------------------------

/** 张三 → 张*, 欧阳娜娜 → 欧***; a name already masked or given as 王先生 / 李女士 is kept. */
export function maskName(name: string): string {
  const n = name.trim().replace(/\s+/g, ' ');
  if (n.includes('*') || /(先生|女士)$/u.test(n)) return n;
  const chars = [...n];
  return chars[0]! + '*'.repeat(Math.max(1, chars.length - 1));
}

/** 13800001234 → 138****1234 (as reporters are shown); shorter numbers keep their last four digits. */
export function maskPhone(phone: string): string {
  const p = phone.replace(/[\s-]/g, '');
  if (p.includes('*')) return p;
  const digits = p.replace(/^\+?86/, '');
  if (digits.length >= 11) return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
  if (digits.length > 4) return `${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`;
  return '*'.repeat(digits.length);
}

/** What repeat detection compares, before hashing: names and phones as entered (normalised), the address text. */
export function repeatKeys(parties: readonly PartyInput[], address: string): string[] {
  const keys = new Set<string>();
  for (const p of parties) {
    const name = p.name.trim().replace(/\s+/g, '');
    // A masked or 先生/女士 name says too little to call two cases the same people.
    if (name && !name.includes('*') && !/(先生|女士)$/u.test(name)) keys.add(`n:${name}`);
    const phone = p.phone?.replace(/[\s-]/g, '').replace(/^\+?86/, '');
    if (phone && !phone.includes('*') && phone.length >= 7) keys.add(`p:${phone}`);
  }
  const a = address.trim().replace(/\s+/g, '').toLowerCase();
  if (a.length >= 4) keys.add(`a:${a}`);
  return [...keys];
}
