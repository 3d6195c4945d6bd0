import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import type { FramePosition, PositionFrame } from '@ccr/shared';
import { ALARM_MS, MAX_BUFFERED_DELTAS, MAX_TICKER_EVENTS, useLiveStore } from './live';
import { T0, delta, incident, snapshot, todayStats, unit } from '../test/fixtures';

const frame = (positions: FramePosition[], n = 1): PositionFrame => ({ frame: n, sentAt: T0, positions });

describe('live store', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('replaces all state with a snapshot, keeping only open incidents', () => {
    const s = useLiveStore();
    s.applyDelta(delta('5-0', { type: 'incident:reported', incident: incident({ id: 'OLD' }) }), T0);
    s.applySnapshot(snapshot({
      seq: '1000-3',
      units: [unit({ id: 'P-01' }), unit({ id: 'P-02', status: 'busy' })],
      incidents: [incident({ id: 'A', reportedAt: T0 }), incident({ id: 'B', reportedAt: T0 + 5000 }), incident({ id: 'C', status: 'closed' })],
      today: todayStats(7),
    }), T0);
    expect(s.lastSeq).toBe('1000-3');
    expect([...s.units.keys()]).toEqual(['P-01', 'P-02']);
    expect(s.board.map((i) => i.id)).toEqual(['B', 'A']);
    expect(s.today?.total).toBe(7);
    expect(s.positions.get('P-01')?.slice(1, 4)).toEqual([116.69, 39.06, T0]);
    expect(s.hasSnapshot).toBe(true);
    expect(s.station?.name).toBe('胜芳派出所');
  });

  it('measures the server clock offset from the snapshot', () => {
    const s = useLiveStore();
    s.applySnapshot(snapshot({ serverTime: T0 + 2000 }), T0);
    expect(s.serverOffsetMs).toBe(2000);
    expect(s.serverNow(T0 + 10)).toBe(T0 + 2010);
  });

  it('ignores deltas at or before lastSeq, comparing sequence numbers numerically', () => {
    const s = useLiveStore();
    s.applySnapshot(snapshot({ seq: '1000-0' }), T0);
    expect(s.applyDelta(delta('999-9', { type: 'stats:today', today: todayStats(1) }), T0)).toBe(false);
    expect(s.applyDelta(delta('1000-0', { type: 'stats:today', today: todayStats(2) }), T0)).toBe(false);
    expect(s.today?.total).toBe(0);
    expect(s.applyDelta(delta('1000-1', { type: 'stats:today', today: todayStats(3) }), T0)).toBe(true);
    expect(s.applyDelta(delta('10000-0', { type: 'stats:today', today: todayStats(4) }), T0)).toBe(true);
    expect(s.today?.total).toBe(4);
    expect(s.lastSeq).toBe('10000-0');
  });

  it('upserts incidents and removes them from the board when they are no longer open', () => {
    const s = useLiveStore();
    s.applySnapshot(snapshot(), T0);
    s.applyDelta(delta('1001-0', { type: 'incident:reported', incident: incident({ id: 'A' }) }), T0);
    s.applyDelta(delta('1002-0', { type: 'incident:reported', incident: incident({ id: 'B', reportedAt: T0 + 1 }) }), T0);
    expect(s.board.map((i) => i.id)).toEqual(['B', 'A']);
    s.applyDelta(delta('1003-0', { type: 'incident:updated', incident: incident({ id: 'A', status: 'on_scene', revision: 2 }) }), T0);
    expect(s.incidents.get('A')?.status).toBe('on_scene');
    expect(s.openCount).toBe(2);
    s.applyDelta(delta('1004-0', { type: 'incident:updated', incident: incident({ id: 'A', status: 'closed' }) }), T0);
    s.applyDelta(delta('1005-0', { type: 'incident:updated', incident: incident({ id: 'B', status: 'merged' }) }), T0);
    expect(s.board).toEqual([]);
    expect(s.openCount).toBe(0);
  });

  it('counts priority-1 open incidents', () => {
    const s = useLiveStore();
    s.applySnapshot(snapshot({ incidents: [incident({ id: 'A', priority: 1 }), incident({ id: 'B', priority: 1 }), incident({ id: 'C', priority: 3 })] }), T0);
    expect(s.p1OpenCount).toBe(2);
  });

  it('replaces a unit on unit:updated and recounts the teams', () => {
    const s = useLiveStore();
    s.applySnapshot(snapshot({
      units: [
        unit({ id: 'P-01', team: 'patrol' }),
        unit({ id: 'P-02', team: 'patrol', status: 'en_route' }),
        unit({ id: 'P-03', team: 'patrol', status: 'off_duty' }),
        unit({ id: 'C-01', kind: 'community_officer', team: 'community', stale: true }),
        unit({ id: 'E-01', kind: 'emergency_unit', team: null, members: 5 }),
      ],
    }), T0);
    const patrol = () => s.teamCounts.find((c) => c.team === 'patrol')!;
    const community = () => s.teamCounts.find((c) => c.team === 'community')!;
    expect(patrol()).toEqual({ team: 'patrol', onDuty: 2, available: 1, total: 3 });
    expect(community()).toEqual({ team: 'community', onDuty: 1, available: 0, total: 1 });
    expect(s.teamCounts.find((c) => c.team === 'case')).toEqual({ team: 'case', onDuty: 0, available: 0, total: 0 });
    s.applyDelta(delta('1001-0', { type: 'unit:updated', unit: unit({ id: 'P-01', status: 'dispatched' }) }), T0);
    expect(s.units.get('P-01')?.status).toBe('dispatched');
    expect(patrol().available).toBe(0);
    s.applyDelta(delta('1002-0', { type: 'unit:updated', unit: unit({ id: 'C-01', kind: 'community_officer', team: 'community', stale: false }) }), T0);
    expect(community().available).toBe(1);
  });

  it('buffers deltas while subscribing, then applies only those newer than the snapshot', () => {
    const s = useLiveStore();
    s.beginSubscribe();
    s.receiveDelta(delta('999-0', { type: 'incident:reported', incident: incident({ id: 'X' }) }), T0);
    s.receiveDelta(delta('1000-0', { type: 'incident:reported', incident: incident({ id: 'Y' }) }), T0);
    s.receiveDelta(delta('1000-1', { type: 'incident:reported', incident: incident({ id: 'Z' }) }), T0);
    expect(s.isSubscribing()).toBe(true);
    expect(s.bufferedCount()).toBe(3);
    expect(s.incidents.size).toBe(0); // nothing applied before the ack
    const again = s.completeSubscribe({ mode: 'snapshot', snapshot: snapshot({ seq: '1000-0', incidents: [incident({ id: 'Y' })] }) }, T0);
    expect(again).toBe(false);
    expect([...s.incidents.keys()].sort()).toEqual(['Y', 'Z']);
    expect(s.lastSeq).toBe('1000-1');
    expect(s.isSubscribing()).toBe(false);
    expect(s.bufferedCount()).toBe(0);
    // After the ack, deltas go straight through.
    s.receiveDelta(delta('1000-2', { type: 'stats:today', today: todayStats(9) }), T0);
    expect(s.today?.total).toBe(9);
  });

  it('applies a replay in order, then buffered deltas without duplicates', () => {
    const s = useLiveStore();
    s.applySnapshot(snapshot({ seq: '1000-0' }), T0);
    s.beginSubscribe();
    s.receiveDelta(delta('1002-0', { type: 'incident:updated', incident: incident({ id: 'A', status: 'dispatched', revision: 2 }) }), T0);
    s.receiveDelta(delta('1003-0', { type: 'incident:updated', incident: incident({ id: 'A', status: 'en_route', revision: 3 }) }), T0);
    s.completeSubscribe({
      mode: 'replay',
      deltas: [
        delta('1001-0', { type: 'incident:reported', incident: incident({ id: 'A' }) }),
        delta('1002-0', { type: 'incident:updated', incident: incident({ id: 'A', status: 'dispatched', revision: 2 }) }),
      ],
    }, T0);
    expect(s.incidents.get('A')?.status).toBe('en_route');
    expect(s.lastSeq).toBe('1003-0');
  });

  it('keeps buffering across a failed subscribe and reports an overflow so the caller catches up', () => {
    const s = useLiveStore();
    s.applySnapshot(snapshot({ seq: '1-0' }), T0);
    s.beginSubscribe();
    for (let i = 0; i < MAX_BUFFERED_DELTAS + 10; i++) s.receiveDelta(delta(`${2 + i}-0`, { type: 'stats:today', today: todayStats(i) }), T0);
    expect(s.bufferedCount()).toBe(MAX_BUFFERED_DELTAS);
    s.beginSubscribe(); // a retry keeps what was held
    expect(s.completeSubscribe({ mode: 'replay', deltas: [] }, T0)).toBe(true);
    expect(s.today?.total).toBe(MAX_BUFFERED_DELTAS - 1);
    expect(s.completeSubscribe({ mode: 'replay', deltas: [] }, T0)).toBe(false);
  });

  it('applies position frames latest-wins per unit without touching reactive unit state', () => {
    const s = useLiveStore();
    s.applySnapshot(snapshot({ units: [unit({ id: 'P-01' }), unit({ id: 'P-02', position: null })] }), T0);
    const listener = vi.fn();
    const off = s.onPositionsChanged(listener);
    const v = s.unitsVersion;
    expect(s.applyFrame(frame([['P-01', 116.7, 39.07, T0 + 1000, 5, 90], ['P-02', 116.71, 39.08, T0 + 1000, null, null]]), T0)).toBe(2);
    expect(s.applyFrame(frame([['P-01', 116.0, 39.0, T0 + 500, null, null]]), T0)).toBe(0); // older: dropped
    expect(s.applyFrame(frame([['P-01', 116.72, 39.09, T0 + 1000, null, null]]), T0)).toBe(0); // same ts: kept first
    expect(s.applyFrame(frame([['NOPE', 116.72, 39.09, T0 + 9000, null, null]]), T0)).toBe(0); // not in the roster
    expect(s.positions.get('P-01')).toEqual(['P-01', 116.7, 39.07, T0 + 1000, 5, 90]);
    expect(s.positions.get('P-02')?.[1]).toBe(116.71);
    expect(s.positions.has('NOPE')).toBe(false);
    expect(s.unitsVersion).toBe(v);
    expect(listener).toHaveBeenCalledTimes(1);
    off();
    s.applyFrame(frame([['P-01', 116.8, 39.1, T0 + 2000, null, null]]), T0);
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('keeps a frame position newer than a later snapshot, and drops units the snapshot no longer has', () => {
    const s = useLiveStore();
    s.applySnapshot(snapshot({ units: [unit({ id: 'P-01' }), unit({ id: 'P-09' })] }), T0);
    s.applyFrame(frame([['P-01', 116.75, 39.05, T0 + 5000, null, null]]), T0);
    s.applySnapshot(snapshot({ seq: '2000-0', units: [unit({ id: 'P-01', position: { lng: 116.6, lat: 39.0, ts: T0 + 1000 } })] }), T0);
    expect(s.positions.get('P-01')?.[1]).toBe(116.75);
    expect(s.positions.has('P-09')).toBe(false);
  });

  // Its speed is measured by `pnpm bench --suite wall`, not by a stopwatch in a unit test.
  it('applies a 5,000-position frame, every one of them', () => {
    const s = useLiveStore();
    const units = Array.from({ length: 5000 }, (_, i) => unit({ id: `U-${i}` }));
    s.applySnapshot(snapshot({ units }), T0);
    const positions: FramePosition[] = units.map((u, i) => [u.id, 116.6 + i * 1e-5, 39.0, T0 + 1000, null, null]);
    expect(s.applyFrame(frame(positions), T0)).toBe(5000);
    expect(s.applyFrame(frame(positions), T0)).toBe(0); // the same frame again changes nothing
  });

  it('sounds a fresh priority-1 incident once and keeps its banner until it is acknowledged; one replayed from long ago is shown silently', () => {
    const s = useLiveStore();
    s.applySnapshot(snapshot({ serverTime: T0 }), T0);
    const heard = vi.fn();
    s.onAlarm(heard);
    s.applyDelta(delta('1001-0', { type: 'incident:reported', incident: incident({ id: 'OLD', priority: 1 }) }, T0 - ALARM_MS - 1000), T0);
    expect(s.alarms.map((a) => a.incident.id)).toEqual(['OLD']);
    expect(heard).not.toHaveBeenCalled();
    s.applyDelta(delta('1002-0', { type: 'incident:reported', incident: incident({ id: 'P1', priority: 1 }) }, T0), T0);
    s.applyDelta(delta('1003-0', { type: 'incident:updated', incident: incident({ id: 'P1', priority: 1, summary: '更正' }) }, T0), T0);
    s.applyDelta(delta('1004-0', { type: 'incident:reported', incident: incident({ id: 'P2', priority: 2 }) }, T0), T0);
    expect(heard).toHaveBeenCalledTimes(1);
    expect(s.alarms.map((a) => a.incident.id)).toEqual(['P1', 'OLD']);
    expect(s.alarms[0]!.incident.summary).toBe('更正');
    // Acknowledged on the console (or dispatched, which acknowledges): gone from every wall.
    s.applyDelta(delta('1005-0', { type: 'incident:updated', incident: incident({ id: 'P1', priority: 1, status: 'dispatched', alarmAcknowledged: { by: 'leader', at: T0 + 5 } }) }, T0 + 5), T0 + 5);
    s.applyDelta(delta('1006-0', { type: 'incident:updated', incident: incident({ id: 'OLD', priority: 1, alarmAcknowledged: { by: 'leader', at: T0 + 6 } }) }, T0 + 6), T0 + 6);
    expect(s.alarms).toEqual([]);
  });

  it('repeats the tone of an alarm nobody acknowledged, every repeat interval, until it is acknowledged', () => {
    const s = useLiveStore();
    s.applySnapshot(snapshot({ serverTime: T0, attention: { focusMs: 20_000, repeatAfterMs: 60_000 } }), T0);
    const heard = vi.fn();
    s.onAlarm(heard);
    s.applyDelta(delta('1001-0', { type: 'incident:reported', incident: incident({ id: 'A', priority: 1 }) }, T0), T0);
    expect(s.escalateAlarms(T0 + 59_999)).toEqual([]);
    expect(s.escalateAlarms(T0 + 60_000).map((a) => [a.incident.id, a.repeats])).toEqual([['A', 1]]);
    expect(s.escalateAlarms(T0 + 119_999)).toEqual([]);
    expect(s.escalateAlarms(T0 + 120_000).map((a) => a.repeats)).toEqual([2]);
    expect(heard).toHaveBeenCalledTimes(3);
    s.applyDelta(delta('1002-0', { type: 'incident:updated', incident: incident({ id: 'A', priority: 1, alarmAcknowledged: { by: 'dispatcher', at: T0 } }) }, T0), T0 + 120_001);
    expect(s.escalateAlarms(T0 + 999_999)).toEqual([]);
    expect(heard).toHaveBeenCalledTimes(3);
  });

  it('on a snapshot shows every open unacknowledged priority-1 incident, sounding only one received moments ago, once', () => {
    const s = useLiveStore();
    const heard = vi.fn();
    s.onAlarm(heard);
    const fresh = incident({ id: 'F', priority: 1, receivedAt: T0 - 10_000 });
    const old = incident({ id: 'O', priority: 1, receivedAt: T0 - ALARM_MS - 1 });
    const seen = incident({ id: 'S', priority: 1, receivedAt: T0 - 5_000, alarmAcknowledged: { by: 'leader', at: T0 - 1_000 } });
    s.applySnapshot(snapshot({ serverTime: T0, incidents: [fresh, old, seen] }), T0);
    expect(s.alarms.map((a) => a.incident.id).sort()).toEqual(['F', 'O']);
    s.applySnapshot(snapshot({ seq: '2000-0', serverTime: T0 + 1000, incidents: [fresh, old, seen] }), T0 + 1000); // a reconnect
    expect(heard).toHaveBeenCalledTimes(1);
    s.applySnapshot(snapshot({ seq: '3000-0', serverTime: T0 + 2000, incidents: [fresh] }), T0 + 2000); // O closed meanwhile
    expect(s.alarms.map((a) => a.incident.id)).toEqual(['F']);
  });

  it('announces an escalation to priority 1 and withdraws the banner when the incident closes', () => {
    const s = useLiveStore();
    s.applySnapshot(snapshot({ incidents: [incident({ id: 'A', priority: 2 })] }), T0);
    s.applyDelta(delta('1001-0', { type: 'incident:updated', incident: incident({ id: 'A', priority: 1 }) }, T0), T0);
    expect(s.alarms.map((a) => a.incident.id)).toEqual(['A']);
    s.applyDelta(delta('1002-0', { type: 'incident:updated', incident: incident({ id: 'A', priority: 1, status: 'cancelled' }) }, T0), T0);
    expect(s.alarms).toEqual([]);
  });

  it('keeps a bounded ticker of reports, status changes and units going silent', () => {
    const s = useLiveStore();
    s.applySnapshot(snapshot({ units: [unit({ id: 'P-01' })], incidents: [incident({ id: 'A' })] }), T0);
    expect(s.ticker.map((e) => e.kind)).toEqual(['reported']); // seeded from the snapshot
    s.applyDelta(delta('1001-0', { type: 'unit:updated', unit: unit({ id: 'P-01', stale: true }) }), T0);
    s.applyDelta(delta('1002-0', { type: 'incident:updated', incident: incident({ id: 'A', revision: 2 }) }), T0); // no change: quiet
    s.applyDelta(delta('1003-0', { type: 'incident:updated', incident: incident({ id: 'A', status: 'dispatched' }) }), T0);
    expect(s.ticker.map((e) => e.kind)).toEqual(['updated', 'stale', 'reported']);
    for (let i = 0; i < 50; i++) s.applyDelta(delta(`${2000 + i}-0`, { type: 'incident:reported', incident: incident({ id: `N${i}` }) }), T0);
    expect(s.ticker.length).toBe(MAX_TICKER_EVENTS);
    expect(s.ticker[0]?.incident?.id).toBe('N49');
  });

  it('names the units a change sent, and folds a burst of breaches into one ticker line', () => {
    const s = useLiveStore();
    s.applySnapshot(snapshot({ incidents: [incident({ id: 'A' }), incident({ id: 'B' }), incident({ id: 'C' })] }), T0);
    s.applyDelta(delta('1001-0', { type: 'incident:updated', incident: incident({ id: 'A', status: 'dispatched', assignedUnitIds: ['P-01'] }) }), T0);
    s.applyDelta(delta('1002-0', { type: 'incident:updated', incident: incident({ id: 'A', status: 'dispatched', assignedUnitIds: ['P-01', 'P-02'] }) }), T0);
    expect(s.ticker.slice(0, 2).map((e) => e.sent)).toEqual([['P-02'], ['P-01']]);
    const breach = (seq: string, id: string, at: number) =>
      s.applyDelta(delta(seq, { type: 'incident:breached', incidentId: id, target: 'dispatch', targetMs: 60_000, at }, at), T0);
    breach('1003-0', 'B', T0);
    breach('1004-0', 'C', T0 + 1000);
    expect(s.ticker[0]).toMatchObject({ kind: 'breached', target: 'dispatch', others: 1 });
    expect(s.ticker[1]?.kind).toBe('updated');
    expect(s.breaches.get('C')).toEqual(['dispatch']);
  });

  it('applies a batch of units going silent or coming back as one change and one ticker line per kind', () => {
    const s = useLiveStore();
    s.applySnapshot(snapshot({ units: [unit({ id: 'P-01' }), unit({ id: 'P-02' }), unit({ id: 'P-03', stale: true }), unit({ id: 'E-1', kind: 'emergency_unit', team: null })] }), T0);
    const before = s.ticker.length;
    s.applyDelta(delta('1001-0', { type: 'units:freshness', stale: ['P-01', 'P-02', 'NOBODY'], fresh: ['P-03'] }), T0);
    expect(['P-01', 'P-02', 'P-03'].map((id) => s.units.get(id)?.stale)).toEqual([true, true, false]);
    const lines = s.ticker.slice(0, s.ticker.length - before);
    expect(lines.map((e) => [e.kind, e.unit?.id, e.others])).toEqual([['recovered', 'P-03', 0], ['stale', 'P-01', 1]]);
    // Repeating what is already so changes nothing and adds no line.
    s.applyDelta(delta('1002-0', { type: 'units:freshness', stale: ['P-01'], fresh: [] }), T0);
    expect(s.ticker.length).toBe(before + 2);
  });

  it('flags a frozen fix from when it froze (the event says), and clears it when the unit moves', () => {
    const s = useLiveStore();
    s.applySnapshot(snapshot({ units: [unit({ id: 'P-01', status: 'en_route' }), unit({ id: 'P-02', status: 'en_route' })] }), T0);
    s.applyDelta(delta('1001-0', { type: 'units:frozen', frozen: ['P-01', 'P-02'], since: [T0 - 200_000, T0 - 190_000], moving: [] }), T0);
    expect(['P-01', 'P-02'].map((id) => s.units.get(id)?.frozenSince)).toEqual([T0 - 200_000, T0 - 190_000]);
    s.applyDelta(delta('1002-0', { type: 'units:frozen', frozen: [], since: [], moving: ['P-01'] }), T0);
    expect(s.units.get('P-01')?.frozenSince).toBeUndefined();
    expect(s.units.get('P-02')?.frozenSince).toBe(T0 - 190_000);
  });

  it('sums emergency units, combat units and volunteer teams', () => {
    const s = useLiveStore();
    s.applySnapshot(snapshot({
      units: [
        unit({ id: 'E-1', kind: 'emergency_unit', team: null, members: 4 }),
        unit({ id: 'E-2', kind: 'emergency_unit', team: null, members: 6 }),
        unit({ id: 'Z-1', kind: 'combat_unit', team: 'community', members: 5 }),
        unit({ id: 'V-1', kind: 'volunteer_team', team: null, volunteerKind: 'courier', members: 12 }),
        unit({ id: 'V-2', kind: 'volunteer_team', team: null, volunteerKind: 'courier', members: 8 }),
        unit({ id: 'V-3', kind: 'volunteer_team', team: null, volunteerKind: 'taxi', members: 30 }),
      ],
    }), T0);
    expect(s.forces.emergencyUnits).toBe(2);
    expect(s.forces.emergencyMembers).toBe(10);
    expect(s.forces.combatUnits).toBe(1);
    expect(s.forces.volunteerTeams).toBe(3);
    expect(s.forces.volunteerMembers).toBe(50);
    expect(s.forces.volunteerGroups).toEqual([
      { kind: 'taxi', teams: 1, members: 30 },
      { kind: 'courier', teams: 2, members: 20 },
    ]);
  });
});
