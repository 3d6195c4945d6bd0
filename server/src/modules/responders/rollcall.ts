// Roll-call (点名) of minimum emergency units, by grid or all. Started once per command id (rollcall-start.lua);
// told to the units' terminals (rollcall:issued: pushed through Redis pub/sub to the node each terminal is on, and
// again when a terminal connects while it is open); answered before its due time (rollcall-answer.lua); closed once
// after it (rollcall-close.lua: misses in a row per unit, flagged at ROLL_CALL_MISSES_TO_FLAG) by a timer on the
// node that started it, or by whoever reads readiness first. Readiness per grid comes from each grid's latest
// roll-call: the people the answers said are ready over the people registered (shared/src/rollcall.ts).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  DEVICE_NAMESPACE, RollCallAnswerSchema, RollCallNoticeSchema, ackError, compileChecker, gridFigures, readinessShare, refusal,
  type GridReadiness, type Jurisdiction, type Readiness, type Refusal, type RollCall, type RollCallEntry, type SessionUser,
} from '@ccr/shared';
import type { FastifyInstance } from 'fastify';
import type { Namespace, Socket } from 'socket.io';
import type { Counter } from 'prom-client';
import { LuaScript } from '../../plugins/lua-script.js';
import type { RedisClient } from '../../plugins/redis.js';
import { unitRoom } from '../dispatch/device-channel.js';
import { deviceEvent, type DeviceAnswer } from './device-handler.js';

const lua = (name: string): string => readFileSync(new URL(`./${name}.lua`, import.meta.url), 'utf8');
const START = new LuaScript('rollCallStart', lua('rollcall-start'));
const ANSWER = new LuaScript('rollCallAnswer', lua('rollcall-answer'));
const CLOSE = new LuaScript('rollCallClose', lua('rollcall-close'));
const checkAnswer = compileChecker(RollCallAnswerSchema);
const checkNotice = compileChecker(RollCallNoticeSchema);
/** A roll-call and its command record are kept a week: the wall shows each grid's latest. */
const KEEP_MS = 7 * 86_400_000;

interface Member { gridId: string; members: number }
interface Meta { id: string; gridId: string | null; startedAt: number; dueAt: number; by: string; units: number }

export interface RollCallSettings { answerMs: number; missesToFlag: number }

