// The community loops' history (pnpm seed:history): dispute cases and tasks day by day, written through the same
// path as the routes — each step planned by the community module's plans on the shared machines, and the case or
// the order committed by the community commit script, which counts the figures. Like the incidents' history:
// a case's (or an order's) planned steps that are due by `now` are applied in memory and committed in one write
// (the counters move by the difference, as for any command); steps still in the future are left, so recent cases
// are open at the start of the demo, as they would be.
//
// Deterministic: day D's plan comes from a stream seeded by (seed, D) and the day's planned incidents, under ids
// MD-YYYYMMDD-Hnnn / RW-YYYYMMDD-Hnnn; a rerun finds what is stored, applies only steps it has not taken, and
// leaves alone a case or task someone has moved since (its next planned step is then illegal).
import {
  dayStart, localDayOf,
  type CommunityTask, type DisputeCase, type OpenDisputeRequest, type Unit,
} from '@ccr/shared';
import type { PlanInput, PlanOutcome, PlannedWrite } from '../community/community-commands.js';
import type { CommunityRepository, Read } from '../community/community-repository.js';
import {
  planAccept, planCancelTask, planClose, planFeedback, planFollowup, planOpenDispute, planOrder, planReview, planRoute, planSession, recipientsOf,
  type CommunityContext,
} from '../community/community-service.js';
import {
  GIVE_UP_REASONS, REWORK_REASONS, categoryOf, logNormal, feedbackFor, feedbackShare, orderFor, personName, phoneNumber, pickTier, recurredAt,
  returnForRework, satisfactionAt, sessionResult, summaryFor, tryAgainAfterFailure, createRng, hashString, type Rng,
} from '@ccr/shared/demo';
import type { PlannedIncident } from './stats-history.js';

const H = 3_600_000;
const MIN = 60_000;


interface Step { at: number; by: string; apply(input: PlanInput): PlanOutcome }
interface PlannedCase { id: string; at: number; by: string; req: OpenDisputeRequest; steps: Step[] }
interface PlannedOrder { ids: string[]; at: number; by: string; req: Parameters<typeof planOrder>[1]; units: Unit[]; steps: Step[][] }

export interface CommunityHistoryOptions {
  seed: number;
  timeZone: string;
  /** Days to plan, oldest first, and the incidents planned on them (dispute incidents become cases). */
  days: string[];
  incidents: readonly PlannedIncident[];
  now: number;
  concurrency?: number;
}
export interface CommunityHistoryResult { cases: number; casesWritten: number; tasks: number; tasksWritten: number; refusedSteps: number; ms: number }

