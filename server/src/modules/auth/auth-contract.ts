// What the auth and audit modules give every other module. Other modules code against these declarations;
// the auth module (index.ts) provides them.
import type { Role, SessionUser } from '@ccr/shared';
import type { Socket } from 'socket.io';

export type AuditOutcome = 'ok' | 'refused' | 'error';

export interface AuditEntryInput {
  /** Username (or 'anonymous', or 'system' for automatic transitions such as geofence arrival). */
  user: string;
  role: Role | 'anonymous' | 'system';
  /** e.g. 'auth.login', 'incident.dispatch', 'unit.status', 'account.role' */
  action: string;
  /** What it acted on, e.g. 'incident:JQ-20261123-0042' or 'unit:P-03' or 'account:dispatcher'. */
  target: string;
  outcome: AuditOutcome;
  /** Short structured detail (reason of a refusal, units sent, command id …). */
  detail?: Record<string, unknown>;
}

/** One route as the access rule sees it. */
export interface RouteAccess {
  method: string;
  url: string;
  roles: readonly Role[] | undefined;
  public: boolean;
  scrapeToken: boolean;
}

export type SocketGuard = (socket: Socket, next: (err?: Error) => void) => void;

/** What a socket event may do: the user, or why not (`unavailable`: the session could not be read, retry). */
export type SocketAccess = { ok: true; user: SessionUser } | { ok: false; code: 'unauthorized' | 'forbidden' | 'unavailable' };

declare module 'fastify' {
  interface FastifyInstance {
    auth: {
      /** Socket.IO middleware for a namespace: only a valid token of one of `roles` connects; sets socket.data.user. */
      socketGuard(roles: readonly Role[]): SocketGuard;
      /** For each socket event: the user when the socket's role is one of `roles` and its session still stands;
       *  otherwise null, the refusal recorded and counted (and a socket whose session ended is disconnected). */
      requireSocketRole(socket: Socket, roles: readonly Role[], event: string): Promise<SessionUser | null>;
      /** The same check, saying why not: `unavailable` (sessions unreadable, Redis away) is worth a retry, the
       *  others are not. Never rejects. */
      socketAccess(socket: Socket, roles: readonly Role[], event: string): Promise<SocketAccess>;
      /** Registers a third-party plugin whose routes are all public (API docs, the static client). */
      publicRoutes(register: () => PromiseLike<unknown>): Promise<void>;
      /** Every route registered after the auth module, with its access rule (the role-matrix test walks these). */
      routes(): readonly RouteAccess[];
      /** One sweep of this node's sockets now (it also runs every SOCKET_AUTH_CHECK_MS). Returns sockets ended. */
      sweepSockets(): Promise<number>;
      /** Every Socket.IO namespace with the roles its guard admits (undefined: no guard). */
      socketNamespaces(): { name: string; roles: readonly Role[] | undefined }[];
    };
    audit: {
      /** Appends to the audit log; never throws into the caller's flow (a failure is logged and counted). */
      record(entry: AuditEntryInput): Promise<void>;
    };
  }
  interface FastifyRequest {
    /** Set by the auth hook on every route that is not public. */
    user?: SessionUser;
  }
  interface FastifyContextConfig {
    /** Roles allowed on this route. A route without `roles` and without `public: true` is refused to everyone. */
    roles?: readonly Role[];
    public?: boolean;
  }
}
