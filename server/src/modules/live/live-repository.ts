// The live picture in Redis: the only file that speaks these keys (named in plugins/keyspace.ts; the ingest contract's are in ingest/).
import { randomUUID } from 'node:crypto';
import {
  TEAM_OF_KIND, TRACKED_KINDS, compareSeq, type DomainEvent, type Incident, type LiveDelta, type LiveUnit,
  type ReportOrder, type Seq, type TodayStats, type Unit, type UnitPosition,
} from '@ccr/shared';
import type { RedisClient } from '../../plugins/redis.js';
import type { Keyspace } from '../../plugins/keyspace.js';
import { presenceRange, type PresenceOf } from './presence-index.js';
import { todayStatsFromHash, withZeroCounts } from './incident-rules.js';
import type { BucketMove } from '../stats/stats-buckets.js';
import { ANNOUNCE_TODAY, APPLY_INCIDENT, APPLY_POSITIONS, COUNT_UNITS, MARK_STALE, READ_SNAPSHOT, UPDATE_FROZEN } from './live-scripts.js';

export interface NormalisedPosition { unitId: string; lng: number; lat: number; ts: number; speed?: number; heading?: number }
export const POSITION_ACCEPTED = 1;
/** The report already stored (an equal time): nothing written, nothing to relay or count (apply-positions.lua). */
export const POSITION_SAME = 2;
export const POSITION_UNKNOWN_UNIT = 0;
export const POSITION_OLDER = -1;
/** Snapshot reads tried before giving up when incidents keep opening between reading the ids and the snapshot. */
const SNAPSHOT_ATTEMPTS = 10;

export interface SnapshotRead {
  seq: Seq;
  units: LiveUnit[];
  incidents: Incident[];
  today: TodayStats;
}

type RawEntry = [id: string, fields: string[]];

function pairs(flat: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) m.set(flat[i]!, flat[i + 1]!);
  return m;
}

/** Stored unit JSON: the roster entry plus its team. Status and position are kept beside it. */
const unitJson = (u: Unit): string => JSON.stringify({ ...u, team: TEAM_OF_KIND[u.kind] });
const statusFragment = (status: LiveUnit['status'], since: number): string => `"status":"${status}","statusSince":${since}`;

/** A stored position, checked (data from Redis is not cast): null when absent or not a fix. */
export function parseStoredPosition(raw: string | null | undefined): UnitPosition | null {
  if (!raw) return null;
  try {
    const v: unknown = JSON.parse(raw);
    if (typeof v !== 'object' || v === null) return null;
    const { lng, lat, ts } = v as Record<string, unknown>;
    return typeof lng === 'number' && typeof lat === 'number' && typeof ts === 'number' ? { lng, lat, ts } : null;
  } catch {
    return null;
  }
}

export function positionJson(p: NormalisedPosition): string {
  const out: UnitPosition = { lng: p.lng, lat: p.lat, ts: p.ts };
  if (p.speed !== undefined) out.speed = p.speed;
  if (p.heading !== undefined) out.heading = p.heading;
  return JSON.stringify(out);
}

/** Units per team (on duty, available and not stale, all) and emergency units with their people (active: not off
 *  duty), as the overview states them. */
export interface UnitCounts {
  units: Record<'community' | 'case' | 'patrol' | 'all', { onDuty: number; available: number; total: number }>;
  emergencyUnits: { units: number; people: number; active: number; activePeople: number };
}

export class LiveRepository {
  readonly keys: {
    units: string; status: string; pos: string; posTs: string; geo: string; seen: string; stale: string;
    tracked: string; frozen: string; events: string; open: string; byTime: string; lockPrefix: string;
    presence: string; presenceScore: string; unitCounts: string;
  };

  /** This process (a random token per start): tells apart two processes that were given the same NODE_ID. */
  readonly instance = randomUUID().slice(0, 8);

  private readonly ks: Keyspace;
  /** The roster synced last (syncRoster): unit id → tracked (reports positions and goes stale). */
  private roster: ReadonlyMap<string, boolean> | undefined;

