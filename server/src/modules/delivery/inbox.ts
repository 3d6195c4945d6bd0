// Delivery until acknowledged, factored out of the dispatch orders and community task notices (dispatch/
// device-channel.ts, community/community-device.ts): a notice is kept in Redis per recipient until its terminal
// acknowledges it; it is pushed when issued (Redis pub/sub reaches the node the terminal is on), sent again on every
// (re)connect and again while unacknowledged. `Inbox` speaks the keys (written inside a command's atomic commit,
// see writeInto); `InboxPusher` is the socket side. Recipients are opaque strings without '|'.
import type { TSchema, Static } from '@sinclair/typebox';
import { compileChecker } from '@ccr/shared';
import type { FastifyBaseLogger } from 'fastify';
import type { Namespace } from 'socket.io';
import { LuaScript } from '../../plugins/lua-script.js';
import type { PackedPlan } from '../../plugins/plan-commit.js';
import type { RedisClient } from '../../plugins/redis.js';

/** See inbox-ack.lua. */
const ACK_NOTICE = LuaScript.fromFile('ackNotice', new URL('./inbox-ack.lua', import.meta.url));

/** A notice not acknowledged this long after it was issued is sent again to a connected terminal. */
export const RESEND_AFTER_MS = 5_000;
const RESEND_EVERY_MS = 2_500;

/** Where an inbox keeps its notices: a hash per recipient, one index of the pending ones, one pub/sub channel. */
export interface InboxKeys {
  box(recipient: string): string;
  pending: string;
  channel: string;
}

interface Notice { noticeId: string; issuedAt: number }

export class Inbox<S extends TSchema & { static: Notice }> {
  readonly pendingKey: string;
  readonly channel: string;
  private readonly check;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: InboxKeys,
    schema: S,
    private readonly ttlMs: number,
    /** Whose notice it is (a field of the notice: `recipient`, a task notice's `unitId` …). */
    readonly recipientOf: (n: Static<S>) => string,
  ) {
    this.pendingKey = keys.pending;
    this.channel = keys.channel;
    this.check = compileChecker(schema);
  }

  boxKey(recipient: string): string { return this.keys.box(recipient); }

  /** Adds the notice's writes to a plan committed atomically with the change it announces. */
  writeInto(plan: PackedPlan, n: Static<S>): void {
    const json = JSON.stringify(n);
    const recipient = this.recipientOf(n);
    const key = plan.at(this.boxKey(recipient));
    plan.hset.push([key, n.noticeId, json]);
    plan.pexpire.push([key, String(this.ttlMs)]);
    plan.zadd.push([plan.at(this.pendingKey), String(n.issuedAt), `${recipient}|${n.noticeId}`]);
    plan.publish.push([this.channel, json]);
  }

  parse(json: string): Static<S> | null {
    try {
      const c = this.check.validate(JSON.parse(json));
      return c.ok ? c.value : null;
    } catch {
      return null;
    }
  }

  async pending(recipient: string): Promise<Static<S>[]> {
    const all = await this.redis.hVals(this.boxKey(recipient));
    return all.flatMap((j) => { const n = this.parse(j); return n ? [n] : []; })
      .sort((a, b) => a.issuedAt - b.issuedAt || a.noticeId.localeCompare(b.noticeId));
  }

  /** 1 when it was pending, 0 otherwise (already acknowledged, or another recipient's). */
  async acknowledge(recipient: string, noticeId: string): Promise<boolean> {
    return Number(await ACK_NOTICE.run(this.redis, [this.boxKey(recipient), this.pendingKey], [recipient, noticeId])) === 1;
  }

  /** Recipients with a notice issued before `cutoff` not yet acknowledged; notices older than the ttl are dropped. */
  async overdue(cutoff: number, now: number, limit: number): Promise<string[]> {
    const expired = await this.redis.zRangeByScore(this.pendingKey, '-inf', now - this.ttlMs, { LIMIT: { offset: 0, count: 1_000 } });
    if (expired.length > 0) {
      const m = this.redis.multi();
      for (const member of expired) {
        const bar = member.lastIndexOf('|');
        m.hDel(this.boxKey(member.slice(0, bar)), member.slice(bar + 1));
      }
      await m.zRem(this.pendingKey, expired).exec();
    }
    const members = await this.redis.zRangeByScore(this.pendingKey, now - this.ttlMs, cutoff, { LIMIT: { offset: 0, count: limit } });
    return [...new Set(members.map((m) => m.slice(0, m.lastIndexOf('|'))))];
  }
}

/** The socket side: pushes an inbox's notices to the room of their recipient on one or more namespaces. */
export class InboxPusher<S extends TSchema & { static: Notice }> {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly inbox: Inbox<S>,
    /** Where a recipient's terminals are: a namespace and a room, or null when none of this inbox's kind. */
    private readonly route: (recipient: string) => { nsp: Namespace; room: string } | null,
    private readonly event: string,
    private readonly log: FastifyBaseLogger,
  ) {}

  async start(subscriber: RedisClient): Promise<void> {
    await subscriber.subscribe(this.inbox.channel, (message) => {
      const n = this.inbox.parse(message);
      if (!n) return void this.log.error({ channel: this.inbox.channel }, 'notice unreadable');
      this.emit(n);
    });
    this.timer = setInterval(() => void this.resendOverdue().catch((err: unknown) => {
      this.log.warn({ err: (err as Error).message }, `resending ${this.event} failed`);
    }), RESEND_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private emit(n: Static<S>): void {
    const r = this.route(this.inbox.recipientOf(n));
    if (r) r.nsp.to(r.room).emit(this.event, n);
  }

  /** On connect, after the socket joined its room (a notice issued in between is sent twice at worst). */
  async sendPending(socket: { emit(event: string, n: unknown): unknown }, recipient: string): Promise<void> {
    try {
      for (const n of await this.inbox.pending(recipient)) socket.emit(this.event, n);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, recipient }, `${this.event} not sent on connect (sent again while unacknowledged)`);
    }
  }

  private async resendOverdue(): Promise<void> {
    const now = Date.now();
    for (const recipient of await this.inbox.overdue(now - RESEND_AFTER_MS, now, 5_000)) {
      const r = this.route(recipient);
      if (!r || !r.nsp.adapter.rooms.has(r.room)) continue;
      for (const n of await this.inbox.pending(recipient)) r.nsp.to(r.room).emit(this.event, n);
    }
  }
}
