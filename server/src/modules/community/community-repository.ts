// The community loops in Redis: cases, tasks, their indexes, figure counters, terminal notices and command records.
// The only file that speaks these keys. Everything read back is checked against the shared schemas, not cast.
import { createHmac } from 'node:crypto';
import {
  CommunityCommandResultSchema, CommunityTaskSchema, DisputeCaseSchema, IncidentSchema, OPEN_DISPUTE_STATUSES, OPEN_TASK_STATUSES, TaskNoticeSchema,
  addDays, compileChecker, countsDelta, coveringBuckets, disputeCounts, localDay, taskCounts, weekOf,
  type CommunityCommandResult, type CommunityTask, type DisputeCase, type FigureCounts, type Incident, type TaskNotice,
} from '@ccr/shared';
import { PackedPlan, type CommitOutcome } from '../../plugins/plan-commit.js';
import type { RedisClient } from '../../plugins/redis.js';
import type { Keyspace } from '../../plugins/keyspace.js';
import { Inbox } from '../delivery/inbox.js';
import { LuaScript } from '../../plugins/lua-script.js';
import type { LiveRepository } from '../live/live-repository.js';

const checkDispute = compileChecker(DisputeCaseSchema);
const checkTask = compileChecker(CommunityTaskSchema);
const checkIncident = compileChecker(IncidentSchema);
const checkCommandResult = compileChecker(CommunityCommandResultSchema);

/** How long a command id is remembered, and an unacknowledged task notice kept. */
export const COMMUNITY_COMMAND_TTL_MS = 7 * 24 * 3_600_000;

export interface Read<T> { raw: string; value: T }

/** What one command writes: documents with the raw text they replace (null: new), and what rides along. */
export interface CommunityWrite {
  now: number;
  command?: { id: string; bodyHash: string };
  disputes: { before: Read<DisputeCase> | null; after: DisputeCase }[];
  tasks: { before: Read<CommunityTask> | null; after: CommunityTask }[];
  /** An incident turned into a dispute (转矛盾纠纷): the link is written with the case. */
  incident?: { before: Read<Incident>; after: Incident };
  /** Fingerprints of the new case's parties and address, for repeat detection. */
  repeatFingerprints?: { fingerprint: string; caseId: string; at: number }[];
  notices: TaskNotice[];
  /** The command's answer as stored (JSON object text). */
  result: string;
}

export type { CommitOutcome } from '../../plugins/plan-commit.js';

const NO_DEADLINE = '+inf';
/** See community-weeks.lua. */
const BUILD_WEEKS = LuaScript.fromFile('communityWeeks', new URL('./community-weeks.lua', import.meta.url));

/** See community-sum.lua. */
const SUM_GROUPS = LuaScript.fromFile('communitySum', new URL('./community-sum.lua', import.meta.url));

type FigureKind = 'disputes' | 'tasks';

export class CommunityRepository {
  readonly keys: {
    disputesByTime: string; disputesOpen: string; disputesOpenMay: string; tasksByDue: string; tasksOpen: string;
    noticesPending: string; noticeChannel: string;
  };
  /** Task notices to the unit terminals, kept until acknowledged (delivery/inbox.ts). */
  readonly notices: Inbox<typeof TaskNoticeSchema>;
  private readonly c: Keyspace['community'];

  constructor(
    private readonly redis: RedisClient,
    private readonly live: LiveRepository,
    keyspace: Keyspace,
    private readonly eventsMaxLen: number,
    private readonly timeZone: string,
    /** Keys the party fingerprints, so the index says nothing to whoever reads Redis without it. */
    private readonly fingerprintKey: string,
  ) {
    const c = keyspace.community;
    this.c = c;
    this.keys = {
      disputesByTime: c.disputesByTime, disputesOpen: c.disputesOpen, disputesOpenMay: c.disputesOpenMay, tasksByDue: c.tasksByDue,
      tasksOpen: c.tasksOpen, noticesPending: c.noticesPending, noticeChannel: c.noticeChannel,
    };
    this.notices = new Inbox(redis, { box: (unitId) => this.noticesKey(unitId), pending: this.keys.noticesPending, channel: this.keys.noticeChannel },
      TaskNoticeSchema, COMMUNITY_COMMAND_TTL_MS, (n) => n.unitId);
  }

