// The domain vocabulary (see shared/DOMAIN.md). Identifiers are English; Chinese labels live in i18n.ts.
import { Type, type Static } from '@sinclair/typebox';
import { EpochMsSchema } from './time.js';

export const INCIDENT_TYPES = [
  'theft', 'fraud', 'fight', 'public_order', 'dispute', 'missing_person', 'traffic', 'hazard', 'help', 'other',
] as const;
export const IncidentTypeSchema = Type.Union(INCIDENT_TYPES.map((t) => Type.Literal(t)));
export type IncidentType = (typeof INCIDENT_TYPES)[number];

export const INCIDENT_SOURCES = ['110', 'video_ai', 'patrol', 'online', 'volunteer', 'walk_in'] as const;
export const IncidentSourceSchema = Type.Union(INCIDENT_SOURCES.map((s) => Type.Literal(s)));
export type IncidentSource = (typeof INCIDENT_SOURCES)[number];

export const PRIORITIES = [1, 2, 3] as const;
export const PrioritySchema = Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3)]);
export type Priority = Static<typeof PrioritySchema>;

/** 接警 → 派警 → 在途 → 到场 → 处置 → 办结, plus cancelled and merged. Dispatch (issue 3) drives the transitions. */
export const INCIDENT_STATUSES = [
  'received', 'dispatched', 'en_route', 'on_scene', 'resolved', 'closed', 'cancelled', 'merged',
] as const;
export const IncidentStatusSchema = Type.Union(INCIDENT_STATUSES.map((s) => Type.Literal(s)));
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
/** Statuses that keep an incident on the board and in the open index. */
export const OPEN_INCIDENT_STATUSES: readonly IncidentStatus[] = ['received', 'dispatched', 'en_route', 'on_scene', 'resolved'];
export const isOpenStatus = (s: IncidentStatus): boolean => OPEN_INCIDENT_STATUSES.includes(s);

export const UNIT_KINDS = [
  'patrol_car', 'foot_patrol', 'community_officer', 'case_officer', 'combat_unit', 'emergency_unit', 'volunteer_team',
] as const;
export const UnitKindSchema = Type.Union(UNIT_KINDS.map((k) => Type.Literal(k)));
export type UnitKind = (typeof UNIT_KINDS)[number];

/** The three teams of 一室三队; non-police forces (emergency units, volunteers) belong to none. */
export const TEAMS = ['community', 'case', 'patrol'] as const;
export type Team = (typeof TEAMS)[number];
export const TEAM_OF_KIND: Record<UnitKind, Team | null> = {
  patrol_car: 'patrol',
  foot_patrol: 'patrol',
  community_officer: 'community',
  case_officer: 'case',
  combat_unit: 'community',
  emergency_unit: null,
  volunteer_team: null,
};
/** Kinds whose position comes from GPS and therefore goes stale when silent. Fixed places never go stale. */
export const TRACKED_KINDS: readonly UnitKind[] = ['patrol_car', 'foot_patrol', 'community_officer', 'case_officer', 'combat_unit', 'volunteer_team'];

export const UNIT_STATUSES = ['available', 'dispatched', 'en_route', 'on_scene', 'busy', 'off_duty'] as const;
export const UnitStatusSchema = Type.Union(UNIT_STATUSES.map((s) => Type.Literal(s)));
export type UnitStatus = (typeof UNIT_STATUSES)[number];

export const PLACE_KINDS = ['shop', 'school', 'firm', 'village', 'hospital', 'market', 'residential'] as const;
export const PlaceKindSchema = Type.Union(PLACE_KINDS.map((k) => Type.Literal(k)));
export type PlaceKind = (typeof PLACE_KINDS)[number];

export const VOLUNTEER_KINDS = ['courier', 'sanitation', 'taxi', 'merchant', 'school_guard', 'ski_resort', 'other'] as const;
export const VolunteerKindSchema = Type.Union(VOLUNTEER_KINDS.map((k) => Type.Literal(k)));
export type VolunteerKind = (typeof VOLUNTEER_KINDS)[number];

export const UnitIdSchema = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*$' });
export const IncidentIdSchema = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*$' });
export const GridIdSchema = Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*$' });
export const LngSchema = Type.Number({ minimum: -180, maximum: 180 });
export const LatSchema = Type.Number({ minimum: -90, maximum: 90 });
export const LngLatSchema = Type.Tuple([LngSchema, LatSchema]);
export type LngLat = [lng: number, lat: number];

