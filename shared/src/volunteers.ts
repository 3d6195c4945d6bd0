// 群防群治: individual volunteers of the roster's volunteer teams, their clues (线索), broadcast searches (协查)
// and the school-gate posts (护学岗). Contracts (TypeBox, reused by HTTP and sockets) and pure rules; the server's
// volunteers module does the I/O.
import { Type, type Static } from '@sinclair/typebox';
import { CommandIdSchema, GridIdSchema, IncidentIdSchema, IncidentTypeSchema, LatSchema, LngLatSchema, LngSchema, PrioritySchema, UnitIdSchema, type LngLat, type Unit } from './domain.js';
import { haversineMeters } from './geo.js';
import type { AckError } from './errors.js';

// ── accounts ─────────────────────────────────────────────────────────────────────────────────────────────────

export const VolunteerIdSchema = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' });

/** One volunteer as the jurisdiction's volunteers.json lists them: a member of one roster volunteer team. */
export const VolunteerSchema = Type.Object(
  {
    id: VolunteerIdSchema,
    name: Type.String({ minLength: 1, maxLength: 64 }),
    /** A roster unit of kind volunteer_team. */
    teamId: UnitIdSchema,
    /** The police grid the volunteer usually works in (their area); defaults to the team's. */
    gridId: Type.Optional(GridIdSchema),
    /** Where the volunteer usually is (their area's centre): a broadcast's radius is measured from here until
     *  their terminal reports a position. Defaults to the team's home. */
    home: Type.Optional(LngLatSchema),
  },
  { additionalProperties: false },
);
export type Volunteer = Static<typeof VolunteerSchema>;
export const VolunteerRosterSchema = Type.Object({ volunteers: Type.Array(VolunteerSchema, { maxItems: 200_000 }) }, { additionalProperties: false });
export type VolunteerRoster = Static<typeof VolunteerRosterSchema>;

/** A volunteer's terminal logs in with their provisioning key: HMAC-SHA256 of 'volunteer:<id>' with DEVICE_SECRET. */
export const VolunteerLoginRequestSchema = Type.Object(
  { volunteerId: VolunteerIdSchema, key: Type.String({ minLength: 16, maxLength: 128 }) },
  { additionalProperties: false },
);
export type VolunteerLoginRequest = Static<typeof VolunteerLoginRequestSchema>;

/** The session username of a volunteer: their own id, never an account's. */
export const volunteerUsername = (id: string): string => `volunteer:${id}`;

/** Cross-file rules: each volunteer's team exists and is a volunteer team; ids are unique. */
export function checkVolunteers(volunteers: readonly Volunteer[], units: readonly Unit[], gridIds: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const byId = new Map(units.map((u) => [u.id, u]));
  const seen = new Set<string>();
  for (const v of volunteers) {
    if (seen.has(v.id)) problems.push(`volunteers.json: duplicate volunteer id "${v.id}"`);
    seen.add(v.id);
    const team = byId.get(v.teamId);
    if (!team) problems.push(`volunteers.json: volunteer "${v.id}" names unknown team "${v.teamId}"`);
    else if (team.kind !== 'volunteer_team') problems.push(`volunteers.json: volunteer "${v.id}" team "${v.teamId}" is a ${team.kind}, not a volunteer_team`);
    if (v.gridId !== undefined && !gridIds.has(v.gridId)) problems.push(`volunteers.json: volunteer "${v.id}" names unknown grid "${v.gridId}"`);
  }
  return problems;
}

// ── clues (线索) ─────────────────────────────────────────────────────────────────────────────────────────────

export const CLUE_SOURCES = ['volunteer', 'public'] as const;
export type ClueSource = (typeof CLUE_SOURCES)[number];
export const CLUE_STATUSES = ['open', 'incident', 'task', 'dismissed'] as const;
export type ClueStatus = (typeof CLUE_STATUSES)[number];
/** Why a dispatcher set a clue aside. */
export const CLUE_DISMISS_REASONS = ['duplicate', 'no_substance', 'not_police', 'abuse', 'other'] as const;
export type ClueDismissReason = (typeof CLUE_DISMISS_REASONS)[number];

