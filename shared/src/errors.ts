// Every refusal and failure a person can see, by code, with the values its sentence names. The server answers
// `{ error: code, params, message }` over HTTP and `{ ok: false, error: { code, params, message } }` in socket acks;
// `message` is English, for API users and logs. The client says it in the user's language from its catalogues
// (client/src/locales/*.ts, `errors.<code>`), whose test checks every code here has a sentence naming only these
// params. One code, one sentence: a refusal that needs other words gets its own code.
import { Type, type Static, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';

/**
 * A param whose value is one of the domain's codes (a status, a subject …): the client says it from its catalogue
 * at `<key>.<value>`, where `{name}` in the key is another param's value, e.g. 'label.unitStatus' or
 * 'label.{subject}Status'. A comma-separated value is a list, each item said so.
 */
const coded = (labelKey: string) => Type.String({ labelKey });
/** Epoch ms a person reads as a clock time (hh:mm:ss) in the time zone another param names. */
const clock = (zoneParam: string) => Type.Number({ clockZone: zoneParam });
const text = Type.String();
const count = Type.Number();
const p = <T extends TProperties>(props: T): TObject<T> => Type.Object(props, { additionalProperties: false });
const none = p({});

/** What a refusal is about: `errorLabel.subject.<subject>` in the client's catalogues. */
export const ERROR_SUBJECTS = ['incident', 'unit', 'account', 'dispute', 'task', 'route', 'clue', 'search'] as const;
export type ErrorSubject = (typeof ERROR_SUBJECTS)[number];
const subject = Type.Unsafe<ErrorSubject>(coded('errorLabel.subject'));
/** The states of a subject that has a life cycle: `label.<subject>Status` in the client's catalogues. */
const status = coded('label.{subject}Status');

export const ERRORS = {
  // ── any request ──────────────────────────────────────────────────────────────────────────────────────────
  /** A schema refused the request (HTTP) or a socket event's payload: `path` names the field (or the event). */
  invalid_request: p({ path: text, reason: text }),
  /** A request the framework could not read (bad JSON, …); `reason` is the parser's (English). */
  bad_request: p({ reason: text }),
  bad_url: none,
  unauthorized: none,
  forbidden: none,
  not_found: p({ subject, id: text }),
  method_not_allowed: none,
  not_acceptable: none,
  length_required: none,
  too_large: none,
  unsupported_media_type: none,
  rate_limited: p({ seconds: count }),
  /** Any other 4xx the framework answers. */
  http_error: p({ status: count }),
  /** Redis (or the session store) cannot be reached now: retry. */
  unavailable: none,
  /** An unexpected failure, logged under the answer's requestId. */
  internal: none,

  // ── accounts and sessions ─────────────────────────────────────────────────────────────────────────────
  account_locked: p({ until: clock('timeZone'), timeZone: text }),
  bad_credentials: none,
  bad_device_key: none,
  device_login_closed: none,
  account_disabled: none,
  account_changed: none,
  static_token: none,
  self_change: none,
  bad_role: none,
  exists: p({ username: text }),

  // ── dispatch ──────────────────────────────────────────────────────────────────────────────────────────
  unit_unavailable: p({ unitId: text, status: coded('label.unitStatus') }),
  unit_held: p({ unitId: text, incidentId: text, by: text }),
  illegal_transition: p({ subject, id: text, from: status, to: status }),
  command_id_reused: p({ commandId: text }),
  not_your_incident: p({ unitId: text, incidentId: text }),
  not_dispatchable: p({ unitId: text }),
  already_dispatched: p({ incidentId: text }),
  backup_needs_dispatch: p({ incidentId: text, status: coded('label.incidentStatus') }),
  reassign_same_unit: p({ unitId: text }),
  unit_not_assigned: p({ unitId: text, incidentId: text }),
  merge_into_self: p({ incidentId: text }),
  merge_target_closed: p({ incidentId: text, status: coded('label.incidentStatus') }),
  alarm_closed: p({ incidentId: text, status: coded('label.incidentStatus') }),
  already_acknowledged: p({ incidentId: text, by: text }),
  not_duplicate: p({ incidentId: text }),
  unit_assigned: p({ unitId: text, incidentId: text }),
  no_incident: p({ unitId: text }),
  report_too_early: p({ unitId: text, incidentId: text, status: coded('label.unitStatus'), report: coded('errorLabel.report') }),
  call_out_closed: p({ incidentId: text, status: coded('label.incidentStatus') }),
  unknown_order: p({ unitId: text, orderId: text }),

  // ── the terminal app: positions from a phone (unit:position) ──────────────────────────────────────────
  /** The unit reports from vehicle GPS or is a fixed place: its phone's fixes are not used. */
  position_not_tracked: p({ unitId: text, kind: coded('label.unitKind') }),
  position_out_of_area: p({ km: count }),
  position_inaccurate: p({ metres: count, max: count }),
  position_implausible: p({ metres: count, seconds: count }),

  // ── the terminal app: a called-out emergency unit answers (callout:report) ─────────────────────────────
  not_called_out: p({ unitId: text, incidentId: text }),
  callout_not_coming: p({ unitId: text, incidentId: text }),
  callout_not_arrived: p({ unitId: text, incidentId: text }),
  callout_already_arrived: p({ unitId: text, incidentId: text }),

  // ── roll-call (点名) of minimum emergency units ────────────────────────────────────────────────────────
  no_emergency_units: p({ gridId: text }),
  roll_call_unknown: p({ rollCallId: text }),
  roll_call_closed: p({ rollCallId: text, dueAt: clock('timeZone'), timeZone: text }),
  not_in_roll_call: p({ unitId: text, rollCallId: text }),

  // ── ingest ────────────────────────────────────────────────────────────────────────────────────────────
  positions_rejected: p({ count }),
  incident_rejected: p({ reason: text }),

  // ── time ranges and figures ───────────────────────────────────────────────────────────────────────────
  /** A bound that is no day, ISO-8601 time or epoch ms. */
  bad_time: p({ name: text, value: text }),
  /** A bound that must be a day (YYYY-MM-DD). */
  bad_day: p({ name: text, value: text }),
  range_reversed: none,
  days_reversed: none,
  range_too_early: p({ earliest: text, months: count }),
  range_too_late: p({ latest: text }),
  date_in_future: p({ today: text }),
  hourly_too_long: p({ days: count }),
  range_too_long: p({ days: count }),
  /** A daily community trend over more days than it draws: week or month instead. */
  daily_too_long: p({ days: count }),
  bad_grouping: p({ metric: text, groupBy: text, allowed: text }),
  /** A list by time range holds every state: it takes no status=open (or unit) filter. */
  range_with_filter: p({ subject }),

  // ── community: disputes and tasks ─────────────────────────────────────────────────────────────────────
  already_linked: p({ incidentId: text, disputeId: text }),
  not_assignee: p({ taskId: text, unitId: text }),
  incident_required: none,
  invalid_location: none,
  location_required: none,
  unknown_grid: p({ gridId: text }),
  outside_grids: none,
  unknown_unit: p({ unitId: text }),
  not_taskable: p({ unitId: text, name: text }),
  no_recipients: none,
  too_many_recipients: p({ max: count }),
  unknown_task_kind: p({ category: text, kind: text }),
  due_in_past: none,
  too_many_entries: p({ subject, id: text }),
  reason_required: p({ subject, id: text }),
  tier_below_case: p({ id: text, tier: count, to: count }),
  no_higher_tier: p({ id: text }),
  future_time: none,
  feedback_incomplete: p({ id: text, missing: coded('errorLabel.feedback') }),

  // ── volunteers: clues, broadcast searches, school-gate posts ─────────────────────────────────────────
  bad_volunteer_key: none,
  /** A public clue refused by the abuse limits (per address, per phone, the same text again). */
  clue_limited: p({ reason: text }),
  clue_decided: p({ id: text, status: text }),
  search_ended: p({ id: text }),
  not_recipient: p({ id: text }),
  sighting_too_far: p({ km: count }),
  no_search_recipients: none,
  not_guard_post: none,
  outside_guard_window: none,
} satisfies Record<string, TObject>;

export type ErrorCode = keyof typeof ERRORS;
export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];
export type ErrorParams<C extends ErrorCode = ErrorCode> = Static<(typeof ERRORS)[C]>;

