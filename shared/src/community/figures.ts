// What leadership reads about the two loops, and how it is counted. Pure.
//
// Every write of a case or a task passes its before and after through disputeCounts / taskCounts; the server
// moves the difference into a per-day hash in the same atomic commit as the write, so a figure moves once per
// change however often a command is retried, and a reopened case takes its old contribution back. Cases count on
// the local day they were opened (createdAt), tasks on the local day they are due (dueAt): GET /api/disputes and
// GET /api/tasks with the same from/to list exactly the raw records behind a range's figures.
//
// Hash fields (all integers):
//   disputes  d · d|cat:<c> · d|grid:<g> · d|risk:<r> · may             cases opened, may-escalate ones
//             m · m|tier:<t> · m|cat:<c> · m|grid:<g>                  cases with a concluded session (success/failed)
//             s · s|tier:<t> · s|cat:<c> · s|grid:<g>                  …whose latest concluded session succeeded
//                                                                      (since the case was last reopened)
//             esc                                                      escalations (sessions with result escalate)
//             fu · fu|sat:<satisfied|basic|dissatisfied>               回访 made
//             rec · reopen                                              cases reopened (once or more) · reopenings
//             closed · closed_nofu                                     closed · closed without a 回访 (with a reason)
//             late|<route|session|followup>                           stages finished after their deadline
//             ms|<stage> · n|<stage>                                   time spent in finished stages (sum, count)
//             h|<stage>|<bin>                                          …and their histogram (stageBin: minutes, E12 steps)
//   tasks     t · t|team:<x> · t|grid:<g> · t|cat:<c>                  tasks due (not cancelled)
//             ok · ok|…                                                accepted by the supervisor
//             ot · ot|…                                                …with the feedback reported by the due time
//             ret                                                      returns for rework
import { Type, type Static } from '@sinclair/typebox';
import { DISPUTE_STAGES, stageOf, type DisputeCase, type DisputeStage } from './disputes.js';
import type { CommunityTask } from './tasks.js';
import { SATISFACTIONS } from './labels.js';

export type FigureCounts = Record<string, number>;

/** The E12 preferred numbers of a decade: bins grow by ~21 %, so a median is told within ~10 %. */
const E12 = [10, 12, 15, 18, 22, 27, 33, 39, 47, 56, 68, 82] as const;

/** A finished stage's duration as its histogram bin, the bin's upper bound in whole minutes: 1–10 minutes exactly,
 *  then the E12 series (12, 15, 18, 22 … 100, 120 …), so a stage's bins over 90 days number ~60 and a month's hash
 *  stays small. Monotonic, so the median of the bins is the bin of the median. */
export function stageBin(ms: number): number {
  const m = Math.max(1, Math.ceil(ms / 60_000));
  if (m <= 10) return m;
  for (let scale = 1; ; scale *= 10) {
    for (const n of E12) if (n * scale >= m) return n * scale;
    if (scale > 1e12) return m;
  }
}

/** The lower median (the ⌈n/2⌉-th smallest) of a histogram value → count; null when empty. */
export function histogramMedian(h: ReadonlyMap<number, number>): number | null {
  let n = 0;
  for (const c of h.values()) n += c;
  if (n <= 0) return null;
  const k = Math.ceil(n / 2);
  let seen = 0;
  for (const v of [...h.keys()].sort((a, b) => a - b)) {
    seen += h.get(v)!;
    if (seen >= k) return v;
  }
  return null;
}
const NONE = 'none';

function add(out: FigureCounts, field: string, by = 1): void {
  if (by !== 0) out[field] = (out[field] ?? 0) + by;
}

/** When the case was last reopened (0: never): sessions before it no longer make it resolved. */
function lastReopenAt(c: DisputeCase): number {
  let at = 0;
  c.timeline.forEach((e, i) => { if (i > 0 && e.status === 'accepted') at = e.at; });
  return at;
}

