// Counter moves for incident changes: exactly once per change, netted, by local time.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RESPONSE_TARGETS, transitionIncident, type Incident, type IncidentReport } from '@ccr/shared';
import { applyReport } from '../live/incident-rules.js';
import {
  countField, fixedStatsRules, incidentStatsMoves, responseBinField, responseCountField, responseRankField, responseSumField, responseWithinField,
  type BucketMove,
} from './stats-buckets.js';

const report: IncidentReport = {
  id: 'JQ-20261123-0042', type: 'dispute', priority: 1, lng: 116.7, lat: 39.07, address: '胜芳镇中山街12号',
  reportedAt: '2026-11-23T09:41:05+08:00', source: '110', summary: '邻里纠纷', reporter: '王先生 138****0000',
};
const TZ = fixedStatsRules('Asia/Shanghai');
const base = applyReport(report, null, { now: 0, gridId: 'G07' }).incident;
const T0 = base.reportedAt;

/** Applies moves to an in-memory picture of the buckets, dropping zeros like a netted Redis would show them. */
function apply(state: Map<string, number>, moves: readonly BucketMove[]): void {
  for (const m of moves) {
    const k = `${m.bucket}|${m.field}`;
    const v = (state.get(k) ?? 0) + m.by;
    if (v === 0) state.delete(k);
    else state.set(k, v);
  }
}
const fresh = (i: Incident): Map<string, number> => {
  const s = new Map<string, number>();
  apply(s, incidentStatsMoves(null, i, TZ));
  return s;
};

function step(i: Incident, to: Parameters<typeof transitionIncident>[1], at: number, extra: Parameters<typeof transitionIncident>[3] = {}): Incident {
  const r = transitionIncident(i, to, { by: 'test', at }, extra);
  if (!r.ok) throw new Error(r.error.message);
  return r.state;
}