  private disputeKey(id: string): string { return this.c.dispute(id); }
  private taskKey(id: string): string { return this.c.task(id); }
  private unitTasksKey(unitId: string): string { return this.c.unitTasks(unitId); }
  private noticesKey(unitId: string): string { return this.c.notices(unitId); }
  private commandKey(id: string): string { return this.c.command(id); }
  private repeatKey(fingerprint: string): string { return this.c.repeat(fingerprint); }
  private seqKey(kind: string, day: string): string { return this.c.seq(kind, day); }
  disputeDayKey(day: string): string { return this.c.disputeDay(day); }
  taskDayKey(day: string): string { return this.c.taskDay(day); }
  /** The same counters per local month (YYYY-MM), moved in the same commit as the day's. */
  disputeMonthKey(month: string): string { return this.c.disputeMonth(month); }
  taskMonthKey(month: string): string { return this.c.taskMonth(month); }
  /** And per Monday-based week (the Monday's day key). */
  private weekKey(kind: FigureKind, monday: string): string { return kind === 'disputes' ? this.c.disputeWeek(monday) : this.c.taskWeek(monday); }
  private dayKey(kind: FigureKind, day: string): string { return kind === 'disputes' ? this.disputeDayKey(day) : this.taskDayKey(day); }
  private monthKey(kind: FigureKind, month: string): string { return kind === 'disputes' ? this.disputeMonthKey(month) : this.taskMonthKey(month); }

  fingerprint(repeatKey: string): string {
    return createHmac('sha256', this.fingerprintKey).update(repeatKey).digest('hex').slice(0, 32);
  }

  /** Next ids of a kind for a local day: MD-20261204-0001 … (numbers are never reused; a gap is harmless). */
  async nextIds(kind: 'MD' | 'RW', day: string, n: number): Promise<string[]> {
    const key = this.seqKey(kind, day);
    const [last] = (await this.redis.multi().incrBy(key, n).pExpire(key, 3 * 86_400_000).exec()) as unknown as [number];
    const compact = day.replaceAll('-', '');
    return Array.from({ length: n }, (_, i) => `${kind}-${compact}-${String(Number(last) - n + 1 + i).padStart(4, '0')}`);
  }

  async readCommand(id: string): Promise<{ bodyHash: string; result: CommunityCommandResult } | null> {
    const [h, r] = await this.redis.hmGet(this.commandKey(id), ['h', 'r']);
    if (!h || !r) return null;
    const checked = checkCommandResult.validate(JSON.parse(r));
    if (!checked.ok) throw new Error(`community command record ${id} does not match its schema: ${checked.errors.join('; ')}`);
    return { bodyHash: h, result: checked.value };
  }

  private parse<T>(what: string, id: string, raw: string, checker: { validate(v: unknown): { ok: true; value: T } | { ok: false; errors: string[] } }): T {
    const checked = checker.validate(JSON.parse(raw));
    if (!checked.ok) throw new Error(`stored ${what} ${id} does not match its schema: ${checked.errors.join('; ')}`);
    return checked.value;
  }

  async readDisputes(ids: readonly string[]): Promise<Map<string, Read<DisputeCase>>> {
    const out = new Map<string, Read<DisputeCase>>();
    if (ids.length === 0) return out;
    const raws = await this.redis.mGet(ids.map((id) => this.disputeKey(id)));
    ids.forEach((id, i) => { const raw = raws[i]; if (raw) out.set(id, { raw, value: this.parse('dispute', id, raw, checkDispute) }); });
    return out;
  }