/** One day's cases and orders (pure: from the seed, the day and its incidents). */
export function planCommunityDay(day: string, ctx: CommunityContext, opts: { seed: number; timeZone: string; incidents: readonly PlannedIncident[] }): { cases: PlannedCase[]; orders: PlannedOrder[] } {
  const rng = createRng(hashString(`community:${opts.seed}:${day}`));
  const compact = day.replaceAll('-', '');
  const start = dayStart(day, opts.timeZone);
  const units = [...ctx.units.values()];
  const officerOf = (gridId: string): Unit | undefined => { const id = ctx.gridOfficers.get(gridId); return id ? ctx.units.get(id) : undefined; };

  // --- cases: dispute incidents whose on-scene mediation failed, some mediated ones, and walk-in / online reports
  const cases: PlannedCase[] = [];
  const fromIncidents = opts.incidents.filter((p) => p.report.type === 'dispute' && p.outcome !== undefined
    && (p.outcome === 'mediation_failed' || rng.chance(0.15)));
  const walkIns = rng.poisson(1.6);
  const places = opts.incidents.filter((p) => p.outcome !== undefined);
  const total = fromIncidents.length + (places.length > 0 ? walkIns : 0);
  for (let k = 0; k < total; k++) {
    const inc = fromIncidents[k];
    const place = inc ?? rng.pick(places);
    const at = inc ? inc.steps.at(-1)!.at + rng.int(5, 90) * MIN : start + rng.int(8 * 60, 19 * 60) * MIN;
    const category = inc ? categoryOf(inc.report.summary ?? '') : rng.pick(['neighbour', 'neighbour', 'family', 'labour', 'business', 'land_property', 'other'] as const);
    const mayEscalate = rng.chance(inc?.report.priority === 1 ? 0.6 : 0.07);
    const req: OpenDisputeRequest = {
      commandId: 'history-open', source: inc ? 'incident' : rng.pick(['walk_in', 'walk_in', 'online', 'volunteer', 'community'] as const),
      ...(inc ? { incidentId: inc.report.id } : { address: place.report.address || '辖区内', lng: place.report.lng, lat: place.report.lat }),
      category, parties: [{ name: personName(rng), phone: phoneNumber(rng), role: 'applicant' }, { name: personName(rng), role: 'respondent' }],
      riskLevel: mayEscalate ? 'high' : rng.pick(['low', 'low', 'medium'] as const), mayEscalate, summary: summaryFor(rng, category),
    };
    cases.push({ id: `MD-${compact}-H${String(k + 1).padStart(3, '0')}`, at, by: inc ? 'dispatcher' : 'community', req, steps: caseSteps(rng, ctx, at, mayEscalate, officerOf) });
  }

  // --- orders: a few a working day, fewer at weekends; now and then one to every grid
  const orders: PlannedOrder[] = [];
  const weekday = new Date(start + 12 * H).getUTCDay();
  const n = rng.poisson(weekday === 0 || weekday === 6 ? 2.5 : 6);
  const taskable = units.filter((u) => ['community_officer', 'combat_unit', 'foot_patrol', 'case_officer'].includes(u.kind)).map((u) => u.id);
  const gridOfficers = [...new Set(ctx.gridOfficers.values())];
  for (let k = 0; k < n; k++) {
    const at = start + rng.int(8 * 60, 17 * 60) * MIN;
    const req = orderFor(rng, ctx.catalogue, at, { unitIds: taskable, gridOfficers });
    const to = recipientsOf(ctx, req.target);
    if (!to.ok) continue;
    const ids = to.units.map((_, i) => `RW-${compact}-H${String(k + 1).padStart(2, '0')}${String(i + 1).padStart(2, '0')}`);
    const steps = to.units.map((u, i) => taskSteps(rng, ids[i]!, u, at, req.dueAt, req.requires, ctx));
    orders.push({ ids, at, by: rng.chance(0.7) ? 'community' : 'dispatcher', req: { commandId: 'history-order', ...req }, units: to.units, steps });
  }
  return { cases, orders };
}

function caseSteps(rng: Rng, ctx: CommunityContext, opened: number, mayEscalate: boolean, officerOf: (g: string) => Unit | undefined): Step[] {
  const steps: Step[] = [];
  let at = opened;
  const leader = 'community';
  const later = (median: number, sigma: number, min = 5 * MIN): number => (at += Math.max(min, Math.round(logNormal(rng, median, sigma))));
  const route = (tier: 1 | 2 | 3): void => {
    later(4 * H, 1.0);
    steps.push({ at, by: leader, apply: (input) => {
      const c = input.disputes.values().next().value!.value;
      const officer = tier === 1 ? officerOf(c.gridId) : undefined;
      const owner = officer ? { name: officer.name, unitId: officer.id } : { name: tier === 2 ? '社区警务队' : '矛盾纠纷调解中心' };
      return planRoute(ctx, input, c.id, { commandId: 'history', tier, owner });
    } });
  };
  const session = (result: 'success' | 'failed' | 'escalate'): void => {
    later(20 * H, 0.7, 30 * MIN);
    const heldAt = at - rng.int(10, 90) * MIN;
    steps.push({ at, by: leader, apply: (input) => planSession(ctx, input, idOf(input), { commandId: 'history', heldAt, participants: ['双方当事人', '社区民警'], result }) });
  };
  let tier = pickTier(rng, mayEscalate);
  for (let round = 0; round < 2; round++) {
    route(tier);
    let failures = 0;
    let outcome: 'success' | 'given_up' = 'given_up';
    for (let s = 0; s < 6; s++) {
      const r = sessionResult(rng, tier);
      session(r);
      if (r === 'success') { outcome = 'success'; break; }
      if (r === 'escalate') { tier = (tier + 1) as 1 | 2 | 3; route(tier); continue; }
      failures++;
      if (!tryAgainAfterFailure(rng, failures)) break;
    }
    if (outcome === 'given_up') {
      later(2 * H, 0.8);
      const reason = rng.pick(GIVE_UP_REASONS);
      steps.push({ at, by: leader, apply: (input) => planClose(ctx, input, idOf(input), reason) });
      return steps;
    }
    later(3 * 24 * H, 0.5, H);
    const satisfaction = satisfactionAt(rng);
    const recurred = recurredAt(rng, satisfaction);
    steps.push({ at, by: leader, apply: (input) => planFollowup(ctx, input, idOf(input), { commandId: 'history', satisfaction, recurred }) });
    if (!recurred) {
      later(6 * H, 1.0);
      steps.push({ at, by: leader, apply: (input) => planClose(ctx, input, idOf(input), undefined) });
      return steps;
    }
    tier = 2; // a dispute that came back goes to the community team
  }
  return steps;
}

