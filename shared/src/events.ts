// Socket.IO contract between the server and every display. Commands are `topic:verb` with an ack;
// facts are `topic:past-tense`.
import { Type, type Static } from '@sinclair/typebox';
import type { Incident, LiveUnit, TodayStats } from './domain.js';
import type { TargetKind, TargetsByPriority } from './targets.js';
import type { StatsKpi } from './stats.js';
import type { DisputeCase } from './community/disputes.js';
import type { CommunityTask } from './community/tasks.js';
import type { AckError } from './errors.js';
import type { Clue, Search } from './volunteers.js';

/** A position of the live event stream ("ms-n"); orders every delta. Compare with compareSeq(). */
export type Seq = string;

/** Orders two stream ids numerically ("10-0" > "9-5"); -1, 0 or 1. */
export function compareSeq(a: Seq, b: Seq): number {
  const [am = '0', an = '0'] = a.split('-');
  const [bm = '0', bn = '0'] = b.split('-');
  if (am.length !== bm.length) return am.length < bm.length ? -1 : 1;
  if (am !== bm) return am < bm ? -1 : 1;
  const x = Number(an);
  const y = Number(bn);
  return x === y ? 0 : x < y ? -1 : 1;
}

export type DomainEvent =
  | { type: 'incident:reported'; incident: Incident }
  | { type: 'incident:updated'; incident: Incident }
  /** A unit's status (or roster entry) changed; position changes travel in `units:moved` frames instead. */
  | { type: 'unit:updated'; unit: LiveUnit }
  /** Units that went silent (stale) or reported again (fresh): one event per batch, so a whole fleet coming
   *  back after an outage is one small message, not one per unit. */
  | { type: 'units:freshness'; stale: string[]; fresh: string[] }
  /** Units whose fix froze (identical coordinates while dispatched or en route: LiveUnit.frozenSince is
   *  `since[k]`, when the fix of `frozen[k]` stopped changing; the event's time where an older server sent none) or
   *  moves again (`moving`); one event per batch. */
  | { type: 'units:frozen'; frozen: string[]; since?: number[]; moving: string[] }
  | { type: 'stats:today'; today: TodayStats }
  /** Today's leadership KPIs (shared/src/stats.ts), pushed when they change. */
  | { type: 'stats:kpi'; kpi: StatsKpi }
  /** A response target was missed (announced once per incident and target, by whichever node watched);
   *  `at` is the deadline that passed. */
  | { type: 'incident:breached'; incidentId: string; target: TargetKind; targetMs: number; at: number }
  /** A dispute case was opened or changed (the whole case, parties masked). */
  | { type: 'dispute:changed'; dispute: DisputeCase }
  /** A community task was ordered or changed (one event per task of an order). */
  | { type: 'task:changed'; task: CommunityTask }
  /** A clue (线索) arrived or was decided. */
  | { type: 'clue:changed'; clue: Clue }
  /** A broadcast search (协查) started, was acknowledged, had a sighting, or ended (the whole search). */
  | { type: 'search:changed'; search: Search }
  /** A school-gate post (护学岗) checked in. */
  | { type: 'guard:checked-in'; teamId: string; window: string; at: number; by: string };

export interface LiveDelta {
  seq: Seq;
  /** Server time the change was applied (epoch ms). */
  at: number;
  event: DomainEvent;
}

export interface AttentionSettings {
  focusMs: number;
  repeatAfterMs: number;
}

export interface LiveSnapshot {
  seq: Seq;
  serverTime: number;
  station: { name: string; timeZone: string };
  staleAfterMs: number;
  /** Response targets per priority, so every screen colours timers the same way. */
  targets: TargetsByPriority;
  /** How walls direct attention (ATTENTION_FOCUS_S, ALARM_REPEAT_S): how long a new P1 or a missed target holds
   *  the map, and how often an unacknowledged alarm repeats its tone. */
  attention: AttentionSettings;
  units: LiveUnit[];
  /** Open incidents (see OPEN_INCIDENT_STATUSES), newest first. */
  incidents: Incident[];
  today: TodayStats;
}

/** [unitId, lng, lat, ts (epoch ms), speed m/s or null, heading degrees or null] */
export type FramePosition = [string, number, number, number, number | null, number | null];

/** Positions coalesced over one frame interval: at most one entry per unit, the latest. */
export interface PositionFrame {
  /** Per-server-node frame counter; a gap means this client was sent a catch-up frame instead. */
  frame: number;
  sentAt: number;
  positions: FramePosition[];
}

export type Ack<T> = { ok: true; data: T } | { ok: false; error: AckError };

/** A stream id as a client may send it back: canonical digits (no leading zeros, which would also break
 *  compareSeq), at most 16 + 19 digits so both parts stay below Redis's 2^64: a larger one, or an exclusive range
 *  `(id` from the largest id, is a Redis error rather than an answer. */
export const SeqSchema = Type.String({ maxLength: 36, pattern: '^(0|[1-9]\\d{0,15})-(0|[1-9]\\d{0,18})$' });

export const LiveSubscribeRequestSchema = Type.Object(
  { since: Type.Optional(SeqSchema) },
  { additionalProperties: false },
);
export type LiveSubscribeRequest = Static<typeof LiveSubscribeRequestSchema>;
export type LiveSubscribeResult =
  | { mode: 'snapshot'; snapshot: LiveSnapshot }
  | { mode: 'replay'; deltas: LiveDelta[] };

export interface ServerToClientEvents {
  'live:updated': (delta: LiveDelta) => void;
  'units:moved': (frame: PositionFrame) => void;
}

export interface ClientToServerEvents {
  /** Join the live picture: a snapshot, or the deltas after `since` when the server still has them all. */
  'live:subscribe': (req: LiveSubscribeRequest, ack: (res: Ack<LiveSubscribeResult>) => void) => void;
}
