// Socket.IO authentication: a token at connect (so on every reconnect too), a role check on every event, and a
// periodic sweep that ends sockets whose session expired or was revoked while keeping live ones' sessions alive.
// A revocation reaches every node at once through socket-revocation.ts; the sweep is its backstop.
import { ackError, type Role, type SessionUser } from '@ccr/shared';
import type { Namespace, Server, Socket } from 'socket.io';
import type { SessionService } from './auth-sessions.js';
import type { SocketAccess, SocketGuard } from './auth-contract.js';

/** What the guard leaves on `socket.data`. */
export interface SocketAuthData {
  user?: SessionUser;
  /** Session hash; absent for static credentials. */
  sessionHash?: string;
}

export type SocketRefusal = (socket: Socket, event: string, reason: 'no_token' | 'bad_token' | 'forbidden' | 'expired' | 'unavailable', user?: SessionUser) => void;

/** How a node learnt that a socket's session had ended: a revocation message (or its own revocation), a sweep,
 *  or an event that found the session gone. */
export type SocketEndedVia = 'revocation' | 'sweep' | 'event';
export type SocketsEnded = (via: SocketEndedVia, sockets: number) => void;

/** Whether a session (or its account) was revoked on this node at or after `since` (performance.now()). */
export type RevokedSince = (username: string, hash: string, since: number) => boolean;

export function authData(socket: Socket): SocketAuthData {
  return socket.data as SocketAuthData;
}

/** A handshake refused: Socket.IO hands `data` to the client's connect_error (an AckError: code, params, message). */
function refusalError(code: 'unauthorized' | 'forbidden' | 'unavailable', message: string): Error {
  return Object.assign(new Error(message), { data: ackError(code, {}, message) });
}

const GUARD_ROLES = Symbol('guardRoles');

export function makeSocketGuard(sessions: SessionService, roles: readonly Role[], refuse: SocketRefusal, revokedSince: RevokedSince): SocketGuard {
  const guard: SocketGuard = (socket, next) => {
    const started = performance.now();
    const raw: unknown = (socket.handshake.auth as Record<string, unknown> | undefined)?.token;
    const token = typeof raw === 'string' ? raw : undefined;
    if (!token) {
      refuse(socket, 'connect', 'no_token');
      next(refusalError('unauthorized', 'authentication required: pass auth.token in the handshake'));
      return;
    }
    sessions.verify(token, Date.now()).then((session) => {
      if (!session) {
        refuse(socket, 'connect', 'bad_token');
        next(refusalError('unauthorized', 'the token is invalid or has expired: log in again'));
      } else if (!roles.includes(session.user.role)) {
        refuse(socket, 'connect', 'forbidden', session.user);
        next(refusalError('forbidden', `role "${session.user.role}" may not connect to ${socket.nsp.name}`));
      } else if (session.hash && revokedSince(session.user.username, session.hash, started)) {
        // Read just before a revocation ended it: the revocation has already passed over this node's sockets,
        // so a socket let in now would stay connected until the next sweep.
        refuse(socket, 'connect', 'expired', session.user);
        next(refusalError('unauthorized', 'the session has ended: log in again'));
      } else {
        const data = authData(socket);
        data.user = session.user;
        if (session.hash) data.sessionHash = session.hash;
        next();
      }
    }, () => {
      // Redis's own words are not the client's business: it only needs to know to retry.
      next(refusalError('unavailable', 'authentication unavailable, retry shortly'));
    });
  };
  return Object.assign(guard, { [GUARD_ROLES]: roles });
}

/** Every namespace this node serves, with the roles its guard admits (undefined: no guard, open to anyone). */
export function guardedNamespaces(io: Server): { name: string; roles: readonly Role[] | undefined }[] {
  return [...namespaces(io)].map((nsp) => {
    // `_fns` holds a namespace's middlewares; Socket.IO offers no other way to read them back.
    const fns = (nsp as unknown as { _fns: unknown[] })._fns;
    const guard = fns.find((f): f is { [GUARD_ROLES]: readonly Role[] } => typeof f === 'function' && GUARD_ROLES in f);
    return { name: nsp.name, roles: guard?.[GUARD_ROLES] };
  });
}

function namespaces(io: Server): IterableIterator<Namespace> {
  // `_nsps` is Socket.IO's registry of namespaces.
  return (io as unknown as { _nsps: Map<string, Namespace> })._nsps.values();
}