/** The values of `errorLabel.<set>` the catalogues must say (the sets the codes above name). */
export const ERROR_LABELS = {
  subject: ERROR_SUBJECTS,
  /** What a unit may report (UnitReport.status) besides moving: `report_too_early`. */
  report: ['resolved', 'available', 'busy', 'off_duty'],
  /** What a task's feedback may lack: `feedback_incomplete`. */
  feedback: ['text', 'count', 'location'],
} as const;

export const isErrorCode = (code: unknown): code is ErrorCode => typeof code === 'string' && Object.hasOwn(ERRORS, code);

/** Where the client finds a param's label (`labelKey`) or reads it as a clock time (`clockZone`); see coded(). */
export function paramAnnotations(code: ErrorCode): Record<string, { labelKey?: string; clockZone?: string }> {
  const props = (ERRORS[code] as TObject).properties as Record<string, TSchema & { labelKey?: string; clockZone?: string }>;
  return Object.fromEntries(Object.entries(props).map(([name, s]) => [name, {
    ...(s.labelKey ? { labelKey: s.labelKey } : {}), ...(s.clockZone ? { clockZone: s.clockZone } : {}),
  }]));
}

/** A refusal as the server builds it: the code, its params, and the English message. */
export interface Refusal<C extends ErrorCode = ErrorCode> { error: C; params: ErrorParams<C>; message: string }

