// Statistics in Redis: the only file that speaks the statistics keys (named in plugins/keyspace.ts; bucket names
// come from stats-buckets.ts and the presence ones below, put under the deployment's base by the keyspace). Reads are one script call or pipelined (node-redis sends every command
// issued in one tick in one write), so a 13-month daily series costs one round trip.
import { PRIORITIES, RESPONSE_BIN_MAX, type Incident, type ResponseStep, type ResponseTargets } from '@ccr/shared';
import { RANK_FANOUT, RANK_LEVELS } from './stats-buckets.js';
import type { ResponseTotals } from './stats-service.js';
import type { RedisClient } from '../../plugins/redis.js';
import { LuaScript } from '../../plugins/lua-script.js';
import type { Keyspace } from '../../plugins/keyspace.js';

export const presenceHourBucket = (hour: string): string => `stats:presence:${hour}`;
export const presenceDayBucket = (day: string): string => `stats:presence-day:${day}`;
/** Sample slots already counted on a day (live sampler), and hours of history already seeded. */
export const presenceSlotMarker = (day: string, slot: number) => ({ bucket: `stats:presence-slots:${day}`, field: String(slot), ttlSeconds: 2 * 86_400 });
export const presenceHistoryMarker = (hour: string) => ({ bucket: 'stats:presence-history', field: hour, ttlSeconds: 0 });

const script = (name: string, file: string, ...preludes: string[]): LuaScript =>
  LuaScript.fromFile(name, new URL(file, import.meta.url), ...preludes.map((p) => new URL(p, import.meta.url)));
/** See add-presence.lua. */
const ADD_PRESENCE = script('addPresence', './add-presence.lua');
/** See read-fields.lua. */
const READ_FIELDS = script('readFields', './read-fields.lua');
/** See announce-kpi.lua. */
const ANNOUNCE_KPI = script('announceKpi', './announce-kpi.lua');
/** See judge-responses.lua. */
const JUDGE_RESPONSES = script('judgeResponses', './judge-responses.lua');
/** See month-responses.lua. */
const MONTH_RESPONSES = script('monthResponses', './month-responses.lua', './rank-tree.lua');
/** See response-figures.lua. */
const RESPONSE_FIGURES = script('responseFigures', './response-figures.lua', './rank-tree.lua');
const RANK_TOP = Math.floor((RESPONSE_BIN_MAX + 1) / RANK_FANOUT ** RANK_LEVELS) + 1;

export class StatsRepository {
  constructor(
    private readonly redis: RedisClient,
    private readonly ks: Keyspace,
    private readonly eventsMaxLen: number,
  ) {}

  private key(bucket: string): string { return this.ks.stats.bucket(bucket); }

  /** The same fields of many buckets; missing counters read as 0. */
  async readFields(buckets: readonly string[], fields: readonly string[]): Promise<number[][]> {
    if (fields.length === 0 || buckets.length === 0) return buckets.map(() => []);
    const flat = (await READ_FIELDS.run(this.redis, buckets.map((b) => this.key(b)), [...fields])) as (string | number)[];
    const n = fields.length;
    return buckets.map((_, i) => flat.slice(i * n, (i + 1) * n).map(Number));
  }

  /** Response totals of the day or month buckets `added` less those `subtracted` (response-figures.lua): a bounded
   *  read per bucket, in one script call. Indexed by step, then priority − 1. */
  async responseTotals(added: readonly string[], subtracted: readonly string[] = []): Promise<Record<ResponseStep, ResponseTotals[]>> {
    const keys = [...added, ...subtracted].map((b) => this.key(b));
    const flat: unknown = await RESPONSE_FIGURES.run(this.redis, keys, [added.length, RANK_FANOUT, RANK_LEVELS, RANK_TOP]);
    if (!Array.isArray(flat) || flat.length !== 2 * 4 * PRIORITIES.length || !flat.every((v) => Number.isSafeInteger(v))) {
      throw new Error('response-figures.lua: unexpected reply');
    }
    const at = (i: number): ResponseTotals => {
      const [count, within, ms, median] = flat.slice(4 * i, 4 * i + 4).map(Number) as [number, number, number, number];
      return { count, within, ms, median: median < 0 ? null : median };
    };
    return { dispatch: PRIORITIES.map((_, p) => at(p)), on_scene: PRIORITIES.map((_, p) => at(PRIORITIES.length + p)) };
  }