  async readTasks(ids: readonly string[]): Promise<Map<string, Read<CommunityTask>>> {
    const out = new Map<string, Read<CommunityTask>>();
    if (ids.length === 0) return out;
    const raws = await this.redis.mGet(ids.map((id) => this.taskKey(id)));
    ids.forEach((id, i) => { const raw = raws[i]; if (raw) out.set(id, { raw, value: this.parse('task', id, raw, checkTask) }); });
    return out;
  }

  async readIncident(id: string): Promise<Read<Incident> | null> {
    const raw = await this.redis.get(this.live.incidentKey(id));
    return raw ? { raw, value: this.parse('incident', id, raw, checkIncident) } : null;
  }

  /** Earlier cases sharing a fingerprint within the window, oldest first, at most `limit`. */
  async repeatsOf(fingerprints: readonly string[], since: number, limit: number): Promise<string[]> {
    if (fingerprints.length === 0) return [];
    const m = this.redis.multi();
    for (const f of fingerprints) m.zRangeByScore(this.repeatKey(f), since, '+inf', { LIMIT: { offset: 0, count: limit } });
    const rows = (await m.exec()) as unknown as string[][];
    return [...new Set(rows.flat())].sort().slice(0, limit);
  }

  async commit(w: CommunityWrite): Promise<CommitOutcome> {
    const plan = new PackedPlan(this.live.keys.events, this.commandKey(w.command?.id ?? '-'), {
      command: w.command, now: w.now, eventsMaxLen: this.eventsMaxLen, commandTtlMs: COMMUNITY_COMMAND_TTL_MS, result: w.result,
    });
    const k = plan;
    // Every move goes to the day's hash, its week's and its month's, so any range reads its whole months, a few
    // weeks and a few days (coveringBuckets), however long it is and however many cases its days hold.
    const moves = (kind: FigureKind, day: string, delta: FigureCounts) => {
      const keys = [this.dayKey(kind, day), this.weekKey(kind, weekOf(day)), this.monthKey(kind, day.slice(0, 7))].map((x) => k.at(x));
      for (const [field, by] of Object.entries(delta)) for (const key of keys) plan.hincr.push([key, field, String(by)]);
    };

    for (const { before, after } of w.disputes) {
      const key = k.at(this.disputeKey(after.id));
      const json = JSON.stringify(after);
      plan.expect.push([key, before?.raw ?? '']);
      plan.set.push([key, json]);
      plan.zadd.push([k.at(this.keys.disputesByTime), String(after.createdAt), after.id]);
      const open = OPEN_DISPUTE_STATUSES.includes(after.status);
      const score = after.dueAt === null ? NO_DEADLINE : String(after.dueAt);
      if (open) plan.zadd.push([k.at(this.keys.disputesOpen), score, after.id]);
      else plan.zrem.push([k.at(this.keys.disputesOpen), after.id]);
      if (open && after.mayEscalate) plan.zadd.push([k.at(this.keys.disputesOpenMay), score, after.id]);
      else plan.zrem.push([k.at(this.keys.disputesOpenMay), after.id]);
      moves('disputes', localDay(after.createdAt, this.timeZone), countsDelta(before ? disputeCounts(before.value) : null, disputeCounts(after)));
      plan.events.push(`{"type":"dispute:changed","dispute":${json}}`);
    }
    for (const f of w.repeatFingerprints ?? []) {
      const key = k.at(this.repeatKey(f.fingerprint));
      plan.zadd.push([key, String(f.at), f.caseId]);
      // Each index lives as long as its newest case can still be repeated; older members are read past by score.
      plan.pexpire.push([key, String(400 * 86_400_000)]);
    }
    for (const { before, after } of w.tasks) {
      const key = k.at(this.taskKey(after.id));
      const json = JSON.stringify(after);
      plan.expect.push([key, before?.raw ?? '']);
      plan.set.push([key, json]);
      plan.zadd.push([k.at(this.keys.tasksByDue), String(after.dueAt), after.id]);
      const open = OPEN_TASK_STATUSES.includes(after.status);
      if (open) {
        plan.zadd.push([k.at(this.keys.tasksOpen), String(after.dueAt), after.id]);
        plan.zadd.push([k.at(this.unitTasksKey(after.assignee.unitId)), String(after.dueAt), after.id]);
      } else {
        plan.zrem.push([k.at(this.keys.tasksOpen), after.id]);
        plan.zrem.push([k.at(this.unitTasksKey(after.assignee.unitId)), after.id]);
      }
      // A task's due time never changes, so its figures stay on one day.
      const delta = countsDelta(before ? taskCounts(before.value) : null, taskCounts(after));
      moves('tasks', localDay(after.dueAt, this.timeZone), delta);
      plan.events.push(`{"type":"task:changed","task":${json}}`);
    }
    if (w.incident) {
      const key = k.at(this.live.incidentKey(w.incident.after.id));
      const json = JSON.stringify(w.incident.after);
      plan.expect.push([key, w.incident.before.raw]);
      plan.set.push([key, json]);
      plan.events.push(`{"type":"incident:updated","incident":${json}}`);
    }
    for (const n of w.notices) this.notices.writeInto(plan, n);
    return plan.commit(this.redis);
  }

