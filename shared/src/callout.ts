// Tiered call-out of minimum emergency units (应急单元响应), as the units answer it on the terminal app: each
// called unit's leader says coming (with how many people) or can't, then arrived, then what was done. Every answer
// is kept per incident; the console reads the tiers against the 1-3-5 promise ("1分钟自救、3分钟互助、5分钟增援到位"),
// and the statistics count, when an arrival is written, whether it kept the promise.
import { Type, type Static } from '@sinclair/typebox';
import { CommandIdSchema, IncidentIdSchema, RingMinutesSchema, UnitIdSchema, type RingMinutes } from './domain.js';

export const CALLOUT_ANSWERS = ['coming', 'cannot', 'arrived', 'done'] as const;
export type CallOutAnswer = (typeof CALLOUT_ANSWERS)[number];

/** callout:report — a called-out unit's leader answers (the unit is the one its device token names). */
export const CallOutReportSchema = Type.Object(
  {
    /** The terminal's id for this answer (its outbox's): answered once however often it is sent. */
    reportId: CommandIdSchema,
    incidentId: IncidentIdSchema,
    answer: Type.Union(CALLOUT_ANSWERS.map((a) => Type.Literal(a))),
    /** With `coming`: how many people come. */
    people: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
    /** With `done` (what was done) or `cannot` (why). */
    note: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type CallOutReport = Static<typeof CallOutReportSchema>;

/** One called unit as the command room sees it. */
export const CallOutUnitSchema = Type.Object(
  {
    unitId: UnitIdSchema,
    name: Type.String(),
    /** Members registered with the unit. */
    members: Type.Integer(),
    tier: RingMinutesSchema,
    alertedAt: Type.Number(),
    answer: Type.Optional(Type.Union([Type.Literal('coming'), Type.Literal('cannot')])),
    people: Type.Optional(Type.Integer()),
    answeredAt: Type.Optional(Type.Number()),
    arrivedAt: Type.Optional(Type.Number()),
    doneAt: Type.Optional(Type.Number()),
    note: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type CallOutUnit = Static<typeof CallOutUnitSchema>;

export const CallOutTierSchema = Type.Object(
  {
    ring: RingMinutesSchema,
    calledAt: Type.Number(),
    called: Type.Integer(),
    /** Units that answered coming, and the people they bring. */
    coming: Type.Integer(),
    people: Type.Integer(),
    cannot: Type.Integer(),
    arrived: Type.Integer(),
    /** People of the arrived units. */
    arrivedPeople: Type.Integer(),
    /** The tier's first arrival, ms after the incident's first call-out (null: none yet). */
    firstArrivalMs: Type.Union([Type.Number(), Type.Null()]),
    /** Whether the first arrival kept the tier's promise (ring minutes after the first call-out); null: none yet. */
    kept: Type.Union([Type.Boolean(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type CallOutTier = Static<typeof CallOutTierSchema>;

/** GET /api/incidents/:id/call-out */
export const CallOutSchema = Type.Object(
  {
    incidentId: IncidentIdSchema,
    /** The first tier's call (null: never called out). */
    calledAt: Type.Union([Type.Number(), Type.Null()]),
    tiers: Type.Array(CallOutTierSchema),
    units: Type.Array(CallOutUnitSchema),
  },
  { additionalProperties: false },
);
export type CallOut = Static<typeof CallOutSchema>;

/** GET /api/stats/call-outs?from=&to= (days): call-outs and how many kept each promise, counted at write time. */
export const CallOutStatsSchema = Type.Object(
  {
    from: Type.String(), to: Type.String(),
    calledOut: Type.Integer(),
    selfHelpWithin1: Type.Integer(),
    mutualAidWithin3: Type.Integer(),
    /** Shares in percent, one decimal (null when nothing was called out). */
    selfHelpShare: Type.Union([Type.Number(), Type.Null()]),
    mutualAidShare: Type.Union([Type.Number(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type CallOutStats = Static<typeof CallOutStatsSchema>;

/** Where a unit's answers stand, as the store keeps them (read back checked against this). */
export const CallOutRecordSchema = Type.Object(
  {
    tier: RingMinutesSchema, alertedAt: Type.Number(), members: Type.Integer(),
    answer: Type.Optional(Type.Union([Type.Literal('coming'), Type.Literal('cannot')])),
    people: Type.Optional(Type.Integer()), answeredAt: Type.Optional(Type.Number()), arrivedAt: Type.Optional(Type.Number()),
    doneAt: Type.Optional(Type.Number()), note: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type CallOutRecord = Static<typeof CallOutRecordSchema>;

/** Whether `answer` may follow what the unit said before; the refusal names what it said. Pure. */
export function nextCallOutState(r: CallOutRecord, a: CallOutReport, now: number): { ok: true; record: CallOutRecord } | { ok: false; reason: 'not_coming' | 'not_arrived' | 'already_arrived' } {
  const note = a.note?.trim();
  if (a.answer === 'coming' || a.answer === 'cannot') {
    if (r.arrivedAt !== undefined) return { ok: false, reason: 'already_arrived' };
    const people = a.answer === 'coming' ? Math.min(a.people ?? r.members, 500) : undefined;
    const { people: _p, note: _n, ...rest } = r;
    return { ok: true, record: { ...rest, answer: a.answer, answeredAt: now, ...(people !== undefined ? { people } : {}), ...(note ? { note } : {}) } };
  }
  if (a.answer === 'arrived') {
    if (r.answer === 'cannot') return { ok: false, reason: 'not_coming' };
    if (r.arrivedAt !== undefined) return { ok: true, record: r }; // said twice: the first arrival stands
    // Arriving without a word first is coming with everyone registered.
    return { ok: true, record: { ...r, answer: 'coming', answeredAt: r.answeredAt ?? now, people: r.people ?? r.members, arrivedAt: now } };
  }
  if (r.arrivedAt === undefined) return { ok: false, reason: 'not_arrived' };
  return { ok: true, record: { ...r, doneAt: now, ...(note ? { note } : {}) } };
}

/** The tiers of a call-out from its units' records, against the 1-3-5 promise. Pure. */
export function summariseCallOut(calledAt: number | null, tierCalls: ReadonlyMap<RingMinutes, number>, units: readonly CallOutUnit[]): CallOutTier[] {
  return [...tierCalls.entries()].sort(([a], [b]) => a - b).map(([ring, at]) => {
    const mine = units.filter((u) => u.tier === ring);
    const coming = mine.filter((u) => u.answer === 'coming');
    const arrived = mine.filter((u) => u.arrivedAt !== undefined);
    const first = arrived.length ? Math.min(...arrived.map((u) => u.arrivedAt!)) - (calledAt ?? at) : null;
    return {
      ring, calledAt: at, called: mine.length, coming: coming.length, people: coming.reduce((n, u) => n + (u.people ?? 0), 0),
      cannot: mine.filter((u) => u.answer === 'cannot').length, arrived: arrived.length,
      arrivedPeople: arrived.reduce((n, u) => n + (u.people ?? 0), 0),
      firstArrivalMs: first, kept: first === null ? null : first <= ring * 60_000,
    };
  });
}
