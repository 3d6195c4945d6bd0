// How good the ETAs are: every arrival's predicted against actual travel time, by unit kind, and the calibration
// the ranking applies. GET /api/stats/eta-accuracy answers with these shapes.
//
// Relative error of one arrival = |predicted − actual| ÷ actual, where predicted is the (calibrated) ETA stored
// when the unit was sent and actual = on-scene time − dispatch time. Percentiles are read from a histogram of
// whole percent (an error of 12.3 % counts in the bin 12–13 %), reported as the bin's upper edge: "90 % of
// arrivals were within p90".
import { Type, type Static } from '@sinclair/typebox';
import { UnitKindSchema } from './domain.js';

/** YYYY-MM-DD, a local day of the station. */
const DaySchema = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', maxLength: 10 });

export const EtaAccuracyQuerySchema = Type.Object(
  {
    /** First local day (inclusive); default six days before `to`. */
    from: Type.Optional(DaySchema),
    /** Last local day (inclusive); default today. */
    to: Type.Optional(DaySchema),
  },
  { additionalProperties: false },
);
export type EtaAccuracyQuery = Static<typeof EtaAccuracyQuerySchema>;

export const EtaKindCalibrationSchema = Type.Object(
  {
    /** Multiplies the model's ETA of this kind: the median of actual ÷ model over the window, clamped. */
    factor: Type.Number(),
    /** Arrivals it was computed from (fewer than the minimum: factor 1). */
    samples: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

export const EtaCalibrationSchema = Type.Object(
  {
    /** When it was last computed (epoch ms); 0 = never (every factor 1). */
    computedAt: Type.Number(),
    /** Days of arrivals it looks back over (0 = calibration off). */
    windowDays: Type.Integer({ minimum: 0 }),
    minSamples: Type.Integer({ minimum: 1 }),
    /** Kinds without enough arrivals are absent (factor 1). */
    byKind: Type.Record(Type.String(), EtaKindCalibrationSchema),
  },
  { additionalProperties: false },
);
export type EtaCalibration = Static<typeof EtaCalibrationSchema>;

export const EtaErrorFiguresSchema = Type.Object(
  {
    arrivals: Type.Integer({ minimum: 0 }),
    /** Relative error, percent (null without arrivals). */
    errorP50Percent: Type.Union([Type.Number(), Type.Null()]),
    errorP90Percent: Type.Union([Type.Number(), Type.Null()]),
    /** Share of arrivals later than predicted, percent. */
    laterThanPredictedPercent: Type.Union([Type.Number(), Type.Null()]),
    meanPredictedSeconds: Type.Union([Type.Number(), Type.Null()]),
    meanActualSeconds: Type.Union([Type.Number(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type EtaErrorFigures = Static<typeof EtaErrorFiguresSchema>;

export const EtaAccuracyResponseSchema = Type.Object(
  {
    from: Type.String(),
    to: Type.String(),
    /** Every kind with arrivals in the range, in the roster's kind order. */
    byKind: Type.Array(Type.Composite([Type.Object({ kind: UnitKindSchema }), EtaErrorFiguresSchema], { additionalProperties: false })),
    all: EtaErrorFiguresSchema,
    /** The calibration the ranking applies now. */
    calibration: EtaCalibrationSchema,
  },
  { additionalProperties: false },
);
export type EtaAccuracyResponse = Static<typeof EtaAccuracyResponseSchema>;
