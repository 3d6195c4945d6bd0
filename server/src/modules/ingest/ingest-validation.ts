// Turns raw ingest input into normalised positions and incident reports, or into named reasons.
// Pure: the caller passes the clock. Size is checked before parsing so a huge message costs only its length.
import {
  EARLIEST_INSTANT_MS, INGEST_LIMITS, IncidentReportSchema, IsoWithOffsetPattern, LATEST_INSTANT_MS, PositionReportSchema,
  clampFixTime, compileChecker, parseIsoInstant, toEpochMs, type IncidentReport, type RejectReason,
} from '@ccr/shared';
import type { NormalisedPosition } from '../live/live-repository.js';

export interface Rejection { reason: RejectReason; detail: string; count: number }

const positionChecker = compileChecker(PositionReportSchema);
const incidentChecker = compileChecker(IncidentReportSchema);
const isoWithOffset = new RegExp(IsoWithOffsetPattern);

/** Why a value is not a contract timestamp (TimestampSchema), in words; the schema's own union error says less. */
function timeProblem(v: unknown): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return 'not a finite number';
    if (v < EARLIEST_INSTANT_MS) return `${v} is before 2000 (0, negative, seconds instead of ms, or a clock reset)`;
    if (v >= LATEST_INSTANT_MS) return `${v} is after 2099`;
    return `${v} is not epoch ms`;
  }
  if (typeof v !== 'string') return `expected epoch ms or ISO-8601 with an offset, got ${Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v}`;
  const shown = JSON.stringify(v.slice(0, 48));
  if (!isoWithOffset.test(v)) return `${shown} is not ISO-8601 with an offset (Z or ±hh:mm)`;
  const ms = parseIsoInstant(v);
  if (Number.isNaN(ms)) return `${shown} names a day or time the calendar does not have`;
  return `${shown} is before 2000 or after 2099`;
}

/**
 * Schema errors for one report, as a reason: a refusal of one time field alone is `bad_time` (a producer's clock or
 * format), anything else `schema`.
 */
function schemaRefusal(errors: string[], value: unknown, timeFields: readonly string[], at = ''): { reason: RejectReason; detail: string } {
  const record = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  const fieldOf = (e: string) => timeFields.find((f) => e.startsWith(`/${f}:`) || e.startsWith(`/${f}/`));
  const fields = errors.map(fieldOf);
  const field = fields[0];
  if (record && field && Object.hasOwn(record, field) && fields.every((f) => f === field)) {
    return { reason: 'bad_time', detail: `${at}/${field}: ${timeProblem(record[field])}` };
  }
  return { reason: 'schema', detail: `${at}${errors.slice(0, 3).join('; ')}` };
}

function byteLength(raw: string | Buffer): number {
  return typeof raw === 'string' ? Buffer.byteLength(raw) : raw.byteLength;
}

