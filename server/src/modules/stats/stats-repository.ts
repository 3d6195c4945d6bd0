// Statistics in Redis: the only file that knows the statistics keys (bucket names come from stats-buckets.ts,
// incident keys from the live repository). Reads are one script call or pipelined (node-redis sends every command
// issued in one tick in one write), so a 13-month daily series costs one round trip.
import { readFileSync } from 'node:fs';
import { PRIORITIES, type Incident, type ResponseTargets } from '@ccr/shared';
import type { RedisClient } from '../../plugins/redis.js';
import { LuaScript } from '../../plugins/lua-script.js';
import type { LiveRepository } from '../live/live-repository.js';

export const presenceHourBucket = (hour: string): string => `stats:presence:${hour}`;
export const presenceDayBucket = (day: string): string => `stats:presence-day:${day}`;
/** Sample slots already counted on a day (live sampler), and hours of history already seeded. */
export const presenceSlotMarker = (day: string, slot: number) => ({ bucket: `stats:presence-slots:${day}`, field: String(slot), ttlSeconds: 2 * 86_400 });
export const presenceHistoryMarker = (hour: string) => ({ bucket: 'stats:presence-history', field: hour, ttlSeconds: 0 });

/**
 * Adds presence seconds per grid to an hour and its day, once per marker: a sample slot (live sampler) or an
 * hour of seeded history. A second node that also sampled the slot, or a second seeding run, adds nothing.
 * KEYS marker hash, hour bucket, day bucket, last-visit zset
 * ARGV markerField, markerTtlSeconds (0 = keep), visitAt (0 = not a visit now), then grid, seconds pairs
 */
const ADD_PRESENCE = new LuaScript('addPresence', `
if redis.call('HSETNX', KEYS[1], ARGV[1], '1') == 0 then return 0 end
if tonumber(ARGV[2]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
for i = 4, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i + 1])
  redis.call('HINCRBY', KEYS[3], ARGV[i], ARGV[i + 1])
  if ARGV[3] ~= '0' then redis.call('ZADD', KEYS[4], 'GT', ARGV[3], ARGV[i]) end
end
return 1
`);

/** The same fields of many hashes in one call: KEYS hashes, ARGV fields; a flat reply, 0 for a missing counter.
 *  One script call instead of ~400 HMGETs keeps a 13-month series to one command's parsing on both sides. */
const READ_FIELDS = new LuaScript('readFields', `
local out = {}
for i = 1, #KEYS do
  local row = redis.call('HMGET', KEYS[i], unpack(ARGV))
  for j = 1, #ARGV do out[#out + 1] = row[j] or 0 end
end
return out
`);

/**
 * Announces today's KPIs when they differ from the last announcement (one event per change, whichever node
 * computes them). KEYS last-kpi, events; ARGV kpiJson, eventJson, now, maxlen. Returns 1 when announced.
 */
const ANNOUNCE_KPI = new LuaScript('announceKpi', `
if redis.call('GET', KEYS[1]) == ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', 172800)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', 'at', ARGV[3], 'e', ARGV[2])
return 1
`);

/** See judge-responses.lua. */
const JUDGE_RESPONSES = new LuaScript('judgeResponses', readFileSync(new URL('./judge-responses.lua', import.meta.url), 'utf8'));
/** See month-responses.lua. */
const MONTH_RESPONSES = new LuaScript('monthResponses', readFileSync(new URL('./month-responses.lua', import.meta.url), 'utf8'));
/** Set once every response bucket counts within target at write time (a Redis that never held older buckets, or
 *  after judgeResponseBuckets went over them). */
const RESPONSES_JUDGED = 'stats:responses-judged';

export class StatsRepository {
  constructor(
    private readonly redis: RedisClient,
    private readonly live: LiveRepository,
    private readonly eventsMaxLen: number,
  ) {}

  private key(bucket: string): string { return this.live.bucketKey(bucket); }

  /** The same fields of many buckets; missing counters read as 0. */
  async readFields(buckets: readonly string[], fields: readonly string[]): Promise<number[][]> {
    if (fields.length === 0 || buckets.length === 0) return buckets.map(() => []);
    const flat = (await READ_FIELDS.run(this.redis, buckets.map((b) => this.key(b)), [...fields])) as (string | number)[];
    const n = fields.length;
    return buckets.map((_, i) => flat.slice(i * n, (i + 1) * n).map(Number));
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
    const keys = [this.key(args.marker.bucket), this.key(args.hourBucket), this.key(args.dayBucket), this.key('stats:presence:last-visit')];
    return (await ADD_PRESENCE.run(this.redis, keys, argv)) === 1;
  }

  /** Grids with a patrol unit sampled at or after `since`. */
  async gridsVisitedSince(since: number): Promise<number> {
    return this.redis.zCount(this.key('stats:presence:last-visit'), since, '+inf');
  }

  async announceKpi(kpiJson: string, eventJson: string, now: number): Promise<boolean> {
    return (await ANNOUNCE_KPI.run(this.redis, [this.key('stats:kpi:last'), this.live.keys.events], [kpiJson, eventJson, now, this.eventsMaxLen])) === 1;
  }

  /** What a completed history seeding wrote (null: never completed), so a demo start seeds only once. */
  async historySeeded(): Promise<string | null> {
    return this.redis.get(this.key('stats:history:seeded'));
  }

  async markHistorySeeded(summary: string): Promise<void> {
    await this.redis.set(this.key('stats:history:seeded'), summary);
  }

  /**
   * True when no response bucket needs judging (judge-responses.lua): marked before, or this Redis holds no
   * incident yet (a new deployment, a seeding's start), which it then marks.
   */
  async responsesJudged(now: number): Promise<boolean> {
    if ((await this.redis.exists(this.key(RESPONSES_JUDGED))) === 1) return true;
    if ((await this.redis.zCard(this.live.keys.byTime)) > 0) return false;
    await this.redis.set(this.key(RESPONSES_JUDGED), JSON.stringify({ at: now, buckets: 0 }));
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
    await Promise.all(months.map((m) => MONTH_RESPONSES.run(this.redis, [this.key(m.month), ...m.days.map((d) => this.key(d))], [])));
    await this.redis.set(this.key(RESPONSES_JUDGED), JSON.stringify({ at: now, buckets: judged }));
    return judged;
  }

  /** Incidents reported in [from, to), newest first, a page at a time. */
  async incidentsReported(from: number, to: number, limit: number, offset: number): Promise<{ total: number; incidents: Incident[] }> {
    const key = this.live.keys.byTime;
    const [total, ids] = await Promise.all([
      this.redis.zCount(key, from, `(${to}`),
      this.redis.sendCommand(['ZRANGE', key, `(${to}`, String(from), 'BYSCORE', 'REV', 'LIMIT', String(offset), String(limit)]) as Promise<string[]>,
    ]);
    if (ids.length === 0) return { total, incidents: [] };
    const raws = await this.redis.mGet(ids.map((id) => this.live.incidentKey(id)));
    return { total, incidents: raws.filter((r): r is string => !!r).map((r) => JSON.parse(r) as Incident) };
  }
}