export const CLUE_TEXT_MAX = 500;
export const ClueIdSchema = Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' });
const ClueTextSchema = Type.String({ minLength: 2, maxLength: CLUE_TEXT_MAX });
/** Mainland mobile numbers (11 digits starting 1), optionally +86. */
export const PhoneSchema = Type.String({ minLength: 11, maxLength: 14, pattern: '^(\\+?86)?1[3-9]\\d{9}$' });

export const ClueSchema = Type.Object(
  {
    id: ClueIdSchema,
    source: Type.Union(CLUE_SOURCES.map((s) => Type.Literal(s))),
    text: Type.String({ maxLength: CLUE_TEXT_MAX }),
    lng: Type.Optional(LngSchema),
    lat: Type.Optional(LatSchema),
    address: Type.Optional(Type.String({ maxLength: 200 })),
    /** Who sent it: a volunteer (id, name, team) or a member of the public (a masked phone number, if given). */
    reporter: Type.Object(
      {
        volunteerId: Type.Optional(VolunteerIdSchema),
        name: Type.Optional(Type.String({ maxLength: 64 })),
        teamId: Type.Optional(UnitIdSchema),
        phone: Type.Optional(Type.String({ maxLength: 20 })),
      },
      { additionalProperties: false },
    ),
    receivedAt: Type.Number(),
    status: Type.Union(CLUE_STATUSES.map((s) => Type.Literal(s))),
    incidentId: Type.Optional(IncidentIdSchema),
    taskId: Type.Optional(Type.String({ maxLength: 40 })),
    dismissReason: Type.Optional(Type.Union(CLUE_DISMISS_REASONS.map((s) => Type.Literal(s)))),
    decidedBy: Type.Optional(Type.String({ maxLength: 64 })),
    decidedAt: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);
export type Clue = Static<typeof ClueSchema>;

/** POST /api/public/clues: no account. `website` is a honeypot a person never sees or fills. */
export const PublicClueRequestSchema = Type.Object(
  {
    text: ClueTextSchema,
    phone: Type.Optional(PhoneSchema),
    lng: Type.Optional(LngSchema),
    lat: Type.Optional(LatSchema),
    address: Type.Optional(Type.String({ maxLength: 200 })),
    website: Type.Optional(Type.String({ maxLength: 200 })),
    /** Chosen by the sending page or system: the same clue sent again (its reply lost) answers the same id, stored once. */
    commandId: Type.Optional(CommandIdSchema),
  },
  { additionalProperties: false },
);
export type PublicClueRequest = Static<typeof PublicClueRequestSchema>;
export const PUBLIC_CLUE_BODY_LIMIT = 4_096;

/** A volunteer's clue from their terminal (socket `clue:report`): where they are and what they saw. */
export const VolunteerClueSchema = Type.Object(
  { commandId: CommandIdSchema, text: ClueTextSchema, lng: LngSchema, lat: LatSchema },
  { additionalProperties: false },
);
export type VolunteerClue = Static<typeof VolunteerClueSchema>;

export const ClueToIncidentSchema = Type.Object(
  { commandId: CommandIdSchema, type: IncidentTypeSchema, priority: PrioritySchema, lng: Type.Optional(LngSchema), lat: Type.Optional(LatSchema) },
  { additionalProperties: false },
);
export const ClueToTaskSchema = Type.Object({ commandId: CommandIdSchema, taskId: Type.String({ minLength: 1, maxLength: 40 }) }, { additionalProperties: false });
export const ClueDismissSchema = Type.Object(
  { commandId: CommandIdSchema, reason: Type.Union(CLUE_DISMISS_REASONS.map((s) => Type.Literal(s))) },
  { additionalProperties: false },
);
export const ClueIdParamsSchema = Type.Object({ id: ClueIdSchema });

/** Clue counts: by `<team or 'public'>|<status>`; 'open' counts those not decided yet. */
export type ClueCounts = Record<string, number>;
export const clueCountField = (c: Pick<Clue, 'source' | 'reporter' | 'status'>): string =>
  `${c.source === 'public' ? 'public' : (c.reporter.teamId ?? 'volunteer')}|${c.status}`;

/** Text compared for duplicate suppression: whitespace and punctuation removed, lower case. */
export const normaliseClueText = (text: string): string => text.toLowerCase().replace(/[\s\p{P}\p{S}]+/gu, '');

// ── broadcast search (协查) ───────────────────────────────────────────────────────────────────────────────────

export const SEARCH_KINDS = ['missing_person', 'lost_child', 'suspect_vehicle', 'suspect_person'] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];
export const SEARCH_STATUSES = ['active', 'found', 'cancelled'] as const;
export type SearchStatus = (typeof SEARCH_STATUSES)[number];
export const SEARCH_RADIUS_MAX_M = 20_000;
/** A sighting further than this from the search centre is refused as implausible (a wrong fix, a forged one). */
export const SIGHTING_MAX_FROM_CENTRE_M = 30_000;

