// `live:subscribe`: a screen joins the live picture. It joins the room first and reads after, so no delta can
// fall between what it reads and what it is sent; the client drops deltas it already has by sequence.
import {
  LiveSubscribeRequestSchema, VIEW_ROLES, ackError, compileChecker, invalidEvent, localDay, type Ack, type LiveSubscribeResult, type LiveSnapshot,
  type AttentionSettings, type FramePosition, DEFAULT_RESPONSE_TARGETS, type TargetsByPriority,
} from '@ccr/shared';
import type { Socket } from 'socket.io';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { LiveIo } from '../../plugins/socket-io.js';
import type { Metrics } from '../../plugins/metrics.js';
import type { LiveRepository } from './live-repository.js';
import { LIVE_ROOM, type PositionFrames } from './position-frames.js';
import { isRedisUnavailable } from '../http-errors.js';
import { SharedRead } from './shared-read.js';

const checkSubscribe = compileChecker(LiveSubscribeRequestSchema);
/** More missed deltas than this and a snapshot is cheaper than a replay. */
const MAX_REPLAY = 5_000;

export interface LiveContext {
  station: { name: string; timeZone: string };
  staleAfterMs: number;
  attention: AttentionSettings;
  /** Response targets, set by the targets module when it starts; the defaults until then. */
  targets?: TargetsByPriority;
}

export async function buildSnapshot(repo: LiveRepository, ctx: LiveContext, now: number): Promise<LiveSnapshot> {
  const read = await repo.readSnapshot(localDay(now, ctx.station.timeZone));
  return { ...read, serverTime: now, station: ctx.station, staleAfterMs: ctx.staleAfterMs, attention: ctx.attention, targets: ctx.targets ?? DEFAULT_RESPONSE_TARGETS };
}

export function bindLiveSocket(io: LiveIo, repo: LiveRepository, frames: PositionFrames, ctx: LiveContext, metrics: Metrics, log: FastifyBaseLogger, auth: FastifyInstance['auth']): void {
  // Only screens of a viewing role connect; a refused socket never reaches the live room, so it receives nothing.
  io.use(auth.socketGuard(VIEW_ROLES));
  const snapshots = new SharedRead(() => buildSnapshot(repo, ctx, Date.now()));
  io.on('connection', (socket) => {
    metrics.clientsConnected.inc();
    socket.on('disconnect', () => {
      metrics.clientsConnected.dec();
      frames.drop(socket);
    });

    socket.on('live:subscribe', async (req: unknown, ack: unknown) => {
      if (typeof ack !== 'function') {
        metrics.socketRejected.inc({ event: 'live:subscribe', reason: 'no_ack' });
        return;
      }
      const reply = ack as (res: Ack<LiveSubscribeResult>) => void;
      const access = await auth.socketAccess(socket, VIEW_ROLES, 'live:subscribe');
      if (!access.ok) {
        if (access.code === 'unavailable') {
          metrics.socketRejected.inc({ event: 'live:subscribe', reason: 'unavailable' });
          reply({ ok: false, error: ackError('unavailable', {}, 'live data unavailable, retry shortly') });
          return;
        }
        metrics.socketRejected.inc({ event: 'live:subscribe', reason: 'forbidden' });
        reply({ ok: false, error: ackError('forbidden', {}, 'not allowed to subscribe to the live picture') });
        return;
      }
      // Revoked while its session was being read: joined now, it would linger in the room (it receives nothing).
      if (!socket.connected) return;
      const checked = checkSubscribe.validate(req ?? {});
      if (!checked.ok) {
        metrics.socketRejected.inc({ event: 'live:subscribe', reason: 'schema' });
        reply({ ok: false, error: invalidEvent('live:subscribe', checked.errors) });
        return;
      }
      try {
        await socket.join(LIVE_ROOM);
        const now = Date.now();
        const since = checked.value.since;
        const deltas = since ? await repo.readDeltasAfter(since, MAX_REPLAY) : null;
        if (deltas) {
          reply({ ok: true, data: { mode: 'replay', deltas } });
          await sendAllPositions(socket, repo, frames, now);
        } else {
          reply({ ok: true, data: { mode: 'snapshot', snapshot: await snapshots.get() } });
        }
      } catch (err) {
        // Bad input never gets here (refused above): what is left is Redis away, or a bug.
        if (isRedisUnavailable(err)) {
          log.warn({ err: (err as Error).message }, 'live:subscribe: redis unavailable');
          reply({ ok: false, error: ackError('unavailable', {}, 'live data unavailable, retry shortly') });
        } else {
          log.error({ err }, 'live:subscribe failed');
          reply({ ok: false, error: ackError('internal', {}, 'internal error, logged') });
        }
      }
    });
  });
}

/** After a replay the screen still needs the positions it missed while away. */
async function sendAllPositions(socket: Socket, repo: LiveRepository, frames: PositionFrames, now: number): Promise<void> {
  const positions: FramePosition[] = [];
  for (const [id, p] of await repo.readPositions()) positions.push([id, p.lng, p.lat, p.ts, p.speed ?? null, p.heading ?? null]);
  frames.sendTo(socket, positions, now);
}
