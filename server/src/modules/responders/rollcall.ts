// Roll-call (点名) of minimum emergency units, by grid or all. Started once per command id (rollcall-start.lua);
// told to the units' terminals (rollcall:issued: pushed through Redis pub/sub to the node each terminal is on, and
// again when a terminal connects while it is open); answered before its due time (rollcall-answer.lua); closed once
// after it (rollcall-close.lua: misses in a row per unit, flagged at ROLL_CALL_MISSES_TO_FLAG) by a chore on
// whichever node holds its lease (plugins/leased-ticker.ts), so a roll-call outlives the node that started it.
// Readiness per grid is its latest roll-call's people said ready over the people registered (shared/src/rollcall.ts),
// counted when written (the start resets a grid's counters, an answer adds to them): reading it is one round trip
// of two small hashes and writes nothing; 'closed' is shown from the due time.
import { randomUUID } from 'node:crypto';
import {
  DEVICE_NAMESPACE, GridReadinessSchema, RollCallAnswerSchema, RollCallNoticeSchema, ackError, compileChecker, readinessShare, refusal,
  type GridReadiness, type Jurisdiction, type Readiness, type Refusal, type RollCall, type SessionUser,
} from '@ccr/shared';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Namespace, Socket } from 'socket.io';
import type { Counter } from 'prom-client';
import { LeasedTicker } from '../../plugins/leased-ticker.js';
import { LuaScript } from '../../plugins/lua-script.js';
import type { RedisClient } from '../../plugins/redis.js';
import type { Keyspace } from '../../plugins/keyspace.js';
import { unitRoom } from '../dispatch/device-channel.js';
import { deviceEvent, type DeviceAnswer } from '../delivery/device-event.js';

const lua = (name: string, file: string): LuaScript => LuaScript.fromFile(name, new URL(`./${file}.lua`, import.meta.url));
const START = lua('rollCallStart', 'rollcall-start');
const ANSWER = lua('rollCallAnswer', 'rollcall-answer');
const CLOSE = lua('rollCallClose', 'rollcall-close');
const checkAnswer = compileChecker(RollCallAnswerSchema);
const checkGrid = compileChecker(GridReadinessSchema);
const MetaSchema = Type.Object({
  id: Type.String(), gridId: Type.Union([Type.String(), Type.Null()]), startedAt: Type.Number(), dueAt: Type.Number(), by: Type.String(), units: Type.Integer(),
});
const checkMeta = compileChecker(MetaSchema);
const NoticeMessageSchema = Type.Object({ notice: RollCallNoticeSchema, unitIds: Type.Array(Type.String()) });
const checkNoticeMessage = compileChecker(NoticeMessageSchema);
/** A roll-call and its command record are kept a week: the wall shows each grid's latest. */
const KEEP_MS = 7 * 86_400_000;

interface Member { gridId: string; members: number }
interface Meta { id: string; gridId: string | null; startedAt: number; dueAt: number; by: string; units: number }

export interface RollCallSettings {
  answerMs: number;
  missesToFlag: number;
  /** How often the lease holder closes the roll-calls past their due time. */
  closeEveryMs: number;
}

export class RollCalls {
  /** Emergency units by id: their grid and registered members (the roster, loaded once). */
  private readonly units: ReadonlyMap<string, Member>;
  private closer: LeasedTicker | undefined;

  constructor(
    private readonly app: FastifyInstance,
    private readonly redis: RedisClient,
    private readonly ks: Keyspace,
    jurisdiction: Jurisdiction,
    private readonly settings: RollCallSettings,
    private readonly timeZone: string,
  ) {
    this.units = new Map(jurisdiction.units.filter((u) => u.kind === 'emergency_unit' && u.gridId).map((u) => [u.id, { gridId: u.gridId!, members: u.members ?? 0 }]));
  }

  /** readiness: the per-grid counters (rollcall-start.lua); flagged: unit → misses in a row. */
  private get keys() { return this.ks.rollcall; }
  private key(id: string): string { return this.ks.rollcall.call(id); }
  private cmdKey(commandId: string): string { return this.ks.rollcall.command(commandId); }

