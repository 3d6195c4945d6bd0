// The demo's dispatcher (模拟调度员): without one, an unattended demo piles incidents up as 待派警 for ever.
// A separate client of the public HTTP API, exactly like a person at /dispatch:
//   POST /api/auth/login { username, password } → { token, expiresAt }; POST /api/auth/refresh before expiresAt
//   GET  /api/incidents?status=open                               every few seconds
//   GET  /api/incidents/:id/recommendations                       a received incident, after a human grace period
//   POST /api/incidents/:id/dispatch { unitIds: [best], commandId } 409 (unit taken) → the next candidate next round
//   POST /api/incidents/:id/alert-emergency-units { ring: 1 }     priority 1: the 1-minute call-out
//   POST /api/incidents/:id/merge { intoIncidentId, commandId }    a suspected duplicate (疑似重复), after the grace:
//                                                                  into the incident it repeats, never dispatched
//   POST /api/incidents/:id/not-duplicate { commandId }           …when that merge is refused (the original closed)
//   POST /api/incidents/:id/close { outcome, commandId }          a resolved incident, after a short delay
//   POST /api/disputes { source: 'incident', incidentId, … }      转矛盾纠纷: a dispute not settled on the spot
// The simulated units (devices.ts) do the rest: drive there, are seen on scene, report resolved. What to act
// on and which outcome are pure functions below; a round only talks. The session (login, renewal, the polling loop,
// back-off while the server is away, one line per kind of trouble) is desk-session.ts's, as for the other desk people.
import { randomUUID } from 'node:crypto';
import { DEFAULT_RESPONSE_TARGETS, PRIORITIES, isSuspectedDuplicate } from '@ccr/shared';
import type { Candidate, Incident, IncidentStatus, IncidentType, Outcome, Priority, Recommendation, TargetsByPriority } from '@ccr/shared';
import { type Rng, disputeFromIncident } from '@ccr/shared/demo';
import { startDeskSession, type DeskApi, type DeskCall } from './desk-session.js';

// --- decisions (pure) ------------------------------------------------------------------------------

/** Share of each priority's dispatch target a person at /dispatch is left before the auto-dispatcher steps in.
 *  A grace equal to the target (it was 60 s, the P1 target) showed every unattended P1 late; at 40 % the
 *  dispatcher's look at the board, the ranking and the command fit well inside it. */
export const GRACE_SHARE_OF_TARGET = 0.4;

/** Grace per priority, or one for all (tests). */
export type Grace = number | Readonly<Record<Priority, number>>;
export const graceFor = (g: Grace, priority: Priority): number => (typeof g === 'number' ? g : g[priority]);

/**
 * The grace period a person at /dispatch gets per priority: GRACE_SHARE_OF_TARGET of its dispatch target in
 * simulated time (÷ time scale); `afterS` of real time when given, but never more than that share, so the demo's
 * dispatcher acts well inside every target.
 */
export function graceMs(afterS: number | undefined, timeScale: number, targets: TargetsByPriority = DEFAULT_RESPONSE_TARGETS): Record<Priority, number> {
  const out = {} as Record<Priority, number>;
  for (const p of PRIORITIES) {
    const cap = (targets[p].dispatchMs * GRACE_SHARE_OF_TARGET) / timeScale;
    out[p] = Math.round(afterS === undefined ? cap : Math.min(afterS * 1000, cap));
  }
  return out;
}

/** The dispatcher's pace for a run: the grace periods, a resolved incident's wait before it is closed (two
 *  simulated minutes of paperwork), and the time between looks at the board (up to 3 s, at most a fifth of the
 *  shortest grace so the look itself does not eat the margin). */
export function autoDispatchTimings(afterS: number | undefined, timeScale: number, targets: TargetsByPriority = DEFAULT_RESPONSE_TARGETS): { graceMs: Record<Priority, number>; closeAfterMs: number; pollMs: number } {
  const grace = graceMs(afterS, timeScale, targets);
  const shortest = Math.min(...PRIORITIES.map((p) => grace[p]));
  return { graceMs: grace, closeAfterMs: Math.round(120_000 / timeScale), pollMs: Math.min(3_000, Math.max(250, Math.round(shortest / 5))) };
}

/** When the incident last entered `status` (its timeline), else when it was last changed. */
export function sinceStatus(incident: Incident, status: IncidentStatus): number {
  for (let k = incident.timeline.length - 1; k >= 0; k--) {
    const e = incident.timeline[k]!;
    if (e.status === status) return e.at;
  }
  return status === 'received' ? incident.receivedAt : incident.updatedAt;
}

