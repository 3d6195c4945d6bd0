// 群防群治 commands: read → plan (pure rules from @ccr/shared) → one compare-and-set commit (volunteers-repository).
// A command id seen before answers its stored result and does nothing again; a document changed between the read
// and the commit is planned again from a fresh read.
import {
  GUARD_WINDOWS, SIGHTING_MAX_FROM_CENTRE_M, commandIdReused, guardWindowAt, haversineMeters, localDay, maskPhone, searchReach,
  unitRecipient, volunteerRecipient,
  type Clue, type ClueDismissReason, type GuardBoard, type GuardPost, type IncidentReport, type IncidentType, type Jurisdiction, type LngLat,
  type Priority, type ReachCandidate, type Search, type SearchNotice, type Sighting, type StartSearch, type Unit, type Volunteer,
} from '@ccr/shared';
import { guardPostState } from '@ccr/shared';
import type { VolunteersRepository, VolunteerWrite } from './volunteers-repository.js';
import type { VolunteerSettings } from './volunteers-settings.js';

export interface VolError { status: 400 | 403 | 404 | 409 | 429; error: string; params: Record<string, string | number>; message: string }
export type Outcome<T> = { ok: true; value: T; replayed: boolean } | { ok: false; error: VolError };
type Planned<T> = { ok: true; write: Omit<VolunteerWrite, 'now' | 'command' | 'result'>; answer: T } | { ok: false; error: VolError };

const MAX_ATTEMPTS = 25;
const err = (status: VolError['status'], error: string, params: VolError['params'], message: string): VolError => ({ status, error, params, message });
export const notFound = (subject: string, id: string): VolError => err(404, 'not_found', { subject, id }, `no ${subject} "${id}"`);

/** Records an incident the way the ingest path does (IncidentRecorder): the same rules, grid and statistics. */
export type RecordIncident = (report: IncidentReport, now: number) => Promise<unknown>;

export interface Actor { by: string; at: number }

export class VolunteerService {
  readonly volunteers: Map<string, Volunteer>;
  readonly units: Map<string, Unit>;

  constructor(
    private readonly repo: VolunteersRepository,
    readonly jurisdiction: Jurisdiction,
    readonly settings: VolunteerSettings,
    readonly timeZone: string,
    private readonly recordIncident: RecordIncident,
    private readonly taskExists: (id: string) => Promise<boolean>,
    private readonly unitPositions: () => Promise<Map<string, { lng: number; lat: number }>>,
  ) {
    this.volunteers = new Map((jurisdiction.volunteers ?? []).map((v) => [v.id, v]));
    this.units = new Map(jurisdiction.units.map((u) => [u.id, u]));
  }

