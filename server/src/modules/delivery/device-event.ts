// The one preamble of a unit terminal's socket event on /device, factored: the event must carry an ack; the session
// must still be a device's (checked per event: a revoked token stops acting at once); the payload must pass its
// schema; then the handler acts for the token's own unit, and whatever it refuses is answered with a code and
// counted. A failure is logged and answered `unavailable` (terminals retry). With REDIS_WAIT_REPLICAS an accepted
// event is answered once the replicas hold its write (a position need not: the next one supersedes it). Every
// /device event goes through it:
// dispatch orders and reports (dispatch/device-channel.ts), community tasks (community/community-device.ts), call-out
// and roll-call answers and phone positions (responders/).
import { ackError, invalidEvent, type AckError, type Checker, type SessionUser } from '@ccr/shared';
import type { Static, TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Socket } from 'socket.io';
import type { Counter } from 'prom-client';

export type DeviceAnswer<T> = { ok: true; data: T } | { ok: false; error: AckError };
type Reply<T> = (res: DeviceAnswer<T>) => void;

export interface DeviceActor { user: SessionUser; unitId: string }

export function deviceEvent<S extends TSchema, T>(
  app: FastifyInstance,
  refused: Counter<'action' | 'reason'>,
  event: string,
  checker: Checker<S>,
  act: (actor: DeviceActor, value: Static<S>) => Promise<DeviceAnswer<T>>,
  opts: { replicated?: boolean } = {},
): (socket: Socket, req: unknown, ack: unknown) => Promise<void> {
  const replicated = opts.replicated ?? true;
  return async (socket, req, ack) => {
    if (typeof ack !== 'function') {
      refused.inc({ action: event, reason: 'no_ack' });
      return;
    }
    const reply = ack as Reply<T>;
    const refuse = (error: AckError): void => {
      refused.inc({ action: event, reason: error.code });
      reply({ ok: false, error });
    };
    const access = await app.auth.socketAccess(socket, ['device'], event);
    if (!access.ok) {
      if (access.code === 'unavailable') return refuse(ackError('unavailable', {}, 'unavailable, retry shortly'));
      if (access.code === 'unauthorized') return refuse(ackError('unauthorized', {}, 'the session has ended: log in again'));
      return refuse(ackError('forbidden', {}, 'not allowed'));
    }
    const unitId = access.user.unitId;
    if (!unitId) return refuse(ackError('forbidden', {}, 'not a unit terminal'));
    const checked = checker.validate(req);
    if (!checked.ok) return refuse(invalidEvent(event, checked.errors));
    try {
      const out = await act({ user: access.user, unitId }, checked.value);
      if (!out.ok) return refuse(out.error);
      if (replicated) await app.redis.replicated(app.log);
      reply(out);
    } catch (err) {
      app.log.error({ err: (err as Error).message, unitId, event }, 'device event failed');
      refuse(ackError('unavailable', {}, 'unavailable, retry shortly'));
    }
  };
}