export interface DueWork {
  /** Received and waited out the grace period: most urgent first, then longest waiting. Never a suspected
   *  duplicate: sending a second unit to one event is the fault the flag exists to prevent. */
  dispatch: Incident[];
  /** Suspected duplicates that waited out the grace period: merged into what they repeat, as a person would. */
  merge: Incident[];
  /** Resolved a while ago: to be closed, longest waiting first. */
  close: Incident[];
}

export function dueWork(incidents: readonly Incident[], now: number, s: { graceMs: Grace; closeAfterMs: number }): DueWork {
  const due = incidents
    .filter((i) => i.status === 'received' && now - sinceStatus(i, 'received') >= graceFor(s.graceMs, i.priority))
    .sort((a, b) => a.priority - b.priority || sinceStatus(a, 'received') - sinceStatus(b, 'received') || a.id.localeCompare(b.id));
  const dispatch = due.filter((i) => !isSuspectedDuplicate(i));
  const merge = due.filter(isSuspectedDuplicate);
  const close = incidents
    .filter((i) => i.status === 'resolved' && now - sinceStatus(i, 'resolved') >= s.closeAfterMs)
    .sort((a, b) => sinceStatus(a, 'resolved') - sinceStatus(b, 'resolved') || a.id.localeCompare(b.id));
  return { dispatch, merge, close };
}

/** The best-ranked candidate not refused earlier for this incident. */
export function pickCandidate(candidates: readonly Candidate[], refused: ReadonlySet<string>): Candidate | undefined {
  return candidates.find((c) => c.status === 'available' && !refused.has(c.unitId));
}

/** How incidents of each type plausibly end (weights sum to 1). Mediation outcomes only for quarrels. */
export const OUTCOME_WEIGHTS: Readonly<Record<IncidentType, readonly (readonly [Outcome, number])[]>> = {
  theft: [['case_filed', 0.85], ['handled_on_scene', 0.1], ['false_alarm', 0.05]],
  fraud: [['case_filed', 0.9], ['transferred', 0.05], ['false_alarm', 0.05]],
  fight: [['handled_on_scene', 0.5], ['case_filed', 0.4], ['mediated', 0.05], ['false_alarm', 0.05]],
  public_order: [['handled_on_scene', 0.8], ['case_filed', 0.1], ['false_alarm', 0.1]],
  dispute: [['mediated', 0.75], ['mediation_failed', 0.15], ['transferred', 0.05], ['false_alarm', 0.05]],
  missing_person: [['handled_on_scene', 0.85], ['transferred', 0.1], ['false_alarm', 0.05]],
  traffic: [['handled_on_scene', 0.85], ['transferred', 0.1], ['false_alarm', 0.05]],
  hazard: [['handled_on_scene', 0.8], ['transferred', 0.15], ['false_alarm', 0.05]],
  help: [['handled_on_scene', 0.9], ['transferred', 0.05], ['false_alarm', 0.05]],
  other: [['handled_on_scene', 0.6], ['no_action', 0.2], ['transferred', 0.1], ['false_alarm', 0.1]],
};

/** The outcome for a uniform draw u in [0, 1). */
export function chooseOutcome(type: IncidentType, u: number): Outcome {
  const table = OUTCOME_WEIGHTS[type];
  let r = u;
  for (const [outcome, w] of table) {
    r -= w;
    if (r < 0) return outcome;
  }
  return table[0]![0];
}

// --- the dispatcher (I/O) ------------------------------------------------------------------------------

export interface AutoDispatcherOptions {
  /** Base URL of any server node. */
  serverUrl: string;
  /** A dispatch-role account; default the demo's `dispatcher`. */
  username?: string;
  password: string;
  /** How long a received incident is left to people first (per priority, or one for all). */
  graceMs: Grace;
  /** How long a resolved incident waits before it is closed. */
  closeAfterMs: number;
  /** Outcomes are drawn from this (seeded: the same run closes the same way). */
  rng: Rng;
  log?: (line: string) => void;
  /** Between rounds; default 3 s. */
  pollMs?: number;
  /** Back-off while the server is away: first delay, doubled per failure up to the maximum. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** A token this close to its expiry is renewed; default 10 minutes (or half its life if shorter). */
  renewBeforeMs?: number;
  requestTimeoutMs?: number;
}

