// Builders for test data in the shapes of the shared contract.
import type { Incident, LiveDelta, LiveSnapshot, LiveUnit, TodayStats } from '@ccr/shared';
import { DEFAULT_RESPONSE_TARGETS } from '@ccr/shared';

export const T0 = Date.UTC(2026, 10, 23, 1, 0, 0); // 09:00 Asia/Shanghai

export function unit(over: Partial<LiveUnit> & { id: string }): LiveUnit {
  return {
    kind: 'patrol_car', name: over.id, team: 'patrol', status: 'available', statusSince: T0, stale: false,
    position: { lng: 116.69, lat: 39.06, ts: T0 }, ...over,
  };
}

export function incident(over: Partial<Incident> & { id: string }): Incident {
  return {
    type: 'theft', priority: 2, lng: 116.7, lat: 39.07, address: '中山街12号', reportedAt: T0, source: '110',
    summary: '电动车被盗', reporter: '王先生', status: 'received', gridId: 'G01', receivedAt: T0, updatedAt: T0,
    revision: 1, assignedUnitIds: [], timeline: [{ status: 'received', at: T0 }], ...over,
  };
}

export function todayStats(total = 0): TodayStats {
  return { date: '2026-11-23', total, byType: { theft: total }, byPriority: { '1': 0, '2': total, '3': 0 } };
}

export function snapshot(over: Partial<LiveSnapshot> = {}): LiveSnapshot {
  return {
    seq: '1000-0', serverTime: T0, station: { name: '胜芳派出所', timeZone: 'Asia/Shanghai' }, staleAfterMs: 30_000,
    targets: DEFAULT_RESPONSE_TARGETS, attention: { focusMs: 20_000, repeatAfterMs: 60_000 }, units: [], incidents: [], today: todayStats(), ...over,
  };
}

export function delta(seq: string, event: LiveDelta['event'], at = T0): LiveDelta {
  return { seq, at, event };
}