  /** `presenceOf`: how a fix moves the patrol presence index (presence-index.ts); without it (tools, tests of other
   *  parts) fixes leave the index alone, and a patrol joins it at its first fix applied by a server. */
  constructor(
    private readonly redis: RedisClient, keyspace: Keyspace, private readonly eventsMaxLen: number,
    private readonly presenceOf: PresenceOf = () => '',
  ) {
    this.ks = keyspace;
    const l = this.ks.live;
    this.keys = {
      units: l.units, status: l.status, pos: l.pos, posTs: l.posTs, geo: l.geo, seen: l.seen, stale: l.stale, tracked: l.tracked,
      frozen: l.frozen, events: l.events, open: l.open, byTime: l.byTime, lockPrefix: l.lock(''),
      presence: l.presence, presenceScore: l.presenceScore, unitCounts: l.unitCounts,
    };
  }

  incidentKey(id: string): string { return this.ks.live.incident(id); }
  dayStatsKey(day: string): string { return this.ks.stats.day(day); }
  /** A statistics bucket (a hash of counters) named by the stats module, under this deployment's base. */
  bucketKey(bucket: string): string { return this.ks.stats.bucket(bucket); }

  /**
   * Makes Redis hold exactly the roster: new units appear available and (if tracked) stale until they
   * report; removed units disappear; statuses and positions of kept units survive a restart.
   * Fixed places (emergency units) get their home as position so they can be found by GEO search.
   */
  async syncRoster(units: readonly Unit[], now: number): Promise<void> {
    const k = this.keys;
    const existing = await this.redis.hKeys(k.units);
    const keep = new Set(units.map((u) => u.id));
    const removed = existing.filter((id) => !keep.has(id));
    const seen = new Set(await this.redis.zRange(k.seen, 0, -1));
    const tx = this.redis.multi();
    if (removed.length > 0) {
      tx.hDel(k.units, removed).hDel(k.status, removed).hDel(k.pos, removed).hDel(k.posTs, removed)
        .zRem(k.geo, removed).zRem(k.seen, removed).sRem(k.stale, removed).sRem(k.tracked, removed).hDel(k.frozen, removed)
        .zRem(k.presence, removed).hDel(k.presenceScore, removed);
    }
    // Units no longer patrols leave the presence index (presence-index.ts); patrols join it with their next fix.
    const notPatrol = units.filter((u) => TEAM_OF_KIND[u.kind] !== 'patrol').map((u) => u.id);
    if (notPatrol.length > 0) tx.zRem(k.presence, notPatrol).hDel(k.presenceScore, notPatrol);
    for (const u of units) {
      tx.hSet(k.units, u.id, unitJson(u));
      tx.hSetNX(k.status, u.id, statusFragment('available', now));
      if (TRACKED_KINDS.includes(u.kind)) {
        tx.sAdd(k.tracked, u.id);
        if (!seen.has(u.id)) tx.sAdd(k.stale, u.id);
      } else {
        tx.sRem(k.tracked, u.id).sRem(k.stale, u.id).zRem(k.seen, u.id);
        if (u.home) {
          tx.hSetNX(k.pos, u.id, positionJson({ unitId: u.id, lng: u.home[0], lat: u.home[1], ts: 0 }));
          tx.hSetNX(k.posTs, u.id, '0');
          tx.geoAdd(k.geo, { longitude: u.home[0], latitude: u.home[1], member: u.id });
        }
      }
    }
    await tx.exec();
    // The overview's unit figures, recounted from the roster once here; the scripts that change a status or
    // staleness keep them after.
    await COUNT_UNITS.run(this.redis, [k.units, k.status, k.stale, k.unitCounts], []);
    this.roster = new Map(units.map((u) => [u.id, TRACKED_KINDS.includes(u.kind)]));
  }