export function disputeCounts(c: DisputeCase): FigureCounts {
  const out: FigureCounts = {};
  const dims = [`cat:${c.category}`, `grid:${c.gridId}`];
  add(out, 'd');
  for (const d of [...dims, `risk:${c.riskLevel}`]) add(out, `d|${d}`);
  if (c.mayEscalate) add(out, 'may');

  const concluded = c.sessions.filter((s) => s.result !== 'escalate');
  const last = concluded.at(-1);
  if (last) {
    for (const d of ['', `|tier:${last.tier}`, ...dims.map((x) => `|${x}`)]) add(out, `m${d}`);
    if (last.result === 'success' && last.at > lastReopenAt(c)) {
      for (const d of ['', `|tier:${last.tier}`, ...dims.map((x) => `|${x}`)]) add(out, `s${d}`);
    }
  }
  add(out, 'esc', c.sessions.length - concluded.length);
  for (const f of c.followups) { add(out, 'fu'); add(out, `fu|sat:${f.satisfaction}`); }
  if (c.reopened > 0) { add(out, 'rec'); add(out, 'reopen', c.reopened); }
  if (c.status === 'closed') {
    add(out, 'closed');
    if (c.closeReason !== undefined) add(out, 'closed_nofu');
  }
  for (let i = 0; i + 1 < c.timeline.length; i++) {
    const e = c.timeline[i]!;
    const stage = stageOf(e.status);
    if (!stage) continue;
    const next = c.timeline[i + 1]!;
    add(out, `ms|${stage}`, next.at - e.at);
    add(out, `n|${stage}`);
    add(out, `h|${stage}|${stageBin(next.at - e.at)}`);
    if (e.dueAt !== undefined && next.at > e.dueAt) add(out, `late|${stage}`);
  }
  return out;
}

export function taskCounts(t: CommunityTask): FigureCounts {
  const out: FigureCounts = {};
  if (t.status === 'cancelled') return out;
  const dims = ['', `|team:${t.assignee.team ?? NONE}`, `|grid:${t.assignee.gridId ?? NONE}`, `|cat:${t.category}`];
  for (const d of dims) add(out, `t${d}`);
  if (t.status === 'done') {
    for (const d of dims) add(out, `ok${d}`);
    if (t.onTime) for (const d of dims) add(out, `ot${d}`);
  }
  add(out, 'ret', t.reviews.filter((r) => r.verdict === 'returned').length);
  return out;
}

/** after − before, zeros left out: the counter moves of one write. */
export function countsDelta(before: FigureCounts | null, after: FigureCounts | null): FigureCounts {
  const out: FigureCounts = {};
  for (const [f, v] of Object.entries(after ?? {})) add(out, f, v);
  for (const [f, v] of Object.entries(before ?? {})) add(out, f, -v);
  for (const [f, v] of Object.entries(out)) if (v === 0) delete out[f];
  return out;
}

export function sumCounts(rows: readonly FigureCounts[]): FigureCounts {
  const out: FigureCounts = {};
  for (const r of rows) for (const [f, v] of Object.entries(r)) add(out, f, v);
  return out;
}

// --- figures ----------------------------------------------------------------------------------------------------------

const Rate = Type.Union([Type.Number(), Type.Null()], { description: 'a share 0..1; null when there is nothing to divide by' });
const MediationRowSchema = Type.Object({ mediated: Type.Integer(), succeeded: Type.Integer(), successRate: Rate }, { additionalProperties: false });
const TaskRowSchema = Type.Object({ due: Type.Integer(), done: Type.Integer(), onTime: Type.Integer(), completionRate: Rate }, { additionalProperties: false });
const StageNumbers = Type.Object({ route: Type.Integer(), session: Type.Integer(), followup: Type.Integer() }, { additionalProperties: false });
const StageAverages = Type.Object({ route: Rate, session: Rate, followup: Rate }, { additionalProperties: false });

