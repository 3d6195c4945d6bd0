import { describe, expect, it } from 'vitest';
import { AttentionDirector, focusBox, type FocusRequest } from './attentionDirector';

const req = (incidentId: string, at: number, reason: FocusRequest['reason'] = 'p1'): FocusRequest => ({ key: `${reason}:${incidentId}`, incidentId, reason, scene: [116.7, 39.07], at });

describe('attention director', () => {
  it('takes the map for the focus time, then returns; several at once queue in order', () => {
    const d = new AttentionDirector(20_000);
    expect(d.at(0)).toEqual({ mode: 'overview' });
    d.request(req('A', 0));
    d.request(req('B', 100, 'breach'));
    d.request(req('A', 200)); // the same news again
    const a = d.at(1_000);
    expect(a).toMatchObject({ mode: 'focus', request: { incidentId: 'A' }, until: 21_000, queued: 1 });
    expect(d.at(20_999)).toMatchObject({ request: { incidentId: 'A' } });
    expect(d.at(21_000)).toMatchObject({ mode: 'focus', request: { incidentId: 'B', reason: 'breach' }, until: 41_000, queued: 0 });
    expect(d.at(41_000)).toEqual({ mode: 'overview' });
  });

  it('never overrides a pinned view; what waited too long lapses', () => {
    const d = new AttentionDirector(20_000);
    d.setPinned(true);
    d.request(req('A', 0));
    expect(d.at(5_000)).toEqual({ mode: 'pinned' });
    d.setPinned(false);
    expect(d.at(6_000)).toMatchObject({ mode: 'focus', request: { incidentId: 'A' } });
    d.setPinned(true);
    d.request(req('B', 7_000));
    expect(d.at(50_000)).toEqual({ mode: 'pinned' });
    d.setPinned(false);
    expect(d.at(7_000 + 100_001)).toEqual({ mode: 'overview' });
  });

  it('lets an incident that no longer needs attention go', () => {
    const d = new AttentionDirector(20_000);
    d.request(req('A', 0));
    d.request(req('B', 0));
    expect(d.at(0)).toMatchObject({ request: { incidentId: 'A' } });
    d.forget('A');
    d.forget('B');
    expect(d.at(1)).toEqual({ mode: 'overview' });
  });
});

describe('focus box', () => {
  it('holds the outer ring and the nearest available units only', () => {
    const [[w, s], [e, n]] = focusBox([116.7, 39.07], 420, [[116.71, 39.07], [116.69, 39.075], [116.7, 39.08], [117.5, 40]]);
    expect(w).toBeCloseTo(116.69, 5);
    expect(e).toBeCloseTo(116.71, 5);
    expect(n).toBeCloseTo(39.08, 5);
    expect(s).toBeCloseTo(39.07 - 420 / 111_320, 6);
  });
});
