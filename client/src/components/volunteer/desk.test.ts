import { describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import type { Clue, GridCollection, GuardBoard, Search } from '@ccr/shared';
import { ENDED_SEARCH_KEEP_MS, applyCheckIn, gridOfficerAt, guardSummary, searchForIncident, upsertClue, upsertSearch } from './desk';
import { searchSeries, SEARCH_AREA_SERIES_ID, SIGHTINGS_SERIES_ID } from '../../charts/map';
import { useLiveStore, type VolunteerEvent } from '../../stores/live';
import { T0, delta, snapshot } from '../../test/fixtures';

const clue = (id: string, receivedAt: number, status: Clue['status'] = 'open'): Clue => ({ id, source: 'public', text: '有人兜售假药', reporter: {}, receivedAt, status });
const search = (id: string, incidentId: string, status: Search['status'], startedAt: number, endedAt?: number): Search => ({
  id, incidentId, kind: 'missing_person', description: '七旬老人', lng: 116.6, lat: 39.1, radiusM: 2000, teams: [], gridOfficers: true, emergencyUnits: false,
  recipients: ['v:A'], acks: {}, sightings: [], status, startedAt, startedBy: 'd', ...(endedAt ? { endedAt } : {}),
});
const post = (teamId: string, name: string, morning: string, afternoon: string): GuardBoard['posts'][number] =>
  ({ teamId, name, lng: 116.6, lat: 39.1, checkIns: {}, states: { morning, afternoon } as GuardBoard['posts'][number]['states'] });
const board = (posts: GuardBoard['posts']): GuardBoard => ({ day: '2026-12-04', windows: { morning: '07:10-08:00', afternoon: '16:20-17:30' }, posts });

describe('the volunteer desk', () => {
  it('keeps open clues newest first; a decided one leaves', () => {
    let l = upsertClue([], clue('A', 1));
    l = upsertClue(l, clue('B', 2));
    expect(l.map((c) => c.id)).toEqual(['B', 'A']);
    l = upsertClue(l, clue('A', 1, 'incident'));
    expect(l.map((c) => c.id)).toEqual(['B']);
  });

  it('shows an incident\'s running search, else its newest ended one; forgets long-ended ones', () => {
    let m = upsertSearch(new Map(), search('S1', 'I1', 'found', 1, 10), 20);
    m = upsertSearch(m, search('S2', 'I1', 'active', 30), 40);
    expect(searchForIncident(m.values(), 'I1')?.id).toBe('S2');
    expect(searchForIncident(m.values(), 'I2')).toBeNull();
    m = upsertSearch(m, search('S3', 'I2', 'active', 50), 10 + ENDED_SEARCH_KEEP_MS + 1);
    expect([...m.keys()].sort()).toEqual(['S2', 'S3']);
  });

  it('flags the posts of the window that has begun: missed first, then waiting; a check-in clears one', () => {
    expect(guardSummary(null).window).toBeNull();
    expect(guardSummary(board([post('G1', '一小', 'upcoming', 'upcoming')])).window).toBeNull();
    const b = board([post('G1', '一小', 'checked_in', 'waiting'), post('G2', '二小', 'missed', 'waiting'), post('G3', '三小', 'checked_in', 'upcoming')]);
    expect(guardSummary(b)).toEqual({ window: 'afternoon', total: 3, checkedIn: 0, waiting: 2, missed: 0, flagged: ['一小', '二小'] });
    const morning = board([post('G1', '一小', 'checked_in', 'upcoming'), post('G2', '二小', 'missed', 'upcoming'), post('G3', '三小', 'waiting', 'upcoming')]);
    expect(guardSummary(morning)).toMatchObject({ window: 'morning', checkedIn: 1, missed: 1, waiting: 1, flagged: ['二小', '三小'] });
    const after = applyCheckIn(morning, { teamId: 'G3', window: 'morning', at: 5, by: 'V-9' });
    expect(guardSummary(after)).toMatchObject({ checkedIn: 2, waiting: 0, flagged: ['二小'] });
  });

  it('finds the grid officer a clue\'s place belongs to', () => {
    const grids = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { id: 'G-1', name: '一', officerId: 'C-01' }, geometry: { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]] } }] } as unknown as GridCollection;
    expect(gridOfficerAt(grids, 0.5, 0.5)).toBe('C-01');
    expect(gridOfficerAt(grids, 2, 2)).toBeNull();
    expect(gridOfficerAt(grids, undefined, undefined)).toBeNull();
  });

  it('draws a running search\'s area and numbered sightings on the console map; an ended one only its sightings', () => {
    const s = { ...search('S1', 'I1', 'active', 1), sightings: [{ id: 'x', recipient: 'v:A', name: '张', at: 2, lng: 116.61, lat: 39.1, text: '看到' }] };
    const [area, pins] = searchSeries(s) as [{ id: string; data: unknown[] }, { id: string; data: { value: number[]; n: number }[] }];
    expect(area.id).toBe(SEARCH_AREA_SERIES_ID);
    expect(area.data).toHaveLength(1);
    expect(pins).toMatchObject({ id: SIGHTINGS_SERIES_ID, data: [{ value: [116.61, 39.1], n: 1 }] });
    expect((searchSeries({ ...s, status: 'found' })[0] as { data: unknown[] }).data).toEqual([]);
    expect((searchSeries(null)[1] as { data: unknown[] }).data).toEqual([]);
  });

  it('the live store hands clue, search and 护学岗 events to its listeners in order', () => {
    setActivePinia(createPinia());
    const live = useLiveStore();
    live.applySnapshot(snapshot({ seq: '1-0' }), T0);
    const seen: VolunteerEvent['type'][] = [];
    live.onVolunteers((e) => seen.push(e.type));
    live.applyDelta(delta('2-0', { type: 'clue:changed', clue: clue('A', 1) }), T0);
    live.applyDelta(delta('3-0', { type: 'search:changed', search: search('S1', 'I1', 'active', 1) }), T0);
    live.applyDelta(delta('4-0', { type: 'guard:checked-in', teamId: 'G1', window: 'morning', at: 1, by: 'V-1' }), T0);
    live.applyDelta(delta('3-5', { type: 'clue:changed', clue: clue('B', 1) }), T0);
    expect(seen).toEqual(['clue:changed', 'search:changed', 'guard:checked-in']);
  });
});