/** A unit as the roster file describes it: who it is, not where it is. */
export const UnitSchema = Type.Object(
  {
    id: UnitIdSchema,
    kind: UnitKindSchema,
    name: Type.String({ minLength: 1, maxLength: 64 }),
    /** Community officer's grid, combat unit's grid, emergency unit's grid. */
    gridId: Type.Optional(GridIdSchema),
    /** People in a combat unit, emergency unit or volunteer team (1 for a single officer). */
    members: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
    placeKind: Type.Optional(PlaceKindSchema),
    volunteerKind: Type.Optional(VolunteerKindSchema),
    /** Fixed position of a place (emergency unit) or the starting point of a mobile unit. */
    home: Type.Optional(LngLatSchema),
    equipment: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 32 })),
    callSign: Type.Optional(Type.String({ maxLength: 32 })),
  },
  { additionalProperties: false },
);
export type Unit = Static<typeof UnitSchema>;

export const UnitPositionSchema = Type.Object(
  {
    lng: LngSchema,
    lat: LatSchema,
    ts: Type.Number(),
    speed: Type.Optional(Type.Number()),
    heading: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);
export type UnitPosition = Static<typeof UnitPositionSchema>;

/** A unit as the live picture knows it now. */
export const LiveUnitSchema = Type.Composite([
  UnitSchema,
  Type.Object({
    team: Type.Union([Type.Literal('community'), Type.Literal('case'), Type.Literal('patrol'), Type.Null()]),
    status: UnitStatusSchema,
    statusSince: Type.Number(),
    /** Derived from silence: a tracked unit that has not reported for staleAfterMs. */
    stale: Type.Boolean(),
    position: Type.Union([UnitPositionSchema, Type.Null()]),
    /** The incident the unit is assigned to while dispatched, en route or on scene (drawn as a dispatch line). */
    incidentId: Type.Optional(IncidentIdSchema),
    /** Set while the unit's fix is frozen: the same coordinates since this time (epoch ms) although it is
     *  dispatched or en route — its position on the map is not where it is (shared/src/position-plausibility.ts). */
    frozenSince: Type.Optional(Type.Number()),
  }),
], { additionalProperties: false });
export type LiveUnit = Static<typeof LiveUnitSchema>;

/** How a closed incident ended (反馈/办结). Mediation outcomes feed the dispute-mediation rate. */
export const OUTCOMES = ['handled_on_scene', 'mediated', 'mediation_failed', 'case_filed', 'transferred', 'false_alarm', 'no_action'] as const;
export const OutcomeSchema = Type.Union(OUTCOMES.map((o) => Type.Literal(o)));
export type Outcome = (typeof OUTCOMES)[number];

/** What the system itself says on a timeline entry: a code and its values, said in the reader's language by the
 *  client (`timeline.<code>` in its catalogues). A person's own words stay in `note`. */
export const TimelineRemarkSchema = Type.Union([
  /** The geofence saw the unit this close to the scene. */
  Type.Object({ code: Type.Literal('arrived_geofence'), params: Type.Object({ unitId: Type.String({ maxLength: 64 }), meters: Type.Number() }, { additionalProperties: false }) }, { additionalProperties: false }),
  /** Units (and the stage) came over from an incident merged into this one. */
  Type.Object({ code: Type.Literal('merged_from'), params: Type.Object({ incidentId: Type.String({ maxLength: 64 }) }, { additionalProperties: false }) }, { additionalProperties: false }),
]);
export type TimelineRemark = Static<typeof TimelineRemarkSchema>;

export const TimelineEntrySchema = Type.Object(
  {
    status: IncidentStatusSchema,
    at: Type.Number(),
    by: Type.Optional(Type.String({ maxLength: 64 })),
    note: Type.Optional(Type.String({ maxLength: 500 })),
    remark: Type.Optional(TimelineRemarkSchema),
  },
  { additionalProperties: false },
);
export type TimelineEntry = Static<typeof TimelineEntrySchema>;

/** Where the last applied producer report of an incident stands in its order: its version and revision time
 *  when the producer sent them, and its ingest stream entry id (absent for incidents written by other paths). */
export const ReportOrderSchema = Type.Object(
  {
    version: Type.Optional(Type.Integer({ minimum: 0 })),
    revisedAt: Type.Optional(Type.Number()),
    entryId: Type.Optional(Type.String({ maxLength: 41, pattern: '^\\d{1,20}-\\d{1,20}$' })),
  },
  { additionalProperties: false },
);
export type ReportOrder = Static<typeof ReportOrderSchema>;

// Duplicate reports (疑似重复): the rules are in duplicates.ts.
/** Set on the later of a matching pair: which incident it seems to repeat, how far and how long apart. */
export const SuspectedDuplicateSchema = Type.Object(
  {
    of: IncidentIdSchema,
    distanceMeters: Type.Integer({ minimum: 0 }),
    /** Between the two reports' reportedAt (this one is the later, or the same instant with the larger id). */
    seconds: Type.Integer({ minimum: 0 }),
    flaggedAt: Type.Number(),
  },
  { additionalProperties: false },
);
export type SuspectedDuplicate = Static<typeof SuspectedDuplicateSchema>;

/** A dispatcher said "不是重复": the incident stands on its own and is never flagged again. */
export const DuplicateDismissalSchema = Type.Object(
  { of: IncidentIdSchema, by: Type.String({ maxLength: 64 }), at: Type.Number() },
  { additionalProperties: false },
);
export type DuplicateDismissal = Static<typeof DuplicateDismissalSchema>;

/** An incident in the live state: the ingest fields plus what the server derives. */
export const IncidentSchema = Type.Object(
  {
    id: IncidentIdSchema,
    type: IncidentTypeSchema,
    priority: PrioritySchema,
    lng: LngSchema,
    lat: LatSchema,
    address: Type.String({ maxLength: 200 }),
    /** Epoch ms (the contract also accepts ISO-8601; the server normalises), 2000 to 2099. */
    reportedAt: EpochMsSchema,
    source: IncidentSourceSchema,
    summary: Type.String({ maxLength: 500 }),
    reporter: Type.String({ maxLength: 100 }),
    status: IncidentStatusSchema,
    /** Police grid containing the point, or null when it lies outside the jurisdiction. */
    gridId: Type.Union([GridIdSchema, Type.Null()]),
    /** When the server first accepted it. */
    receivedAt: Type.Number(),
    updatedAt: Type.Number(),
    /** Distinct versions the producer sent under this id (1 = never corrected; an identical resend does not count). */
    revision: Type.Integer({ minimum: 1 }),
    assignedUnitIds: Type.Array(UnitIdSchema),
    timeline: Type.Array(TimelineEntrySchema),
    /** Set when closed. */
    outcome: Type.Optional(OutcomeSchema),
    /** Set when merged into another incident (status 'merged'). */
    mergedInto: Type.Optional(IncidentIdSchema),
    /** A shift leader acknowledged its alarm (a new P1, a missed target): the walls' banner for it ends and its
     *  tone stops repeating. Set once; an incident's later alarms are acknowledged by the same act. */
    alarmAcknowledged: Type.Optional(Type.Object({ by: Type.String({ maxLength: 64 }), at: Type.Number() }, { additionalProperties: false })),
    /** The dispute case it was turned into (转矛盾纠纷), set once by the community module. */
    disputeCaseId: Type.Optional(Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*$' })),
    /** Order of the last producer report applied (older ones are refused as stale); kept by every other write. */
    reportOrder: Type.Optional(ReportOrderSchema),
    /** 疑似重复: set by the ingest path on the later of two matching reports; cleared by a dismissal. */
    suspectedDuplicate: Type.Optional(SuspectedDuplicateSchema),
    /** Set when a dispatcher said it is not a duplicate: never flagged again. */
    duplicateDismissed: Type.Optional(DuplicateDismissalSchema),
  },
  { additionalProperties: false },
);
export type Incident = Static<typeof IncidentSchema>;

export const TodayStatsSchema = Type.Object(
  {
    /** Local date in the station's time zone, YYYY-MM-DD. */
    date: Type.String(),
    total: Type.Integer(),
    byType: Type.Record(Type.String(), Type.Integer()),
    byPriority: Type.Record(Type.String(), Type.Integer()),
  },
  { additionalProperties: false },
);
export type TodayStats = Static<typeof TodayStatsSchema>;

/** Chosen by the client, one per intended action: a retried command with the same id has one effect. */
export const CommandIdSchema = Type.String({ minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });

/** The 1-3-5 promise's rings: minutes to reach a scene (1-minute self-help, 3-minute mutual aid, 5-minute police). */
export const RING_MINUTES = [1, 3, 5] as const;
export const RingMinutesSchema = Type.Union([Type.Literal(1), Type.Literal(3), Type.Literal(5)]);
export type RingMinutes = Static<typeof RingMinutesSchema>;