describe('incidentStatsMoves', () => {
  it('counts a new incident once in its local day and hour, under the fields the wall reads', () => {
    const s = fresh(base);
    for (const f of ['total', 'type:dispute', 'prio:1', 'src:110', 'grid:G07', 'dispute', 'dispute|grid:G07', 'hod:09', 'dispute|hod:09']) {
      expect(s.get(`stats:day:2026-11-23|${f}`), f).toBe(1);
    }
    expect(s.get('stats:hour:2026-11-23T09|total')).toBe(1);
    expect(s.get('stats:hour:2026-11-23T09|hod:09')).toBeUndefined();
    expect([...s.values()].every((v) => v === 1)).toBe(true);
  });

  it('changes nothing for an unchanged incident, and moves only what a correction changes', () => {
    expect(incidentStatsMoves(base, base, TZ)).toEqual([]);
    expect(incidentStatsMoves(base, { ...base, summary: 'x', revision: 2 }, TZ)).toEqual([]);
    const moves = incidentStatsMoves(base, { ...base, source: 'online' }, TZ);
    expect(moves).toContainEqual({ bucket: 'stats:day:2026-11-23', field: 'src:110', by: -1 });
    expect(moves).toContainEqual({ bucket: 'stats:day:2026-11-23', field: 'src:online', by: 1 });
    expect(moves.every((m) => m.field.includes('src:'))).toBe(true);
  });

  it('moves the response histograms and outcome counts once through the lifecycle', () => {
    let i = base;
    const s = fresh(i);
    const versions: Incident[] = [];
    i = step(i, 'dispatched', T0 + 60_000); versions.push(i);
    i = step(i, 'en_route', T0 + 70_000); versions.push(i);
    i = step(i, 'on_scene', T0 + 300_001); versions.push(i);
    i = step(i, 'resolved', T0 + 900_000); versions.push(i);
    i = step(i, 'closed', T0 + 1_000_000, { outcome: 'mediated' }); versions.push(i);
    let prev = base;
    for (const v of versions) { apply(s, incidentStatsMoves(prev, v, TZ)); prev = v; }
    expect(s).toEqual(fresh(i));
    expect(s.get(`stats:resp:2026-11-23|${responseBinField('dispatch', 1, 60)}`)).toBe(1);
    expect(s.get(`stats:resp:2026-11-23|${responseBinField('on_scene', 1, 301)}`)).toBe(1); // 300.001 s is past a 300 s target
    expect(s.get(`stats:resp:2026-11-23T09|${responseSumField('on_scene', 1)}`)).toBe(300_001);
    // The plain counters the series read: dispatched at 60 s is within a 60 s target, on scene at 300.001 s is not.
    for (const b of ['stats:resp:2026-11-23', 'stats:resp:2026-11-23T09']) {
      expect(s.get(`${b}|${responseCountField('dispatch', 1)}`)).toBe(1);
      expect(s.get(`${b}|${responseWithinField('dispatch', 1)}`)).toBe(1);
      expect(s.get(`${b}|${responseCountField('on_scene', 1)}`)).toBe(1);
      expect(s.get(`${b}|${responseWithinField('on_scene', 1)}`)).toBeUndefined();
    }
    // The rank tree moves with the bin in the day and month buckets (response-figures.lua descends it); hours keep none.
    for (const b of ['stats:resp:2026-11-23', 'stats:resp:2026-11']) {
      expect(s.get(`${b}|${responseRankField('on_scene', 1, 1, 9)}`)).toBe(1); // 301 s: [288, 320)
      expect(s.get(`${b}|${responseRankField('on_scene', 1, 2, 0)}`)).toBe(1);
      expect(s.get(`${b}|${responseRankField('on_scene', 1, 3, 0)}`)).toBe(1);
    }
    expect([...s.keys()].some((k) => k.startsWith('stats:resp:2026-11-23T09|') && /\|r\d+:\d+$/.test(k))).toBe(false);
    expect(s.get(`stats:day:2026-11-23|${countField('closed', 'grid', 'G07')}`)).toBe(1);
    expect(s.get(`stats:day:2026-11-23|${countField('mediated')}`)).toBe(1);
    // A second dispatched entry (backup) does not move the first-dispatch interval.
    const again = { ...i, timeline: [...i.timeline, { status: 'dispatched' as const, at: T0 + 2_000_000 }] };
    expect(incidentStatsMoves(i, again, TZ)).toEqual([]);
  });

  it('any sequence of versions leaves exactly the last version\'s counts', () => {
    const types = ['theft', 'fraud', 'fight', 'dispute'] as const;
    let seed = 7;
    const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
    for (let run = 0; run < 50; run++) {
      let cur: Incident = base;
      const s = fresh(cur);
      for (let k = 0; k < 8; k++) {
        const next: Incident = {
          ...cur,
          type: types[rnd(4)]!, priority: (1 + rnd(3)) as 1 | 2 | 3, gridId: rnd(3) === 0 ? null : `G0${rnd(3)}`,
          reportedAt: T0 + (rnd(3) - 1) * 86_400_000 + rnd(2) * 3_600_000,
          status: rnd(2) ? 'closed' : 'received', outcome: rnd(2) ? 'mediation_failed' : undefined,
          timeline: rnd(2) ? [{ status: 'dispatched', at: T0 + rnd(400) * 1000 }] : [],
        };
        if (next.outcome === undefined) delete next.outcome;
        apply(s, incidentStatsMoves(cur, next, TZ));
        cur = next;
      }
      expect(s).toEqual(fresh(cur));
    }
  });

  it('judges a step against the targets in force when it is counted, and never again while it stays put', () => {
    const loose = fixedStatsRules('Asia/Shanghai', { ...DEFAULT_RESPONSE_TARGETS, 1: { ...DEFAULT_RESPONSE_TARGETS[1], onSceneMs: 600_000 } });
    const arrived = step(step(base, 'dispatched', T0 + 30_000), 'on_scene', T0 + 400_000);
    const s = fresh(base);
    apply(s, incidentStatsMoves(base, arrived, loose)); // 400 s: within the 600 s target then in force
    expect(s.get(`stats:resp:2026-11-23|${responseWithinField('on_scene', 1)}`)).toBe(1);
    // Later, under the 300 s default: a change that leaves the step where it was moves no response counter.
    const closed = step(step(arrived, 'resolved', T0 + 900_000), 'closed', T0 + 1_000_000, { outcome: 'mediated' });
    const moves = incidentStatsMoves(arrived, closed, TZ);
    expect(moves.filter((m) => m.bucket.startsWith('stats:resp:'))).toEqual([]);
    apply(s, moves);
    expect(s.get(`stats:resp:2026-11-23|${responseWithinField('on_scene', 1)}`)).toBe(1);
    // The same incident counted afresh under the 300 s target is not within.
    expect(fresh(closed).get(`stats:resp:2026-11-23|${responseWithinField('on_scene', 1)}`)).toBeUndefined();
  });

  it('uses the station time zone; an incident exactly at local midnight belongs to the new day', () => {
    const midnight = { ...base, reportedAt: Date.parse('2026-11-23T16:00:00Z') }; // 00:00 on the 24th in Shanghai
    const justBefore = { ...base, reportedAt: midnight.reportedAt - 1 };
    expect(fresh(midnight).get('stats:day:2026-11-24|total')).toBe(1);
    expect(fresh(midnight).get('stats:hour:2026-11-24T00|total')).toBe(1);
    expect(fresh(justBefore).get('stats:hour:2026-11-23T23|total')).toBe(1);
    expect(incidentStatsMoves(null, midnight, fixedStatsRules('UTC'))[0]!.bucket).toBe('stats:day:2026-11-23');
  });
});
