// Coalesces positions into frames: one broadcast per interval however many reports arrived, at most one
// entry per unit (the latest). A client whose socket is still busy with earlier data is skipped, and gets
// one catch-up frame with everything it missed once it drains, so a slow screen never holds up the others
// and never falls more than a frame behind the data.
import type { FramePosition, PositionFrame } from '@ccr/shared';
import type { Socket } from 'socket.io';
import type { LiveIo } from '../../plugins/socket-io.js';
import type { Metrics } from '../../plugins/metrics.js';
import type { NormalisedPosition } from './live-repository.js';

export const LIVE_ROOM = 'live';

export const toFrame = (p: NormalisedPosition): FramePosition => [p.unitId, p.lng, p.lat, p.ts, p.speed ?? null, p.heading ?? null];

export class PositionFrames {
  private pending = new Map<string, FramePosition>();
  private oldestPendingAt = 0;
  /** Latest position per unit seen by this node, for catch-up frames. Bounded by the roster. */
  private readonly latest = new Map<string, FramePosition>();
  private readonly behind = new Map<Socket, Set<string>>();
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly io: LiveIo, private readonly intervalMs: number, private readonly metrics: Metrics) {}

  start(): void {
    this.timer ??= setInterval(() => this.flush(Date.now()), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  add(positions: readonly NormalisedPosition[], receivedAt: number): void {
    this.addFrames(positions.map(toFrame), receivedAt);
  }

  /** Positions another node applied (relayed on the frames channel), already in frame form. */
  addFrames(positions: readonly FramePosition[], receivedAt: number): void {
    if (positions.length === 0) return;
    if (this.pending.size === 0) this.oldestPendingAt = receivedAt;
    for (const p of positions) {
      const prev = this.pending.get(p[0]);
      if (!prev || prev[3] <= p[3]) this.pending.set(p[0], p);
    }
  }

  /** Forget a socket (disconnect). */
  drop(socket: Socket): void {
    this.behind.delete(socket);
  }

  /** A frame with the given positions for one socket (after subscribe, or to catch up). */
  sendTo(socket: Socket, positions: FramePosition[], now: number): void {
    socket.emit('units:moved', { frame: this.frame, sentAt: now, positions } satisfies PositionFrame);
  }

  flush(now: number): void {
    const moved = this.pending;
    if (moved.size > 0) {
      this.pending = new Map();
      for (const [id, p] of moved) this.latest.set(id, p);
    }
    if (moved.size === 0 && this.behind.size === 0) return;

    const skip: string[] = [];
    for (const [socket, missed] of this.behind) {
      if (!socket.connected) {
        this.behind.delete(socket);
        continue;
      }
      for (const id of moved.keys()) missed.add(id);
      skip.push(socket.id);
      if (!isBusy(socket)) {
        this.behind.delete(socket);
        const positions: FramePosition[] = [];
        for (const id of missed) {
          const p = this.latest.get(id);
          if (p) positions.push(p);
        }
        this.sendTo(socket, positions, now);
        this.metrics.catchUpFrames.inc();
      }
    }
    if (moved.size === 0) return;

    const room = this.io.of('/').adapter.rooms.get(LIVE_ROOM);
    if (room) {
      for (const id of room) {
        const socket = this.io.of('/').sockets.get(id);
        if (socket && !this.behind.has(socket) && isBusy(socket)) {
          this.behind.set(socket, new Set(moved.keys()));
          skip.push(id);
        }
      }
    }
    this.frame += 1;
    const frame: PositionFrame = { frame: this.frame, sentAt: now, positions: [...moved.values()] };
    this.io.to(LIVE_ROOM).except(skip).emit('units:moved', frame);
    this.metrics.framesSent.inc();
    this.metrics.fanoutLag.observe({ kind: 'positions' }, now - this.oldestPendingAt);
  }
}

/**
 * Still holding earlier packets the transport has not taken: more would only queue up behind them.
 * engine.io keeps that queue in `writeBuffer` (not in its typings); `transport.writable` alone would also
 * flag healthy sockets caught mid-send.
 */
function isBusy(socket: Socket): boolean {
  const queued = (socket.conn as unknown as { writeBuffer?: unknown[] }).writeBuffer;
  return queued ? queued.length > 0 : !socket.conn.transport.writable;
}
