// Socket.IO authentication: a token at connect (so on every reconnect too), a role check on every event, and a
// periodic sweep that ends sockets whose session expired or was revoked while keeping live ones' sessions alive.
import type { Role, SessionUser } from '@ccr/shared';
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

export function authData(socket: Socket): SocketAuthData {
  return socket.data as SocketAuthData;
}

function refusalError(code: string, message: string): Error {
  return Object.assign(new Error(message), { data: { code, message } });
}

const GUARD_ROLES = Symbol('guardRoles');

export function makeSocketGuard(sessions: SessionService, roles: readonly Role[], refuse: SocketRefusal): SocketGuard {
  const guard: SocketGuard = (socket, next) => {
    const raw: unknown = (socket.handshake.auth as Record<string, unknown> | undefined)?.token;
    const token = typeof raw === 'string' ? raw : undefined;
    if (!token) {
      refuse(socket, 'connect', 'no_token');
      next(refusalError('unauthorized', '需要登录 / authentication required: pass auth.token in the handshake'));
      return;
    }
    sessions.verify(token, Date.now()).then((session) => {
      if (!session) {
        refuse(socket, 'connect', 'bad_token');
        next(refusalError('unauthorized', '登录已失效，请重新登录 / the token is invalid or has expired: log in again'));
      } else if (!roles.includes(session.user.role)) {
        refuse(socket, 'connect', 'forbidden', session.user);
        next(refusalError('forbidden', `无权连接 / role "${session.user.role}" may not connect to ${socket.nsp.name}`));
      } else {
        const data = authData(socket);
        data.user = session.user;
        if (session.hash) data.sessionHash = session.hash;
        next();
      }
    }, () => {
      // Redis's own words are not the client's business: it only needs to know to retry.
      next(refusalError('unavailable', '认证暂不可用，请稍后重试 / authentication unavailable, retry shortly'));
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
  sessions: SessionService, socket: Socket, roles: readonly Role[], event: string, refuse: SocketRefusal,
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
    socket.disconnect(true);
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

/** Disconnects this node's sockets that match (used after a logout or an account change). */
export function disconnectSockets(io: Server, match: (data: SocketAuthData) => boolean): number {
  let n = 0;
  for (const s of allSockets(io)) {
    if (match(authData(s))) { s.disconnect(true); n++; }
  }
  return n;
}

export class SocketSessionSweep {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly io: () => Server,
    private readonly sessions: SessionService,
    private readonly intervalMs: number,
    private readonly onError: (err: Error) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One pass: each distinct session is checked (and its idle window slid) once, however many sockets share it. */
  async sweep(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
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
        for (const s of byHash.get(h) ?? []) { s.disconnect(true); ended++; }
      }
      return ended;
    } catch (err) {
      this.onError(err as Error);
      return 0;
    } finally {
      this.running = false;
    }
  }
}
