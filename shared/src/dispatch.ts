// Dispatch: the commands a shift leader sends, what the server answers, and the device-facing channel on
// which units receive their orders. Routes and socket events validate with these schemas.
import { Type, type Static } from '@sinclair/typebox';
import {
  CommandIdSchema, IncidentIdSchema, IncidentSchema, LiveUnitSchema, RingMinutesSchema, OutcomeSchema, PlaceKindSchema, PrioritySchema, IncidentTypeSchema,
  UnitIdSchema, UnitKindSchema, UnitStatusSchema, LngSchema, LatSchema,
} from './domain.js';
import { CandidateReasonSchema } from './candidate-reasons.js';
import { ErrorParamsSchema } from './errors.js';

const NoteSchema = Type.String({ maxLength: 500 });
const UnitIdsSchema = Type.Array(UnitIdSchema, { minItems: 1, maxItems: 20, uniqueItems: true });

/** POST /api/incidents/:id/dispatch (first units) and POST /api/incidents/:id/backup (more units). */
export const DispatchRequestSchema = Type.Object(
  { unitIds: UnitIdsSchema, commandId: CommandIdSchema, note: Type.Optional(NoteSchema) },
  { additionalProperties: false },
);
export type DispatchRequest = Static<typeof DispatchRequestSchema>;

/** POST /api/incidents/:id/reassign: one assigned unit is released and another takes its place. */
export const ReassignRequestSchema = Type.Object(
  { fromUnitId: UnitIdSchema, toUnitId: UnitIdSchema, commandId: CommandIdSchema, note: Type.Optional(NoteSchema) },
  { additionalProperties: false },
);
export type ReassignRequest = Static<typeof ReassignRequestSchema>;

/** POST /api/incidents/:id/cancel: the incident is withdrawn; its units are released. */
export const CancelRequestSchema = Type.Object(
  { commandId: CommandIdSchema, reason: Type.String({ minLength: 1, maxLength: 500 }) },
  { additionalProperties: false },
);
export type CancelRequest = Static<typeof CancelRequestSchema>;

/** POST /api/incidents/:id/merge: a duplicate report is merged into another open incident. */
export const MergeRequestSchema = Type.Object(
  { commandId: CommandIdSchema, intoIncidentId: IncidentIdSchema, note: Type.Optional(NoteSchema) },
  { additionalProperties: false },
);
export type MergeRequest = Static<typeof MergeRequestSchema>;

/** POST /api/incidents/:id/acknowledge: the shift leader has seen the incident's alarm (确认警报). */
export const AcknowledgeRequestSchema = Type.Object(
  { commandId: CommandIdSchema, note: Type.Optional(NoteSchema) },
  { additionalProperties: false },
);
export type AcknowledgeRequest = Static<typeof AcknowledgeRequestSchema>;


/** POST /api/incidents/:id/alert-emergency-units: call out the minimum emergency units within a ring
 *  (tiered: the 1-minute ring first, then the 3-minute ring). */
export const AlertEmergencyRequestSchema = Type.Object(
  { commandId: CommandIdSchema, ring: RingMinutesSchema, note: Type.Optional(NoteSchema) },
  { additionalProperties: false },
);
export type AlertEmergencyRequest = Static<typeof AlertEmergencyRequestSchema>;

/** POST /api/incidents/:id/resolve (处置完毕). */
export const ResolveRequestSchema = Type.Object(
  { commandId: CommandIdSchema, note: Type.Optional(NoteSchema) },
  { additionalProperties: false },
);
export type ResolveRequest = Static<typeof ResolveRequestSchema>;

/** POST /api/incidents/:id/close (反馈/办结) with how it ended. */
export const CloseRequestSchema = Type.Object(
  { commandId: CommandIdSchema, outcome: OutcomeSchema, note: Type.Optional(NoteSchema) },
  { additionalProperties: false },
);
export type CloseRequest = Static<typeof CloseRequestSchema>;

/** POST /api/units/:id/status: a dispatcher marks a unit busy, off duty or available again. */
export const UnitStatusRequestSchema = Type.Object(
  { commandId: CommandIdSchema, status: Type.Union([Type.Literal('available'), Type.Literal('busy'), Type.Literal('off_duty')]), note: Type.Optional(NoteSchema) },
  { additionalProperties: false },
);
export type UnitStatusRequest = Static<typeof UnitStatusRequestSchema>;

/** What every command answers (200): the state after it. `replayed` is true when the command id was seen before
 *  and nothing was done again. */
export const CommandResultSchema = Type.Object(
  {
    commandId: CommandIdSchema,
    replayed: Type.Boolean(),
    incident: Type.Optional(IncidentSchema),
    units: Type.Array(LiveUnitSchema),
  },
  { additionalProperties: false },
);
export type CommandResult = Static<typeof CommandResultSchema>;

