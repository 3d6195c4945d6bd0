import { describe, expect, it } from 'vitest';
import { DEFAULT_RESPONSE_TARGETS, type TargetsByPriority } from '@ccr/shared';
import { incident, T0 } from '../test/fixtures';
import { boardTimer, timerState } from './targets';

const min = 60_000;

describe('timer against the response targets', () => {
  it('runs against the dispatch target first: a priority-1 call waiting 50 s is amber, 61 s red', () => {
    const i = incident({ id: 'A', priority: 1, status: 'received', reportedAt: T0 });
    expect(timerState(i, T0 + 30_000)).toBe('ok');
    expect(timerState(i, T0 + 50_000)).toBe('near');
    expect(boardTimer(i, T0 + 61_000)).toEqual({ state: 'late', pending: 'dispatch', breached: ['dispatch'] });
  });

  it('then against the on-scene target once dispatched in time', () => {
    const i = incident({ id: 'A', priority: 1, status: 'dispatched', reportedAt: T0, timeline: [{ status: 'received', at: T0 }, { status: 'dispatched', at: T0 + 40_000 }] });
    expect(boardTimer(i, T0 + 2 * min)).toEqual({ state: 'ok', pending: 'on_scene', breached: [] });
    expect(timerState(i, T0 + 4.5 * min)).toBe('near');
    expect(boardTimer(i, T0 + 5 * min + 1)).toEqual({ state: 'late', pending: 'on_scene', breached: ['on_scene'] });
  });

  it('stays red after a late dispatch even while the on-scene clock is still within its target', () => {
    const i = incident({ id: 'A', priority: 1, status: 'dispatched', reportedAt: T0, timeline: [{ status: 'dispatched', at: T0 + 90_000 }] });
    expect(boardTimer(i, T0 + 2 * min)).toMatchObject({ state: 'late', breached: ['dispatch'] });
  });

  it('freezes at arrival: on time stays normal, a late arrival stays red', () => {
    const onTime = incident({ id: 'A', priority: 1, status: 'on_scene', reportedAt: T0, timeline: [{ status: 'dispatched', at: T0 + 30_000 }, { status: 'on_scene', at: T0 + 4 * min }] });
    expect(boardTimer(onTime, T0 + 30 * min)).toEqual({ state: 'ok', pending: null, breached: [] });
    const late = incident({ id: 'B', priority: 1, status: 'resolved', reportedAt: T0, timeline: [{ status: 'dispatched', at: T0 + 30_000 }, { status: 'on_scene', at: T0 + 7 * min }, { status: 'resolved', at: T0 + 9 * min }] });
    expect(boardTimer(late, T0 + 30 * min)).toEqual({ state: 'late', pending: null, breached: ['on_scene'] });
  });

  it('uses the targets it is given (priority 3 has minutes, not seconds) and shows breaches the server announced', () => {
    const targets: TargetsByPriority = { ...DEFAULT_RESPONSE_TARGETS, 3: { dispatchMs: 10 * min, firstHelpMs: 30 * min, onSceneMs: 30 * min } };
    const i = incident({ id: 'C', priority: 3, status: 'received', reportedAt: T0 });
    expect(timerState(i, T0 + 5 * min, targets)).toBe('ok');
    expect(boardTimer(i, T0 + 5 * min, targets, ['dispatch'])).toMatchObject({ state: 'late', breached: ['dispatch'] });
  });
});