export function refusal<C extends ErrorCode>(error: C, params: ErrorParams<C>, message: string): Refusal<C> {
  return { error, params, message };
}

/** The params of any code as they travel: names to strings or numbers. */
export const ErrorParamsSchema = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]));

/** The body of every HTTP refusal and failure. Routes that answer more (who holds a unit, …) extend it. */
export const ApiErrorSchema = Type.Object({
  error: Type.String(),
  message: Type.String(),
  params: Type.Optional(ErrorParamsSchema),
  /** The refused field when a schema refused the request, e.g. /querystring/limit. */
  path: Type.Optional(Type.String()),
  /** Names the server's log entry of an unexpected failure (500, 503). */
  requestId: Type.Optional(Type.String()),
});
export type ApiErrorBody = Static<typeof ApiErrorSchema>;

/** A socket ack's refusal: the same code and params as over HTTP. */
export const AckErrorSchema = Type.Object({ code: Type.String(), message: Type.String(), params: Type.Optional(ErrorParamsSchema) });
export type AckError = Static<typeof AckErrorSchema>;

export function ackError<C extends ErrorCode>(code: C, params: ErrorParams<C>, message: string): AckError {
  return { code, params: params as Record<string, string | number>, message };
}

// ── refusals several routes give ──────────────────────────────────────────────────────────────────────────

/** A range bound parseRangeBound could not read. */
export const badTime = (name: string, value: string): Refusal<'bad_time'> => refusal('bad_time', { name, value: value.slice(0, 100) },
  `cannot read ${name}=${JSON.stringify(value.slice(0, 100))}: expected an existing day YYYY-MM-DD (local day), ISO-8601 with an offset, or epoch ms, from 2000 to 2099`);

export const RANGE_REVERSED: Refusal<'range_reversed'> = refusal('range_reversed', {}, 'from must be before to (the range is [from, to))');

export const commandIdReused = (commandId: string): Refusal<'command_id_reused'> =>
  refusal('command_id_reused', { commandId }, `command id ${commandId} was already used for a different command`);

/** A bound that must be an existing local day. */
export const badDay = (name: string, value: string): Refusal<'bad_day'> => refusal('bad_day', { name, value: value.slice(0, 100) },
  `cannot read ${name}=${JSON.stringify(value.slice(0, 100))}: expected an existing day YYYY-MM-DD in 2000–2099`);

/** A socket event's payload its schema refused: the event in `path`, the schema's first reasons. */
export function invalidEvent(event: string, errors: readonly string[]): AckError {
  const reason = errors.slice(0, 3).join('; ').slice(0, 300);
  return ackError('invalid_request', { path: event, reason }, `${event} invalid: ${reason}`);
}
