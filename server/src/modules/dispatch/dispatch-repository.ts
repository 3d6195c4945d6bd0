// Dispatch state in Redis: assignments, command records, device orders. The only file that speaks these keys (named
// in plugins/keyspace.ts); live keys (incidents, unit status, positions, events, statistics buckets) come from LiveRepository.
import { DeviceOrderSchema, compileChecker, type CommandResult, type DeviceOrder, type Incident, type UnitState } from '@ccr/shared';
import type { RedisClient } from '../../plugins/redis.js';
import type { Keyspace } from '../../plugins/keyspace.js';
import type { LiveRepository } from '../live/live-repository.js';
import type { BucketMove } from '../stats/stats-buckets.js';
import { checkEtaPrediction, type EtaLedger, type EtaPrediction } from '../recommendation/index.js';
import { ACK_ORDER, COMMIT_DISPATCH } from './dispatch-scripts.js';

const checkDeviceOrder = compileChecker(DeviceOrderSchema);

/** Who holds a unit and where it was sent: the geofence reads these, a 409 names them. `eta` is the ETA the
 *  dispatcher was shown when it was sent (recommendation/eta-accuracy.ts), `arrivedAt` when it was first on
 *  scene for this assignment (its travel time is then on record). */
export interface Assignment { incidentId: string; by: string; at: number; lng: number; lat: number; eta?: EtaPrediction; arrivedAt?: number }

const isOnTheWay = (status: string): boolean => status === 'dispatched' || status === 'en_route';

/** A unit as a command reads it: its dispatch state, the exact stored fragment (the compare-and-set token),
 *  and its assignment. */
export interface UnitRead { state: UnitState; fragment: string; assignment: Assignment | null; kind: string }

export interface IncidentRead { raw: string; incident: Incident }

export interface CommitRequest {
  now: number;
  today: string;
  command?: { id: string; bodyHash: string };
  incidents: { expectedRaw: string; incident: Incident; isOpen: boolean }[];
  units: { id: string; expectedFragment: string; state: UnitState; assignment: Assignment | null }[];
  orders: DeviceOrder[];
  moves: BucketMove[];
  resultIncident?: Incident;
  resultUnitIds: string[];
  alerted?: { incidentId: string; unitIds: string[] };
}

export type CommitOutcome =
  | { kind: 'ok'; result: CommandResult }
  | { kind: 'replay' }
  | { kind: 'incident_changed'; incidentId: string }
  | { kind: 'unit_changed'; unitId: string; fragment: string }
  | { kind: 'alerted_changed'; incidentId: string };

/** The `unit:status` value: the same fragment LiveRepository assembles into a LiveUnit, plus the incident. */
export function unitFragment(s: UnitState): string {
  return `"status":"${s.status}","statusSince":${s.statusSince}${s.incidentId ? `,"incidentId":${JSON.stringify(s.incidentId)}` : ''}`;
}

export function parseUnitFragment(id: string, fragment: string | null): UnitState {
  if (!fragment) return { id, status: 'available', statusSince: 0 };
  const f = JSON.parse(`{${fragment}}`) as Omit<UnitState, 'id'>;
  return { id, status: f.status, statusSince: f.statusSince, ...(f.incidentId ? { incidentId: f.incidentId } : {}) };
}

/** How long a command id is remembered, and an unacknowledged order kept. */
export const COMMAND_TTL_MS = 24 * 3_600_000;
/** How long an incident remembers which emergency units it called out (renewed by each call-out). */
export const ALERTED_TTL_MS = 7 * 24 * 3_600_000;

export class DispatchRepository {
  readonly keys: { assignments: string; pendingOrders: string; orderChannel: string };

  constructor(
    private readonly redis: RedisClient,
    private readonly live: LiveRepository,
    private readonly ks: Keyspace,
    private readonly eventsMaxLen: number,
    /** Predicts ETAs of units being sent and prices arrivals (recommendation module); none = nothing recorded. */
    private readonly eta?: EtaLedger,
  ) {
    this.keys = { assignments: ks.dispatch.assignments, pendingOrders: ks.dispatch.pendingOrders, orderChannel: ks.dispatch.orderChannel };
  }

  private commandKey(id: string): string { return this.ks.dispatch.command(id); }
  private ordersKey(unitId: string): string { return this.ks.dispatch.orders(unitId); }
  private acknowledgedKey(unitId: string): string { return this.ks.dispatch.acknowledged(unitId); }
  private alertedKey(incidentId: string): string { return this.ks.dispatch.alerted(incidentId); }

  /** A stored command: the hash of its request and its result. */
  async readCommand(id: string): Promise<{ bodyHash: string; result: CommandResult } | null> {
    const [h, r] = await this.redis.hmGet(this.commandKey(id), ['h', 'r']);
    return h && r ? { bodyHash: h, result: JSON.parse(r) as CommandResult } : null;
  }

