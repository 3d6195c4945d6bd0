// Roll-call (点名) of minimum emergency units, by grid or all: each called unit's leader answers on the terminal
// within a set time with how many people are ready; readiness per grid is the people who answered over the people
// registered; a unit that misses several roll-calls in a row is flagged. Pure figures here, I/O in the server.
import { Type, type Static } from '@sinclair/typebox';
import { CommandIdSchema, UnitIdSchema } from './domain.js';

export const RollCallIdSchema = Type.String({ minLength: 4, maxLength: 40, pattern: '^RC-[A-Za-z0-9-]+$' });

/** POST /api/roll-calls — one grid's emergency units, or all of them when gridId is absent. */
export const StartRollCallRequestSchema = Type.Object(
  { commandId: CommandIdSchema, gridId: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })) },
  { additionalProperties: false },
);
export type StartRollCallRequest = Static<typeof StartRollCallRequestSchema>;

export const RollCallSchema = Type.Object(
  {
    id: RollCallIdSchema, gridId: Type.Union([Type.String(), Type.Null()]), startedAt: Type.Number(), dueAt: Type.Number(),
    by: Type.String(), units: Type.Integer(), replayed: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type RollCall = Static<typeof RollCallSchema>;

/** rollcall:issued (server → a unit's terminal). */
export const RollCallNoticeSchema = Type.Object(
  { rollCallId: RollCallIdSchema, startedAt: Type.Number(), dueAt: Type.Number() },
  { additionalProperties: false },
);
export type RollCallNotice = Static<typeof RollCallNoticeSchema>;

/** rollcall:answer (a unit's terminal → server): present, with how many people are ready (blank: all registered). */
export const RollCallAnswerSchema = Type.Object(
  { rollCallId: RollCallIdSchema, people: Type.Optional(Type.Integer({ minimum: 0, maximum: 500 })) },
  { additionalProperties: false },
);
export type RollCallAnswer = Static<typeof RollCallAnswerSchema>;

export const GridReadinessSchema = Type.Object(
  {
    gridId: Type.String(), rollCallId: RollCallIdSchema, startedAt: Type.Number(), dueAt: Type.Number(), closed: Type.Boolean(),
    units: Type.Integer(), answeredUnits: Type.Integer(),
    /** People registered with the grid's called units, and the people their answers said are ready. */
    registered: Type.Integer(), acknowledged: Type.Integer(),
  },
  { additionalProperties: false },
);
export type GridReadiness = Static<typeof GridReadinessSchema>;

/** GET /api/roll-calls/readiness — each grid as its latest roll-call found it, the totals, and the flagged units. */
export const ReadinessSchema = Type.Object(
  {
    grids: Type.Array(GridReadinessSchema),
    registered: Type.Integer(), acknowledged: Type.Integer(),
    /** acknowledged ÷ registered, percent with one decimal; null before any roll-call. */
    share: Type.Union([Type.Number(), Type.Null()]),
    flagged: Type.Array(Type.Object({ unitId: UnitIdSchema, misses: Type.Integer() }, { additionalProperties: false })),
    missesToFlag: Type.Integer(),
  },
  { additionalProperties: false },
);
export type Readiness = Static<typeof ReadinessSchema>;

/** One called unit of a roll-call: its grid, people registered, and the people its answer said (null: no answer). */
export interface RollCallEntry { unitId: string; gridId: string; members: number; answered: number | null }

/** A grid's figures from one roll-call's entries (answers over the registered; an answer counts at most the
 *  registered members). Pure: the readiness the wall shows and a recount of the answers are this. */
export function gridFigures(entries: readonly RollCallEntry[], gridId: string): { units: number; answeredUnits: number; registered: number; acknowledged: number } {
  const mine = entries.filter((e) => e.gridId === gridId);
  return {
    units: mine.length,
    answeredUnits: mine.filter((e) => e.answered !== null).length,
    registered: mine.reduce((n, e) => n + e.members, 0),
    acknowledged: mine.reduce((n, e) => n + (e.answered === null ? 0 : Math.min(e.answered, e.members)), 0),
  };
}

export const readinessShare = (acknowledged: number, registered: number): number | null =>
  (registered > 0 ? Math.round((acknowledged / registered) * 1_000) / 10 : null);
