// The live picture: one snapshot, then ordered deltas (DESIGN.md). No socket here — socket.ts feeds this store,
// and tests feed it directly. Positions never become reactive: they go into a plain Map that the map view
// drains at most a few times a second.
import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef, triggerRef } from 'vue';
import {
  compareSeq, isOpenStatus, TRACKED_KINDS, TEAMS, DEFAULT_RESPONSE_TARGETS, type TargetKind, type TargetsByPriority,
  type FramePosition, type Incident, type LiveDelta, type LiveSnapshot, type LiveSubscribeResult, type LiveUnit,
  type AttentionSettings, type PositionFrame, type Seq, type StatsKpi, type Team, type TodayStats, type VolunteerKind,
  type DomainEvent,
} from '@ccr/shared';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

/** A priority-1 incident reported longer ago than this is not news: its alarm is shown without the tone. */
export const ALARM_MS = 30_000;
/** How long a newly reported incident pulses on the map. */
export const PULSE_MS = 60_000;
/** Deltas held while a subscribe is in flight; past this the store asks for a catch-up afterwards. */
export const MAX_BUFFERED_DELTAS = 5_000;
export const MAX_TICKER_EVENTS = 20;
/** Breaches of one target this close together share one ticker line. */
export const BREACH_BURST_MS = 5_000;

export type TickerKind = 'reported' | 'updated' | 'breached' | 'stale' | 'recovered';
export interface TickerEvent {
  key: string;
  kind: TickerKind;
  /** Server time of the event (epoch ms). */
  at: number;
  incident?: Incident;
  unit?: LiveUnit;
  /** How many more units changed in the same way at the same moment (a batch of units:freshness). */
  others?: number;
  /** Units newly sent to the incident by this update (派警, 增援), so the line can name them. */
  sent?: string[];
  /** The response target a `breached` event missed. */
  target?: TargetKind;
}

/** An open priority-1 incident nobody has acknowledged (dispatching it acknowledges it): the walls' banner stays
 *  until then, and its tone repeats every `attention.repeatAfterMs`. */
export interface Alarm {
  incident: Incident;
  /** Client clock when this screen raised it. */
  raisedAt: number;
  /** Client clock of the last tone (0: raised silently, e.g. an old P1 found in a snapshot). */
  toneAt: number;
  /** Tones after the first: how often it has escalated. */
  repeats: number;
}

/** A community loop's fact (dispute:changed, task:changed): the live store keeps no copy; the community store does. */
export type CommunityEvent = Extract<DomainEvent, { type: 'dispute:changed' | 'task:changed' }>;

/** A volunteers' fact (clue:changed, search:changed, guard:checked-in): kept by the volunteer desk store. */
export type VolunteerEvent = Extract<DomainEvent, { type: 'clue:changed' | 'search:changed' | 'guard:checked-in' }>;

export interface TeamCount { team: Team; onDuty: number; available: number; total: number }
export interface VolunteerGroup { kind: VolunteerKind; teams: number; members: number }