  /** Whole buckets (sparse: only counters that exist). */
  async readBuckets(buckets: readonly string[]): Promise<Record<string, string>[]> {
    return Promise.all(buckets.map((b) => this.redis.hGetAll(this.key(b))));
  }

  async addPresence(args: {
    marker: { bucket: string; field: string; ttlSeconds: number }; hourBucket: string; dayBucket: string;
    visitAt: number; secondsByGrid: ReadonlyMap<string, number>;
  }): Promise<boolean> {
    const argv: (string | number)[] = [args.marker.field, args.marker.ttlSeconds, args.visitAt];
    for (const [grid, s] of args.secondsByGrid) if (s > 0) argv.push(grid, s);
    const keys = [this.key(args.marker.bucket), this.key(args.hourBucket), this.key(args.dayBucket), this.ks.stats.presenceLastVisit];
    return (await ADD_PRESENCE.run(this.redis, keys, argv)) === 1;
  }

  /** Grids with a patrol unit sampled at or after `since`. */
  async gridsVisitedSince(since: number): Promise<number> {
    return this.redis.zCount(this.ks.stats.presenceLastVisit, since, '+inf');
  }

  async announceKpi(kpiJson: string, eventJson: string, now: number): Promise<boolean> {
    return (await ANNOUNCE_KPI.run(this.redis, [this.ks.stats.kpiLast, this.ks.live.events], [kpiJson, eventJson, now, this.eventsMaxLen])) === 1;
  }

  /** What a completed history seeding wrote (null: never completed), so a demo start seeds only once. */
  async historySeeded(): Promise<string | null> {
    return this.redis.get(this.ks.stats.historySeeded);
  }

  async markHistorySeeded(summary: string): Promise<void> {
    await this.redis.set(this.ks.stats.historySeeded, summary);
  }

  /**
   * True when no response bucket needs judging (judge-responses.lua): marked before, or this Redis holds no
   * incident yet (a new deployment, a seeding's start), which it then marks.
   */
  async responsesJudged(now: number): Promise<boolean> {
    if ((await this.redis.exists(this.ks.stats.responsesJudged)) === 1) return true;
    if ((await this.redis.zCard(this.ks.live.byTime)) > 0) return false;
    await this.redis.set(this.ks.stats.responsesJudged, JSON.stringify({ at: now, buckets: 0 }));
    return true;
  }

  /** Gives buckets written before within target was counted at write time their counters (judge-responses.lua),
   *  a few hundred scripts in flight at a time, and each month its bucket; then marks the deployment judged.
   *  Returns the day and hour buckets judged. */
  async judgeResponseBuckets(
    buckets: readonly string[], months: readonly { month: string; days: readonly string[] }[], targets: ResponseTargets, now: number,
  ): Promise<number> {
    const argv = PRIORITIES.flatMap((p) => [targets[p].dispatchSeconds, targets[p].onSceneSeconds]);
    let judged = 0;
    for (let i = 0; i < buckets.length; i += 500) {
      const r = await Promise.all(buckets.slice(i, i + 500).map((b) => JUDGE_RESPONSES.run(this.redis, [this.key(b)], argv)));
      judged += r.filter((x) => x === 1).length;
    }
    // Then each month from its (now judged) days: month-responses.lua.
    await Promise.all(months.map((m) => MONTH_RESPONSES.run(this.redis, [this.key(m.month), ...m.days.map((d) => this.key(d))], [RANK_FANOUT, RANK_LEVELS])));
    await this.redis.set(this.ks.stats.responsesJudged, JSON.stringify({ at: now, buckets: judged }));
    return judged;
  }

  /** Incidents reported in [from, to), newest first, a page at a time. */
  async incidentsReported(from: number, to: number, limit: number, offset: number): Promise<{ total: number; incidents: Incident[] }> {
    const key = this.ks.live.byTime;
    const [total, ids] = await Promise.all([
      this.redis.zCount(key, from, `(${to}`),
      this.redis.sendCommand(['ZRANGE', key, `(${to}`, String(from), 'BYSCORE', 'REV', 'LIMIT', String(offset), String(limit)]) as Promise<string[]>,
    ]);
    if (ids.length === 0) return { total, incidents: [] };
    const raws = await this.redis.mGet(ids.map((id) => this.ks.live.incident(id)));
    return { total, incidents: raws.filter((r): r is string => !!r).map((r) => JSON.parse(r) as Incident) };
  }
}
