// The brute-force recount the figures are checked against (tests only): every figure written again from the raw
// cases and tasks of GET /api/disputes and GET /api/tasks, not from the counting code in shared/community/figures.ts.
import { stageBin, type CommunityTask, type DisputeCase } from '@ccr/shared';

export const pick = (o: object, keys: string[]): Record<string, unknown> => Object.fromEntries(keys.map((k) => [k, (o as Record<string, unknown>)[k]]));

// --- the brute-force recount: written from the raw records, not from the counting code ---------------------------

export function recountDisputes(cases: DisputeCase[]) {
  const rate = (a: number, b: number) => (b === 0 ? null : a / b);
  const rows = (key: (c: DisputeCase) => string | null) => {
    const out: Record<string, { mediated: number; succeeded: number; successRate: number | null }> = {};
    for (const c of cases) {
      const k = key(c);
      if (k === null) continue;
      const row = (out[k] ??= { mediated: 0, succeeded: 0, successRate: null });
      row.mediated += 1;
      if (resolved(c)) row.succeeded += 1;
      row.successRate = rate(row.succeeded, row.mediated);
    }
    return out;
  };
  const lastConcluded = (c: DisputeCase) => [...c.sessions].reverse().find((s) => s.result !== 'escalate');
  const reopenedAt = (c: DisputeCase) => Math.max(0, ...c.timeline.slice(1).filter((e) => e.status === 'accepted').map((e) => e.at));
  const resolved = (c: DisputeCase) => { const s = lastConcluded(c); return !!s && s.result === 'success' && s.at > reopenedAt(c); };
  const mediated = cases.filter((c) => lastConcluded(c));
  const succeeded = cases.filter(resolved);
  const fus = cases.flatMap((c) => c.followups);
  const late = { route: 0, session: 0, followup: 0 };
  const spent: Record<keyof typeof late, number[]> = { route: [], session: [], followup: [] };
  for (const c of cases) {
    c.timeline.forEach((e, i) => {
      const next = c.timeline[i + 1];
      const stage = { accepted: 'route', escalated: 'route', routed: 'session', mediating: 'session', mediated: 'followup' }[e.status as string] as keyof typeof late | undefined;
      if (next && stage && e.dueAt !== undefined && next.at > e.dueAt) late[stage] += 1;
      if (next && stage) spent[stage].push(next.at - e.at);
    });
  }
  const mean = (xs: number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);
  // The lower median of the raw times, shown as its bin (whole minutes, rounded up to the bin's bound).
  const median = (xs: number[]) => (xs.length === 0 ? null : stageBin([...xs].sort((a, b) => a - b)[Math.ceil(xs.length / 2) - 1]!) * 60_000);
  const tally = (key: (c: DisputeCase) => string) => {
    const out: Record<string, number> = {};
    for (const c of cases) out[key(c)] = (out[key(c)] ?? 0) + 1;
    return out;
  };
  const sat = fus.filter((f) => f.satisfaction === 'satisfied').length;
  const basic = fus.filter((f) => f.satisfaction === 'basic').length;
  return {
    cases: cases.length, mayEscalate: cases.filter((c) => c.mayEscalate).length,
    mediated: mediated.length, succeeded: succeeded.length, successRate: rate(succeeded.length, mediated.length),
    byTier: rows((c) => (lastConcluded(c) ? String(lastConcluded(c)!.tier) : null)),
    byCategory: rows((c) => (lastConcluded(c) ? c.category : null)),
    byGrid: rows((c) => (lastConcluded(c) ? c.gridId : null)),
    tier1Share: rate(succeeded.filter((c) => lastConcluded(c)!.tier === 1).length, succeeded.length),
    escalations: cases.reduce((n, c) => n + c.sessions.filter((s) => s.result === 'escalate').length, 0),
    followups: fus.length,
    satisfaction: { satisfied: sat, basic, dissatisfied: fus.length - sat - basic, rate: rate(sat + basic, fus.length) },
    recurred: cases.filter((c) => c.reopened > 0).length,
    recurrenceRate: rate(cases.filter((c) => c.reopened > 0).length, cases.length),
    byRisk: tally((c) => c.riskLevel), casesByCategory: tally((c) => c.category), casesByGrid: tally((c) => c.gridId),
    avgStageMs: { route: mean(spent.route), session: mean(spent.session), followup: mean(spent.followup) },
    medianStageMs: { route: median(spent.route), session: median(spent.session), followup: median(spent.followup) },
    closed: cases.filter((c) => c.status === 'closed').length,
    closedWithoutFollowup: cases.filter((c) => c.status === 'closed' && c.closeReason !== undefined).length,
    lateStages: late,
  };
}

export function recountTasks(all: CommunityTask[]) {
  const tasks = all.filter((t) => t.status !== 'cancelled');
  const rate = (a: number, b: number) => (b === 0 ? null : a / b);
  const rows = (key: (t: CommunityTask) => string) => {
    const out: Record<string, { due: number; done: number; onTime: number; completionRate: number | null }> = {};
    for (const t of tasks) {
      const row = (out[key(t)] ??= { due: 0, done: 0, onTime: 0, completionRate: null });
      row.due += 1;
      if (t.status === 'done') row.done += 1;
      if (t.status === 'done' && t.feedback.at(-1)!.at <= t.dueAt) row.onTime += 1;
      row.completionRate = rate(row.onTime, row.due);
    }
    return out;
  };
  const onTime = tasks.filter((t) => t.status === 'done' && t.feedback.at(-1)!.at <= t.dueAt).length;
  return {
    due: tasks.length, done: tasks.filter((t) => t.status === 'done').length, onTime, completionRate: rate(onTime, tasks.length),
    returned: tasks.reduce((n, t) => n + t.reviews.filter((r) => r.verdict === 'returned').length, 0),
    byTeam: rows((t) => t.assignee.team ?? 'none'), byGrid: rows((t) => t.assignee.gridId ?? 'none'), byCategory: rows((t) => t.category),
  };
}
