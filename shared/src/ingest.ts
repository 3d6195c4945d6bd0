// The external ingest contract (shared/DESIGN.md "The ingest contract"). Stable: extend, never rename.
import { Type, type Static } from '@sinclair/typebox';
import {
  IncidentIdSchema, IncidentSourceSchema, IncidentTypeSchema, LatSchema, LngSchema, PrioritySchema, UnitIdSchema,
} from './domain.js';
import { EpochMsSchema, ISO_INSTANT_FORMAT } from './time.js';

/** Byte limits checked before JSON.parse, so a huge message costs nothing but its length check. */
export const INGEST_LIMITS = {
  positionMessageBytes: 1_048_576,
  positionsPerMessage: 10_000,
  incidentMessageBytes: 16_384,
  /** A report from further in the future than this is a broken clock, not a position. */
  futureSkewMs: 5 * 60_000,
} as const;

/** Epoch milliseconds, or ISO-8601 with an explicit offset (Z or ±hh:mm); either way an instant from 2000 to 2099
 *  on a day the calendar has (2026-02-30 is refused, not read as 2 March). Ahead of the server's clock by more
 *  than futureSkewMs is refused at ingest. */
export const IsoWithOffsetPattern = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:?\\d{2})$';
export const TimestampSchema = Type.Union([
  EpochMsSchema,
  Type.String({ maxLength: 40, pattern: IsoWithOffsetPattern, format: ISO_INSTANT_FORMAT }),
]);

export const PositionReportSchema = Type.Object(
  {
    unitId: UnitIdSchema,
    lng: LngSchema,
    lat: LatSchema,
    ts: TimestampSchema,
    speed: Type.Optional(Type.Number({ minimum: 0, maximum: 150 })),
    heading: Type.Optional(Type.Number({ minimum: 0, maximum: 360 })),
  },
  { additionalProperties: false },
);
export type PositionReport = Static<typeof PositionReportSchema>;

export const PositionMessageSchema = Type.Union([
  PositionReportSchema,
  Type.Array(PositionReportSchema, { minItems: 1, maxItems: INGEST_LIMITS.positionsPerMessage }),
]);
export type PositionMessage = Static<typeof PositionMessageSchema>;

export const IncidentReportSchema = Type.Object(
  {
    id: IncidentIdSchema,
    type: IncidentTypeSchema,
    priority: PrioritySchema,
    lng: LngSchema,
    lat: LatSchema,
    address: Type.Optional(Type.String({ maxLength: 200 })),
    reportedAt: TimestampSchema,
    source: IncidentSourceSchema,
    summary: Type.Optional(Type.String({ maxLength: 500 })),
    reporter: Type.Optional(Type.String({ maxLength: 100 })),
    /** Ordering (optional, either or both): the producer's version number of this report (higher is newer)… */
    version: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
    /** …and when the producer made this version (unchanged when the same version is sent again). A report older
     *  than the one applied last, by version, then time, then arrival on the stream, is refused as stale. */
    revisedAt: Type.Optional(TimestampSchema),
  },
  { additionalProperties: false },
);
export type IncidentReport = Static<typeof IncidentReportSchema>;

/** Why an ingest message was refused; the label of the rejected-messages counter. */
export const REJECT_REASONS = [
  'too_large', 'not_json', 'schema', 'too_many', 'unknown_unit', 'ts_in_future', 'bad_time', 'stale_position',
  'stale_report', 'implausible_speed',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];