  /** Runs one command: replay, plan, commit, retry on a concurrent change. `parse` reads a stored answer back. */
  private async run<T>(command: { id: string; bodyHash: string } | undefined, now: number, parse: (json: string) => T, plan: () => Promise<Planned<T>>): Promise<Outcome<T>> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (command) {
        const stored = await this.repo.readCommand(command.id);
        if (stored) {
          if (stored.bodyHash !== command.bodyHash) return { ok: false, error: { status: 409, ...commandIdReused(command.id) } };
          return { ok: true, value: parse(stored.result), replayed: true };
        }
      }
      const planned = await plan();
      if (!planned.ok) {
        if (command && (await this.repo.readCommand(command.id))) continue;
        return planned;
      }
      const result = JSON.stringify(planned.answer);
      const out = await this.repo.commit({ ...planned.write, now, ...(command ? { command } : {}), result });
      if (out.kind === 'ok') return { ok: true, value: planned.answer, replayed: false };
    }
    throw new Error(`volunteer command: too many concurrent changes (${MAX_ATTEMPTS} attempts)`);
  }

  // ── clues ────────────────────────────────────────────────────────────────────────────────────────────────

  async reportClue(input: Omit<Clue, 'id' | 'status' | 'receivedAt'>, now: number, command: { id: string; bodyHash: string } | undefined, parse: (j: string) => Clue): Promise<Outcome<Clue>> {
    let id: string | undefined;
    return this.run(command, now, parse, async () => {
      id ??= await this.repo.nextId('XS', localDay(now, this.timeZone));
      const clue: Clue = { ...input, id, status: 'open', receivedAt: now };
      return { ok: true, write: { clue: { before: null, after: clue } }, answer: clue };
    });
  }

  private decided(c: Clue): VolError {
    return err(409, 'clue_decided', { id: c.id, status: c.status }, `clue ${c.id} is already ${c.status}`);
  }

  /** The incident a clue becomes keeps the clue's source and reporter. */
  static incidentReportOf(c: Clue, type: IncidentType, priority: Priority, at: LngLat, teamName: string | undefined): IncidentReport {
    const reporter = c.source === 'public'
      ? `群众 ${c.reporter.phone ?? '匿名'}`
      : `${teamName ?? c.reporter.teamId ?? '义警'} ${c.reporter.name ?? c.reporter.volunteerId ?? ''}`.trim();
    return {
      id: `CL-${c.id}`, type, priority, lng: at[0], lat: at[1], reportedAt: c.receivedAt,
      source: c.source === 'public' ? 'online' : 'volunteer', summary: c.text.slice(0, 500), reporter: reporter.slice(0, 100),
      ...(c.address ? { address: c.address } : {}),
    };
  }

  async clueToIncident(id: string, body: { type: IncidentType; priority: Priority; lng?: number; lat?: number }, actor: Actor, command: { id: string; bodyHash: string }, parse: (j: string) => Clue): Promise<Outcome<Clue>> {
    const out = await this.run(command, actor.at, parse, async () => {
      const read = await this.repo.readClue(id);
      if (!read) return { ok: false, error: notFound('clue', id) };
      const c = read.value;
      if (c.status !== 'open') return { ok: false, error: this.decided(c) };
      const lng = body.lng ?? c.lng;
      const lat = body.lat ?? c.lat;
      if (lng === undefined || lat === undefined) return { ok: false, error: err(400, 'location_required', {}, 'the clue has no location: give lng and lat') };
      const after: Clue = { ...c, status: 'incident', incidentId: `CL-${c.id}`, decidedBy: actor.by, decidedAt: actor.at, ...(c.lng === undefined ? { lng, lat } : {}) };
      return { ok: true, write: { clue: { before: read, after } }, answer: after };
    });
    if (out.ok) {
      // After the clue is marked (and again on a replay, in case the first try failed after it): the report's id
      // is the clue's, so recording it twice changes nothing.
      const c = out.value;
      const team = c.reporter.teamId ? this.units.get(c.reporter.teamId)?.name : undefined;
      await this.recordIncident(VolunteerService.incidentReportOf(c, body.type, body.priority, [c.lng!, c.lat!], team), actor.at);
    }
    return out;
  }

  async clueToTask(id: string, taskId: string, actor: Actor, command: { id: string; bodyHash: string }, parse: (j: string) => Clue): Promise<Outcome<Clue>> {
    return this.run(command, actor.at, parse, async () => {
      const read = await this.repo.readClue(id);
      if (!read) return { ok: false, error: notFound('clue', id) };
      if (read.value.status !== 'open') return { ok: false, error: this.decided(read.value) };
      if (!(await this.taskExists(taskId))) return { ok: false, error: notFound('task', taskId) };
      const after: Clue = { ...read.value, status: 'task', taskId, decidedBy: actor.by, decidedAt: actor.at };
      return { ok: true, write: { clue: { before: read, after } }, answer: after };
    });
  }

  async dismissClue(id: string, reason: ClueDismissReason, actor: Actor, command: { id: string; bodyHash: string }, parse: (j: string) => Clue): Promise<Outcome<Clue>> {
    return this.run(command, actor.at, parse, async () => {
      const read = await this.repo.readClue(id);
      if (!read) return { ok: false, error: notFound('clue', id) };
      if (read.value.status !== 'open') return { ok: false, error: this.decided(read.value) };
      const after: Clue = { ...read.value, status: 'dismissed', dismissReason: reason, decidedBy: actor.by, decidedAt: actor.at };
      return { ok: true, write: { clue: { before: read, after } }, answer: after };
    });
  }

  // ── broadcast searches ───────────────────────────────────────────────────────────────────────────────────

  /** Everyone a broadcast could reach, with the position its radius is measured from. */
  async reachCandidates(now: number): Promise<ReachCandidate[]> {
    const here = await this.repo.freshHere(now);
    const fixes = await this.unitPositions();
    const out: ReachCandidate[] = [];
    for (const v of this.volunteers.values()) {
      const team = this.units.get(v.teamId);
      out.push({ recipient: volunteerRecipient(v.id), teamId: v.teamId, position: here.get(v.id) ?? v.home ?? team?.home ?? null });
    }
    for (const u of this.units.values()) {
      if (u.kind !== 'community_officer' && u.kind !== 'emergency_unit') continue;
      const f = fixes.get(u.id);
      out.push({ recipient: unitRecipient(u.id), kind: u.kind, position: f ? [f.lng, f.lat] : u.home ?? null });
    }
    return out;
  }

  private notice(s: Search, recipient: string, issuedAt: number): SearchNotice {
    return {
      noticeId: `${s.id}-${s.status}`, recipient, searchId: s.id, kind: s.kind, description: s.description, lng: s.lng, lat: s.lat,
      radiusM: s.radiusM, status: s.status, issuedAt,
    };
  }

  async startSearch(body: StartSearch, incident: { lng: number; lat: number }, actor: Actor, command: { id: string; bodyHash: string }, parse: (j: string) => Search): Promise<Outcome<Search>> {
    let id: string | undefined;
    for (const t of body.teams) {
      if (this.units.get(t)?.kind !== 'volunteer_team') return { ok: false, error: err(400, 'unknown_unit', { unitId: t }, `${t} is not a volunteer team`) };
    }
    return this.run(command, actor.at, parse, async () => {
      const recipients = searchReach([incident.lng, incident.lat], body.radiusM, body, await this.reachCandidates(actor.at));
      if (recipients.length === 0) return { ok: false, error: err(400, 'no_search_recipients', {}, 'nobody of the chosen teams and kinds is within the radius') };
      id ??= await this.repo.nextId('XC', localDay(actor.at, this.timeZone));
      const s: Search = {
        id, incidentId: body.incidentId, kind: body.kind, description: body.description, lng: incident.lng, lat: incident.lat, radiusM: body.radiusM,
        teams: body.teams, gridOfficers: body.gridOfficers, emergencyUnits: body.emergencyUnits, recipients, acks: {}, sightings: [],
        status: 'active', startedAt: actor.at, startedBy: actor.by,
      };
      return { ok: true, write: { search: { before: null, after: s }, notices: recipients.map((r) => this.notice(s, r, actor.at)) }, answer: s };
    });
  }

  async endSearch(id: string, how: 'found' | 'cancelled', actor: Actor, command: { id: string; bodyHash: string }, parse: (j: string) => Search): Promise<Outcome<Search>> {
    return this.run(command, actor.at, parse, async () => {
      const read = await this.repo.readSearch(id);
      if (!read) return { ok: false, error: notFound('search', id) };
      const s = read.value;
      if (s.status !== 'active') return { ok: false, error: err(409, 'search_ended', { id }, `search ${id} has ended (${s.status})`) };
      const after: Search = { ...s, status: how, endedAt: actor.at, endedBy: actor.by, ...(how === 'found' ? { timeToFoundMs: actor.at - s.startedAt } : {}) };
      return { ok: true, write: { search: { before: read, after }, notices: s.recipients.map((r) => this.notice(after, r, actor.at)) }, answer: after };
    });
  }

  /** A recipient acknowledges the notice of `seen` status (absent: all of the search's): it stops being sent; the
   *  first acknowledgement is recorded on the search. No command record: acknowledging again changes nothing more. */
  async acknowledgeSearch(searchId: string, recipient: string, now: number, seen?: Search['status']): Promise<Outcome<Search>> {
    const out = await this.run(undefined, now, () => { throw new Error('no command record to replay'); }, async () => {
      const read = await this.repo.readSearch(searchId);
      if (!read || !read.value.recipients.includes(recipient)) return { ok: false, error: err(404, 'not_recipient', { id: searchId }, `search ${searchId} was not sent to you`) };
      const s = read.value;
      if (s.acks[recipient] !== undefined || s.status !== 'active') return { ok: true, write: {}, answer: s };
      const after: Search = { ...s, acks: { ...s.acks, [recipient]: now } };
      return { ok: true, write: { search: { before: read, after } }, answer: after };
    });
    if (out.ok) {
      for (const st of seen === 'active' ? ['active'] : ['active', 'found', 'cancelled']) await this.repo.inbox.acknowledge(recipient, `${searchId}-${st}`);
    }
    return out;
  }

  async reportSighting(r: { searchId: string; lng: number; lat: number; text: string }, recipient: string, name: string, now: number, command: { id: string; bodyHash: string }, parse: (j: string) => Sighting): Promise<Outcome<Sighting>> {
    return this.run(command, now, parse, async () => {
      const read = await this.repo.readSearch(r.searchId);
      if (!read || !read.value.recipients.includes(recipient)) return { ok: false, error: err(404, 'not_recipient', { id: r.searchId }, `search ${r.searchId} was not sent to you`) };
      const s = read.value;
      if (s.status !== 'active') return { ok: false, error: err(409, 'search_ended', { id: s.id }, `search ${s.id} has ended (${s.status})`) };
      const d = haversineMeters([s.lng, s.lat], [r.lng, r.lat]);
      if (d > SIGHTING_MAX_FROM_CENTRE_M) return { ok: false, error: err(400, 'sighting_too_far', { km: Math.round(d / 1000) }, `a sighting ${Math.round(d / 1000)} km from the search is not plausible`) };
      if (s.sightings.length >= 500) return { ok: false, error: err(409, 'too_many_entries', { subject: 'search', id: s.id }, 'this search has 500 sightings') };
      const sighting: Sighting = { id: `${s.id}-S${s.sightings.length + 1}`, recipient, name, at: now, lng: r.lng, lat: r.lat, text: r.text };
      const acks = s.acks[recipient] === undefined ? { ...s.acks, [recipient]: now } : s.acks;
      const after: Search = { ...s, acks, sightings: [...s.sightings, sighting] };
      return { ok: true, write: { search: { before: read, after } }, answer: sighting };
    });
  }

  // ── 护学岗 ───────────────────────────────────────────────────────────────────────────────────────────────

  /** Local minute of day and day of an instant in the station's zone. */
  localMinute(now: number): { day: string; minute: number } {
    const parts = new Intl.DateTimeFormat('en-GB', { timeZone: this.timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(now);
    const h = Number(parts.find((p) => p.type === 'hour')?.value ?? 0);
    const m = Number(parts.find((p) => p.type === 'minute')?.value ?? 0);
    return { day: localDay(now, this.timeZone), minute: h * 60 + m };
  }

  guardTeams(): Unit[] {
    return [...this.units.values()].filter((u) => u.kind === 'volunteer_team' && u.volunteerKind === 'school_guard');
  }

  async checkIn(volunteer: Volunteer, now: number, command: { id: string; bodyHash: string }): Promise<Outcome<{ window: string }>> {
    const team = this.units.get(volunteer.teamId);
    if (team?.volunteerKind !== 'school_guard') return { ok: false, error: err(403, 'not_guard_post', {}, 'only a school-gate team (护学岗) checks in') };
    const { day, minute } = this.localMinute(now);
    const window = guardWindowAt(this.settings.guardWindows, minute);
    if (!window) return { ok: false, error: err(409, 'outside_guard_window', {}, 'check-in is open only in the morning and afternoon peak windows') };
    return this.run(command, now, (j) => JSON.parse(j) as { window: string }, async () => {
      const had = (await this.repo.guardCheckIns(day)).get(`${team.id}|${window}`);
      // The post's first check-in in a window stands; later ones by teammates are answered ok and change nothing.
      if (had) return { ok: true, write: {}, answer: { window } };
      return { ok: true, write: { guard: { day, teamId: team.id, window, at: now, by: volunteer.name } }, answer: { window } };
    });
  }

  async guardBoard(now: number): Promise<GuardBoard> {
    const { day, minute } = this.localMinute(now);
    const checkIns = await this.repo.guardCheckIns(day);
    const posts: GuardPost[] = this.guardTeams().map((u) => {
      const ci: GuardPost['checkIns'] = {};
      const states: GuardPost['states'] = {};
      for (const w of GUARD_WINDOWS) {
        const c = checkIns.get(`${u.id}|${w}`);
        if (c) ci[w] = c;
        states[w] = guardPostState(this.settings.guardWindows[w], minute, c ? this.localMinute(c.at).minute : null);
      }
      return { teamId: u.id, name: u.name, lng: u.home?.[0] ?? 0, lat: u.home?.[1] ?? 0, ...(u.gridId ? { gridId: u.gridId } : {}), checkIns: ci, states };
    });
    return { day, windows: this.settings.guardWindows, posts };
  }

  /** The public channel's reporter: a masked phone only. */
  static publicReporter(phone: string | undefined): Clue['reporter'] {
    return phone ? { phone: maskPhone(phone) } : {};
  }
}