/** Who a broadcast reaches: `v:<volunteerId>` (a volunteer's terminal) or `u:<unitId>` (a unit terminal). */
export const RecipientSchema = Type.String({ minLength: 3, maxLength: 70, pattern: '^[vu]:[A-Za-z0-9][A-Za-z0-9_.:-]*$' });
export const volunteerRecipient = (id: string): string => `v:${id}`;
export const unitRecipient = (id: string): string => `u:${id}`;

export const SightingSchema = Type.Object(
  {
    id: Type.String({ maxLength: 80 }),
    recipient: RecipientSchema,
    name: Type.String({ maxLength: 64 }),
    at: Type.Number(),
    lng: LngSchema,
    lat: LatSchema,
    text: Type.String({ maxLength: CLUE_TEXT_MAX }),
  },
  { additionalProperties: false },
);
export type Sighting = Static<typeof SightingSchema>;

export const SearchSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 40 }),
    incidentId: IncidentIdSchema,
    kind: Type.Union(SEARCH_KINDS.map((k) => Type.Literal(k))),
    description: Type.String({ maxLength: CLUE_TEXT_MAX }),
    lng: LngSchema,
    lat: LatSchema,
    radiusM: Type.Integer({ minimum: 100, maximum: SEARCH_RADIUS_MAX_M }),
    teams: Type.Array(UnitIdSchema, { maxItems: 50 }),
    gridOfficers: Type.Boolean(),
    emergencyUnits: Type.Boolean(),
    /** Exactly who it was sent to, decided once when it started. */
    recipients: Type.Array(RecipientSchema),
    /** Recipient → when they acknowledged. */
    acks: Type.Record(Type.String(), Type.Number()),
    sightings: Type.Array(SightingSchema),
    status: Type.Union(SEARCH_STATUSES.map((s) => Type.Literal(s))),
    startedAt: Type.Number(),
    startedBy: Type.String({ maxLength: 64 }),
    endedAt: Type.Optional(Type.Number()),
    endedBy: Type.Optional(Type.String({ maxLength: 64 })),
    /** found: endedAt − startedAt. */
    timeToFoundMs: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);
export type Search = Static<typeof SearchSchema>;

