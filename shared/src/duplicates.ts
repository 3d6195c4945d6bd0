// Duplicate reports (疑似重复): two callers reporting the same fight, or one caller calling twice, must not get two
// units. Pure rules here; the ingest path runs them after each commit (server/src/modules/ingest/duplicate-check.ts)
// and the console merges or dismisses. Deciding from the stored incidents alone — never from which node saw
// which report first — makes two nodes that apply a pair concurrently agree on which of the pair is flagged.
import { Type, type Static } from '@sinclair/typebox';
import { CommandIdSchema, type Incident, type IncidentStatus, type IncidentType } from './domain.js';
import { haversineMeters } from './geo.js';

export interface DuplicateRules {
  /** DUPLICATE_RADIUS_M: reports this close (straight line) may be one event. */
  radiusMeters: number;
  /** DUPLICATE_WINDOW_MIN, in ms: reports this close in time may be one event. */
  windowMs: number;
}
export const DEFAULT_DUPLICATE_RULES: DuplicateRules = { radiusMeters: 200, windowMs: 30 * 60_000 };

/**
 * Types callers confuse for one event. Symmetric; a type is always related to itself. A fight is reported as a
 * public-order case or a dispute; an accident as a call for help; a fire hazard or a lost elderly person by a
 * caller asking for help; "other" is a caller who could not say, so it relates to everything.
 */
const RELATED_GROUPS: readonly (readonly IncidentType[])[] = [
  ['fight', 'public_order', 'dispute'],
  ['theft', 'fraud'],
  ['traffic', 'help'],
  ['hazard', 'help'],
  ['missing_person', 'help'],
];

export function relatedTypes(a: IncidentType, b: IncidentType): boolean {
  if (a === b || a === 'other' || b === 'other') return true;
  return RELATED_GROUPS.some((g) => g.includes(a) && g.includes(b));
}

/** An incident a later report may repeat, and that a duplicate may be merged into (planMerge's rule). */
const ORIGINAL_STATUSES: readonly IncidentStatus[] = ['received', 'dispatched', 'en_route', 'on_scene'];
export const canBeOriginal = (i: Incident): boolean => ORIGINAL_STATUSES.includes(i.status);

/** The order that decides which of a pair is the duplicate: the later report, ties broken by id. */
export function reportedBefore(a: Incident, b: Incident): boolean {
  return a.reportedAt !== b.reportedAt ? a.reportedAt < b.reportedAt : a.id < b.id;
}

export interface DuplicateMatch { of: Incident; distanceMeters: number; seconds: number }

/** Whether `later` repeats `earlier` under the rules (both open, related types, within radius and window). */
export function matchDuplicate(later: Incident, earlier: Incident, rules: DuplicateRules): DuplicateMatch | null {
  if (later.id === earlier.id || !canBeOriginal(later) || !canBeOriginal(earlier)) return null;
  if (!reportedBefore(earlier, later) || !relatedTypes(later.type, earlier.type)) return null;
  const ms = later.reportedAt - earlier.reportedAt;
  if (ms > rules.windowMs) return null;
  const d = haversineMeters([later.lng, later.lat], [earlier.lng, earlier.lat]);
  if (d > rules.radiusMeters) return null;
  return { of: earlier, distanceMeters: Math.round(d), seconds: Math.round(ms / 1000) };
}

/**
 * The incident `incident` seems to repeat among `others`, or null. An original that is itself a suspected
 * duplicate is taken only when nothing else matches (a third call about one fight names the first); then the
 * nearest in place, then the earliest.
 */
export function findOriginal(incident: Incident, others: readonly Incident[], rules: DuplicateRules): DuplicateMatch | null {
  let best: DuplicateMatch | null = null;
  for (const o of others) {
    const m = matchDuplicate(incident, o, rules);
    if (!m) continue;
    if (!best) { best = m; continue; }
    const key = (x: DuplicateMatch): [number, number, number] => [x.of.suspectedDuplicate ? 1 : 0, x.distanceMeters, x.of.reportedAt];
    const [a, b] = [key(m), key(best)];
    if (a[0] < b[0] || (a[0] === b[0] && (a[1] < b[1] || (a[1] === b[1] && a[2] < b[2])))) best = m;
  }
  return best;
}

/** Whether an incident should be flagged now (not flagged yet, never dismissed). */
export const flaggable = (i: Incident): boolean => !i.suspectedDuplicate && !i.duplicateDismissed && canBeOriginal(i);

/** A suspected duplicate that nobody has merged or dismissed yet: not to be dispatched by an automaton. */
export const isSuspectedDuplicate = (i: Incident): boolean => !!i.suspectedDuplicate && !i.duplicateDismissed;

/**
 * The flags a changed incident calls for, given the open incidents reported near it in time (it may be among
 * them): itself when it repeats an earlier one, and every later open incident that repeats it. Each flag names
 * the best original of the flagged incident among all of `nearby`, so whichever node computes it gets the same.
 */
export function duplicateFlags(changed: Incident, nearby: readonly Incident[], rules: DuplicateRules): { incident: Incident; match: DuplicateMatch }[] {
  const all = nearby.some((i) => i.id === changed.id) ? nearby.map((i) => (i.id === changed.id ? changed : i)) : [...nearby, changed];
  const out: { incident: Incident; match: DuplicateMatch }[] = [];
  for (const i of all) {
    if (!flaggable(i)) continue;
    if (i.id !== changed.id && !matchDuplicate(i, changed, rules)) continue;
    const match = findOriginal(i, all, rules);
    if (match) out.push({ incident: i, match });
  }
  return out;
}

/** POST /api/incidents/:id/not-duplicate (不是重复): clears the flag for good. */
export const DismissDuplicateRequestSchema = Type.Object(
  { commandId: CommandIdSchema, note: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);
export type DismissDuplicateRequest = Static<typeof DismissDuplicateRequestSchema>;
