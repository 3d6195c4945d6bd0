import { describe, expect, it } from 'vitest';
import { incident, T0 } from '../test/fixtures';
import { timerState } from './targets';

const min = 60_000;

describe('timer against the 1-3-5 targets', () => {
  it('is normal within 3 minutes, amber until 5, red beyond', () => {
    const i = incident({ id: 'A', reportedAt: T0 });
    expect(timerState(i, T0 + 2 * min)).toBe('ok');
    expect(timerState(i, T0 + 3 * min)).toBe('near');
    expect(timerState(i, T0 + 5 * min - 1)).toBe('near');
    expect(timerState(i, T0 + 5 * min)).toBe('late');
  });

  it('freezes at arrival: on scene within 5 minutes stays normal, a late arrival stays red', () => {
    const onTime = incident({ id: 'A', status: 'on_scene', timeline: [{ status: 'received', at: T0 }, { status: 'on_scene', at: T0 + 4 * min }] });
    expect(timerState(onTime, T0 + 30 * min)).toBe('ok');
    const late = incident({ id: 'B', status: 'resolved', timeline: [{ status: 'on_scene', at: T0 + 7 * min }, { status: 'resolved', at: T0 + 9 * min }] });
    expect(timerState(late, T0 + 30 * min)).toBe('late');
  });
});
