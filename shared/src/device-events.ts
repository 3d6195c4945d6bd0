// The device channel's events (Socket.IO namespace /device, handshake auth.token = a device token), typed once for
// both sides: the payloads live with their loops (dispatch, callout, rollcall, terminal); this file only ties them
// to event names, so those modules need not import each other. The community tasks' device events are typed in
// community/tasks.ts and the 协查 notices in volunteers.ts; a terminal's socket is typed with all of them.
import type { AckError } from './errors.js';
import type { DeviceOrder, OrderAcknowledge, UnitReport } from './dispatch.js';
import type { PhonePosition } from './terminal.js';
import type { CallOutReport } from './callout.js';
import type { RollCallAnswer, RollCallNotice } from './rollcall.js';

type DeviceAck<T> = (res: { ok: true; data: T } | { ok: false; error: AckError }) => void;

export interface DeviceServerToClientEvents {
  'order:issued': (order: DeviceOrder) => void;
  /** A roll-call (点名) the unit is called in (shared/src/rollcall.ts). */
  'rollcall:issued': (notice: RollCallNotice) => void;
}
export interface DeviceClientToServerEvents {
  'order:acknowledge': (req: OrderAcknowledge, ack: DeviceAck<{ orderId: string }>) => void;
  'unit:report': (req: UnitReport, ack: DeviceAck<{ status: string; replayed?: boolean }>) => void;
  /** A phone's fix, for a unit without vehicle GPS (shared/src/terminal.ts). */
  'unit:position': (req: PhonePosition, ack: DeviceAck<{ accepted: true }>) => void;
  /** A called-out emergency unit's leader answers (shared/src/callout.ts). */
  'callout:report': (req: CallOutReport, ack: DeviceAck<{ answer: string; replayed?: true }>) => void;
  'rollcall:answer': (req: RollCallAnswer, ack: DeviceAck<{ rollCallId: string; people: number }>) => void;
}