export const useLiveStore = defineStore('live', () => {
  // ---- reactive state (each a shallowRef: replaced or triggered as a whole, never deep-proxied) ----
  const connection = ref<ConnectionState>('connecting');
  const station = shallowRef<LiveSnapshot['station'] | null>(null);
  const staleAfterMs = ref(30_000);
  const lastSeq = ref<Seq | null>(null);
  /** serverTime − client clock, measured when the snapshot arrived. */
  const serverOffsetMs = ref(0);
  /** Client clock of the newest data received (delta, snapshot or a non-empty position frame). */
  const lastDataAt = ref(0);
  const hasSnapshot = ref(false);
  const units = shallowRef(new Map<string, LiveUnit>());
  const unitsVersion = ref(0);
  const incidents = shallowRef(new Map<string, Incident>());
  const incidentsVersion = ref(0);
  const today = shallowRef<TodayStats | null>(null);
  /** Today's leadership KPIs from the newest `stats:kpi` push (null until the first one). */
  const kpi = shallowRef<StatsKpi | null>(null);
  const ticker = shallowRef<TickerEvent[]>([]);
  const alarms = shallowRef<Alarm[]>([]);
  /** Response targets from the snapshot, so every screen colours timers as the server judges breaches. */
  const targets = shallowRef<TargetsByPriority>(DEFAULT_RESPONSE_TARGETS);
  const attention = shallowRef<AttentionSettings>({ focusMs: 20_000, repeatAfterMs: 60_000 });
  /** Open incident id → targets the server announced as breached (`incident:breached`). */
  const breaches = shallowRef(new Map<string, TargetKind[]>());

  // ---- plain state ----
  /** unitId → latest frame tuple [id, lng, lat, ts, speed, heading]. Never reactive. */
  const positions = markRaw(new Map<string, FramePosition>());
  let positionsVersion = 0;
  const positionListeners = new Set<() => void>();
  const alarmListeners = new Set<(a: Alarm) => void>();
  const communityListeners = new Set<(e: CommunityEvent, at: number) => void>();
  const volunteerListeners = new Set<(e: VolunteerEvent, at: number) => void>();
  /** Told when a snapshot replaced the picture: deltas may have been missed, so a listener reloads what it keeps. */
  const snapshotListeners = new Set<() => void>();
  let subscribing = false;
  let buffer: LiveDelta[] = [];
  let bufferOverflowed = false;

  const serverNow = (clientNow = Date.now()): number => clientNow + serverOffsetMs.value;

  function touchUnits(): void { triggerRef(units); unitsVersion.value++; }
  function touchIncidents(): void { triggerRef(incidents); incidentsVersion.value++; }
  function notifyPositions(): void {
    positionsVersion++;
    for (const l of positionListeners) l();
  }

  function mergePosition(u: LiveUnit): boolean {
    const p = u.position;
    if (!p) return false;
    const cur = positions.get(u.id);
    if (cur && cur[3] >= p.ts) return false;
    positions.set(u.id, [u.id, p.lng, p.lat, p.ts, p.speed ?? null, p.heading ?? null]);
    return true;
  }

  function pushTicker(events: TickerEvent[]): void {
    if (events.length === 0) return;
    const next = [...events.reverse(), ...ticker.value];
    if (next.length > MAX_TICKER_EVENTS) next.length = MAX_TICKER_EVENTS;
    ticker.value = next;
  }

  // ---- snapshot ----
  function applySnapshot(s: LiveSnapshot, clientNow = Date.now()): void {
    lastSeq.value = s.seq;
    station.value = s.station;
    staleAfterMs.value = s.staleAfterMs;
    serverOffsetMs.value = s.serverTime - clientNow;
    lastDataAt.value = clientNow;

    const nextUnits = new Map<string, LiveUnit>();
    for (const u of s.units) nextUnits.set(u.id, u);
    units.value = nextUnits;
    for (const id of positions.keys()) if (!nextUnits.has(id)) positions.delete(id);
    for (const u of s.units) mergePosition(u);
    unitsVersion.value++;

    const nextIncidents = new Map<string, Incident>();
    for (const i of s.incidents) if (isOpenStatus(i.status)) nextIncidents.set(i.id, i);
    incidents.value = nextIncidents;
    incidentsVersion.value++;
    // Alarms follow the incidents that are still open and unacknowledged.
    alarms.value = alarms.value.filter((a) => nextIncidents.get(a.incident.id)?.priority === 1 && !nextIncidents.get(a.incident.id)?.alarmAcknowledged);

    today.value = s.today;
    if (s.targets) targets.value = s.targets;
    if (s.attention) attention.value = s.attention;
    breaches.value = new Map([...breaches.value].filter(([id]) => nextIncidents.has(id)));
    hasSnapshot.value = true;

    // A wall that (re)loads shows every alarm still open; the tone only for one that arrived moments ago.
    for (const i of [...nextIncidents.values()].sort(byNewest).reverse()) maybeAnnounce(i, i.receivedAt, clientNow);
    for (const l of snapshotListeners) l();

    if (ticker.value.length === 0) {
      // A fresh wall shows the newest open incidents as its first lines of news.
      const newest = [...nextIncidents.values()].sort(byNewest).slice(0, 6);
      pushTicker(newest.reverse().map((i) => ({ key: `r:${i.id}:${i.revision}`, kind: 'reported', at: i.reportedAt, incident: i })));
    }
    notifyPositions();
  }

  // ---- deltas ----
  /** Applies one delta in order; returns false when it is old (seq ≤ lastSeq) and was ignored. */
  function applyDelta(d: LiveDelta, clientNow = Date.now()): boolean {
    if (lastSeq.value !== null && compareSeq(d.seq, lastSeq.value) <= 0) return false;
    lastSeq.value = d.seq;
    lastDataAt.value = clientNow;
    const ev = d.event;
    switch (ev.type) {
      case 'incident:reported':
      case 'incident:updated': {
        const inc = ev.incident;
        const prev = incidents.value.get(inc.id);
        if (isOpenStatus(inc.status)) incidents.value.set(inc.id, inc);
        else {
          incidents.value.delete(inc.id);
          if (breaches.value.delete(inc.id)) triggerRef(breaches);
        }
        touchIncidents();
        const statusChanged = !prev || prev.status !== inc.status || prev.priority !== inc.priority;
        const sent = prev ? inc.assignedUnitIds.filter((id) => !prev.assignedUnitIds.includes(id)) : [];
        if (ev.type === 'incident:reported' && !prev) {
          pushTicker([{ key: `r:${inc.id}:${inc.revision}`, kind: 'reported', at: d.at, incident: inc }]);
        } else if (statusChanged || sent.length > 0) {
          pushTicker([{ key: `u:${inc.id}:${d.seq}`, kind: 'updated', at: d.at, incident: inc, ...(sent.length ? { sent } : {}) }]);
        }
        maybeAnnounce(inc, d.at, clientNow);
        break;
      }
      case 'unit:updated': {
        const prev = units.value.get(ev.unit.id);
        // A status change is told with the roster entry, not the frozen-fix flag: it holds while still en route.
        const keepsFrozen = prev?.frozenSince !== undefined && ev.unit.frozenSince === undefined && (ev.unit.status === 'dispatched' || ev.unit.status === 'en_route');
        const u = keepsFrozen ? { ...ev.unit, frozenSince: prev.frozenSince } : ev.unit;
        units.value.set(u.id, u);
        const moved = mergePosition(u);
        touchUnits();
        if (prev && prev.stale !== u.stale && TRACKED_KINDS.includes(u.kind)) {
          pushTicker([{ key: `s:${u.id}:${d.seq}`, kind: u.stale ? 'stale' : 'recovered', at: d.at, unit: u }]);
        }
        if (moved || !prev || prev.status !== u.status || prev.stale !== u.stale) notifyPositions();
        break;
      }
      case 'units:freshness': {
        // A whole fleet may go silent (or come back) at once: one ticker line per batch, not one per unit.
        const changed = { stale: [] as LiveUnit[], recovered: [] as LiveUnit[] };
        const mark = (ids: readonly string[], stale: boolean): void => {
          for (const id of ids) {
            const u = units.value.get(id);
            if (!u || u.stale === stale) continue;
            const next = { ...u, stale };
            units.value.set(id, next);
            if (TRACKED_KINDS.includes(u.kind)) changed[stale ? 'stale' : 'recovered'].push(next);
          }
        };
        mark(ev.stale, true);
        mark(ev.fresh, false);
        if (changed.stale.length + changed.recovered.length === 0) break;
        touchUnits();
        notifyPositions();
        for (const kind of ['stale', 'recovered'] as const) {
          const [first, ...rest] = changed[kind];
          if (first) pushTicker([{ key: `${kind}:${d.seq}`, kind, at: d.at, unit: first, others: rest.length }]);
        }
        break;
      }
      case 'units:frozen': {
        // A frozen fix: the unit is shown where it is not (LiveUnit.frozenSince); its marker says so.
        let changed = false;
        for (const [ids, frozen] of [[ev.frozen, true], [ev.moving, false]] as const) {
          for (const [k, id] of ids.entries()) {
            const u = units.value.get(id);
            if (!u || (u.frozenSince !== undefined) === frozen) continue;
            const { frozenSince: _was, ...rest } = u;
            units.value.set(id, frozen ? { ...rest, frozenSince: ev.since?.[k] ?? d.at } : rest);
            changed = true;
          }
        }
        if (changed) touchUnits();
        break;
      }
      case 'stats:today':
        today.value = ev.today;
        break;
      case 'incident:breached': {
        const had = breaches.value.get(ev.incidentId) ?? [];
        const breachedIncident = incidents.value.get(ev.incidentId);
        if (!had.includes(ev.target) && breachedIncident) {
          breaches.value.set(ev.incidentId, [...had, ev.target]);
          triggerRef(breaches);
          // A backlog breaches in a burst: one line for the burst ("… and 12 more"), not a ticker full of them.
          const head = ticker.value[0];
          if (head?.kind === 'breached' && head.target === ev.target && Math.abs(d.at - head.at) < BREACH_BURST_MS) {
            ticker.value = [{ ...head, others: (head.others ?? 0) + 1 }, ...ticker.value.slice(1)];
          } else {
            pushTicker([{ key: `b:${ev.incidentId}:${ev.target}`, kind: 'breached', at: d.at, incident: breachedIncident, target: ev.target }]);
          }
        }
        break;
      }
      case 'stats:kpi':
        kpi.value = ev.kpi;
        break;
      case 'dispute:changed':
      case 'task:changed':
        for (const l of communityListeners) l(ev, d.at);
        break;
      case 'clue:changed':
      case 'search:changed':
      case 'guard:checked-in':
        for (const l of volunteerListeners) l(ev, d.at);
        break;
    }
    return true;
  }

  /** Raises, updates or ends the alarm of one incident from its newest state. */
  function maybeAnnounce(inc: Incident, at: number, clientNow: number): void {
    const alarmed = inc.priority === 1 && isOpenStatus(inc.status) && !inc.alarmAcknowledged;
    const at_ = alarms.value.findIndex((a) => a.incident.id === inc.id);
    if (!alarmed) {
      if (at_ >= 0) alarms.value = alarms.value.filter((a) => a.incident.id !== inc.id);
      return;
    }
    if (at_ >= 0) {
      const next = [...alarms.value];
      next[at_] = { ...next[at_]!, incident: inc };
      alarms.value = next;
      return;
    }
    // A replayed delta from long ago is history, not news: shown, but silently.
    const fresh = serverNow(clientNow) - at <= ALARM_MS;
    const alarm: Alarm = { incident: inc, raisedAt: clientNow, toneAt: fresh ? clientNow : 0, repeats: 0 };
    alarms.value = [alarm, ...alarms.value];
    if (fresh) for (const l of alarmListeners) l(alarm);
  }

  /** Alarms nobody acknowledged for `attention.repeatAfterMs` since their last tone sound again (call every
   *  second); returns those that did. */
  function escalateAlarms(clientNow = Date.now()): Alarm[] {
    const every = attention.value.repeatAfterMs;
    const due = alarms.value.filter((a) => clientNow - Math.max(a.toneAt, a.raisedAt) >= every);
    if (due.length === 0) return [];
    const ids = new Set(due.map((a) => a.incident.id));
    alarms.value = alarms.value.map((a) => (ids.has(a.incident.id) ? { ...a, toneAt: clientNow, repeats: a.repeats + 1 } : a));
    const escalated = alarms.value.filter((a) => ids.has(a.incident.id));
    for (const a of escalated) for (const l of alarmListeners) l(a);
    return escalated;
  }

  // ---- subscribe protocol: buffer live deltas while the ack is in flight ----
  function beginSubscribe(): void {
    subscribing = true;
  }

  /** Deltas from the socket go through here: buffered while subscribing, applied otherwise. */
  function receiveDelta(d: LiveDelta, clientNow = Date.now()): void {
    if (subscribing) {
      if (buffer.length >= MAX_BUFFERED_DELTAS) {
        bufferOverflowed = true;
        return;
      }
      buffer.push(d);
      return;
    }
    applyDelta(d, clientNow);
  }

  /**
   * Applies the ack of live:subscribe, then the buffered deltas newer than it (older ones are dropped).
   * Returns true when the buffer overflowed and the caller must subscribe again from lastSeq to catch up.
   */
  function completeSubscribe(result: LiveSubscribeResult, clientNow = Date.now()): boolean {
    if (result.mode === 'snapshot') applySnapshot(result.snapshot, clientNow);
    else for (const d of result.deltas) applyDelta(d, clientNow);
    const held = buffer;
    buffer = [];
    subscribing = false;
    for (const d of held) applyDelta(d, clientNow); // applyDelta drops seq ≤ lastSeq
    const overflowed = bufferOverflowed;
    bufferOverflowed = false;
    return overflowed;
  }

  /** Forgets the resume point so the next subscribe asks for a fresh snapshot. */
  function forgetSeq(): void {
    lastSeq.value = null;
  }

  // ---- positions ----
  /** Latest wins per unit by ts. Returns how many positions changed. Nothing reactive is touched per position. */
  function applyFrame(frame: PositionFrame, clientNow = Date.now()): number {
    const known = units.value;
    const checkKnown = known.size > 0;
    let changed = 0;
    for (const p of frame.positions) {
      const id = p[0];
      if (checkKnown && !known.has(id)) continue;
      const cur = positions.get(id);
      if (cur && cur[3] >= p[3]) continue;
      positions.set(id, p);
      changed++;
    }
    if (frame.positions.length > 0) lastDataAt.value = clientNow;
    if (changed > 0) notifyPositions();
    return changed;
  }

  function onPositionsChanged(cb: () => void): () => void {
    positionListeners.add(cb);
    return () => positionListeners.delete(cb);
  }
  function onAlarm(cb: (a: Alarm) => void): () => void {
    alarmListeners.add(cb);
    return () => alarmListeners.delete(cb);
  }
  function onCommunity(cb: (e: CommunityEvent, at: number) => void): () => void {
    communityListeners.add(cb);
    return () => communityListeners.delete(cb);
  }
  function onVolunteers(cb: (e: VolunteerEvent, at: number) => void): () => void {
    volunteerListeners.add(cb);
    return () => volunteerListeners.delete(cb);
  }
  function onSnapshot(cb: () => void): () => void {
    snapshotListeners.add(cb);
    return () => snapshotListeners.delete(cb);
  }
  const getPositionsVersion = (): number => positionsVersion;
  const isSubscribing = (): boolean => subscribing;
  const bufferedCount = (): number => buffer.length;

  function setConnection(s: ConnectionState): void {
    connection.value = s;
  }

  // ---- derived ----
  const board = computed<Incident[]>(() => {
    void incidentsVersion.value;
    return [...incidents.value.values()].sort(byNewest);
  });
  const openCount = computed(() => { void incidentsVersion.value; return incidents.value.size; });
  const p1OpenCount = computed(() => {
    void incidentsVersion.value;
    let n = 0;
    for (const i of incidents.value.values()) if (i.priority === 1) n++;
    return n;
  });

  const teamCounts = computed<TeamCount[]>(() => {
    void unitsVersion.value;
    const counts = new Map<Team, TeamCount>(TEAMS.map((t) => [t, { team: t, onDuty: 0, available: 0, total: 0 }]));
    for (const u of units.value.values()) {
      if (u.team === null) continue;
      const c = counts.get(u.team);
      if (!c) continue;
      c.total++;
      if (u.status !== 'off_duty') c.onDuty++;
      if (u.status === 'available' && !u.stale) c.available++;
    }
    return [...counts.values()];
  });

  const forces = computed(() => {
    void unitsVersion.value;
    let emergencyUnits = 0, emergencyMembers = 0, combatUnits = 0, combatMembers = 0;
    const volunteers = new Map<VolunteerKind, VolunteerGroup>();
    for (const u of units.value.values()) {
      if (u.kind === 'emergency_unit') { emergencyUnits++; emergencyMembers += u.members ?? 0; }
      else if (u.kind === 'combat_unit') { combatUnits++; combatMembers += u.members ?? 0; }
      else if (u.kind === 'volunteer_team') {
        const k = u.volunteerKind ?? 'other';
        const g = volunteers.get(k) ?? { kind: k, teams: 0, members: 0 };
        g.teams++;
        g.members += u.members ?? 0;
        volunteers.set(k, g);
      }
    }
    const volunteerGroups = [...volunteers.values()].sort((a, b) => b.members - a.members || a.kind.localeCompare(b.kind));
    return {
      emergencyUnits, emergencyMembers, combatUnits, combatMembers,
      volunteerTeams: volunteerGroups.reduce((n, g) => n + g.teams, 0),
      volunteerMembers: volunteerGroups.reduce((n, g) => n + g.members, 0),
      volunteerGroups,
    };
  });

  return {
    connection, station, staleAfterMs, lastSeq, serverOffsetMs, lastDataAt, hasSnapshot,
    units, unitsVersion, incidents, incidentsVersion, today, kpi, ticker, alarms, targets, breaches,
    positions,
    board, openCount, p1OpenCount, teamCounts, forces,
    serverNow, applySnapshot, applyDelta, applyFrame, receiveDelta, beginSubscribe, completeSubscribe, forgetSeq,
    escalateAlarms, attention, onPositionsChanged, onAlarm, onCommunity, onVolunteers, onSnapshot, getPositionsVersion, isSubscribing, bufferedCount, setConnection,
  };
});

export type LiveStore = ReturnType<typeof useLiveStore>;

function byNewest(a: Incident, b: Incident): number {
  return b.reportedAt - a.reportedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}