function parseJson(raw: string | Buffer): { ok: true; value: unknown } | { ok: false; detail: string } {
  try {
    return { ok: true, value: JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8')) };
  } catch (err) {
    return { ok: false, detail: (err as Error).message.slice(0, 200) };
  }
}

/** A clock ahead by this much is believed (POSITION_CLOCK_SKEW_MS's default). */
export const DEFAULT_CLOCK_SKEW_MS = 5_000;

/**
 * One message from the positions channel (raw) or an HTTP body (already parsed: pass `parsed`). A position stamped
 * more than `clockSkewMs` ahead of `now` (and at most INGEST_LIMITS.futureSkewMs) is kept at `now` and counted in
 * `clamped`: stored with its own time it would make every later true fix of the unit look older (latest wins),
 * and the unit would freeze until it went 失联.
 */
export function validatePositionMessage(
  input: { raw: string | Buffer } | { parsed: unknown },
  now: number,
  clockSkewMs = DEFAULT_CLOCK_SKEW_MS,
): { positions: NormalisedPosition[]; rejections: Rejection[]; clamped: number } {
  let value: unknown;
  if ('raw' in input) {
    const size = byteLength(input.raw);
    if (size > INGEST_LIMITS.positionMessageBytes) {
      return { positions: [], rejections: [{ reason: 'too_large', detail: `${size} bytes > ${INGEST_LIMITS.positionMessageBytes}`, count: 1 }], clamped: 0 };
    }
    const parsed = parseJson(input.raw);
    if (!parsed.ok) return { positions: [], rejections: [{ reason: 'not_json', detail: parsed.detail, count: 1 }], clamped: 0 };
    value = parsed.value;
  } else {
    value = input.parsed;
  }
  const items = Array.isArray(value) ? value : [value];
  if (Array.isArray(value) && value.length > INGEST_LIMITS.positionsPerMessage) {
    return { positions: [], rejections: [{ reason: 'too_many', detail: `${value.length} positions > ${INGEST_LIMITS.positionsPerMessage} per message`, count: 1 }], clamped: 0 };
  }
  if (Array.isArray(value) && value.length === 0) {
    return { positions: [], rejections: [{ reason: 'schema', detail: 'empty array', count: 1 }], clamped: 0 };
  }
  let clamped = 0;
  // Each position in a batch stands alone: one broken report does not cost the others.
  const positions: NormalisedPosition[] = [];
  const byReason = new Map<RejectReason, Rejection>();
  const reject = (reason: RejectReason, detail: string): void => {
    const r = byReason.get(reason);
    if (r) r.count += 1;
    else byReason.set(reason, { reason, detail, count: 1 });
  };
  items.forEach((item, index) => {
    const at = Array.isArray(value) ? `[${index}]` : '';
    const checked = positionChecker.validate(item, 8);
    if (!checked.ok) {
      const r = schemaRefusal(checked.errors, item, ['ts'], at);
      return reject(r.reason, r.detail);
    }
    const p = checked.value;
    const stamped = toEpochMs(p.ts);
    if (!Number.isFinite(stamped)) return reject('bad_time', `${at}/ts: ${timeProblem(p.ts)}`);
    if (stamped > now + INGEST_LIMITS.futureSkewMs) return reject('ts_in_future', `${at}/ts: ${new Date(stamped).toISOString()} is ahead of server time`);
    const { ts, clamped: wasClamped } = clampFixTime(stamped, now, clockSkewMs);
    if (wasClamped) clamped += 1;
    const n: NormalisedPosition = { unitId: p.unitId, lng: p.lng, lat: p.lat, ts };
    if (p.speed !== undefined) n.speed = p.speed;
    if (p.heading !== undefined) n.heading = p.heading;
    positions.push(n);
  });
  return { positions, rejections: [...byReason.values()], clamped };
}

export type IncidentValidation = { ok: true; report: IncidentReport } | { ok: false; rejection: Rejection };

/** The `data` field of one stream entry, or an HTTP body (already parsed). */
export function validateIncidentMessage(input: { raw: string | Buffer | undefined } | { parsed: unknown }, now: number): IncidentValidation {
  const fail = (reason: RejectReason, detail: string): IncidentValidation => ({ ok: false, rejection: { reason, detail, count: 1 } });
  let value: unknown;
  if ('raw' in input) {
    if (input.raw === undefined) return fail('schema', 'stream entry has no "data" field');
    const size = byteLength(input.raw);
    if (size > INGEST_LIMITS.incidentMessageBytes) return fail('too_large', `${size} bytes > ${INGEST_LIMITS.incidentMessageBytes}`);
    const parsed = parseJson(input.raw);
    if (!parsed.ok) return fail('not_json', parsed.detail);
    value = parsed.value;
  } else {
    value = input.parsed;
  }
  const checked = incidentChecker.validate(value, 8);
  if (!checked.ok) {
    const r = schemaRefusal(checked.errors, value, ['reportedAt', 'revisedAt']);
    return fail(r.reason, r.detail);
  }
  // The schema has bounded the time and checked it against the calendar; this reads it.
  const reportedAt = toEpochMs(checked.value.reportedAt);
  if (!Number.isFinite(reportedAt)) return fail('bad_time', `/reportedAt: ${timeProblem(checked.value.reportedAt)}`);
  if (reportedAt > now + INGEST_LIMITS.futureSkewMs) return fail('ts_in_future', `/reportedAt: ${new Date(reportedAt).toISOString()} is ahead of server time`);
  // A revision time from a broken clock far ahead would make every later report of the incident look stale.
  if (checked.value.revisedAt !== undefined) {
    const revisedAt = toEpochMs(checked.value.revisedAt);
    if (!Number.isFinite(revisedAt)) return fail('bad_time', `/revisedAt: ${timeProblem(checked.value.revisedAt)}`);
    if (revisedAt > now + INGEST_LIMITS.futureSkewMs) return fail('ts_in_future', `/revisedAt: ${new Date(revisedAt).toISOString()} is ahead of server time`);
  }
  return { ok: true, report: checked.value };
}
