// Tasks on the unit terminals, over the same /device namespace, guard and rooms as dispatch orders (dispatch/
// device-channel.ts), delivered by the inbox (delivery/inbox.ts): a notice (ordered, returned for rework,
// cancelled) stays in Redis until the terminal acknowledges it, is pushed when issued, sent again on every
// (re)connect and again while unacknowledged — so a task ordered while a terminal was offline arrives when it
// connects. The terminal accepts its tasks and reports their feedback here too.
import {
  DEVICE_NAMESPACE, DeviceTaskAcceptSchema, DeviceTaskFeedbackSchema, TaskNoticeAckSchema, compileChecker, type TaskNoticeSchema,
  type CommunityTask, type SessionUser, type TaskDeviceClientToServerEvents, type TaskDeviceServerToClientEvents,
} from '@ccr/shared';
import type { FastifyInstance } from 'fastify';
import type { Namespace, Socket } from 'socket.io';
import type { Counter } from 'prom-client';
import type { RedisClient } from '../../plugins/redis.js';
import { deviceEvent, type DeviceAnswer } from '../delivery/device-event.js';
import { InboxPusher } from '../delivery/inbox.js';
import { requestHash } from '../dispatch/dispatch-commands.js';
import { unitRoom } from '../dispatch/device-channel.js';
import type { CommunityCommands, PlanInput, PlanOutcome } from './community-commands.js';
import type { CommunityRepository } from './community-repository.js';
import { planAccept, planFeedback } from './community-service.js';

const checkAck = compileChecker(TaskNoticeAckSchema);
const checkAccept = compileChecker(DeviceTaskAcceptSchema);
const checkFeedback = compileChecker(DeviceTaskFeedbackSchema);

type TaskNamespace = Namespace<TaskDeviceClientToServerEvents, TaskDeviceServerToClientEvents>;
type TaskSocket = Socket<TaskDeviceClientToServerEvents, TaskDeviceServerToClientEvents>;
type Handler = (socket: Socket, req: unknown, ack: unknown) => Promise<void>;
type TaskBody = { taskId: string; commandId: string; text?: string; count?: number; location?: { lng: number; lat: number } };

export interface CommunityDeviceDeps {
  repo: CommunityRepository;
  commands: CommunityCommands;
  subscriber: RedisClient;
  refused: Counter<'action' | 'reason'>;
}

export class CommunityDevice {
  private readonly nsp: TaskNamespace;
  private readonly pusher: InboxPusher<typeof TaskNoticeSchema>;
  private readonly handlers: { acknowledge: Handler; accept: Handler; feedback: Handler };

  constructor(private readonly app: FastifyInstance, private readonly deps: CommunityDeviceDeps) {
    this.handlers = {
      acknowledge: deviceEvent(app, deps.refused, 'task:acknowledge', checkAck, ({ unitId }, v) => this.acknowledge(unitId, v.noticeId)),
      accept: deviceEvent(app, deps.refused, 'task:accept', checkAccept, ({ unitId, user }, v) => this.act(unitId, user, 'task:accept', v)),
      feedback: deviceEvent(app, deps.refused, 'task:feedback', checkFeedback, ({ unitId, user }, v) => this.act(unitId, user, 'task:feedback', v)),
    };
    // The namespace and its guard (device tokens only) are the dispatch module's; this adds its own events.
    this.nsp = app.io.of(DEVICE_NAMESPACE) as unknown as TaskNamespace;
    const nsp = this.nsp as unknown as Namespace;
    this.pusher = new InboxPusher(deps.repo.notices, (unitId) => ({ nsp, room: unitRoom(unitId) }), 'task:issued', app.log);
    this.nsp.on('connection', (socket) => void this.connected(socket));
  }

  start(): Promise<void> { return this.pusher.start(this.deps.subscriber); }

  stop(): void { this.pusher.stop(); }

  private async connected(socket: TaskSocket): Promise<void> {
    const unitId = (socket.data as { user?: SessionUser }).user?.unitId;
    if (!unitId) return; // the dispatch channel disconnects it
    // Join first, read after: a notice issued in between is sent twice at worst (terminals dedupe by noticeId).
    await socket.join(unitRoom(unitId));
    const untyped = socket as unknown as Socket;
    socket.on('task:acknowledge', (req: unknown, ack: unknown) => void this.handlers.acknowledge(untyped, req, ack));
    socket.on('task:accept', (req: unknown, ack: unknown) => void this.handlers.accept(untyped, req, ack));
    socket.on('task:feedback', (req: unknown, ack: unknown) => void this.handlers.feedback(untyped, req, ack));
    await this.pusher.sendPending(socket, unitId);
  }

  private async acknowledge(unitId: string, noticeId: string): Promise<DeviceAnswer<{ noticeId: string }>> {
    // Keyed by the terminal's own unit: another unit's notice is not found there. An acknowledgement repeated
    // because its answer was lost finds nothing and is answered ok all the same: the notice is not pending.
    await this.deps.repo.notices.acknowledge(unitId, noticeId);
    return { ok: true, data: { noticeId } };
  }

  /** task:accept and task:feedback: the same commands as the HTTP routes, for the terminal's own tasks only. */
  private async act(unitId: string, user: SessionUser, event: 'task:accept' | 'task:feedback', v: TaskBody): Promise<DeviceAnswer<{ task: CommunityTask }>> {
    const action = event === 'task:accept' ? 'task.accept' : 'task.feedback';
    let plan: (input: PlanInput) => PlanOutcome;
    let body: Record<string, unknown>;
    if (event === 'task:feedback') {
      const { taskId: _t, commandId: _c, ...fb } = v;
      body = { commandId: v.commandId, ...fb };
      plan = (input) => planFeedback(input, v.taskId, unitId, fb);
    } else {
      body = { commandId: v.commandId };
      plan = (input) => planAccept(input, v.taskId, unitId);
    }
    const audit = (outcome: 'ok' | 'refused' | 'error', detail: Record<string, unknown>) => this.app.audit.record({
      user: user.username, role: user.role, action, target: `task:${v.taskId}`, outcome, detail: { commandId: v.commandId, via: 'device', ...detail },
    });
    try {
      // The same request hash as the HTTP route's: a terminal that retries over HTTP what it sent here is a replay.
      const out = await this.deps.commands.run({
        command: { id: v.commandId, bodyHash: requestHash(action, v.taskId, body) }, actor: { by: user.username, at: Date.now() },
        disputeIds: [], taskIds: [v.taskId], plan,
      });
      if (!out.ok) {
        await audit('refused', { error: out.error.error, message: out.error.message });
        return { ok: false, error: { code: out.error.error, params: out.error.params, message: out.error.message } };
      }
      const task = out.result.tasks?.[0];
      if (!task) throw new Error(`${event}: the command answered no task`);
      await audit('ok', { status: task.status, ...(out.result.replayed ? { replayed: true } : {}) });
      return { ok: true, data: { task } };
    } catch (err) {
      await audit('error', { error: (err as Error).message }).catch(() => undefined);
      throw err; // answered unavailable by the preamble
    }
  }
}