  async readIncidents(ids: readonly string[]): Promise<Map<string, IncidentRead>> {
    const out = new Map<string, IncidentRead>();
    if (ids.length === 0) return out;
    const raws = await this.redis.mGet(ids.map((id) => this.live.incidentKey(id)));
    ids.forEach((id, i) => {
      const raw = raws[i];
      if (raw) out.set(id, { raw, incident: JSON.parse(raw) as Incident });
    });
    return out;
  }

  /** Units of the roster with their dispatch state; unknown ids are absent from the map. */
  async readUnits(ids: readonly string[]): Promise<Map<string, UnitRead>> {
    const out = new Map<string, UnitRead>();
    if (ids.length === 0) return out;
    const k = this.live.keys;
    const [roster, status, assigned] = (await this.redis.multi()
      .hmGet(k.units, [...ids]).hmGet(k.status, [...ids]).hmGet(this.keys.assignments, [...ids]).exec()) as unknown as [
      (string | null)[], (string | null)[], (string | null)[],
    ];
    ids.forEach((id, i) => {
      const r = roster[i];
      if (!r) return;
      const fragment = status[i] ?? '';
      const a = assigned[i];
      out.set(id, {
        state: parseUnitFragment(id, fragment || null),
        fragment,
        assignment: a ? (JSON.parse(a) as Assignment) : null,
        kind: (JSON.parse(r) as { kind: string }).kind,
      });
    });
    return out;
  }

  async readAlerted(incidentId: string): Promise<Set<string>> {
    return new Set(await this.redis.sMembers(this.alertedKey(incidentId)));
  }

  async readAssignments(): Promise<Map<string, Assignment>> {
    const all = await this.redis.hGetAll(this.keys.assignments);
    return new Map(Object.entries(all).map(([id, j]) => [id, JSON.parse(j) as Assignment]));
  }

  async readAssignment(unitId: string): Promise<Assignment | null> {
    const raw = await this.redis.hGet(this.keys.assignments, unitId);
    return raw ? (JSON.parse(raw) as Assignment) : null;
  }

  /** Latest positions of some units (lng, lat), for the geofence. */
  async readPositions(ids: readonly string[]): Promise<Map<string, { lng: number; lat: number; ts: number }>> {
    const out = new Map<string, { lng: number; lat: number; ts: number }>();
    if (ids.length === 0) return out;
    const raws = await this.redis.hmGet(this.live.keys.pos, [...ids]);
    ids.forEach((id, i) => {
      const r = raws[i];
      if (r) out.set(id, JSON.parse(r) as { lng: number; lat: number; ts: number });
    });
    return out;
  }

  /**
   * The ETA record rides on the commit that sends or lands a unit, so it is written exactly when (and only if) the
   * transition is: a unit newly assigned (dispatched, or moved along with a merged incident) gets the ETA the
   * dispatcher is shown now; a unit going from on its way to on scene for the first time in its assignment has its
   * predicted and actual travel time counted, and the assignment marked arrived. The script commits only if the
   * unit's status is still what was read, so a redelivered on-scene report (or the geofence and the terminal
   * racing) records one arrival.
   */
  private async withEtaRecords(req: CommitRequest): Promise<{ units: CommitRequest['units']; moves: BucketMove[] }> {
    const ledger = this.eta;
    if (!ledger) return { units: req.units, moves: req.moves };
    const moves = [...req.moves];
    const units = req.units.map((u) => ({ ...u }));
    const toPredict = new Map<string, { place: { lng: number; lat: number }; ids: string[] }>();
    for (const u of units) {
      const a = u.assignment;
      if (!a) continue;
      const before = parseUnitFragment(u.id, u.expectedFragment || null);
      if (a.at === req.now && !a.eta && isOnTheWay(u.state.status) && before.incidentId !== a.incidentId) {
        const key = `${a.lng},${a.lat}`;
        const group = toPredict.get(key) ?? { place: { lng: a.lng, lat: a.lat }, ids: [] };
        group.ids.push(u.id);
        toPredict.set(key, group);
      } else if (u.state.status === 'on_scene' && isOnTheWay(before.status) && a.arrivedAt === undefined) {
        u.assignment = { ...a, arrivedAt: req.now };
        if (a.eta && checkEtaPrediction.check(a.eta)) moves.push(...ledger.arrivalMoves(a.eta, a.at, req.now));
      }
    }
    for (const { place, ids } of toPredict.values()) {
      const predicted = await ledger.predict(ids, place, req.now);
      for (const u of units) {
        const p = predicted.get(u.id);
        if (p && u.assignment && ids.includes(u.id)) u.assignment = { ...u.assignment, eta: p };
      }
    }
    return { units, moves };
  }