const idOf = (input: PlanInput): string => input.disputes.keys().next().value!;

function taskSteps(rng: Rng, id: string, unit: Unit, orderedAt: number, dueAt: number, requires: PlannedOrder['req']['requires'], ctx: CommunityContext): Step[] {
  const steps: Step[] = [];
  if (rng.chance(0.006)) {
    // Withdrawn before anyone acted on it (the place closed, a duplicate order): not counted as due.
    const at = orderedAt + rng.int(30, 240) * MIN;
    steps.push({ at, by: 'community', apply: (input) => planCancelTask(input, id, '任务重复，撤销') });
    return steps;
  }
  let at = orderedAt + Math.max(MIN, Math.round(logNormal(rng, 15 * MIN, 0.8)));
  const where = unit.home ? { lng: unit.home[0], lat: unit.home[1] } : { lng: 116.69, lat: 39.07 };
  steps.push({ at, by: unit.id, apply: (input) => planAccept(input, id, undefined) });
  at = Math.max(at + MIN, orderedAt + Math.round((dueAt - orderedAt) * feedbackShare(rng)));
  for (let round = 0; round < 3; round++) {
    const fb = feedbackFor(rng, requires, where);
    steps.push({ at, by: unit.id, apply: (input) => planFeedback(input, id, undefined, fb) });
    at += Math.max(10 * MIN, Math.round(logNormal(rng, 3 * H, 0.7)));
    const back = round < 2 && returnForRework(rng);
    const reason = rng.pick(REWORK_REASONS);
    steps.push({ at, by: 'community', apply: (input) => planReview(input, id, back ? 'returned' : 'accepted', back ? reason : undefined) });
    if (!back) break;
    at += Math.max(30 * MIN, Math.round(logNormal(rng, 4 * H, 0.6)));
  }
  void ctx;
  return steps;
}

/** Applies the steps not yet taken (and due by `now`) to a stored document or a new one; null when nothing changes. */
function advance<T extends { timeline: unknown[] }>(
  start: T, taken: number, steps: Step[], now: number, input: (state: T, s: Step) => PlanInput, pickAfter: (o: PlanOutcome & { ok: true }) => T | undefined,
): { state: T; refused: number } {
  let state = start;
  for (const s of steps.slice(taken - 1)) {
    if (s.at > now) break;
    const out = s.apply(input(state, s));
    if (!out.ok) return { state, refused: 1 };
    const next = pickAfter(out);
    if (!next) break;
    state = next;
  }
  return { state, refused: 0 };
}