/** Checks the socket's role for one event and that its session still exists (revoked → disconnected; unreadable
 *  → refused as `unavailable`, socket kept). Never rejects: a rejection in an event handler ends the process. */
export async function checkSocketEvent(
  sessions: SessionService, socket: Socket, roles: readonly Role[], event: string, refuse: SocketRefusal, ended: SocketsEnded,
): Promise<SocketAccess> {
  const { user, sessionHash } = authData(socket);
  if (!user) {
    refuse(socket, event, 'no_token');
    return { ok: false, code: 'unauthorized' };
  }
  if (!roles.includes(user.role)) {
    refuse(socket, event, 'forbidden', user);
    return { ok: false, code: 'forbidden' };
  }
  if (!sessionHash) return { ok: true, user };
  let session;
  try {
    session = await sessions.verifyHash(sessionHash, Date.now());
  } catch {
    refuse(socket, event, 'unavailable', user);
    return { ok: false, code: 'unavailable' };
  }
  if (!session) {
    refuse(socket, event, 'expired', user);
    if (socket.connected) {
      cutOff(socket);
      ended('event', 1);
    }
    return { ok: false, code: 'unauthorized' };
  }
  return { ok: true, user };
}

function allSockets(io: Server): Socket[] {
  const out: Socket[] = [];
  for (const nsp of namespaces(io)) {
    for (const s of nsp.sockets.values()) out.push(s);
  }
  return out;
}

/**
 * Ends a socket whose session ended. Packets still queued behind a busy transport (a slow screen's backlog of
 * frames and deltas) were emitted while the session stood but would reach the screen after it ended: they are
 * dropped, not flushed, and the socket is disconnected (the client is told, and its next connect is refused).
 */
export function cutOff(socket: Socket): void {
  // engine.io's send queue, not in its typings (position-frames.ts reads it too); `packetsFn` holds the queued
  // packets' send callbacks, which must stay in step with it.
  const conn = socket.conn as unknown as { writeBuffer?: unknown[]; packetsFn?: unknown[] };
  if (Array.isArray(conn.writeBuffer)) conn.writeBuffer.length = 0;
  if (Array.isArray(conn.packetsFn)) conn.packetsFn.length = 0;
  socket.disconnect(true);
}

/** Ends this node's sockets that match; returns how many. */
export function cutSockets(io: Server, match: (data: SocketAuthData) => boolean): number {
  let n = 0;
  for (const s of allSockets(io)) {
    if (s.connected && match(authData(s))) { cutOff(s); n++; }
  }
  return n;
}

export class SocketSessionSweep {
  private timer: NodeJS.Timeout | undefined;
  private last: Promise<unknown> = Promise.resolve();
  private queued: Promise<number> | undefined;

  constructor(
    private readonly io: () => Server,
    private readonly sessions: SessionService,
    private readonly intervalMs: number,
    private readonly onError: (err: Error) => void,
    private readonly ended: SocketsEnded,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * A pass over this node's sockets. Asked for while one runs, it runs after that one (which may have read a
   * session just before it was ended); every caller meanwhile shares that one waiting pass.
   */
  sweep(): Promise<number> {
    if (this.queued) return this.queued;
    const next = this.last.then(() => {
      this.queued = undefined;
      return this.pass();
    });
    this.queued = next;
    this.last = next;
    return next;
  }

  /** Each distinct session is checked (and its idle window slid) once, however many sockets share it. */
  private async pass(): Promise<number> {
    try {
      const byHash = new Map<string, Socket[]>();
      for (const s of allSockets(this.io())) {
        const h = authData(s).sessionHash;
        if (h) byHash.set(h, [...(byHash.get(h) ?? []), s]);
      }
      const now = Date.now();
      const results = await Promise.all([...byHash.keys()].map(async (h) => [h, await this.sessions.verifyHash(h, now)] as const));
      let ended = 0;
      for (const [h, session] of results) {
        if (session) continue;
        for (const s of byHash.get(h) ?? []) {
          if (s.connected) { cutOff(s); ended++; }
        }
      }
      if (ended > 0) this.ended('sweep', ended);
      return ended;
    } catch (err) {
      this.onError(err as Error);
      return 0;
    }
  }
}