export interface AutoDispatchStats {
  logins: number;
  renewals: number;
  rounds: number;
  dispatched: number;
  /** 409s: the unit was taken meanwhile, or the incident had moved on. */
  conflicts: number;
  alerted: number;
  closed: number;
  /** Suspected duplicates merged into the incident they repeat, and flags dismissed because that was refused. */
  merged: number;
  dismissed: number;
  /** Given up for good (the account refused the password): nothing more is tried. */
  stopped: boolean;
}

export interface AutoDispatcher {
  stats(): AutoDispatchStats;
  /** Stops after the request in flight (if any) and resolves when the loop has ended. */
  close(): Promise<void>;
}

/** An action intended once: its command id and body stay the same however often it is retried. */
interface Intent {
  action: 'dispatch' | 'alert-emergency-units' | 'close' | 'merge' | 'not-duplicate';
  commandId: string;
  body: Record<string, unknown>;
}

const message = (a: DeskCall): string => `HTTP ${a.status}${typeof a.body.message === 'string' ? ` ${a.body.message}` : ''}`;
// Written as a (Chinese-speaking) dispatcher writes a note: words of a person, shown as typed.
const NOTE = '模拟调度员自动派警（演示）';

export function startAutoDispatcher(options: AutoDispatcherOptions): AutoDispatcher {
  const log = options.log ?? (() => {});
  const username = options.username ?? 'dispatcher';
  const stats = { rounds: 0, dispatched: 0, conflicts: 0, alerted: 0, closed: 0, merged: 0, dismissed: 0 };
  let closed = false;
  let desk: DeskApi | undefined;
  /** A call as the dispatcher (the desk session's; a 401 ends the round and logs in again). */
  const api = (method: 'GET' | 'POST', path: string, body?: unknown): Promise<DeskCall | null> => desk!.call(method, path, body);

  // --- per-incident memory --------------------------------------------------------------------------
  /** incidentId → units refused (409) for it; a unit is tried again once every candidate was refused. */
  const refusedUnits = new Map<string, Set<string>>();
  /** incident:action → the intent not yet answered (network error or 5xx): retried with the same id. */
  const pending = new Map<string, Intent>();
  /** P1 incidents already called out (or refused a call-out). */
  const alerted = new Set<string>();
  /** Incidents with no candidate, told once. */
  const noCandidate = new Set<string>();

  const intent = (incidentId: string, action: Intent['action'], body: () => Record<string, unknown>): Intent => {
    const key = `${incidentId}:${action}`;
    let i = pending.get(key);
    if (!i) {
      i = { action, commandId: `auto-${randomUUID()}`, body: body() };
      pending.set(key, i);
    }
    return i;
  };

  /** Sends an intent. 'retry' keeps it pending (same command id next time); anything else settles it. */
  async function send(incidentId: string, i: Intent): Promise<{ kind: 'ok'; body: Record<string, unknown> } | { kind: 'conflict'; body: Record<string, unknown> } | { kind: 'refused'; text: string } | { kind: 'retry'; text: string }> {
    const a = await api('POST', `/api/incidents/${encodeURIComponent(incidentId)}/${i.action}`, { ...i.body, commandId: i.commandId });
    if (!a) return { kind: 'retry', text: 'server not available' };
    if (a.status >= 500 || a.status === 429) return { kind: 'retry', text: message(a) };
    pending.delete(`${incidentId}:${i.action}`);
    if (a.status === 200) return { kind: 'ok', body: a.body };
    if (a.status === 409) return { kind: 'conflict', body: a.body };
    return { kind: 'refused', text: message(a) };
  }

  /** A received incident past its grace period: the best unit, and for priority 1 the 1-minute call-out. */
  async function dispatch(incident: Incident): Promise<boolean> {
    const retried = pending.get(`${incident.id}:dispatch`);
    if (retried) {
      // Cut short by a network error: the same command again (one effect however often it arrives).
      if (!(await sendDispatch(incident, retried, undefined))) return false;
      return incident.priority !== 1 || alerted.has(incident.id) || callOut(incident);
    }
    const r = await api('GET', `/api/incidents/${encodeURIComponent(incident.id)}/recommendations`);
    if (!r || r.status >= 500 || r.status === 429) return false;
    if (r.status !== 200) {
      log(`auto-dispatch: ${incident.id}: no recommendations (${message(r)})`);
      return true;
    }
    const rec = r.body as unknown as Recommendation;
    let refused = refusedUnits.get(incident.id) ?? new Set<string>();
    let candidate = pickCandidate(rec.candidates ?? [], refused);
    if (!candidate && refused.size > 0) {
      // Every candidate was refused once: they may be free again by now.
      refused = new Set();
      refusedUnits.set(incident.id, refused);
      candidate = pickCandidate(rec.candidates ?? [], refused);
    }
    if (!candidate) {
      if (!noCandidate.has(incident.id)) {
        noCandidate.add(incident.id);
        log(`auto-dispatch: ${incident.id} P${incident.priority} ${incident.type}: no unit available; waiting`);
      }
    } else {
      noCandidate.delete(incident.id);
      const unitId = candidate.unitId;
      if (!(await sendDispatch(incident, intent(incident.id, 'dispatch', () => ({ unitIds: [unitId], note: NOTE })), candidate))) return false;
    }
    // The 1-3-5 mechanism: the nearest emergency units are called out at once, whether or not a unit was free.
    if (incident.priority === 1 && !alerted.has(incident.id)) {
      const ringOne = (rec.rings ?? []).find((ring) => ring.minutes === 1)?.units ?? [];
      if (ringOne.length > 0) return callOut(incident);
      alerted.add(incident.id);
      log(`auto-dispatch: ${incident.id} P1: no emergency unit within 1 minute's walk; no call-out`);
    }
    return true;
  }

  /** False when the server could not be reached (the intent stays pending). */
  async function sendDispatch(incident: Incident, chosen: Intent, candidate: Candidate | undefined): Promise<boolean> {
    const unitIds = chosen.body.unitIds as string[];
    const out = await send(incident.id, chosen);
    if (out.kind === 'retry') return false;
    if (out.kind === 'ok') {
      stats.dispatched++;
      refusedUnits.delete(incident.id);
      const eta = candidate ? ` (${(candidate.distanceMeters / 1000).toFixed(1)} km, ETA ${(candidate.etaSeconds / 60).toFixed(1)} min)` : '';
      log(`auto-dispatch: ${incident.id} P${incident.priority} ${incident.type} 派警 → ${unitIds.join(', ')}${eta}`);
    } else if (out.kind === 'conflict') {
      stats.conflicts++;
      const b = out.body;
      if (b.error === 'unit_unavailable' && typeof b.unitId === 'string') {
        let refused = refusedUnits.get(incident.id);
        if (!refused) refusedUnits.set(incident.id, (refused = new Set()));
        refused.add(b.unitId);
        log(`auto-dispatch: ${incident.id}: ${b.unitId} taken${typeof b.heldByIncidentId === 'string' ? ` by ${b.heldByIncidentId}` : ''}; next candidate next round`);
      } else {
        // Someone else acted first (a person at /dispatch): the next round reads where it stands.
        log(`auto-dispatch: ${incident.id}: ${String(b.error)} (${String(b.message ?? '')}); leaving it`);
      }
    } else {
      log(`auto-dispatch: ${incident.id}: dispatch refused (${out.text})`);
    }
    return true;
  }

  async function callOut(incident: Incident): Promise<boolean> {
    const out = await send(incident.id, intent(incident.id, 'alert-emergency-units', () => ({ ring: 1, note: NOTE })));
    if (out.kind === 'retry') return false;
    alerted.add(incident.id);
    if (out.kind === 'ok') {
      stats.alerted++;
      const units = ((out.body.units as { id: string; kind?: string }[] | undefined) ?? []).filter((u) => u.kind === 'emergency_unit').map((u) => u.id);
      log(`auto-dispatch: ${incident.id} P1 1-minute emergency call-out: ${units.length > 0 ? units.join(', ') : 'nobody new to call'}`);
    } else {
      log(`auto-dispatch: ${incident.id}: emergency call-out not made (${out.kind === 'conflict' ? String(out.body.message ?? out.body.error) : out.text})`);
    }
    return true;
  }

  /** A suspected duplicate: merged into what it repeats; when that is refused (the original was closed or
   *  cancelled meanwhile) the flag is dismissed, and the next round dispatches it like any other. */
  async function merge(incident: Incident): Promise<boolean> {
    const of = incident.suspectedDuplicate?.of;
    if (!of) return true;
    // A dismissal cut short by a network error is sent again (same command id) rather than a new merge.
    if (!pending.has(`${incident.id}:not-duplicate`)) {
      const out = await send(incident.id, intent(incident.id, 'merge', () => ({ intoIncidentId: of, note: NOTE })));
      if (out.kind === 'retry') return false;
      if (out.kind === 'ok') {
        stats.merged++;
        log(`auto-dispatch: ${incident.id} 疑似重复 合并 → ${of}`);
        return true;
      }
      log(`auto-dispatch: ${incident.id}: merge into ${of} refused (${out.kind === 'conflict' ? String(out.body.message ?? out.body.error) : out.text}); dismissing the flag`);
    }
    const dismissed = await send(incident.id, intent(incident.id, 'not-duplicate', () => ({ note: NOTE })));
    if (dismissed.kind === 'retry') return false;
    if (dismissed.kind === 'ok') stats.dismissed++;
    return true;
  }

  async function close(incident: Incident): Promise<boolean> {
    const i = intent(incident.id, 'close', () => ({ outcome: chooseOutcome(incident.type, options.rng.next()) }));
    const out = await send(incident.id, i);
    if (out.kind === 'retry') return false;
    if (out.kind === 'ok') {
      stats.closed++;
      log(`auto-dispatch: ${incident.id} ${incident.type} 办结: ${String(i.body.outcome)}`);
      // 转矛盾纠纷: a quarrel the officers could not settle on the spot (and now and then a settled one, for its
      // 回访) becomes a dispute case for the community team.
      if (incident.type === 'dispute' && (i.body.outcome === 'mediation_failed' || (i.body.outcome === 'mediated' && options.rng.chance(0.15)))) {
        const a = await api('POST', '/api/disputes', { commandId: `auto-${randomUUID()}`, ...disputeFromIncident(options.rng, incident) });
        if (a?.status === 200) log(`auto-dispatch: ${incident.id} 转矛盾纠纷 → ${String((a.body.dispute as { id?: string } | undefined)?.id ?? '')}`);
        else log(`auto-dispatch: ${incident.id}: 转矛盾纠纷 not made (${a ? message(a) : 'server not available'})`);
      }
    } else {
      log(`auto-dispatch: ${incident.id}: close refused (${out.kind === 'conflict' ? String(out.body.message ?? out.body.error) : out.text})`);
    }
    return true;
  }

  /** One look at the board; false when the server could not be reached (back off). */
  async function round(): Promise<boolean> {
    const a = await api('GET', '/api/incidents?status=open&limit=1000');
    if (!a) return false; // said by the session
    if (a.status !== 200) {
      desk!.noteTrouble(`cannot read open incidents (${message(a)}); trying again`);
      return false;
    }
    stats.rounds++;
    const incidents = (a.body.items as Incident[] | undefined) ?? [];
    const open = new Set(incidents.map((i) => i.id));
    // Forget incidents that are no longer open (an intent left pending for one is moot).
    for (const id of [...refusedUnits.keys()]) if (!open.has(id)) refusedUnits.delete(id);
    for (const id of [...alerted]) if (!open.has(id)) alerted.delete(id);
    for (const id of [...noCandidate]) if (!open.has(id)) noCandidate.delete(id);
    for (const key of [...pending.keys()]) if (!open.has(key.slice(0, key.lastIndexOf(':')))) pending.delete(key);

    const work = dueWork(incidents, Date.now(), { graceMs: options.graceMs, closeAfterMs: options.closeAfterMs });
    for (const incident of work.dispatch) {
      if (closed) return true;
      if (!(await dispatch(incident))) return false;
    }
    for (const incident of work.merge) {
      if (closed) return true;
      if (!(await merge(incident))) return false;
    }
    // A call-out cut short by a network error is sent again with its command id.
    for (const incident of incidents) {
      if (closed) return true;
      if (incident.priority === 1 && pending.has(`${incident.id}:alert-emergency-units`) && !alerted.has(incident.id)) {
        if (!(await callOut(incident))) return false;
      }
    }
    for (const incident of work.close) {
      if (closed) return true;
      if (!(await close(incident))) return false;
    }
    return true;
  }

  const session = startDeskSession({
    name: 'auto-dispatch', serverUrl: options.serverUrl, username, password: options.password, pollMs: options.pollMs ?? 3_000, log,
    ...(options.retryMinMs !== undefined ? { retryMinMs: options.retryMinMs } : {}),
    ...(options.retryMaxMs !== undefined ? { retryMaxMs: options.retryMaxMs } : {}),
    ...(options.renewBeforeMs !== undefined ? { renewBeforeMs: options.renewBeforeMs } : {}),
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    onLogin: (n) => {
      if (n === 1) log(`auto-dispatch: logged in as ${username} at ${options.serverUrl.replace(/\/+$/, '')}; received incidents left to people for ${PRIORITIES.map((p) => `P${p} ${(graceFor(options.graceMs, p) / 1000).toFixed(1)} s`).join(', ')}`);
    },
  }, (api) => { desk = api; return round(); });

  return {
    stats: () => ({ ...stats, ...session.counts(), stopped: session.stopped() }),
    async close() {
      closed = true;
      await session.close();
    },
  };
}