  /** The overview's unit figures kept at write time (live-prelude.lua, unitCountsMove), not from the roster. */
  async readUnitCounts(): Promise<UnitCounts> {
    const h = await this.redis.hGetAll(this.keys.unitCounts);
    const n = (field: string): number => {
      const v = Number(h[field] ?? 0);
      return Number.isSafeInteger(v) && v >= 0 ? v : 0;
    };
    const team = (t: string) => ({ onDuty: n(`${t}|on_duty`), available: n(`${t}|available`), total: n(`${t}|total`) });
    const teams = { community: team('community'), case: team('case'), patrol: team('patrol') };
    const all = { onDuty: 0, available: 0, total: 0 };
    for (const t of Object.values(teams)) { all.onDuty += t.onDuty; all.available += t.available; all.total += t.total; }
    return {
      units: { ...teams, all },
      emergencyUnits: { units: n('eu|units'), people: n('eu|people'), active: n('eu|active'), activePeople: n('eu|active_people') },
    };
  }

  /**
   * Applies positions latest-wins; returns one code per position (POSITION_*). A stored time after `trustUntil`
   * (a clock ahead, stored before ingest clamped such times) is not held against a new fix.
   *
   * Whether a unit is in the roster, and tracked, is answered here from the roster this node synced, not by the
   * script: neither needs to be atomic with the write, and each costs the script a command per position. Every node
   * loads the same roster at start (the jurisdiction's), and each sync makes Redis hold exactly its own roster, so
   * Redis and this memory agree; nodes started with different rosters would already undo each other's syncs.
   */
  async applyPositions(positions: readonly NormalisedPosition[], now: number, trustUntil = now + 300_000): Promise<number[]> {
    const roster = this.roster;
    if (!roster) throw new Error('applyPositions before syncRoster: this repository does not know the roster yet');
    const codes = new Array<number>(positions.length).fill(POSITION_UNKNOWN_UNIT);
    const sent: number[] = [];
    let packed = '';
    positions.forEach((p, i) => {
      const tracked = roster.get(p.unitId);
      if (tracked === undefined) return;
      sent.push(i);
      packed += `${p.unitId} ${p.ts} ${p.lng} ${p.lat} ${tracked ? 1 : 0} ${this.presenceOf(p.unitId, p.lng, p.lat, p.ts) || '_'} ${positionJson(p)}\n`;
    });
    if (sent.length === 0) return codes;
    const k = this.keys;
    const keys = [k.units, k.status, k.pos, k.posTs, k.geo, k.seen, k.stale, k.events, k.presence, k.presenceScore, k.unitCounts];
    const answer: unknown = await APPLY_POSITIONS.run(this.redis, keys, [now, this.eventsMaxLen, trustUntil, packed]);
    if (!Array.isArray(answer) || answer.length !== sent.length || !answer.every((c) => c === POSITION_ACCEPTED || c === POSITION_SAME || c === POSITION_OLDER)) {
      throw new Error(`apply-positions.lua answered ${JSON.stringify(answer).slice(0, 200)} for ${sent.length} positions`);
    }
    sent.forEach((i, j) => { codes[i] = answer[j] as number; });
    return codes;
  }

  /**
   * Flags units reporting a frozen fix (`since`: when those coordinates were first reported) if they are in one of
   * `watched` statuses, and unflags units whose fix moved (`since` null) or whose status is no longer watched.
   * Returns how many were newly flagged.
   */
  async updateFrozen(changes: readonly { unitId: string; since: number | null }[], watched: readonly string[], now: number): Promise<number> {
    if (changes.length === 0) return 0;
    const k = this.keys;
    const args: (string | number)[] = [now, this.eventsMaxLen, watched.join(',')];
    for (const c of changes) args.push(c.unitId, c.since ?? '');
    return (await UPDATE_FROZEN.run(this.redis, [k.units, k.status, k.frozen, k.events], args)) as number;
  }

  /** Ids of the units whose fix is flagged frozen now. */
  async frozenUnitIds(): Promise<string[]> {
    return this.redis.hKeys(this.keys.frozen);
  }

  /** The last stored fix of some units (null: none, or not a fix), to judge the next one against. */
  async readFixes(ids: readonly string[]): Promise<(UnitPosition | null)[]> {
    if (ids.length === 0) return [];
    const raw = await this.redis.hmGet(this.keys.pos, [...ids]);
    return raw.map((r) => parseStoredPosition(r));
  }

