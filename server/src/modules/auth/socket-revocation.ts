// Revocation that reaches every node's sockets at once. Ending a session in Redis stops its next request and its
// next socket event, but a connected screen keeps receiving whatever is broadcast to it until something
// disconnects it. So the node that ends a session (logout) or all of an account's (disable, role change,
// password reset) disconnects its own sockets of it, then publishes a revocation that every node subscribes to;
// each node disconnects its matching sockets as the message arrives and confirms, and the call that revoked
// returns once every node the message reached has confirmed (or after CONFIRM_WITHIN_MS). When it returns,
// nothing more is sent to those sockets anywhere.
//
// Redis pub/sub, not the domain-event stream: every node relays that stream to its screens and replays it to
// reconnecting ones, so each of its readers would have to filter revocations out (and they would carry
// usernames and session hashes past the server). These channels are read and written by server nodes only:
// no socket event or route publishes on them, and a message is checked before it is acted on.
//
// Pub/sub is at most once: a node whose subscription is down when a revocation goes out misses it. That node
// sweeps all its sockets as soon as its subscription is back, and every SOCKET_AUTH_CHECK_MS anyway
// (socket-auth.ts), so a lost message delays the cut-off to the next sweep, never further.
import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { compileChecker } from '@ccr/shared';
import type { Server } from 'socket.io';
import type { FastifyBaseLogger } from 'fastify';
import type { RedisClient } from '../../plugins/redis.js';
import type { AuthRepository } from './auth-repository.js';
import { cutSockets, type SocketAuthData, type SocketsEnded } from './socket-auth.js';

/** The channels, as the repository speaks them. */
export type RevocationBus = Pick<AuthRepository, 'publishRevocation' | 'publishConfirmation' | 'subscribeRevocations'>;

/** What ended: one session (logout), or every session of an account. */
export type RevocationTarget = { kind: 'session'; hash: string } | { kind: 'user'; username: string };

/** How long the revoking call waits for every node's confirmation before it answers anyway. */
export const CONFIRM_WITHIN_MS = 1_000;
/** How long a node remembers a revocation, for sockets whose session was read just before it (the guard). */
const REMEMBER_MS = 60_000;