/** 409 when a unit cannot be sent (who has it), a step is illegal, or a rule beside it refuses it. */
export const CommandConflictSchema = Type.Object(
  {
    /** An ErrorCode (errors.ts): unit_unavailable, unit_held, illegal_transition, command_id_reused, … */
    error: Type.String(),
    message: Type.String(),
    params: Type.Optional(ErrorParamsSchema),
    unitId: Type.Optional(UnitIdSchema),
    unitStatus: Type.Optional(UnitStatusSchema),
    heldByIncidentId: Type.Optional(IncidentIdSchema),
    heldBy: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type CommandConflict = Static<typeof CommandConflictSchema>;

// --- recommendation -------------------------------------------------------------------------------

export const CandidateSchema = Type.Object(
  {
    unitId: UnitIdSchema,
    name: Type.String(),
    kind: UnitKindSchema,
    team: Type.Union([Type.Literal('community'), Type.Literal('case'), Type.Literal('patrol'), Type.Null()]),
    status: UnitStatusSchema,
    /** Straight-line distance from the unit's last position. */
    distanceMeters: Type.Number(),
    /** Turnout + along the roads at the kind's speeds (eta.ts), × the kind's calibration from measured arrivals. */
    etaSeconds: Type.Number(),
    positionAgeMs: Type.Number(),
    /** Why it ranks where it does (the dispatch policy, the ETA, the target), best-known first. */
    reasons: Type.Array(CandidateReasonSchema),
  },
  { additionalProperties: false },
);
export type Candidate = Static<typeof CandidateSchema>;

export const RingUnitSchema = Type.Object(
  {
    unitId: UnitIdSchema,
    name: Type.String(),
    members: Type.Integer(),
    placeKind: Type.Optional(PlaceKindSchema),
    distanceMeters: Type.Number(),
    /** Walking time of its members to the scene. */
    etaSeconds: Type.Number(),
    lng: LngSchema,
    lat: LatSchema,
  },
  { additionalProperties: false },
);
export type RingUnit = Static<typeof RingUnitSchema>;

/** The minimum emergency units whose members can walk to the scene within `minutes` (and not within a smaller ring). */
export const ReachRingSchema = Type.Object(
  { minutes: RingMinutesSchema, radiusMeters: Type.Number(), units: Type.Array(RingUnitSchema), people: Type.Integer() },
  { additionalProperties: false },
);
export type ReachRing = Static<typeof ReachRingSchema>;

/** GET /api/incidents/:id/recommendations */
export const RecommendationSchema = Type.Object(
  {
    incidentId: IncidentIdSchema,
    computedAt: Type.Number(),
    /** Available, fresh units the dispatch policy allows for the incident, best first (dispatch-policy.ts). */
    candidates: Type.Array(CandidateSchema),
    rings: Type.Array(ReachRingSchema),
  },
  { additionalProperties: false },
);
export type Recommendation = Static<typeof RecommendationSchema>;

// --- the device-facing channel (Socket.IO namespace /device, handshake auth.token = a device token) ---------

export const DEVICE_NAMESPACE = '/device';
export const ORDER_KINDS = ['dispatch', 'backup', 'reassign', 'cancel', 'alert', 'recall'] as const;
export const OrderKindSchema = Type.Union(ORDER_KINDS.map((k) => Type.Literal(k)));
export type OrderKind = (typeof ORDER_KINDS)[number];

/** An order to one unit. Kept until the device acknowledges it, so an order to a unit that is offline is
 *  delivered when it connects. */
export const DeviceOrderSchema = Type.Object(
  {
    orderId: Type.String(),
    unitId: UnitIdSchema,
    kind: OrderKindSchema,
    issuedAt: Type.Number(),
    issuedBy: Type.String(),
    incident: Type.Object({
      id: IncidentIdSchema, type: IncidentTypeSchema, priority: PrioritySchema, lng: LngSchema, lat: LatSchema,
      address: Type.String(), summary: Type.String(),
    }, { additionalProperties: false }),
    note: Type.Optional(NoteSchema),
  },
  { additionalProperties: false },
);
export type DeviceOrder = Static<typeof DeviceOrderSchema>;

/** Order ids are the server's own (`o-<uuid>`, `standing-<incident>-<ms>`): nothing else is worth a Redis lookup. */
export const OrderIdSchema = Type.String({ minLength: 1, maxLength: 96, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*$' });
export const OrderAcknowledgeSchema = Type.Object({ orderId: OrderIdSchema }, { additionalProperties: false });
export type OrderAcknowledge = Static<typeof OrderAcknowledgeSchema>;

/** A unit reports its own progress: on the way, on scene (also detected by geofence), done. */
export const UnitReportSchema = Type.Object(
  {
    status: Type.Union([Type.Literal('en_route'), Type.Literal('on_scene'), Type.Literal('resolved'), Type.Literal('available'), Type.Literal('busy'), Type.Literal('off_duty')]),
    incidentId: Type.Optional(IncidentIdSchema),
    note: Type.Optional(NoteSchema),
    /** The terminal's own id for this report (kept in its offline queue): a report sent again with the same id is
     *  applied once and answers what it answered the first time (the terminal app replays its queue on reconnect). */
    reportId: Type.Optional(CommandIdSchema),
  },
  { additionalProperties: false },
);
export type UnitReport = Static<typeof UnitReportSchema>;