  async start(user: { username: string }, commandId: string, gridId: string | undefined): Promise<{ ok: true; rollCall: RollCall } | { ok: false; error: Refusal }> {
    const called = [...this.units].filter(([, u]) => gridId === undefined || u.gridId === gridId).map(([id]) => id).sort();
    if (called.length === 0) return { ok: false, error: refusal('no_emergency_units', { gridId: gridId ?? '*' }, `no emergency unit in grid ${gridId ?? '(all)'}`) };
    const now = Date.now();
    const meta: Meta = { id: `RC-${now.toString(36)}-${randomUUID().slice(0, 6)}`, gridId: gridId ?? null, startedAt: now, dueAt: now + this.settings.answerMs, by: user.username, units: called.length };
    const grids = new Map<string, { gridId: string; units: number; registered: number }>();
    for (const id of called) {
      const u = this.units.get(id)!;
      const g = grids.get(u.gridId) ?? { gridId: u.gridId, units: 0, registered: 0 };
      g.units += 1;
      g.registered += u.members;
      grids.set(u.gridId, g);
    }
    const k = this.keys;
    // Numbers as text: Lua's numbers are doubles, and Redis would write a large one in exponent form.
    const struct = {
      id: meta.id, startedAt: String(meta.startedAt), dueAt: String(meta.dueAt), keepMs: String(KEEP_MS), meta: JSON.stringify(meta),
      grids: [...grids.values()].map((g) => ({ gridId: g.gridId, units: String(g.units), registered: String(g.registered) })), unitIds: called,
    };
    const out = await START.run(this.redis, [this.cmdKey(commandId), this.key(meta.id), k.readiness, k.open], [JSON.stringify(struct)]);
    if (!Array.isArray(out) || (out[0] !== 'ok' && out[0] !== 'replay') || typeof out[1] !== 'string') throw new Error(`rollcall-start answered ${JSON.stringify(out)}`);
    if (out[0] === 'replay') {
      const prior = await this.readMeta(out[1]);
      if (!prior) return { ok: false, error: refusal('roll_call_unknown', { rollCallId: out[1] }, `roll-call ${out[1]} has expired`) };
      return { ok: true, rollCall: { ...prior, replayed: true } };
    }
    await this.redis.publish(k.channel, JSON.stringify({ notice: { rollCallId: meta.id, startedAt: meta.startedAt, dueAt: meta.dueAt }, unitIds: called }));
    return { ok: true, rollCall: { ...meta, replayed: false } };
  }

  private async readMeta(id: string): Promise<Meta | null> {
    const raw = await this.redis.hGet(this.key(id), 'meta');
    if (!raw) return null;
    try {
      const c = checkMeta.validate(JSON.parse(raw));
      if (c.ok) return { id: c.value.id, gridId: c.value.gridId, startedAt: c.value.startedAt, dueAt: c.value.dueAt, by: c.value.by, units: c.value.units };
      this.app.log.error({ rollCallId: id, errors: c.errors }, 'roll-call record unreadable');
    } catch (err) {
      this.app.log.error({ rollCallId: id, err: (err as Error).message }, 'roll-call record unreadable');
    }
    return null;
  }

  /** Pushes notices to the terminals connected here, and the open ones to a terminal when it connects. */
  async listen(subscriber: RedisClient): Promise<void> {
    const nsp = this.app.io.of(DEVICE_NAMESPACE) as unknown as Namespace;
    await subscriber.subscribe(this.keys.channel, (message) => {
      try {
        const c = checkNoticeMessage.validate(JSON.parse(message));
        if (!c.ok) throw new Error(c.errors.join('; '));
        for (const id of c.value.unitIds) nsp.to(unitRoom(id)).emit('rollcall:issued', c.value.notice);
      } catch (err) {
        this.app.log.error({ err: (err as Error).message }, 'roll-call notice unreadable');
      }
    });
  }

  async connected(socket: Socket, unitId: string): Promise<void> {
    if (!this.units.has(unitId)) return;
    const now = Date.now();
    const open = await this.redis.zRangeByScore(this.keys.open, now, '+inf', { LIMIT: { offset: 0, count: 20 } });
    for (const id of open) {
      const [answer, meta] = await this.redis.hmGet(this.key(id), [`u:${unitId}`, 'meta']);
      if (answer !== '' || !meta) continue; // not called, or answered
      const m = await this.readMeta(id);
      if (m) socket.emit('rollcall:issued', { rollCallId: m.id, startedAt: m.startedAt, dueAt: m.dueAt });
    }
  }