export const DisputeFiguresSchema = Type.Object(
  {
    cases: Type.Integer(),
    mayEscalate: Type.Integer(),
    byRisk: Type.Record(Type.String(), Type.Integer()),
    casesByCategory: Type.Record(Type.String(), Type.Integer()),
    casesByGrid: Type.Record(Type.String(), Type.Integer()),
    /** Cases with a concluded session, and those whose latest concluded session succeeded (化解). */
    mediated: Type.Integer(),
    succeeded: Type.Integer(),
    successRate: Rate,
    byTier: Type.Record(Type.String(), MediationRowSchema),
    byCategory: Type.Record(Type.String(), MediationRowSchema),
    byGrid: Type.Record(Type.String(), MediationRowSchema),
    /** Share of successes at tier 1 (警务室): "resolved at grassroots". */
    tier1Share: Rate,
    escalations: Type.Integer(),
    followups: Type.Integer(),
    satisfaction: Type.Object({ satisfied: Type.Integer(), basic: Type.Integer(), dissatisfied: Type.Integer(), rate: Rate }, { additionalProperties: false }),
    /** Cases reopened because the dispute came back, and their share of cases. */
    recurred: Type.Integer(),
    recurrenceRate: Rate,
    closed: Type.Integer(),
    closedWithoutFollowup: Type.Integer(),
    /** Stages finished after their deadline. */
    lateStages: StageNumbers,
    /** Mean time in each finished stage, ms. */
    avgStageMs: StageAverages,
    /** Median time in each finished stage, ms: the lower median's bin (stageBin: its upper bound, ~10 % steps). */
    medianStageMs: StageAverages,
  },
  { additionalProperties: false },
);
export type DisputeFigures = Static<typeof DisputeFiguresSchema>;

export const TaskFiguresSchema = Type.Object(
  {
    due: Type.Integer(), done: Type.Integer(), onTime: Type.Integer(),
    /** Accepted on time ÷ due. */
    completionRate: Rate,
    returned: Type.Integer(),
    byTeam: Type.Record(Type.String(), TaskRowSchema),
    byGrid: Type.Record(Type.String(), TaskRowSchema),
    byCategory: Type.Record(Type.String(), TaskRowSchema),
  },
  { additionalProperties: false },
);
export type TaskFigures = Static<typeof TaskFiguresSchema>;

export const OverdueNowSchema = Type.Object(
  {
    disputes: Type.Integer(),
    disputesByStage: StageNumbers,
    /** Overdue cases flagged 可能激化: the first thing the community leader and the wall show. */
    disputesMayEscalate: Type.Integer(),
    tasks: Type.Integer(),
  },
  { additionalProperties: false },
);
export type OverdueNow = Static<typeof OverdueNowSchema>;

/** GET /api/community/figures */
export const CommunityFiguresSchema = Type.Object(
  {
    /** The range actually counted: whole local days [from, to). */
    from: Type.Number(), to: Type.Number(), timeZone: Type.String(),
    disputes: DisputeFiguresSchema,
    tasks: TaskFiguresSchema,
    /** Now, whatever the range: open cases and tasks past their deadline. */
    overdueNow: OverdueNowSchema,
  },
  { additionalProperties: false },
);
export type CommunityFigures = Static<typeof CommunityFiguresSchema>;

const share = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

/** Values of `<prefix>|<dim>:<value>` fields, by value. */
function byDim(h: FigureCounts, prefix: string, dim: string): Record<string, number> {
  const out: Record<string, number> = {};
  const lead = `${prefix}|${dim}:`;
  for (const [f, v] of Object.entries(h)) if (f.startsWith(lead)) out[f.slice(lead.length)] = v;
  return out;
}

