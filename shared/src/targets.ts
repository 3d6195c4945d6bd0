// Response targets per priority and how far an incident's clock is from them. Pure: no clock, no I/O.
//
// The defaults come from the 1-3-5 mechanism (DOMAIN.md): for priority 1 the incident is dispatched within
// 1 minute, first help (self-help and mutual aid of the minimum emergency units) arrives within 3, police are on
// scene within 5. Lower priorities have no published figure; the defaults chosen here are
//   priority 2: dispatch within 3 min, first help within 10 min, police on scene within 15 min
//               (the usual urban arrival promise for ordinary calls);
//   priority 3: dispatch within 10 min, first help and police on scene within 30 min
//               (non-urgent calls that still want a visit the same half-hour).
// Every clock starts when the call was made (`reportedAt`), the moment the caller starts waiting; the wall's
// elapsed timers start there too.
import { Type, type Static } from '@sinclair/typebox';
import type { Incident, IncidentStatus, Priority } from './domain.js';

/** The targets a server node watches: dispatch (派警) until dispatched, on scene (到场) until someone arrives. */
export const TARGET_KINDS = ['dispatch', 'on_scene'] as const;
export const TargetKindSchema = Type.Union(TARGET_KINDS.map((t) => Type.Literal(t)));
export type TargetKind = (typeof TARGET_KINDS)[number];

export const PriorityTargetsSchema = Type.Object(
  {
    dispatchMs: Type.Number({ exclusiveMinimum: 0 }),
    /** First help: the 3-minute mutual-aid promise, met by emergency units rather than by a status change. */
    firstHelpMs: Type.Number({ exclusiveMinimum: 0 }),
    onSceneMs: Type.Number({ exclusiveMinimum: 0 }),
  },
  { additionalProperties: false },
);
export type PriorityTargets = Static<typeof PriorityTargetsSchema>;

export const TargetsByPrioritySchema = Type.Object(
  { 1: PriorityTargetsSchema, 2: PriorityTargetsSchema, 3: PriorityTargetsSchema },
  { additionalProperties: false },
);
export type TargetsByPriority = Record<Priority, PriorityTargets>;

const MIN = 60_000;
export const DEFAULT_RESPONSE_TARGETS: TargetsByPriority = {
  1: { dispatchMs: 1 * MIN, firstHelpMs: 3 * MIN, onSceneMs: 5 * MIN },
  2: { dispatchMs: 3 * MIN, firstHelpMs: 10 * MIN, onSceneMs: 15 * MIN },
  3: { dispatchMs: 10 * MIN, firstHelpMs: 30 * MIN, onSceneMs: 30 * MIN },
};

/** From this share of the target on, a timer is amber. */
export const NEAR_SHARE = 0.8;

export type TimerState = 'ok' | 'near' | 'breached';

/** ok (within target), near (amber: at least `nearShare` of the target used), breached (red: past it). */
export function timerState(elapsedMs: number, targetMs: number, nearShare = NEAR_SHARE): TimerState {
  if (elapsedMs > targetMs) return 'breached';
  if (elapsedMs >= targetMs * nearShare) return 'near';
  return 'ok';
}

/** Statuses at which each target has been met (the incident has gone at least that far). */
const DISPATCHED: ReadonlySet<IncidentStatus> = new Set(['dispatched', 'en_route', 'on_scene', 'resolved', 'closed']);
const ARRIVED: ReadonlySet<IncidentStatus> = new Set(['on_scene', 'resolved', 'closed']);
/** Withdrawn incidents have no targets left to miss. */
const WITHDRAWN: ReadonlySet<IncidentStatus> = new Set(['cancelled', 'merged']);

export interface PendingTarget {
  target: TargetKind;
  targetMs: number;
  /** When the clock started (the call). */
  startedAt: number;
  /** startedAt + targetMs: the timer is red after this instant. */
  deadline: number;
}

type TimedIncident = Pick<Incident, 'priority' | 'status' | 'reportedAt' | 'timeline'>;

const targetMsOf = (targets: TargetsByPriority, priority: Priority, target: TargetKind): number =>
  target === 'dispatch' ? targets[priority].dispatchMs : targets[priority].onSceneMs;

/** The target the incident's timer runs against now: dispatch until dispatched, on scene until someone is there;
 *  null once police are on scene or the incident was withdrawn. */
export function pendingTarget(incident: TimedIncident, targets: TargetsByPriority): PendingTarget | null {
  if (WITHDRAWN.has(incident.status) || ARRIVED.has(incident.status)) return null;
  const target: TargetKind = DISPATCHED.has(incident.status) ? 'on_scene' : 'dispatch';
  const targetMs = targetMsOf(targets, incident.priority, target);
  return { target, targetMs, startedAt: incident.reportedAt, deadline: incident.reportedAt + targetMs };
}

/** When the incident first reached a status of `reached` (from its timeline); null when it has not, or when the
 *  status says it has but the timeline does not say when. */
