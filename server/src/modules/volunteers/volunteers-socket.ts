// 群防群治 on the terminals. A volunteer's phone connects to the namespace /volunteer (volunteer tokens only, room
// `v:<id>`): it is told its profile and every broadcast search for it until it acknowledges, reports where it is,
// sends clues and sightings and, on a 护学岗 team, checks in. Unit terminals (officers, emergency units) get the same
// searches on /device (their unit's room) and acknowledge and report sightings there. One preamble for every event:
// ack present → allowed (session still valid, role) → payload checked → act → answer.
import {
  DEVICE_NAMESPACE, GuardCheckInSchema, SearchAckSchema, type SearchNoticeSchema, SightingReportSchema, SightingSchema, VOLUNTEER_NAMESPACE, VolunteerClueSchema, VolunteerHereSchema,
  ackError, compileChecker, invalidEvent, unitRecipient, volunteerRecipient,
  type AckError, type Role, type SessionUser, type Sighting, type Volunteer, type VolunteerProfile,
} from '@ccr/shared';
import type { TSchema, Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Namespace, Socket } from 'socket.io';
import type { Counter } from 'prom-client';
import type { RedisClient } from '../../plugins/redis.js';
import { requestHash } from '../dispatch/dispatch-commands.js';
import { unitRoom } from '../dispatch/device-channel.js';
import { InboxPusher } from '../delivery/inbox.js';
import type { VolunteersRepository } from './volunteers-repository.js';
import type { Outcome, VolunteerService } from './volunteers-service.js';
import { parseClue } from './volunteers-routes.js';

type Reply = (res: { ok: true; data: unknown } | { ok: false; error: AckError }) => void;

export interface VolunteerSocketDeps {
  service: VolunteerService;
  repo: VolunteersRepository;
  refused: Counter<'action' | 'reason'>;
  subscriber: RedisClient;
}

/** Who is speaking on a socket: a volunteer (their roster entry) or a unit terminal. */
interface Speaker { user: SessionUser; recipient: string; name: string; volunteer?: Volunteer }

export class VolunteerSockets {
  private readonly vol: Namespace;
  private readonly dev: Namespace;
  private readonly pusher: InboxPusher<typeof SearchNoticeSchema>;

  constructor(private readonly app: FastifyInstance, private readonly deps: VolunteerSocketDeps) {
    this.vol = app.io.of(VOLUNTEER_NAMESPACE);
    this.vol.use(app.auth.socketGuard(['volunteer']));
    // /device and its guard are the dispatch module's; this adds the search events.
    this.dev = app.io.of(DEVICE_NAMESPACE);
    this.pusher = new InboxPusher(deps.repo.inbox, (r) => (r.startsWith('v:') ? { nsp: this.vol, room: r } : r.startsWith('u:') ? { nsp: this.dev, room: unitRoom(r.slice(2)) } : null), 'search:issued', app.log);
    this.vol.on('connection', (s) => void this.volunteerConnected(s));
    this.dev.on('connection', (s) => void this.deviceConnected(s));
  }

  async start(): Promise<void> { await this.pusher.start(this.deps.subscriber); }
  stop(): void {
    this.pusher.stop();
    this.vol.disconnectSockets(true);
  }

  private async volunteerConnected(socket: Socket): Promise<void> {
    const user = (socket.data as { user?: SessionUser }).user;
    const v = user?.volunteerId ? this.deps.service.volunteers.get(user.volunteerId) : undefined;
    if (!user || !v) return void socket.disconnect(true);
    const speaker: Speaker = { user, recipient: volunteerRecipient(v.id), name: v.name, volunteer: v };
    await socket.join(speaker.recipient);
    this.bind(socket, speaker, ['volunteer']);
    const team = this.deps.service.units.get(v.teamId);
    const profile: VolunteerProfile = { id: v.id, name: v.name, teamId: v.teamId, teamName: team?.name ?? v.teamId, volunteerKind: team?.volunteerKind ?? null, gridId: v.gridId ?? team?.gridId ?? null };
    socket.emit('volunteer:profile', profile);
    await this.pusher.sendPending(socket, speaker.recipient);
  }