async function pool<T>(items: readonly T[], n: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

export async function seedCommunityHistory(repo: CommunityRepository, ctx: CommunityContext, opts: CommunityHistoryOptions): Promise<CommunityHistoryResult> {
  const started = performance.now();
  const byDay = new Map<string, PlannedIncident[]>();
  for (const p of opts.incidents) {
    const d = localDayOf(p.reportedAt, opts.timeZone);
    let list = byDay.get(d);
    if (!list) byDay.set(d, (list = []));
    list.push(p);
  }
  const cases: PlannedCase[] = [];
  const orders: PlannedOrder[] = [];
  for (const day of opts.days) {
    const plan = planCommunityDay(day, ctx, { seed: opts.seed, timeZone: opts.timeZone, incidents: byDay.get(day) ?? [] });
    cases.push(...plan.cases.filter((c) => c.at <= opts.now));
    // Orders whose tasks have all finished by now: history delivers nothing to terminals (the live demo orders its own).
    orders.push(...plan.orders.filter((o) => o.steps.every((s) => (s.at(-1)?.at ?? o.at) <= opts.now)));
  }
  const result: CommunityHistoryResult = { cases: cases.length, casesWritten: 0, tasks: orders.reduce((n, o) => n + o.ids.length, 0), tasksWritten: 0, refusedSteps: 0, ms: 0 };
  const n = opts.concurrency ?? 32;
  await pool(cases, n, async (p) => { if (await writeCase(repo, ctx, p, opts.now, result)) result.casesWritten++; });
  await pool(orders, n, async (o) => { const written = await writeOrder(repo, o, opts.now, result); result.tasksWritten += written; });
  result.ms = Math.round(performance.now() - started);
  return result;
}

const disputeInput = (c: DisputeCase, s: Step): PlanInput => ({ actor: { by: s.by, at: s.at }, disputes: new Map([[c.id, { raw: '', value: c }]]), tasks: new Map() });
const taskInput = (t: CommunityTask, s: Step): PlanInput => ({ actor: { by: s.by, at: s.at }, disputes: new Map(), tasks: new Map([[t.id, { raw: '', value: t }]]) });

async function writeCase(repo: CommunityRepository, ctx: CommunityContext, p: PlannedCase, now: number, result: CommunityHistoryResult): Promise<boolean> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const stored = (await repo.readDisputes([p.id])).get(p.id) ?? null;
    let start: DisputeCase;
    let extra: Partial<PlannedWrite> = {};
    if (stored) {
      start = stored.value;
    } else {
      const input: PlanInput = { actor: { by: p.by, at: p.at }, disputes: new Map(), tasks: new Map() };
      const opened = await planOpenDispute(ctx, input, p.id, p.req, {
        incident: (id) => repo.readIncident(id),
        repeatsOf: async (keys, since) => {
          const fingerprints = keys.map((k) => repo.fingerprint(k));
          // Only cases opened before this one: a rerun finds the same repeats as the first run.
          return { fingerprints, ids: (await repo.repeatsOf(fingerprints, since, 20)).filter((id) => id < p.id) };
        },
      });
      if (!opened.ok) { result.refusedSteps++; return false; } // e.g. the incident was turned into a case by hand meanwhile
      start = opened.answer.dispute!;
      extra = opened.write;
    }
    const { state, refused } = advance(start, start.timeline.length, p.steps, now, disputeInput, (o) => o.answer.dispute);
    result.refusedSteps += stored ? 0 : refused;
    if (stored && state === start) return false;
    const out = await repo.commit({
      now: state.updatedAt, disputes: [{ before: stored, after: state }], tasks: [], notices: [], result: '{}',
      ...(extra.incident ? { incident: extra.incident } : {}), ...(extra.repeatFingerprints ? { repeatFingerprints: extra.repeatFingerprints } : {}),
    });
    if (out.kind === 'ok') return true;
  }
  throw new Error(`history: dispute ${p.id}: too many concurrent changes`);
}

async function writeOrder(repo: CommunityRepository, o: PlannedOrder, now: number, result: CommunityHistoryResult): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const stored = await repo.readTasks(o.ids);
    let fresh: CommunityTask[] = [];
    if (stored.size === 0) {
      const planned = planOrder({ actor: { by: o.by, at: o.at }, disputes: new Map(), tasks: new Map() }, o.req, o.units, o.ids, `B-${o.ids[0]}`);
      if (!planned.ok) { result.refusedSteps++; return 0; }
      fresh = planned.answer.tasks!;
    }
    const writes: { before: Read<CommunityTask> | null; after: CommunityTask }[] = [];
    o.ids.forEach((id, i) => {
      const before = stored.get(id) ?? null;
      const start = before?.value ?? fresh[i];
      if (!start) return;
      const { state, refused } = advance(start, start.timeline.length, o.steps[i]!, now, taskInput, (x) => x.answer.tasks?.[0]);
      if (!before) result.refusedSteps += refused;
      if (!before || state !== start) writes.push({ before, after: state });
    });
    if (writes.length === 0) return 0;
    // History's tasks were told to their terminals long ago: no notices now.
    const out = await repo.commit({ now: Math.max(...writes.map((w) => w.after.updatedAt)), disputes: [], tasks: writes, notices: [], result: '{}' });
    if (out.kind === 'ok') return writes.filter((w) => !w.before).length;
  }
  throw new Error(`history: order ${o.ids[0]}: too many concurrent changes`);
}
