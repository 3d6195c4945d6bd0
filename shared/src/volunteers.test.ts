import { describe, expect, it } from 'vitest';
import { guardPostState, guardWindowAt, normaliseClueText, searchReach, type ReachCandidate } from './volunteers.js';

describe('searchReach', () => {
  const c: [number, number] = [116.7, 39.07];
  const at = (dLng: number): [number, number] => [c[0] + dLng, c[1]];
  const candidates: ReachCandidate[] = [
    { recipient: 'v:A', teamId: 'T1', position: at(0.005) }, // ~430 m
    { recipient: 'v:B', teamId: 'T1', position: at(0.05) }, // ~4.3 km
    { recipient: 'v:C', teamId: 'T2', position: at(0) },
    { recipient: 'v:D', teamId: 'T1', position: null },
    { recipient: 'u:O', kind: 'community_officer', position: at(0.001) },
    { recipient: 'u:E', kind: 'emergency_unit', position: at(0.002) },
    { recipient: 'u:P', kind: 'patrol_car', position: at(0) },
  ];
  it('is exactly the chosen teams and kinds within the radius, never a patrol car nor someone without a position', () => {
    expect(searchReach(c, 1_000, { teams: ['T1'], gridOfficers: false, emergencyUnits: false }, candidates)).toEqual(['v:A']);
    expect(searchReach(c, 5_000, { teams: ['T1'], gridOfficers: false, emergencyUnits: false }, candidates)).toEqual(['v:A', 'v:B']);
    expect(searchReach(c, 1_000, { teams: [], gridOfficers: true, emergencyUnits: false }, candidates)).toEqual(['u:O']);
    expect(searchReach(c, 1_000, { teams: ['T2'], gridOfficers: true, emergencyUnits: true }, candidates)).toEqual(['u:E', 'u:O', 'v:C']);
    expect(searchReach(c, 50_000, { teams: [], gridOfficers: false, emergencyUnits: false }, candidates)).toEqual([]);
  });
});

describe('护学岗 windows', () => {
  it('upcoming, waiting, checked in (only inside the window), missed', () => {
    const w = '07:10-08:00';
    expect(guardPostState(w, 7 * 60, null)).toBe('upcoming');
    expect(guardPostState(w, 7 * 60 + 30, null)).toBe('waiting');
    expect(guardPostState(w, 7 * 60 + 30, 7 * 60 + 15)).toBe('checked_in');
    expect(guardPostState(w, 9 * 60, 6 * 60)).toBe('missed');
    expect(guardPostState(w, 8 * 60 + 1, null)).toBe('missed');
    expect(guardWindowAt({ morning: w, afternoon: '16:20-17:30' }, 16 * 60 + 30)).toBe('afternoon');
    expect(guardWindowAt({ morning: w, afternoon: '16:20-17:30' }, 12 * 60)).toBeNull();
  });
});

it('duplicate texts compare without spacing, punctuation and case', () => {
  expect(normaliseClueText('桥下 有可疑人员！')).toBe(normaliseClueText('桥下有可疑人员'));
  expect(normaliseClueText('Car ABC-123')).toBe('carabc123');
});
