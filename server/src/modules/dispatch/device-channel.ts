// The device-facing channel (Socket.IO namespace /device): a unit terminal receives its orders and reports its
// progress. Orders stay in Redis until the device acknowledges them: they are pushed when issued (Redis pub/sub
// reaches the node the device is connected to), sent again on every (re)connect, and sent again while overdue in
// case a notification was lost — so an order to a unit that is offline or between nodes is not lost. A device
// may see and act on only its own unit (its token names the unit).
import {
  DEVICE_NAMESPACE, DeviceOrderSchema, OrderAcknowledgeSchema, UnitReportSchema, ackError, compileChecker,
  type DeviceClientToServerEvents, type DeviceOrder, type DeviceServerToClientEvents, type SessionUser, type UnitReport,
} from '@ccr/shared';
import type { FastifyInstance } from 'fastify';
import type { Namespace, Socket } from 'socket.io';
import type { Counter } from 'prom-client';
import type { RedisClient } from '../../plugins/redis.js';
import { deviceEvent, type DeviceAnswer } from '../delivery/device-event.js';
import { requestHash, type DispatchCommands } from './dispatch-commands.js';
import type { Assignment, DispatchRepository } from './dispatch-repository.js';
import { planUnitReport } from './dispatch-service.js';

const checkAck = compileChecker(OrderAcknowledgeSchema);
const checkReport = compileChecker(UnitReportSchema);
/** An order not acknowledged this long after it was issued is sent again to a connected device. */
const RESEND_AFTER_MS = 5_000;
const RESEND_EVERY_MS = 2_500;

type DeviceNamespace = Namespace<DeviceClientToServerEvents, DeviceServerToClientEvents>;
type DeviceSocket = Socket<DeviceClientToServerEvents, DeviceServerToClientEvents>;
const checkOrder = compileChecker(DeviceOrderSchema);

export const unitRoom = (unitId: string): string => `unit:${unitId}`;
/** A terminal's report id as a dispatch command id: scoped to the unit, so one terminal cannot answer for another. */
export const reportCommandId = (unitId: string, reportId: string): string => `report:${unitId}:${reportId}`;

/** The id a unit's current job is told under when its terminal connects (see standingOrder): fixed per assignment. */
const standingOrderId = (a: Assignment): string => `standing-${a.incidentId}-${a.at}`;

export interface DeviceChannelDeps {
  repo: DispatchRepository;
  commands: DispatchCommands;
  subscriber: RedisClient;
  refused: Counter<'action' | 'reason'>;
}

export class DeviceChannel {
  private readonly nsp: DeviceNamespace;
  private timer: NodeJS.Timeout | undefined;
  private readonly onAcknowledge: (socket: Socket, req: unknown, ack: unknown) => Promise<void>;
  private readonly onReport: (socket: Socket, req: unknown, ack: unknown) => Promise<void>;

  constructor(private readonly app: FastifyInstance, private readonly deps: DeviceChannelDeps) {
    this.onAcknowledge = deviceEvent(app, deps.refused, 'order:acknowledge', checkAck, ({ unitId, user }, a) => this.acknowledge(unitId, user, a.orderId));
    this.onReport = deviceEvent(app, deps.refused, 'unit:report', checkReport, ({ unitId, user }, r) => this.report(unitId, user, r));
    this.nsp = app.io.of(DEVICE_NAMESPACE) as unknown as DeviceNamespace;
    this.nsp.use(app.auth.socketGuard(['device']));
    this.nsp.on('connection', (socket) => void this.connected(socket));
  }