  async answer(unitId: string, user: SessionUser, rollCallId: string, people: number | undefined): Promise<DeviceAnswer<{ rollCallId: string; people: number }>> {
    const unit = this.units.get(unitId);
    const members = unit?.members ?? 0;
    const ready = Math.min(people ?? members, 500);
    const out = await ANSWER.run(this.redis, [this.key(rollCallId), this.keys.readiness], [rollCallId, unitId, Date.now(), ready, unit?.gridId ?? '', Math.min(ready, members)]);
    const audit = (outcome: 'ok' | 'refused', detail: Record<string, unknown>) => this.app.audit.record({
      user: user.username, role: user.role, action: 'rollcall.answer', target: `rollcall:${rollCallId}`, outcome, detail: { unitId, people: ready, ...detail },
    });
    if (out === 'ok' || out === 'again') {
      if (out === 'ok') await audit('ok', {});
      return { ok: true, data: { rollCallId, people: ready } };
    }
    await audit('refused', { reason: out });
    if (out === 'unknown') return { ok: false, error: ackError('roll_call_unknown', { rollCallId }, `roll-call ${rollCallId} does not exist`) };
    if (out === 'not_in') return { ok: false, error: ackError('not_in_roll_call', { unitId, rollCallId }, `unit ${unitId} is not called in ${rollCallId}`) };
    const due = Number(await this.redis.hGet(this.key(rollCallId), 'dueAt'));
    return { ok: false, error: ackError('roll_call_closed', { rollCallId, dueAt: due, timeZone: this.timeZone }, `roll-call ${rollCallId} closed`) };
  }

  handler(refused: Counter<'action' | 'reason'>) {
    return deviceEvent(this.app, refused, 'rollcall:answer', checkAnswer, ({ unitId, user }, a) => this.answer(unitId, user, a.rollCallId, a.people));
  }

  /** Closes the roll-calls past their due time, on whichever node holds the lease. */
  startClosing(lease: { holdLease(name: string, holder: string, ttlMs: number): Promise<boolean> }, nodeId: string): void {
    this.closer ??= new LeasedTicker(lease, { name: 'rollcall-close', nodeId, intervalMs: this.settings.closeEveryMs }, (now) => this.closeOverdue(now), this.app.log);
    this.closer.start();
  }

  /** Closes the roll-calls past their due time (bounded per call; idempotent). */
  async closeOverdue(now = Date.now()): Promise<void> {
    const k = this.keys;
    const due = await this.redis.zRangeByScore(k.open, '-inf', now, { LIMIT: { offset: 0, count: 50 } });
    for (const id of due) await CLOSE.run(this.redis, [this.key(id), k.misses, k.open, k.flagged], [now, id, this.settings.missesToFlag]);
  }

  /** Each grid as its latest roll-call found it, and the flagged units: two small hashes in one round trip, no write. */
  async readiness(now = Date.now()): Promise<Readiness> {
    const k = this.keys;
    const [counters, flaggedMisses] = (await this.redis.multi().hGetAll(k.readiness).hGetAll(k.flagged).exec()) as unknown as [Record<string, string>, Record<string, string>];
    const byGrid = new Map<string, Record<string, string | number>>();
    for (const [f, v] of Object.entries(counters)) {
      const bar = f.lastIndexOf('|');
      if (bar < 0) continue;
      const g = byGrid.get(f.slice(0, bar)) ?? {};
      g[f.slice(bar + 1)] = v;
      byGrid.set(f.slice(0, bar), g);
    }
    const grids: GridReadiness[] = [];
    for (const [gridId, c] of [...byGrid].sort(([a], [b]) => a.localeCompare(b))) {
      const dueAt = Number(c.dueAt);
      const row = {
        gridId, rollCallId: c.id, startedAt: Number(c.startedAt), dueAt, closed: now > dueAt,
        units: Number(c.units), answeredUnits: Number(c.answered), registered: Number(c.registered), acknowledged: Number(c.acknowledged),
      };
      const checked = checkGrid.validate(row);
      if (!checked.ok) {
        this.app.log.error({ gridId, errors: checked.errors }, 'roll-call readiness counters unreadable: grid left out');
        continue;
      }
      if (row.startedAt + KEEP_MS < now) continue; // as old as the roll-calls kept
      grids.push(checked.value);
    }
    const registered = grids.reduce((n, g) => n + g.registered, 0);
    const acknowledged = grids.reduce((n, g) => n + g.acknowledged, 0);
    const flagged = Object.entries(flaggedMisses).map(([unitId, n]) => ({ unitId, misses: Number(n) }))
      .filter((f) => Number.isInteger(f.misses)).sort((a, b) => a.unitId.localeCompare(b.unitId));
    return { grids, registered, acknowledged, share: readinessShare(acknowledged, registered), flagged, missesToFlag: this.settings.missesToFlag };
  }

  async stop(): Promise<void> {
    await this.closer?.stop();
  }
}