function mediationRows(h: FigureCounts, dim: string): Record<string, { mediated: number; succeeded: number; successRate: number | null }> {
  const m = byDim(h, 'm', dim);
  const s = byDim(h, 's', dim);
  const out: Record<string, { mediated: number; succeeded: number; successRate: number | null }> = {};
  for (const k of new Set([...Object.keys(m), ...Object.keys(s)])) {
    const mediated = m[k] ?? 0;
    const succeeded = s[k] ?? 0;
    if (mediated !== 0 || succeeded !== 0) out[k] = { mediated, succeeded, successRate: share(succeeded, mediated) };
  }
  return out;
}

function taskRows(h: FigureCounts, dim: string): Record<string, { due: number; done: number; onTime: number; completionRate: number | null }> {
  const t = byDim(h, 't', dim);
  const ok = byDim(h, 'ok', dim);
  const ot = byDim(h, 'ot', dim);
  const out: Record<string, { due: number; done: number; onTime: number; completionRate: number | null }> = {};
  for (const k of Object.keys(t)) {
    const due = t[k] ?? 0;
    if (due !== 0) out[k] = { due, done: ok[k] ?? 0, onTime: ot[k] ?? 0, completionRate: share(ot[k] ?? 0, due) };
  }
  return out;
}

/** The `h|<stage>|<bin>` fields of one stage: bin → count. */
function byHistogram(h: FigureCounts, stage: DisputeStage): Record<string, number> {
  const out: Record<string, number> = {};
  const lead = `h|${stage}|`;
  for (const [f, v] of Object.entries(h)) if (f.startsWith(lead) && v > 0) out[f.slice(lead.length)] = v;
  return out;
}

const nonZero = (r: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== 0));

export function disputeFigures(h: FigureCounts): DisputeFigures {
  const v = (f: string): number => h[f] ?? 0;
  const stage = (f: (s: DisputeStage) => number) => Object.fromEntries(DISPUTE_STAGES.map((s) => [s, f(s)])) as Record<DisputeStage, number>;
  const [sat, basic, dis] = SATISFACTIONS.map((s) => v(`fu|sat:${s}`)) as [number, number, number];
  return {
    cases: v('d'), mayEscalate: v('may'),
    byRisk: nonZero(byDim(h, 'd', 'risk')), casesByCategory: nonZero(byDim(h, 'd', 'cat')), casesByGrid: nonZero(byDim(h, 'd', 'grid')),
    mediated: v('m'), succeeded: v('s'), successRate: share(v('s'), v('m')),
    byTier: mediationRows(h, 'tier'), byCategory: mediationRows(h, 'cat'), byGrid: mediationRows(h, 'grid'),
    tier1Share: share(v('s|tier:1'), v('s')),
    escalations: v('esc'),
    followups: v('fu'),
    satisfaction: { satisfied: sat, basic, dissatisfied: dis, rate: share(sat + basic, v('fu')) },
    recurred: v('rec'), recurrenceRate: share(v('rec'), v('d')),
    closed: v('closed'), closedWithoutFollowup: v('closed_nofu'),
    lateStages: stage((s) => v(`late|${s}`)) as DisputeFigures['lateStages'],
    avgStageMs: Object.fromEntries(DISPUTE_STAGES.map((s) => [s, share(v(`ms|${s}`), v(`n|${s}`))])) as DisputeFigures['avgStageMs'],
    medianStageMs: Object.fromEntries(DISPUTE_STAGES.map((s) => {
      const m = histogramMedian(new Map(Object.entries(byHistogram(h, s)).map(([b, c]) => [Number(b), c])));
      return [s, m === null ? null : m * 60_000];
    })) as DisputeFigures['medianStageMs'],
  };
}

export function taskFigures(h: FigureCounts): TaskFigures {
  const v = (f: string): number => h[f] ?? 0;
  return {
    due: v('t'), done: v('ok'), onTime: v('ot'), completionRate: share(v('ot'), v('t')), returned: v('ret'),
    byTeam: taskRows(h, 'team'), byGrid: taskRows(h, 'grid'), byCategory: taskRows(h, 'cat'),
  };
}