  async start(): Promise<void> {
    await this.deps.subscriber.subscribe(this.deps.repo.keys.orderChannel, (message) => {
      try {
        const checked = checkOrder.validate(JSON.parse(message));
        if (!checked.ok) throw new Error(checked.errors.join('; '));
        this.nsp.to(unitRoom(checked.value.unitId)).emit('order:issued', checked.value);
      } catch (err) {
        this.app.log.error({ err: (err as Error).message }, 'device order notification unreadable');
      }
    });
    this.timer = setInterval(() => void this.resendOverdue().catch((err: unknown) => {
      this.app.log.warn({ err: (err as Error).message }, 'resending overdue device orders failed');
    }), RESEND_EVERY_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.nsp.disconnectSockets(true);
  }

  private async connected(socket: DeviceSocket): Promise<void> {
    const user = (socket.data as { user?: SessionUser }).user;
    const unitId = user?.unitId;
    if (!user || !unitId) {
      socket.disconnect(true);
      return;
    }
    // Join first, read after: an order issued in between is sent twice at worst (devices dedupe by orderId).
    await socket.join(unitRoom(unitId));
    const untyped = socket as unknown as Socket;
    socket.on('order:acknowledge', (req: unknown, ack: unknown) => void this.onAcknowledge(untyped, req, ack));
    socket.on('unit:report', (req: unknown, ack: unknown) => void this.onReport(untyped, req, ack));
    try {
      const pending = await this.deps.repo.pendingOrders(unitId, this.unreadable(unitId));
      for (const order of pending) socket.emit('order:issued', order);
      const standing = await this.standingOrder(unitId, pending);
      if (standing) socket.emit('order:issued', standing);
    } catch (err) {
      this.app.log.warn({ err: (err as Error).message, unitId }, 'pending orders not sent on connect (sent again when overdue)');
    }
  }

  /**
   * A terminal that restarted has forgotten the orders it acknowledged, and the unit would stay en route for
   * ever. So a connecting terminal whose unit is still assigned is told its current job again, under an id fixed
   * per assignment (a terminal that merely reconnected has seen it and ignores it).
   */
  private async standingOrder(unitId: string, pending: readonly DeviceOrder[]): Promise<DeviceOrder | null> {
    const assignment = await this.deps.repo.readAssignment(unitId);
    if (!assignment || pending.some((o) => o.incident.id === assignment.incidentId)) return null;
    const i = await this.app.live.repo.getIncident(assignment.incidentId);
    if (!i) return null;
    return {
      orderId: standingOrderId(assignment), unitId, kind: 'dispatch', issuedAt: assignment.at, issuedBy: assignment.by,
      incident: { id: i.id, type: i.type, priority: i.priority, lng: i.lng, lat: i.lat, address: i.address, summary: i.summary },
    };
  }

  private unreadable(unitId: string): (orderId: string, reason: string) => void {
    return (orderId, reason) => this.app.log.error({ unitId, orderId, reason }, 'stored device order unreadable: not sent');
  }

  /** order:acknowledge, for the terminal's own unit. */
  private async acknowledge(unitId: string, user: SessionUser, orderId: string): Promise<DeviceAnswer<{ orderId: string }>> {
    // Keyed by the device's own unit: another unit's order id is not found there, and is refused like an
    // unknown one (the device learns nothing about other units' orders). A repeat (its answer was lost) and
    // the current job told again on connect are acknowledgements of real orders: answered ok.
    const done = await this.deps.repo.acknowledgeOrder(unitId, orderId, Date.now());
    if (done === 'unknown') {
      const assignment = await this.deps.repo.readAssignment(unitId);
      if (!assignment || standingOrderId(assignment) !== orderId) {
        await this.app.audit.record({ user: user.username, role: user.role, action: 'order.acknowledge', target: `unit:${unitId}`, outcome: 'refused', detail: { orderId, reason: 'unknown_order' } });
        return { ok: false, error: ackError('unknown_order', { unitId, orderId }, `unit ${unitId} has no order "${orderId}" (another unit's, unknown, or dropped unacknowledged after a day)`) };
      }
    }
    return { ok: true, data: { orderId } };
  }

  /** unit:report, for the terminal's own unit. */
  private async report(unitId: string, user: SessionUser, report: UnitReport): Promise<DeviceAnswer<{ status: string; replayed?: boolean }>> {
    const action = `unit.report.${report.status}`;
    const audit = (outcome: 'ok' | 'refused' | 'error', detail: Record<string, unknown>) => this.app.audit.record({
      user: user.username, role: user.role, action, target: `unit:${unitId}`, outcome, detail: { ...(report.incidentId ? { incidentId: report.incidentId } : {}), ...detail },
    });
    try {
      // A report with the terminal's id is a command under that id (per unit): a terminal replaying its offline
      // queue, or sending again because the answer was lost, has it applied once and gets the first answer back.
      const { reportId, ...asked } = report;
      const out = await this.deps.commands.run({
        ...(reportId ? { command: { id: reportCommandId(unitId, reportId), bodyHash: requestHash('unit.report', unitId, asked) } } : {}),
        actor: { by: user.username, at: Date.now(), ...(report.note ? { note: report.note } : {}) },
        incidentIds: [], unitIds: [unitId], followUnitIncidents: true,
        plan: (input) => planUnitReport(input, unitId, report),
      });
      if (!out) return { ok: false, error: ackError('unavailable', {}, 'unavailable, retry shortly') };
      if (!out.ok) {
        await audit('refused', { error: out.error.error, message: out.error.message });
        return { ok: false, error: { code: out.error.error, params: out.error.params, message: out.error.message } };
      }
      const unit = out.result.units.find((u) => u.id === unitId);
      // Applied and audited the first time: a replay only answers.
      if (out.result.replayed) return { ok: true, data: { status: unit?.status ?? report.status, replayed: true } };
      await audit('ok', { ...(reportId ? { reportId } : {}), status: unit?.status, ...(out.result.incident ? { incidentId: out.result.incident.id, incidentStatus: out.result.incident.status } : {}) });
      return { ok: true, data: { status: unit?.status ?? report.status } };
    } catch (err) {
      await audit('error', { error: (err as Error).message }).catch(() => undefined);
      throw err; // answered unavailable by the preamble
    }
  }

  /** Orders still unacknowledged a while after they were issued, sent again to devices connected to this node. */
  private async resendOverdue(): Promise<void> {
    const now = Date.now();
    const units = await this.deps.repo.unitsWithOverdueOrders(now - RESEND_AFTER_MS, now, 5_000);
    for (const unitId of units) {
      if (!this.nsp.adapter.rooms.has(unitRoom(unitId))) continue;
      for (const order of await this.deps.repo.pendingOrders(unitId, this.unreadable(unitId))) this.nsp.to(unitRoom(unitId)).emit('order:issued', order);
    }
  }
}
