import { describe, expect, it } from 'vitest';
import type { Incident } from './domain.js';
import { haversineMeters } from './geo.js';
import { INCIDENT_TYPES } from './domain.js';
import { duplicateFlags, findOriginal, isSuspectedDuplicate, matchDuplicate, relatedTypes, type DuplicateRules } from './duplicates.js';

const rules: DuplicateRules = { radiusMeters: 200, windowMs: 10 * 60_000 };
const T0 = Date.UTC(2026, 11, 4, 8, 0, 0);
/** Metres north of the base point, as latitude. */
const north = (m: number): number => 39 + m / 111_195;

function inc(id: string, over: Partial<Incident> = {}): Incident {
  return {
    id, type: 'fight', priority: 1, lng: 116.6, lat: 39, address: '中山街12号', reportedAt: T0, source: '110', summary: '', reporter: '',
    status: 'received', gridId: 'G1', receivedAt: T0, updatedAt: T0, revision: 1, assignedUnitIds: [], timeline: [], ...over,
  };
}

describe('duplicate rules', () => {
  it('relates a type to itself, to its confusable neighbours both ways, and "other" to everything', () => {
    for (const t of INCIDENT_TYPES) {
      expect(relatedTypes(t, t)).toBe(true);
      expect(relatedTypes(t, 'other')).toBe(true);
      for (const u of INCIDENT_TYPES) expect(relatedTypes(t, u)).toBe(relatedTypes(u, t));
    }
    expect(relatedTypes('fight', 'public_order')).toBe(true);
    expect(relatedTypes('traffic', 'help')).toBe(true);
    expect(relatedTypes('theft', 'fight')).toBe(false);
    expect(relatedTypes('traffic', 'fraud')).toBe(false);
  });

  it('flags the later of two identical reports seconds apart, naming the first with distance and seconds', () => {
    const a = inc('JQ-A');
    const b = inc('JQ-B', { reportedAt: T0 + 7_000, lat: north(35) });
    expect(matchDuplicate(a, b, rules)).toBeNull(); // the earlier is never the duplicate
    const m = matchDuplicate(b, a, rules)!;
    expect(m.of.id).toBe('JQ-A');
    expect(m.seconds).toBe(7);
    expect(m.distanceMeters).toBe(Math.round(haversineMeters([a.lng, a.lat], [b.lng, b.lat])));
    expect(m.distanceMeters).toBeGreaterThanOrEqual(34);
    expect(m.distanceMeters).toBeLessThanOrEqual(36);
  });

  it('breaks a tie in time by id, so both nodes pick the same one of a pair', () => {
    const a = inc('JQ-A');
    const b = inc('JQ-B');
    expect(duplicateFlags(a, [a, b], rules).map((f) => [f.incident.id, f.match.of.id])).toEqual([['JQ-B', 'JQ-A']]);
    expect(duplicateFlags(b, [a, b], rules).map((f) => [f.incident.id, f.match.of.id])).toEqual([['JQ-B', 'JQ-A']]);
    // Seen from either side before the other is stored: only the one that sees both flags, and flags the same.
    expect(duplicateFlags(a, [], rules)).toEqual([]);
  });

  it('keeps to the radius, the window, related types and open incidents', () => {
    const a = inc('JQ-A');
    expect(matchDuplicate(inc('JQ-B', { lat: north(rules.radiusMeters + 5) }), a, rules)).toBeNull();
    expect(matchDuplicate(inc('JQ-B', { lat: north(rules.radiusMeters - 5) }), a, rules)).not.toBeNull();
    expect(matchDuplicate(inc('JQ-B', { reportedAt: T0 + rules.windowMs + 1_000 }), a, rules)).toBeNull();
    expect(matchDuplicate(inc('JQ-B', { reportedAt: T0 + rules.windowMs }), a, rules)).not.toBeNull();
    expect(matchDuplicate(inc('JQ-B', { type: 'theft' }), a, rules)).toBeNull();
    expect(matchDuplicate(inc('JQ-B', { type: 'dispute' }), a, rules)).not.toBeNull();
    for (const status of ['resolved', 'closed', 'cancelled', 'merged'] as const) {
      expect(matchDuplicate(inc('JQ-B'), inc('A0', { status, reportedAt: T0 - 1 }), rules)).toBeNull();
    }
    expect(matchDuplicate(inc('JQ-B'), inc('A0', { status: 'on_scene', reportedAt: T0 - 1 }), rules)).not.toBeNull();
  });

  it('names the first report, not a flagged duplicate, when a third call comes in; then the nearest', () => {
    const a = inc('JQ-A', { lat: north(50) });
    const b = inc('JQ-B', { reportedAt: T0 + 1_000, suspectedDuplicate: { of: 'JQ-A', distanceMeters: 50, seconds: 1, flaggedAt: T0 } });
    const c = inc('JQ-C', { reportedAt: T0 + 2_000 });
    expect(findOriginal(c, [a, b], rules)?.of.id).toBe('JQ-A');
    const near = inc('JQ-N', { reportedAt: T0 - 60_000, lat: north(10) });
    expect(findOriginal(c, [a, b, near], rules)?.of.id).toBe('JQ-N');
  });

  it('flags later open incidents that repeat a corrected (earlier) report, never a flagged or dismissed one again', () => {
    const a = inc('JQ-A', { reportedAt: T0 });
    const b = inc('JQ-B', { reportedAt: T0 + 5_000 });
    const flagged = { ...b, suspectedDuplicate: { of: 'JQ-A', distanceMeters: 0, seconds: 5, flaggedAt: T0 } };
    const dismissed = { ...b, duplicateDismissed: { of: 'JQ-A', by: 'duty', at: T0 } };
    expect(duplicateFlags(a, [b], rules).map((f) => f.incident.id)).toEqual(['JQ-B']);
    expect(duplicateFlags(a, [flagged], rules)).toEqual([]);
    expect(duplicateFlags(dismissed, [a, dismissed], rules)).toEqual([]);
    expect(isSuspectedDuplicate(flagged)).toBe(true);
    expect(isSuspectedDuplicate({ ...flagged, duplicateDismissed: { of: 'JQ-A', by: 'duty', at: T0 } })).toBe(false);
    expect(isSuspectedDuplicate(a)).toBe(false);
  });
});