  async markStale(cutoff: number, now: number, limit = 10_000): Promise<number> {
    const k = this.keys;
    return (await MARK_STALE.run(this.redis, [k.units, k.seen, k.stale, k.events, k.presence, k.status, k.unitCounts], [now, cutoff, this.eventsMaxLen, limit])) as number;
  }

  /** Per grid (in the order the presence index numbers them), the patrol units counting for presence whose fix is
   *  at or after `since`: a ZCOUNT per grid, all sent in one round trip. */
  async presentPatrolsByGrid(gridCount: number, since: number): Promise<number[]> {
    return Promise.all(Array.from({ length: gridCount }, (_, i) => {
      const { min, max } = presenceRange(i, since);
      return this.redis.zCount(this.keys.presence, min, max);
    }));
  }

  /** The stored incident and its exact stored text (the compare-and-set token). */
  async readIncidentRaw(id: string): Promise<{ raw: string; incident: Incident } | null> {
    const raw = await this.redis.get(this.incidentKey(id));
    return raw ? { raw, incident: JSON.parse(raw) as Incident } : null;
  }

  async getIncident(id: string): Promise<Incident | null> {
    return (await this.readIncidentRaw(id))?.incident ?? null;
  }

  /** Writes an incident if what is stored is still `expectedRaw` (null: nothing stored). False means retry. */
  async saveIncident(args: {
    expectedRaw: string | null; incident: Incident; event: DomainEvent; isOpen: boolean;
    moves: BucketMove[]; today: string; now: number;
  }): Promise<boolean> {
    return (await this.commitIncident(args)) === 'saved';
  }

  /**
   * saveIncident for a producer report: with `order` (the report's place, compareReportOrder), the commit also
   * refuses a report older than the one the stored incident last applied ('stale').
   */
  async commitIncident(args: {
    expectedRaw: string | null; incident: Incident; event: DomainEvent; isOpen: boolean;
    moves: BucketMove[]; today: string; now: number; order?: ReportOrder;
  }): Promise<'saved' | 'conflict' | 'stale'> {
    const { incident, moves, order } = args;
    const buckets = [...new Set(moves.map((m) => m.bucket))];
    const keys = [
      this.incidentKey(incident.id), this.keys.open, this.keys.byTime, this.keys.events, this.dayStatsKey(args.today),
      ...buckets.map((b) => this.bucketKey(b)),
    ];
    const argv: (string | number)[] = [
      args.expectedRaw ?? '', JSON.stringify(incident), JSON.stringify(args.event), incident.id, incident.reportedAt,
      args.isOpen ? '1' : '0', args.now, this.eventsMaxLen, args.today, moves.length,
      order ? '1' : '0', order?.version ?? '', order?.revisedAt ?? '', order?.entryId ?? '',
    ];
    for (const m of moves) argv.push(buckets.indexOf(m.bucket) + 1, m.field, m.by);
    const r = (await APPLY_INCIDENT.run(this.redis, keys, argv)) as number;
    return r === 1 ? 'saved' : r === -1 ? 'stale' : 'conflict';
  }

  async announceToday(date: string, now: number): Promise<void> {
    await ANNOUNCE_TODAY.run(this.redis, [this.dayStatsKey(date), this.keys.events], [date, now, this.eventsMaxLen]);
  }