// Server-internal messages between nodes, so their schemas live here and not in @ccr/shared.
const Id = Type.String({ minLength: 1, maxLength: 64 });
const RevocationMessageSchema = Type.Union([
  Type.Object({ id: Id, kind: Type.Literal('session'), hash: Type.String({ pattern: '^[0-9a-f]{64}$' }) }, { additionalProperties: false }),
  Type.Object({ id: Id, kind: Type.Literal('user'), username: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
]);
const ConfirmationSchema = Type.Object({ id: Id, sockets: Type.Integer({ minimum: 0 }) }, { additionalProperties: false });
const checkRevocation = compileChecker(RevocationMessageSchema);
const checkConfirmation = compileChecker(ConfirmationSchema);

export interface RevocationOutcome {
  /** Nodes the message reached (this one included while its subscription stands). */
  nodes: number;
  confirmed: number;
}

interface Waiting {
  /** Unknown until PUBLISH answers: a confirmation may arrive before that answer does. */
  reached: number | undefined;
  confirmed: number;
  done: () => void;
}

function parse(message: string): unknown {
  try {
    return JSON.parse(message);
  } catch {
    return undefined;
  }
}

function targetKey(target: RevocationTarget): string {
  return target.kind === 'session' ? `session:${target.hash}` : `user:${target.username}`;
}

export class SocketRevocations {
  private readonly waiting = new Map<string, Waiting>();
  /** Revocations this node acted on (target key → performance.now()), kept REMEMBER_MS. */
  private readonly recent = new Map<string, number>();

  constructor(
    private readonly io: () => Server,
    private readonly repo: () => RevocationBus,
    private readonly log: FastifyBaseLogger,
    private readonly ended: SocketsEnded,
    private readonly unconfirmed: () => void,
  ) {}

  /** Subscribes; `resubscribed` runs each time the subscription is back after a loss (messages may be lost). */
  async start(subscriber: RedisClient, resubscribed: () => void): Promise<void> {
    let lost = false;
    subscriber.on('error', () => { lost = true; });
    // node-redis subscribes again before it reports ready, so anything published after this is heard.
    subscriber.on('ready', () => {
      if (!lost) return;
      lost = false;
      this.log.warn('revocation subscription restored: sweeping sockets now in case a revocation was missed');
      resubscribed();
    });
    await this.repo().subscribeRevocations(subscriber, (m) => this.heard(m), (m) => this.confirmed(m));
  }

  stop(): void {
    for (const w of this.waiting.values()) w.done();
    this.waiting.clear();
  }

  /**
   * Ends the target's sockets here at once and on every node; resolves once every node the message reached has
   * confirmed, or after CONFIRM_WITHIN_MS (a node that did not confirm ends them at its next sweep). The
   * sessions must already be gone from Redis: a sweep must agree with the message.
   */
  async revoke(target: RevocationTarget): Promise<RevocationOutcome> {
    this.cut(target);
    const id = randomUUID();
    let timer: NodeJS.Timeout | undefined;
    const waiting: Waiting = { reached: undefined, confirmed: 0, done: () => undefined };
    const allConfirmed = new Promise<void>((resolve) => {
      waiting.done = resolve;
      timer = setTimeout(resolve, CONFIRM_WITHIN_MS);
    });
    this.waiting.set(id, waiting);
    try {
      waiting.reached = await this.repo().publishRevocation(JSON.stringify({ id, ...target }));
      if (waiting.confirmed >= waiting.reached) waiting.done();
      await allConfirmed;
    } catch (err) {
      // Unreachable Redis: the sessions were ended before this, so every node's sweep still ends the sockets.
      this.log.warn({ err: (err as Error).message, revocation: target.kind }, 'revocation not published: other nodes end the sockets at their next sweep');
    } finally {
      clearTimeout(timer);
      this.waiting.delete(id);
    }
    const outcome = { nodes: waiting.reached ?? 0, confirmed: waiting.confirmed };
    if (waiting.reached === undefined || outcome.confirmed < outcome.nodes) {
      this.unconfirmed();
      this.log.warn({ ...outcome, revocation: target.kind, waitedMs: CONFIRM_WITHIN_MS }, 'revocation not confirmed by every node: the others end the sockets at their next sweep');
    }
    return outcome;
  }

  /** Whether this node acted on a revocation of this session or its account at or after `since`. */
  revokedSince(username: string, hash: string, since: number): boolean {
    const at = Math.max(this.recent.get(`session:${hash}`) ?? -Infinity, this.recent.get(`user:${username}`) ?? -Infinity);
    return at >= since;
  }

  private cut(target: RevocationTarget): number {
    const now = performance.now();
    for (const [key, at] of this.recent) {
      if (now - at < REMEMBER_MS) break; // insertion order is time order
      this.recent.delete(key);
    }
    const key = targetKey(target);
    this.recent.delete(key);
    this.recent.set(key, now);
    const match = target.kind === 'session'
      ? (d: SocketAuthData) => d.sessionHash === target.hash
      : (d: SocketAuthData) => d.user?.username === target.username;
    const n = cutSockets(this.io(), match);
    if (n > 0) this.ended('revocation', n);
    return n;
  }

  private heard(message: string): void {
    const checked = checkRevocation.validate(parse(message));
    if (!checked.ok) {
      this.log.warn({ errors: checked.errors }, 'revocation message unreadable: ignored');
      return;
    }
    const { id, ...target } = checked.value;
    const sockets = this.cut(target);
    this.repo().publishConfirmation(JSON.stringify({ id, sockets })).catch((err: unknown) => {
      this.log.warn({ err: (err as Error).message }, 'revocation confirmation not published');
    });
  }

  private confirmed(message: string): void {
    const checked = checkConfirmation.validate(parse(message));
    if (!checked.ok) return;
    const w = this.waiting.get(checked.value.id);
    if (!w) return; // another node's revocation, or one this node stopped waiting for
    w.confirmed++;
    if (w.reached !== undefined && w.confirmed >= w.reached) w.done();
  }
}