function firstReached(incident: TimedIncident, reached: ReadonlySet<IncidentStatus>): number | null {
  let at: number | null = null;
  for (const e of incident.timeline) if (reached.has(e.status) && (at === null || e.at < at)) at = e.at;
  return at;
}

export interface MissedTarget {
  target: TargetKind;
  targetMs: number;
  /** The instant the target was missed (the deadline), not the instant somebody noticed. */
  at: number;
}

/**
 * Every target the incident has missed by `now`: still pending past its deadline, or met later than it. Counting
 * late completions too means a watcher that looks once a second cannot miss a breach because the unit arrived
 * between two looks.
 */
export function missedTargets(incident: TimedIncident, targets: TargetsByPriority, now: number): MissedTarget[] {
  if (WITHDRAWN.has(incident.status)) return [];
  const out: MissedTarget[] = [];
  for (const target of TARGET_KINDS) {
    const reached = target === 'dispatch' ? DISPATCHED : ARRIVED;
    const targetMs = targetMsOf(targets, incident.priority, target);
    const deadline = incident.reportedAt + targetMs;
    const metAt = reached.has(incident.status) ? firstReached(incident, reached) : null;
    // Met without a recorded time: nothing to judge it by, so it is not reported as missed.
    if (reached.has(incident.status) && metAt === null) continue;
    if ((metAt ?? now) > deadline) out.push({ target, targetMs, at: deadline });
  }
  return out;
}

/** The wall's and console's timer for an incident now: which target, how long so far, and its colour. */
export function incidentTimer(incident: TimedIncident, targets: TargetsByPriority, now: number):
  { target: TargetKind; elapsedMs: number; targetMs: number; state: TimerState } | null {
  const p = pendingTarget(incident, targets);
  if (!p) return null;
  const elapsedMs = now - p.startedAt;
  return { target: p.target, elapsedMs, targetMs: p.targetMs, state: timerState(elapsedMs, p.targetMs) };
}

const SECONDS_FIELDS = { dispatch: 'dispatchMs', firstHelp: 'firstHelpMs', onScene: 'onSceneMs' } as const;
const MAX_TARGET_S = 86_400;

/**
 * Reads RESPONSE_TARGETS: JSON in seconds, any priority and field may be left out and keeps its default, e.g.
 * `{"1":{"dispatch":60,"firstHelp":180,"onScene":300},"2":{"onScene":600}}`. Throws a readable error otherwise.
 */
export function parseResponseTargets(raw: string | undefined, base: TargetsByPriority = DEFAULT_RESPONSE_TARGETS): TargetsByPriority {
  const fail = (why: string): never => {
    throw new Error(`配置错误 / bad setting RESPONSE_TARGETS: ${why}. Expected JSON in seconds, e.g. {"1":{"dispatch":60,"firstHelp":180,"onScene":300}}`);
  };
  const out: TargetsByPriority = { 1: { ...base[1] }, 2: { ...base[2] }, 3: { ...base[3] } };
  if (raw === undefined || raw.trim() === '') return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return fail('not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fail('not an object');
  for (const [prio, fields] of Object.entries(parsed)) {
    if (prio !== '1' && prio !== '2' && prio !== '3') return fail(`unknown priority "${prio}" (1, 2 or 3)`);
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return fail(`priority ${prio} is not an object`);
    const p = Number(prio) as Priority;
    for (const [name, value] of Object.entries(fields as Record<string, unknown>)) {
      if (!(name in SECONDS_FIELDS)) return fail(`unknown field "${name}" for priority ${prio} (dispatch, firstHelp, onScene)`);
      // Whole seconds: the statistics' response histograms count by whole second, which makes "within target"
      // exact for whole-second targets only (shared/src/stats.ts, responseBin).
      if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > MAX_TARGET_S) {
        return fail(`${prio}.${name} must be a whole number of seconds above 0 and at most ${MAX_TARGET_S}`);
      }
      out[p][SECONDS_FIELDS[name as keyof typeof SECONDS_FIELDS]] = value * 1000;
    }
  }
  for (const p of [1, 2, 3] as const) {
    const t = out[p];
    if (t.dispatchMs > t.onSceneMs) fail(`priority ${p}: dispatch (${t.dispatchMs / 1000} s) is later than on scene (${t.onSceneMs / 1000} s)`);
    if (t.firstHelpMs > t.onSceneMs) fail(`priority ${p}: first help (${t.firstHelpMs / 1000} s) is later than on scene (${t.onSceneMs / 1000} s)`);
  }
  return out;
}

/** The same targets in seconds, in the shape the statistics module reads (share of incidents inside target). */
export function targetsInSeconds(t: TargetsByPriority): Record<Priority, { dispatchSeconds: number; onSceneSeconds: number }> {
  const of = (p: Priority) => ({ dispatchSeconds: t[p].dispatchMs / 1000, onSceneSeconds: t[p].onSceneMs / 1000 });
  return { 1: of(1), 2: of(2), 3: of(3) };
}