export const StartSearchSchema = Type.Object(
  {
    commandId: CommandIdSchema,
    incidentId: IncidentIdSchema,
    kind: Type.Union(SEARCH_KINDS.map((k) => Type.Literal(k))),
    description: Type.String({ minLength: 2, maxLength: CLUE_TEXT_MAX }),
    radiusM: Type.Integer({ minimum: 100, maximum: SEARCH_RADIUS_MAX_M }),
    teams: Type.Array(UnitIdSchema, { maxItems: 50, uniqueItems: true }),
    gridOfficers: Type.Boolean(),
    emergencyUnits: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type StartSearch = Static<typeof StartSearchSchema>;
export const EndSearchSchema = Type.Object({ commandId: CommandIdSchema }, { additionalProperties: false });
export const SearchIdParamsSchema = Type.Object({ id: Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' }) });

/** What a terminal is sent: the search without the others' acknowledgements and sightings. */
export const SearchNoticeSchema = Type.Object(
  {
    noticeId: Type.String({ maxLength: 80 }),
    recipient: RecipientSchema,
    searchId: Type.String({ maxLength: 40 }),
    kind: Type.Union(SEARCH_KINDS.map((k) => Type.Literal(k))),
    description: Type.String({ maxLength: CLUE_TEXT_MAX }),
    lng: LngSchema,
    lat: LatSchema,
    radiusM: Type.Number(),
    status: Type.Union(SEARCH_STATUSES.map((s) => Type.Literal(s))),
    issuedAt: Type.Number(),
  },
  { additionalProperties: false },
);
export type SearchNotice = Static<typeof SearchNoticeSchema>;

/** search:acknowledge — `status`: the status of the notice acknowledged. Acknowledging the active notice leaves a
 *  later 'found'/'cancelled' one pending (an acknowledgement sent again after the search ended must not swallow the
 *  news that it ended); without it, every notice of the search is acknowledged (terminals before the field). */
export const SearchAckSchema = Type.Object(
  { searchId: Type.String({ minLength: 1, maxLength: 40 }), status: Type.Optional(Type.Union(SEARCH_STATUSES.map((s) => Type.Literal(s)))) },
  { additionalProperties: false },
);
export const SightingReportSchema = Type.Object(
  { commandId: CommandIdSchema, searchId: Type.String({ minLength: 1, maxLength: 40 }), lng: LngSchema, lat: LatSchema, text: ClueTextSchema },
  { additionalProperties: false },
);
export type SightingReport = Static<typeof SightingReportSchema>;
/** A volunteer's terminal says where it is (for a broadcast's radius); kept a while, not a track. */
export const VolunteerHereSchema = Type.Object({ lng: LngSchema, lat: LatSchema }, { additionalProperties: false });

export interface ReachCandidate {
  recipient: string;
  /** The team a volunteer belongs to; units have none. */
  teamId?: string;
  /** Unit kind, for units. */
  kind?: Unit['kind'];
  position: LngLat | null;
}

/**
 * Exactly who a broadcast reaches: volunteers of the chosen teams, community (grid) officers when chosen, emergency
 * units when chosen — each only when their known position lies within the radius of the centre. A candidate
 * without a known position is not reached (nobody is sent a search for an area they are not in).
 */
export function searchReach(
  centre: LngLat, radiusM: number, choice: { teams: readonly string[]; gridOfficers: boolean; emergencyUnits: boolean },
  candidates: readonly ReachCandidate[],
): string[] {
  const teams = new Set(choice.teams);
  const out: string[] = [];
  for (const c of candidates) {
    const chosen = c.teamId !== undefined ? teams.has(c.teamId)
      : c.kind === 'community_officer' ? choice.gridOfficers
        : c.kind === 'emergency_unit' ? choice.emergencyUnits : false;
    if (!chosen || !c.position) continue;
    if (haversineMeters(centre, c.position) <= radiusM) out.push(c.recipient);
  }
  return out.sort();
}

// ── 护学岗 (school-gate posts) ────────────────────────────────────────────────────────────────────────────────

/** A peak window in local time, "HH:MM-HH:MM". */
export const GuardWindowSchema = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d-([01]\\d|2[0-3]):[0-5]\\d$' });
export const GUARD_WINDOWS = ['morning', 'afternoon'] as const;
export type GuardWindowName = (typeof GUARD_WINDOWS)[number];
export const GUARD_POST_STATES = ['upcoming', 'waiting', 'checked_in', 'missed'] as const;
export type GuardPostState = (typeof GUARD_POST_STATES)[number];

/** Minutes after local midnight of "HH:MM-HH:MM"'s two ends. */
export function parseWindow(w: string): [number, number] {
  const m = /^(\d\d):(\d\d)-(\d\d):(\d\d)$/.exec(w);
  if (!m) throw new Error(`not a window: ${w}`);
  return [Number(m[1]) * 60 + Number(m[2]), Number(m[3]) * 60 + Number(m[4])];
}

/**
 * A post's state in one window: checked in (any check-in inside the window), missed (the window ended without one),
 * waiting (the window is open, no check-in yet), upcoming (before it). `minuteOfDay` is the local time now.
 */
export function guardPostState(window: string, minuteOfDay: number, checkedInAtMinute: number | null): GuardPostState {
  const [from, to] = parseWindow(window);
  if (checkedInAtMinute !== null && checkedInAtMinute >= from && checkedInAtMinute <= to) return 'checked_in';
  if (minuteOfDay < from) return 'upcoming';
  if (minuteOfDay <= to) return 'waiting';
  return 'missed';
}

/** The window a check-in at this local minute belongs to, or null outside both. */
export function guardWindowAt(windows: Record<GuardWindowName, string>, minuteOfDay: number): GuardWindowName | null {
  for (const name of GUARD_WINDOWS) {
    const [from, to] = parseWindow(windows[name]);
    if (minuteOfDay >= from && minuteOfDay <= to) return name;
  }
  return null;
}

export const GuardCheckInSchema = Type.Object({ commandId: CommandIdSchema, lng: LngSchema, lat: LatSchema }, { additionalProperties: false });

export const GuardPostSchema = Type.Object(
  {
    /** The school-guard team (a roster volunteer_team unit of volunteerKind school_guard). */
    teamId: UnitIdSchema,
    name: Type.String(),
    lng: LngSchema,
    lat: LatSchema,
    gridId: Type.Optional(GridIdSchema),
    /** Per window: the check-in's time (epoch ms) and who, when checked in today. */
    checkIns: Type.Record(Type.String(), Type.Object({ at: Type.Number(), by: Type.String() }, { additionalProperties: false })),
    states: Type.Record(Type.String(), Type.Union(GUARD_POST_STATES.map((s) => Type.Literal(s)))),
  },
  { additionalProperties: false },
);
export type GuardPost = Static<typeof GuardPostSchema>;
export const GuardBoardSchema = Type.Object(
  {
    day: Type.String(),
    windows: Type.Object({ morning: GuardWindowSchema, afternoon: GuardWindowSchema }),
    posts: Type.Array(GuardPostSchema),
  },
  { additionalProperties: false },
);
export type GuardBoard = Static<typeof GuardBoardSchema>;

// ── sockets ──────────────────────────────────────────────────────────────────────────────────────────────────

export const VOLUNTEER_NAMESPACE = '/volunteer';
type Reply<T> = (res: { ok: true; data: T } | { ok: false; error: AckError }) => void;

/** What the volunteer's terminal is told on connect and kept current with. */
export interface VolunteerProfile {
  id: string;
  name: string;
  teamId: string;
  teamName: string;
  volunteerKind: string | null;
  gridId: string | null;
}

export interface VolunteerServerToClientEvents {
  'volunteer:profile': (p: VolunteerProfile) => void;
  'search:issued': (n: SearchNotice) => void;
}
export interface VolunteerClientToServerEvents {
  'volunteer:here': (req: Static<typeof VolunteerHereSchema>, ack: Reply<{ at: number }>) => void;
  'clue:report': (req: VolunteerClue, ack: Reply<{ clue: Clue }>) => void;
  'search:acknowledge': (req: Static<typeof SearchAckSchema>, ack: Reply<{ searchId: string }>) => void;
  'search:sighting': (req: SightingReport, ack: Reply<{ sighting: Sighting }>) => void;
  'guard:check-in': (req: Static<typeof GuardCheckInSchema>, ack: Reply<{ window: GuardWindowName }>) => void;
}
/** A unit terminal (an officer, an emergency unit's leader) on the device namespace is told the same searches and
 *  answers them with the same events (server: volunteers/volunteers-socket.ts). */
export type SearchDeviceServerToClientEvents = Pick<VolunteerServerToClientEvents, 'search:issued'>;
export type SearchDeviceClientToServerEvents = Pick<VolunteerClientToServerEvents, 'search:acknowledge' | 'search:sighting'>;
