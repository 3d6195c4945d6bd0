import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RESPONSE_TARGETS, incidentTimer, missedTargets, parseResponseTargets, pendingTarget, targetsInSeconds, timerState,
} from './targets.js';
import type { Incident, IncidentStatus, TimelineEntry } from './domain.js';

const T0 = 1_764_000_000_000;
const P1 = DEFAULT_RESPONSE_TARGETS[1];

function incident(status: IncidentStatus, timeline: TimelineEntry[] = [], priority: 1 | 2 | 3 = 1): Pick<Incident, 'priority' | 'status' | 'reportedAt' | 'timeline'> {
  return { priority, status, reportedAt: T0, timeline: [{ status: 'received', at: T0 }, ...timeline] };
}

describe('defaults', () => {
  it('are the 1-3-5 mechanism for priority 1 and looser for 2 and 3', () => {
    expect(P1).toEqual({ dispatchMs: 60_000, firstHelpMs: 180_000, onSceneMs: 300_000 });
    for (const p of [2, 3] as const) {
      const t = DEFAULT_RESPONSE_TARGETS[p];
      const before = DEFAULT_RESPONSE_TARGETS[(p - 1) as 1 | 2];
      expect(t.dispatchMs).toBeGreaterThan(before.dispatchMs);
      expect(t.onSceneMs).toBeGreaterThan(before.onSceneMs);
      expect(t.dispatchMs).toBeLessThanOrEqual(t.onSceneMs);
    }
    expect(targetsInSeconds(DEFAULT_RESPONSE_TARGETS)[1]).toEqual({ dispatchSeconds: 60, onSceneSeconds: 300 });
  });
});

describe('timerState', () => {
  it('is ok below 80 %, near from 80 % up to the target, breached after it', () => {
    expect(timerState(0, 60_000)).toBe('ok');
    expect(timerState(47_999, 60_000)).toBe('ok');
    expect(timerState(48_000, 60_000)).toBe('near');
    expect(timerState(60_000, 60_000)).toBe('near');
    expect(timerState(60_001, 60_000)).toBe('breached');
    expect(timerState(50_000, 60_000, 0.9)).toBe('ok');
  });
});

describe('pendingTarget', () => {
  it('is dispatch until dispatched, on scene until someone is there, then none', () => {
    expect(pendingTarget(incident('received'), DEFAULT_RESPONSE_TARGETS)).toEqual({ target: 'dispatch', targetMs: 60_000, startedAt: T0, deadline: T0 + 60_000 });
    for (const s of ['dispatched', 'en_route'] as const) {
      expect(pendingTarget(incident(s), DEFAULT_RESPONSE_TARGETS)).toMatchObject({ target: 'on_scene', targetMs: 300_000, deadline: T0 + 300_000 });
    }
    for (const s of ['on_scene', 'resolved', 'closed', 'cancelled', 'merged'] as const) {
      expect(pendingTarget(incident(s), DEFAULT_RESPONSE_TARGETS)).toBeNull();
    }
    expect(pendingTarget(incident('received', [], 3), DEFAULT_RESPONSE_TARGETS)?.targetMs).toBe(DEFAULT_RESPONSE_TARGETS[3].dispatchMs);
  });

  it('drives the timer the screens show', () => {
    expect(incidentTimer(incident('received'), DEFAULT_RESPONSE_TARGETS, T0 + 50_000)).toEqual({ target: 'dispatch', elapsedMs: 50_000, targetMs: 60_000, state: 'near' });
    expect(incidentTimer(incident('dispatched'), DEFAULT_RESPONSE_TARGETS, T0 + 301_000)?.state).toBe('breached');
    expect(incidentTimer(incident('on_scene'), DEFAULT_RESPONSE_TARGETS, T0 + 301_000)).toBeNull();
  });
});

describe('missedTargets', () => {
  const d = (at: number): TimelineEntry => ({ status: 'dispatched', at });
  const o = (at: number): TimelineEntry => ({ status: 'on_scene', at });
  const missed = (i: ReturnType<typeof incident>, now: number) => missedTargets(i, DEFAULT_RESPONSE_TARGETS, now).map((m) => `${m.target}@${m.at - T0}`);

  it('reports a pending target once its deadline has passed, at the deadline', () => {
    expect(missed(incident('received'), T0 + 60_000)).toEqual([]);
    expect(missed(incident('received'), T0 + 60_001)).toEqual(['dispatch@60000']);
    expect(missed(incident('received'), T0 + 300_001)).toEqual(['dispatch@60000', 'on_scene@300000']);
  });

  it('reports a target met late even when nobody looked before it was met', () => {
    expect(missed(incident('dispatched', [d(T0 + 30_000)]), T0 + 100_000)).toEqual([]);
    expect(missed(incident('dispatched', [d(T0 + 61_000)]), T0 + 62_000)).toEqual(['dispatch@60000']);
    expect(missed(incident('on_scene', [d(T0 + 10_000), o(T0 + 299_000)]), T0 + 999_000)).toEqual([]);
    expect(missed(incident('resolved', [d(T0 + 10_000), o(T0 + 301_000)]), T0 + 999_000)).toEqual(['on_scene@300000']);
  });

  it('reports nothing for withdrawn incidents or steps met at an unrecorded time', () => {
    expect(missed(incident('cancelled'), T0 + 999_000)).toEqual([]);
    expect(missed(incident('merged'), T0 + 999_000)).toEqual([]);
    expect(missed(incident('on_scene'), T0 + 999_000)).toEqual([]);
  });
});

describe('parseResponseTargets', () => {
  it('keeps the defaults for anything left out and reads seconds', () => {
    expect(parseResponseTargets(undefined)).toEqual(DEFAULT_RESPONSE_TARGETS);
    expect(parseResponseTargets('')).toEqual(DEFAULT_RESPONSE_TARGETS);
    const t = parseResponseTargets('{"1":{"dispatch":1,"firstHelp":2,"onScene":3},"3":{"firstHelp":60}}');
    expect(t).toEqual({ ...DEFAULT_RESPONSE_TARGETS, 1: { dispatchMs: 1_000, firstHelpMs: 2_000, onSceneMs: 3_000 }, 3: { ...DEFAULT_RESPONSE_TARGETS[3], firstHelpMs: 60_000 } });
  });

  it('refuses bad settings with a clear message', () => {
    expect(() => parseResponseTargets('{')).toThrow(/RESPONSE_TARGETS: not JSON/);
    expect(() => parseResponseTargets('[1]')).toThrow(/not an object/);
    expect(() => parseResponseTargets('{"4":{}}')).toThrow(/unknown priority "4"/);
    expect(() => parseResponseTargets('{"1":{"arrive":3}}')).toThrow(/unknown field "arrive"/);
    expect(() => parseResponseTargets('{"1":{"dispatch":-3}}')).toThrow(/1.dispatch must be/);
    expect(() => parseResponseTargets('{"1":{"dispatch":"60"}}')).toThrow(/1.dispatch must be/);
    // the statistics count response times by whole second: a fractional target could not be judged exactly
    expect(() => parseResponseTargets('{"1":{"dispatch":0.5}}')).toThrow(/1.dispatch must be a whole number of seconds/);
    expect(() => parseResponseTargets('{"1":{"dispatch":400}}')).toThrow(/dispatch .* later than on scene/);
  });
});