  // --- lists and figures -------------------------------------------------------------------------------------

  /** Cases opened in [from, to), oldest first, and how many there are. */
  async disputesOpened(from: number, to: number, limit: number, offset: number): Promise<{ total: number; items: DisputeCase[] }> {
    const [total, ids] = (await this.redis.multi()
      .zCount(this.keys.disputesByTime, from, `(${to}`)
      .zRangeByScore(this.keys.disputesByTime, from, `(${to}`, { LIMIT: { offset, count: limit } })
      .exec()) as unknown as [number, string[]];
    const read = await this.readDisputes(ids);
    return { total: Number(total), items: ids.flatMap((id) => { const r = read.get(id); return r ? [r.value] : []; }) };
  }

  /** Open cases by deadline (soonest first, those without one last), at most `limit`. */
  async openDisputes(limit: number): Promise<{ total: number; items: DisputeCase[] }> {
    const [total, ids] = (await this.redis.multi().zCard(this.keys.disputesOpen).zRange(this.keys.disputesOpen, 0, limit - 1).exec()) as unknown as [number, string[]];
    const read = await this.readDisputes(ids);
    return { total: Number(total), items: ids.flatMap((id) => { const r = read.get(id); return r ? [r.value] : []; }) };
  }

  /** Tasks due in [from, to), by due time. */
  async tasksDue(from: number, to: number, limit: number, offset: number): Promise<{ total: number; items: CommunityTask[] }> {
    const [total, ids] = (await this.redis.multi()
      .zCount(this.keys.tasksByDue, from, `(${to}`)
      .zRangeByScore(this.keys.tasksByDue, from, `(${to}`, { LIMIT: { offset, count: limit } })
      .exec()) as unknown as [number, string[]];
    const read = await this.readTasks(ids);
    return { total: Number(total), items: ids.flatMap((id) => { const r = read.get(id); return r ? [r.value] : []; }) };
  }

  /** Open tasks by due time, of everyone or of one unit. */
  async openTasks(limit: number, unitId?: string): Promise<{ total: number; items: CommunityTask[] }> {
    const key = unitId ? this.unitTasksKey(unitId) : this.keys.tasksOpen;
    const [total, ids] = (await this.redis.multi().zCard(key).zRange(key, 0, limit - 1).exec()) as unknown as [number, string[]];
    const read = await this.readTasks(ids);
    return { total: Number(total), items: ids.flatMap((id) => { const r = read.get(id); return r ? [r.value] : []; }) };
  }

  /** Ids of open cases (or only may-escalate ones) and open tasks past their deadline at `now`, at most `limit`. */
  async overdue(now: number, limit: number): Promise<{ disputes: string[]; disputesMay: number; disputesTotal: number; tasks: number }> {
    const [ids, total, may, tasks] = (await this.redis.multi()
      .zRangeByScore(this.keys.disputesOpen, '-inf', `(${now}`, { LIMIT: { offset: 0, count: limit } })
      .zCount(this.keys.disputesOpen, '-inf', `(${now}`)
      .zCount(this.keys.disputesOpenMay, '-inf', `(${now}`)
      .zCount(this.keys.tasksOpen, '-inf', `(${now}`)
      .exec()) as unknown as [string[], number, number, number];
    return { disputes: ids, disputesTotal: Number(total), disputesMay: Number(may), tasks: Number(tasks) };
  }