  /**
   * The live picture and the sequence it corresponds to, in one script given every key it reads: the open ids are
   * read first and their incidents' keys passed in; if an incident opened in between, the ids are read again.
   */
  async readSnapshot(today: string): Promise<SnapshotRead> {
    const k = this.keys;
    let r: unknown[] = ['moved'];
    for (let attempt = 0; r[0] === 'moved'; attempt++) {
      if (attempt === SNAPSHOT_ATTEMPTS) throw new Error(`the open incidents kept changing during ${SNAPSHOT_ATTEMPTS} snapshot reads`);
      const open = await this.redis.zRange(k.open, 0, -1);
      const keys = [k.units, k.status, k.pos, k.stale, k.open, k.events, this.dayStatsKey(today), k.frozen, ...open.map((id) => this.incidentKey(id))];
      r = (await READ_SNAPSHOT.run(this.redis, keys, open)) as unknown[];
    }
    const [seq, unitsFlat, statusFlat, posFlat, staleIds, incidentJsons, todayFlat, frozenFlat] = r as [
      string, string[], string[], string[], string[], string[], string[], string[],
    ];
    const units = this.assembleUnits(pairs(unitsFlat), pairs(statusFlat), pairs(posFlat), new Set(staleIds), pairs(frozenFlat));
    const incidents = incidentJsons.filter(Boolean).map((j) => JSON.parse(j) as Incident);
    return { seq, units, incidents, today: todayStatsFromHash(today, Object.fromEntries(pairs(todayFlat))) };
  }

  private assembleUnits(units: Map<string, string>, status: Map<string, string>, pos: Map<string, string>, stale: Set<string>, frozen: Map<string, string>): LiveUnit[] {
    const out: LiveUnit[] = [];
    for (const [id, json] of units) {
      const st = JSON.parse(`{${status.get(id) ?? statusFragment('available', 0)}}`) as Pick<LiveUnit, 'status' | 'statusSince'>;
      const p = pos.get(id);
      const unit: LiveUnit = { ...(JSON.parse(json) as Unit & Pick<LiveUnit, 'team'>), ...st, stale: stale.has(id), position: p ? (JSON.parse(p) as UnitPosition) : null };
      const since = Number(frozen.get(id));
      if (frozen.has(id) && Number.isFinite(since)) unit.frozenSince = since;
      out.push(unit);
    }
    return out;
  }

  async readUnits(): Promise<LiveUnit[]> {
    const k = this.keys;
    const [u, s, p, stale, frozen] = await this.redis.multi().hGetAll(k.units).hGetAll(k.status).hGetAll(k.pos).sMembers(k.stale).hGetAll(k.frozen).exec() as unknown as [
      Record<string, string>, Record<string, string>, Record<string, string>, string[], Record<string, string>,
    ];
    return this.assembleUnits(new Map(Object.entries(u)), new Map(Object.entries(s)), new Map(Object.entries(p)), new Set(stale), new Map(Object.entries(frozen)));
  }

  /** Some units by id in one round trip, whatever their number (ids not in the roster are left out). */
  async readUnitsByIds(ids: readonly string[]): Promise<LiveUnit[]> {
    if (ids.length === 0) return [];
    const k = this.keys;
    const [u, s, p, stale, frozen] = await this.redis.multi().hmGet(k.units, [...ids]).hmGet(k.status, [...ids]).hmGet(k.pos, [...ids]).smIsMember(k.stale, [...ids]).hmGet(k.frozen, [...ids]).exec() as unknown as [
      (string | null)[], (string | null)[], (string | null)[], (number | boolean)[], (string | null)[],
    ];
    const byId = (values: (string | null)[]): Map<string, string> => new Map(ids.flatMap((id, i) => (values[i] ? [[id, values[i]!] as const] : [])));
    return this.assembleUnits(byId(u), byId(s), byId(p), new Set(ids.filter((_, i) => stale[i])), byId(frozen));
  }

  async readUnit(id: string): Promise<LiveUnit | null> {
    const k = this.keys;
    const [u, s, p, stale, frozen] = await this.redis.multi().hGet(k.units, id).hGet(k.status, id).hGet(k.pos, id).sIsMember(k.stale, id).hGet(k.frozen, id).exec() as unknown as [
      string | null, string | null, string | null, number | boolean, string | null,
    ];
    if (!u) return null;
    const m = (v: string | null): Map<string, string> => new Map(v ? [[id, v]] : []);
    return this.assembleUnits(m(u), m(s), m(p), new Set(stale ? [id] : []), m(frozen))[0] ?? null;
  }