  private async deviceConnected(socket: Socket): Promise<void> {
    const user = (socket.data as { user?: SessionUser }).user;
    if (!user?.unitId || user.role !== 'device') return; // the dispatch channel disconnects it
    const speaker: Speaker = { user, recipient: unitRecipient(user.unitId), name: this.deps.service.units.get(user.unitId)?.name ?? user.unitId };
    await socket.join(unitRoom(user.unitId));
    this.bind(socket, speaker, ['device']);
    await this.pusher.sendPending(socket, speaker.recipient);
  }

  private bind(socket: Socket, sp: Speaker, roles: readonly Role[]): void {
    const on = <S extends TSchema>(event: string, schema: S, act: (v: Static<S>) => Promise<Outcome<unknown> | { ok: true; value: unknown }>, target: (v: Static<S>) => string) => {
      const check = compileChecker(schema);
      socket.on(event, (req: unknown, ack: unknown) => void (async () => {
        if (typeof ack !== 'function') return void this.deps.refused.inc({ action: event, reason: 'no_ack' });
        const reply = ack as Reply;
        const refuse = (e: AckError) => { this.deps.refused.inc({ action: event, reason: e.code }); reply({ ok: false, error: e }); };
        const access = await this.app.auth.socketAccess(socket, roles, event);
        if (!access.ok) {
          return refuse(access.code === 'unavailable' ? ackError('unavailable', {}, 'unavailable, retry shortly')
            : access.code === 'unauthorized' ? ackError('unauthorized', {}, 'the session has ended: log in again') : ackError('forbidden', {}, 'not allowed'));
        }
        const c = check.validate(req);
        if (!c.ok) return refuse(invalidEvent(event, c.errors));
        const audit = (outcome: 'ok' | 'refused' | 'error', detail: Record<string, unknown>) => this.app.audit.record({
          user: sp.user.username, role: sp.user.role, action: event.replace(':', '.'), target: target(c.value), outcome, detail,
        });
        try {
          const out = await act(c.value);
          if (!out.ok) {
            await audit('refused', { error: out.error.error, message: out.error.message });
            return refuse({ code: out.error.error, params: out.error.params, message: out.error.message });
          }
          // A position (volunteer:here) is neither audited nor waited for: the next one supersedes it.
          if (event !== 'volunteer:here') {
            await audit('ok', 'replayed' in out && out.replayed ? { replayed: true } : {});
            await this.app.redis.replicated(this.app.log);
          }
          reply({ ok: true, data: out.value });
        } catch (err) {
          this.app.log.error({ err: (err as Error).message, event }, 'volunteer event failed');
          await audit('error', { error: (err as Error).message }).catch(() => undefined);
          refuse(ackError('unavailable', {}, 'unavailable, retry shortly'));
        }
      })());
    };
    const svc = this.deps.service;
    const v = sp.volunteer;
    on('search:acknowledge', SearchAckSchema, (b) => svc.acknowledgeSearch(b.searchId, sp.recipient, Date.now(), b.status), (b) => `search:${b.searchId}`);
    on('search:sighting', SightingReportSchema, (b) => svc.reportSighting(b, sp.recipient, sp.name, Date.now(),
      { id: b.commandId, bodyHash: requestHash('search.sighting', sp.recipient, b) }, parseSighting), (b) => `search:${b.searchId}`);
    if (!v) return;
    on('volunteer:here', VolunteerHereSchema, async (b) => {
      const at = Date.now();
      await this.deps.repo.saveHere(v.id, b.lng, b.lat, at);
      return { ok: true, value: { at } };
    }, () => `volunteer:${v.id}`);
    on('clue:report', VolunteerClueSchema, (b) => svc.reportClue(
      { source: 'volunteer', text: b.text, lng: b.lng, lat: b.lat, reporter: { volunteerId: v.id, name: v.name, teamId: v.teamId } },
      Date.now(), { id: b.commandId, bodyHash: requestHash('clue.report', v.id, b) }, parseClue,
    ).then((o) => (o.ok ? { ...o, value: { clue: o.value } } : o)), () => `volunteer:${v.id}`);
    on('guard:check-in', GuardCheckInSchema, (b) => svc.checkIn(v, Date.now(), { id: b.commandId, bodyHash: requestHash('guard.check-in', v.id, b) }), () => `team:${v.teamId}`);
  }
}

const checkStoredSighting = compileChecker(SightingSchema);
function parseSighting(j: string): Sighting {
  const c = checkStoredSighting.validate(JSON.parse(j));
  if (!c.ok) throw new Error(`stored sighting: ${c.errors.join('; ')}`);
  return c.value;
}