  /** Summed counters of each group of buckets (days, weeks and months), summed in Redis (community-sum.lua): one
   *  round trip, and only the sums cross it. */
  async sumEach(groups: readonly (readonly string[])[]): Promise<FigureCounts[]> {
    if (groups.every((g) => g.length === 0)) return groups.map(() => ({}));
    const reply = await SUM_GROUPS.run(this.redis, groups.flat(), groups.map((g) => g.length));
    if (!Array.isArray(reply) || reply.length !== groups.length) throw new Error('community-sum.lua: unexpected reply');
    return reply.map((row: unknown) => {
      const out: FigureCounts = {};
      if (!Array.isArray(row)) throw new Error('community-sum.lua: unexpected reply');
      for (let i = 0; i + 1 < row.length; i += 2) {
        const n = Number(row[i + 1]);
        if (Number.isSafeInteger(n)) out[String(row[i])] = n;
      }
      return out;
    });
  }

  /** Summed values of some fields over each group of keys (HMGET), in one round trip. */
  async fieldsEach(groups: readonly (readonly string[])[], fields: readonly string[]): Promise<FigureCounts[]> {
    const flat = groups.flat();
    if (flat.length === 0) return groups.map(() => ({}));
    const m = this.redis.multi();
    for (const key of flat) m.hmGet(key, [...fields]);
    const rows = (await m.exec()) as unknown as (string | null)[][];
    let i = 0;
    return groups.map((g) => {
      const out: FigureCounts = {};
      for (const row of rows.slice(i, (i += g.length))) {
        row.forEach((v, f) => {
          const n = Number(v ?? 0);
          if (Number.isSafeInteger(n) && n !== 0) out[fields[f]!] = (out[fields[f]!] ?? 0) + n;
        });
      }
      return out;
    });
  }

  /** The counter hashes that cover each range of local days first..last once (whole months from their month hash,
   *  whole weeks from their week's, then days: coveringBuckets), with the weeks they use made whole first
   *  (community-weeks.lua, one call for every range). */
  async cover(ranges: readonly { kind: FigureKind; first: string; last: string }[]): Promise<string[][]> {
    const weeks = new Map<string, { kind: FigureKind; monday: string }>();
    const out = ranges.map(({ kind, first, last }) => {
      const { months, weeks: mondays, days } = coveringBuckets(first, last);
      for (const monday of mondays) weeks.set(`${kind}:${monday}`, { kind, monday });
      return [...months.map((m) => this.monthKey(kind, m)), ...mondays.map((w) => this.weekKey(kind, w)), ...days.map((d) => this.dayKey(kind, d))];
    });
    if (weeks.size > 0) {
      const keys = [this.c.weeksBuilt];
      for (const { kind, monday } of weeks.values()) {
        keys.push(this.weekKey(kind, monday));
        for (let i = 0; i < 7; i++) keys.push(this.dayKey(kind, addDays(monday, i)));
      }
      await BUILD_WEEKS.run(this.redis, keys, [...weeks.keys()]);
    }
    return out;
  }

  /** Summed counters of some day buckets. */
  async sumDays(keys: readonly string[]): Promise<FigureCounts> {
    const out: FigureCounts = {};
    if (keys.length === 0) return out;
    const m = this.redis.multi();
    for (const key of keys) m.hGetAll(key);
    const rows = (await m.exec()) as unknown as Record<string, string>[];
    for (const row of rows) {
      for (const [f, v] of Object.entries(row)) {
        const n = Number(v);
        if (Number.isSafeInteger(n)) out[f] = (out[f] ?? 0) + n;
      }
    }
    return out;
  }
}