  async commit(request: CommitRequest): Promise<CommitOutcome> {
    const req = { ...request, ...(await this.withEtaRecords(request)) };
    const k = this.live.keys;
    const buckets = [...new Set(req.moves.map((m) => m.bucket))];
    const keys = [
      k.events, k.open, k.byTime, k.units, k.status, k.pos, k.stale, this.keys.assignments,
      this.commandKey(req.command?.id ?? '-'), this.keys.pendingOrders, this.live.dayStatsKey(req.today),
      this.alertedKey(req.alerted?.incidentId ?? '-'),
      ...req.incidents.map((i) => this.live.incidentKey(i.incident.id)),
      ...req.orders.map((o) => this.ordersKey(o.unitId)),
      ...buckets.map((b) => this.live.bucketKey(b)),
      k.presence, k.presenceScore, k.unitCounts,
    ];
    const argv: (string | number)[] = [
      req.now, this.eventsMaxLen, req.today, COMMAND_TTL_MS, req.command?.bodyHash ?? '', req.command?.id ?? '',
      req.resultIncident ? JSON.stringify(req.resultIncident) : '', req.incidents.length, req.units.length, req.orders.length,
      req.moves.length, req.resultUnitIds.length, this.keys.orderChannel, req.alerted?.unitIds.length ?? 0,
      req.alerted?.incidentId ?? '', ALERTED_TTL_MS,
    ];
    for (const i of req.incidents) argv.push(i.expectedRaw, JSON.stringify(i.incident), i.incident.id, i.incident.reportedAt, i.isOpen ? '1' : '0');
    for (const u of req.units) argv.push(u.id, u.expectedFragment, unitFragment(u.state), u.assignment ? JSON.stringify(u.assignment) : '');
    for (const o of req.orders) argv.push(o.unitId, o.orderId, JSON.stringify(o));
    for (const m of req.moves) argv.push(buckets.indexOf(m.bucket) + 1, m.field, m.by);
    argv.push(...req.resultUnitIds, ...(req.alerted?.unitIds ?? []));
    const r = (await COMMIT_DISPATCH.run(this.redis, keys, argv)) as string[];
    switch (r[0]) {
      case 'ok': return { kind: 'ok', result: JSON.parse(r[1]!) as CommandResult };
      case 'replay': return { kind: 'replay' };
      case 'incident': return { kind: 'incident_changed', incidentId: r[1]! };
      case 'alerted': return { kind: 'alerted_changed', incidentId: r[1]! };
      default: return { kind: 'unit_changed', unitId: r[1]!, fragment: r[2] ?? '' };
    }
  }

  // --- device orders -----------------------------------------------------------------------------------

  /** Orders of one unit not yet acknowledged, oldest first. A stored order that does not match its schema is told
   *  to `unreadable` (the caller logs it) and left out rather than sent to a terminal. */
  async pendingOrders(unitId: string, unreadable: (orderId: string, reason: string) => void = () => undefined): Promise<DeviceOrder[]> {
    const all = await this.redis.hGetAll(this.ordersKey(unitId));
    const out: DeviceOrder[] = [];
    for (const [orderId, j] of Object.entries(all)) {
      let c: ReturnType<typeof checkDeviceOrder.validate>;
      try {
        c = checkDeviceOrder.validate(JSON.parse(j));
      } catch (err) {
        unreadable(orderId, (err as Error).message);
        continue;
      }
      if (c.ok) out.push(c.value);
      else unreadable(orderId, c.errors.join('; '));
    }
    return out.sort((a, b) => a.issuedAt - b.issuedAt || a.orderId.localeCompare(b.orderId));
  }

  /** `again`: this unit acknowledged it before (within a day); `unknown`: not an order of this unit (another
   *  unit's, never issued, or dropped unacknowledged after a day). */
  async acknowledgeOrder(unitId: string, orderId: string, now: number): Promise<'acknowledged' | 'again' | 'unknown'> {
    const n = Number(await ACK_ORDER.run(this.redis, [this.ordersKey(unitId), this.keys.pendingOrders, this.acknowledgedKey(unitId)], [unitId, orderId, now, COMMAND_TTL_MS]));
    return n === 1 ? 'acknowledged' : n === 2 ? 'again' : 'unknown';
  }

  /** Units with an order issued before `cutoff` and still not acknowledged (a notification may have been lost).
   *  Orders a unit never acknowledged are dropped after COMMAND_TTL_MS, from the index and from the unit's order
   *  hash: that hash's TTL is renewed by every new order, so a unit without a terminal that keeps being called out
   *  (an emergency unit alerted every day) would otherwise keep every order for ever and be sent them all when a
   *  terminal finally connects. */
  async unitsWithOverdueOrders(cutoff: number, now: number, limit: number): Promise<string[]> {
    const expired = await this.redis.zRangeByScore(this.keys.pendingOrders, '-inf', now - COMMAND_TTL_MS, { LIMIT: { offset: 0, count: 1_000 } });
    if (expired.length > 0) {
      const m = this.redis.multi();
      for (const member of expired) {
        const bar = member.lastIndexOf('|'); // order ids have no '|'
        m.hDel(this.ordersKey(member.slice(0, bar)), member.slice(bar + 1));
      }
      await m.zRem(this.keys.pendingOrders, expired).exec();
    }
    const members = await this.redis.zRangeByScore(this.keys.pendingOrders, now - COMMAND_TTL_MS, cutoff, { LIMIT: { offset: 0, count: limit } });
    return [...new Set(members.map((m) => m.slice(0, m.lastIndexOf('|'))))];
  }
}
