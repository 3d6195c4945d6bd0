import { describe, expect, it } from 'vitest';
import { DEFAULT_PLAUSIBILITY } from './position-plausibility.js';
import { judgePhoneFix, metresOutside } from './terminal.js';

const area = { minLng: 116.6, minLat: 39.0, maxLng: 116.8, maxLat: 39.1 };
const at = (lng: number, lat: number, ts: number) => ({ lng, lat, ts });

describe('judgePhoneFix', () => {
  it('takes a walk inside the area from a unit without vehicle GPS', () => {
    expect(judgePhoneFix({ kind: 'foot_patrol', fix: at(116.7, 39.05, 10_000), last: at(116.699, 39.05, 0), area, settings: DEFAULT_PLAUSIBILITY })).toEqual({ ok: true });
    expect(judgePhoneFix({ kind: 'community_officer', fix: at(116.7, 39.05, 10_000), last: null, area, settings: DEFAULT_PLAUSIBILITY })).toEqual({ ok: true });
  });
  it('refuses a patrol car or a fixed place, a fix far outside, an imprecise fix and a jump', () => {
    const s = DEFAULT_PLAUSIBILITY;
    expect(judgePhoneFix({ kind: 'patrol_car', fix: at(116.7, 39.05, 1), last: null, area, settings: s })).toEqual({ ok: false, code: 'position_not_tracked' });
    expect(judgePhoneFix({ kind: 'emergency_unit', fix: at(116.7, 39.05, 1), last: null, area, settings: s })).toEqual({ ok: false, code: 'position_not_tracked' });
    expect(judgePhoneFix({ kind: 'foot_patrol', fix: at(119.0, 39.05, 1), last: null, area, settings: s })).toMatchObject({ ok: false, code: 'position_out_of_area' });
    // Within the margin outside the box: still taken.
    expect(judgePhoneFix({ kind: 'foot_patrol', fix: at(116.85, 39.05, 1), last: null, area, settings: s })).toEqual({ ok: true });
    expect(judgePhoneFix({ kind: 'foot_patrol', fix: at(116.7, 39.05, 1), accuracy: 800, last: null, area, settings: s })).toEqual({ ok: false, code: 'position_inaccurate', metres: 800, max: 500 });
    expect(judgePhoneFix({ kind: 'foot_patrol', fix: at(116.7, 39.09, 2_000), last: at(116.7, 39.05, 0), area, settings: s })).toMatchObject({ ok: false, code: 'position_implausible', seconds: 2 });
  });
  it('measures the distance to the box', () => {
    expect(metresOutside(at(116.7, 39.05, 0), area)).toBe(0);
    expect(metresOutside(at(116.8, 39.2, 0), area)).toBeGreaterThan(11_000);
  });
});
