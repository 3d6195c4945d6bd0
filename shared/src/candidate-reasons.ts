// Why a recommended unit ranks where it does: machine-readable reasons, a code and its parameters, which a
// client renders in its own language (the server never sends the sentence).
import { Type, type Static } from '@sinclair/typebox';
import { GridIdSchema, IncidentTypeSchema, PrioritySchema, UnitKindSchema } from './domain.js';

const reason = <C extends string, P extends Parameters<typeof Type.Object>[0]>(code: C, params: P) =>
  Type.Object({ code: Type.Literal(code), params: Type.Object(params, { additionalProperties: false }) }, { additionalProperties: false });

export const CandidateReasonSchema = Type.Union([
  /** Estimated seconds to the scene (calibrated), along the roads or, where none is near, by straight line;
   *  `calibration` is the factor the kind's measured arrivals applied (1 = none). */
  reason('eta', {
    seconds: Type.Integer({ minimum: 0 }),
    basis: Type.Union([Type.Literal('road'), Type.Literal('straight_line')]),
    calibration: Type.Number(),
  }),
  /** Arrives within the on-scene target of the incident's priority: `seconds` are what is left of it. */
  reason('in_time', { seconds: Type.Integer({ minimum: 0 }), priority: PrioritySchema }),
  /** Cannot arrive within the on-scene target: `seconds` too late. */
  reason('late', { seconds: Type.Integer({ minimum: 0 }), priority: PrioritySchema }),
  /** The dispatch policy names this kind first for this type of incident. */
  reason('role_preferred', { kind: UnitKindSchema, type: IncidentTypeSchema }),
  /** The policy allows this kind for this type, after the preferred ones. */
  reason('role_fallback', { kind: UnitKindSchema, type: IncidentTypeSchema }),
  /** The community officer of the incident's own grid (一格一警). */
  reason('grid_officer', { gridId: GridIdSchema }),
  /** A unit that works only its own grid, and the incident is in it (最小作战单元). */
  reason('own_grid', { gridId: GridIdSchema }),
  /** Not a kind the policy prefers for this type, but it arrives in time: after every preferred unit that
   *  does, before every unit that does not. */
  reason('fallback_in_time', {}),
]);
export type CandidateReason = Static<typeof CandidateReasonSchema>;
export type CandidateReasonCode = CandidateReason['code'];