export class RollCalls {
  /** Emergency units by id: their grid and registered members (the roster, loaded once). */
  private readonly units: ReadonlyMap<string, Member>;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly app: FastifyInstance,
    private readonly redis: RedisClient,
    private readonly prefix: string,
    jurisdiction: Jurisdiction,
    private readonly settings: RollCallSettings,
    private readonly timeZone: string,
  ) {
    this.units = new Map(jurisdiction.units.filter((u) => u.kind === 'emergency_unit' && u.gridId).map((u) => [u.id, { gridId: u.gridId!, members: u.members ?? 0 }]));
  }

  private get keys() {
    const p = `${this.prefix}rollcall:`;
    return { latest: `${p}latest`, open: `${p}open`, misses: `${p}misses`, flagged: `${p}flagged`, channel: `${p}notices` };
  }
  private key(id: string): string { return `${this.prefix}rollcall:${id}`; }
  private cmdKey(commandId: string): string { return `${this.prefix}rollcall:cmd:${commandId}`; }

  async start(user: { username: string }, commandId: string, gridId: string | undefined): Promise<{ ok: true; rollCall: RollCall } | { ok: false; error: Refusal }> {
    const called = [...this.units].filter(([, u]) => gridId === undefined || u.gridId === gridId).map(([id]) => id).sort();
    if (called.length === 0) return { ok: false, error: refusal('no_emergency_units', { gridId: gridId ?? '*' }, `no emergency unit in grid ${gridId ?? '(all)'}`) };
    const now = Date.now();
    const meta: Meta = { id: `RC-${now.toString(36)}-${randomUUID().slice(0, 6)}`, gridId: gridId ?? null, startedAt: now, dueAt: now + this.settings.answerMs, by: user.username, units: called.length };
    const grids = [...new Set(called.map((id) => this.units.get(id)!.gridId))];
    const k = this.keys;
    const out = (await START.run(this.redis, [this.cmdKey(commandId), this.key(meta.id), k.latest, k.open], [
      meta.id, meta.dueAt, KEEP_MS, JSON.stringify(meta), grids.length, ...grids, ...called,
    ])) as [string, string];
    if (out[0] === 'replay') {
      const prior = await this.readMeta(out[1]);
      if (!prior) return { ok: false, error: refusal('roll_call_unknown', { rollCallId: out[1] }, `roll-call ${out[1]} has expired`) };
      return { ok: true, rollCall: { ...prior, replayed: true } };
    }
    await this.redis.publish(k.channel, JSON.stringify({ notice: { rollCallId: meta.id, startedAt: meta.startedAt, dueAt: meta.dueAt }, unitIds: called }));
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.closeOverdue().catch((err: unknown) => this.app.log.warn({ err: (err as Error).message }, 'closing roll-calls failed'));
    }, this.settings.answerMs + 250);
    timer.unref();
    this.timers.add(timer);
    return { ok: true, rollCall: { ...meta, replayed: false } };
  }

  private async readMeta(id: string): Promise<Meta | null> {
    const raw = await this.redis.hGet(this.key(id), 'meta');
    if (!raw) return null;
    try {
      const m = JSON.parse(raw) as Record<string, unknown>;
      if (typeof m.id !== 'string' || typeof m.startedAt !== 'number' || typeof m.dueAt !== 'number' || typeof m.by !== 'string' || typeof m.units !== 'number') return null;
      return { id: m.id, gridId: typeof m.gridId === 'string' ? m.gridId : null, startedAt: m.startedAt, dueAt: m.dueAt, by: m.by, units: m.units };
    } catch {
      return null;
    }
  }

  /** Pushes notices to the terminals connected here, and the open ones to a terminal when it connects. */
  async listen(subscriber: RedisClient): Promise<void> {
    const nsp = this.app.io.of(DEVICE_NAMESPACE) as unknown as Namespace;
    await subscriber.subscribe(this.keys.channel, (message) => {
      try {
        const m = JSON.parse(message) as { notice?: unknown; unitIds?: unknown };
        const c = checkNotice.validate(m.notice);
        if (!c.ok || !Array.isArray(m.unitIds)) throw new Error(c.ok ? 'unitIds missing' : c.errors.join('; '));
        for (const id of m.unitIds) if (typeof id === 'string') nsp.to(unitRoom(id)).emit('rollcall:issued', c.value);
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
    const members = this.units.get(unitId)?.members ?? 0;
    const ready = Math.min(people ?? members, 500);
    const out = (await ANSWER.run(this.redis, [this.key(rollCallId)], [unitId, Date.now(), ready])) as string;
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

  /** Closes the roll-calls past their due time (bounded per call; idempotent). */
  async closeOverdue(now = Date.now()): Promise<void> {
    const k = this.keys;
    const due = await this.redis.zRangeByScore(k.open, '-inf', now, { LIMIT: { offset: 0, count: 50 } });
    for (const id of due) await CLOSE.run(this.redis, [this.key(id), k.misses, k.open, k.flagged], [now, id, this.settings.missesToFlag]);
  }

  /** Each grid as its latest roll-call found it (one read per roll-call, at most one per grid), and the flagged units. */
  async readiness(): Promise<Readiness> {
    await this.closeOverdue();
    const k = this.keys;
    const latest = await this.redis.hGetAll(k.latest);
    const byId = new Map<string, Record<string, string>>();
    for (const id of new Set(Object.values(latest))) byId.set(id, await this.redis.hGetAll(this.key(id)));
    const grids: GridReadiness[] = [];
    for (const [gridId, id] of Object.entries(latest).sort(([a], [b]) => a.localeCompare(b))) {
      const h = byId.get(id);
      const meta = h ? await this.readMeta(id) : null;
      if (!h || !meta) continue; // expired
      grids.push({ gridId, rollCallId: id, startedAt: meta.startedAt, dueAt: meta.dueAt, closed: !!h.closed, ...gridFigures(this.entries(h), gridId) });
    }
    const registered = grids.reduce((n, g) => n + g.registered, 0);
    const acknowledged = grids.reduce((n, g) => n + g.acknowledged, 0);
    const flaggedIds = (await this.redis.sMembers(k.flagged)).sort();
    const misses = flaggedIds.length ? await this.redis.hmGet(k.misses, flaggedIds) : [];
    return {
      grids, registered, acknowledged, share: readinessShare(acknowledged, registered),
      flagged: flaggedIds.map((unitId, i) => ({ unitId, misses: Number(misses[i] ?? 0) })), missesToFlag: this.settings.missesToFlag,
    };
  }

  /** A roll-call hash's called units with their grid, members and answer. */
  entries(h: Record<string, string>): RollCallEntry[] {
    return Object.entries(h).filter(([f]) => f.startsWith('u:')).flatMap(([f, v]) => {
      const unitId = f.slice(2);
      const u = this.units.get(unitId);
      if (!u) return [];
      const answered = v === '' ? null : Number(v);
      return [{ unitId, gridId: u.gridId, members: u.members, answered: Number.isFinite(answered) ? answered : null }];
    });
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