  /** All latest positions, for a catch-up frame. */
  async readPositions(): Promise<Map<string, UnitPosition>> {
    const all = await this.redis.hGetAll(this.keys.pos);
    return new Map(Object.entries(all).map(([id, j]) => [id, JSON.parse(j) as UnitPosition]));
  }

  async listIncidents(opts: { openOnly: boolean; limit: number; offset: number }): Promise<{ total: number; incidents: Incident[] }> {
    const key = opts.openOnly ? this.keys.open : this.keys.byTime;
    const [total, ids] = await Promise.all([
      this.redis.zCard(key),
      this.redis.zRange(key, opts.offset, opts.offset + opts.limit - 1, { REV: true }),
    ]);
    if (ids.length === 0) return { total, incidents: [] };
    const raws = await this.redis.mGet(ids.map((id) => this.incidentKey(id)));
    return { total, incidents: raws.filter((r): r is string => !!r).map((r) => JSON.parse(r) as Incident) };
  }

  // --- the domain-event stream ---------------------------------------------------------------

  /** Deltas strictly after `since`, or null when some of them may have been trimmed away (or the stream is
   *  not the one the client saw): then the client needs a snapshot. */
  async readDeltasAfter(since: Seq, max: number): Promise<LiveDelta[] | null> {
    const k = this.keys.events;
    const entries = (await this.redis.sendCommand(['XRANGE', k, `(${since}`, '+', 'COUNT', String(max + 1)])) as RawEntry[];
    if (entries.length > max) return null;
    // Checked after the read: trimming removes only the oldest entries, so if an entry at or before `since`
    // is still there now, nothing after `since` was missing when we read.
    const [first, last] = (await Promise.all([
      this.redis.sendCommand(['XRANGE', k, '-', '+', 'COUNT', '1']),
      this.redis.sendCommand(['XREVRANGE', k, '+', '-', 'COUNT', '1']),
    ])) as unknown as [RawEntry[], RawEntry[]];
    const firstId = first[0]?.[0];
    const lastId = last[0]?.[0] ?? '0-0';
    if (compareSeq(since, lastId) > 0) return null; // the client is ahead of this stream: Redis was reset
    if (entries.length === 0) return [];
    if (!firstId || compareSeq(firstId, since) > 0) return null;
    return entries.map(parseEventEntry);
  }

  /** Newest sequence number (0-0 when nothing happened yet). */
  async lastSeq(): Promise<Seq> {
    const last = (await this.redis.sendCommand(['XREVRANGE', this.keys.events, '+', '-', 'COUNT', '1'])) as RawEntry[];
    return last[0]?.[0] ?? '0-0';
  }

  /** Blocking read of deltas after `after`, on a dedicated connection. */
  async waitForDeltas(conn: RedisClient, after: Seq, blockMs: number, count: number): Promise<LiveDelta[]> {
    const reply = (await conn.sendCommand(['XREAD', 'COUNT', String(count), 'BLOCK', String(blockMs), 'STREAMS', this.keys.events, after])) as
      | [string, RawEntry[]][]
      | null;
    return reply?.[0]?.[1].map(parseEventEntry) ?? [];
  }

  // --- coordination between server nodes -----------------------------------------------------------

  /**
   * Holds (or renews) a named lease for `ttlMs`; true when this node holds it. The holder is stored with this
   * process's instance token: two processes given the same NODE_ID by mistake never both hold a lease.
   */
  async holdLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const key = this.ks.live.lock(name);
    const value = `${holder}/${this.instance}`;
    const got = await this.redis.set(key, value, { condition: 'NX', expiration: { type: 'PX', value: ttlMs } });
    if (got === 'OK') return true;
    if ((await this.redis.get(key)) !== value) return false;
    await this.redis.pExpire(key, ttlMs);
    return true;
  }
}

export function parseEventEntry([id, flat]: RawEntry): LiveDelta {
  const f = pairs(flat);
  const event = JSON.parse(f.get('e') ?? 'null') as DomainEvent;
  // Lua writes only the counters that exist; the wall expects every type and priority.
  if (event.type === 'stats:today') event.today = withZeroCounts(event.today);
  return { seq: id, at: Number(f.get('at')), event };
}
