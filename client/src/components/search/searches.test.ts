import { describe, expect, it } from 'vitest';
import { CommandIdSchema, compileChecker, type SearchNotice } from '@ccr/shared';
import { KEEP_SEARCHES, isSearchItem, isSearchNotice, mergeNotice, parseNotices, searchEmit, useSearchNotices, type SearchItem } from './searches';

const notice = (searchId: string, status: SearchNotice['status'], issuedAt = 1): SearchNotice => ({
  noticeId: `${searchId}-${status}`, recipient: 'u:E-0002', searchId, kind: 'missing_person', description: '七旬老人', lng: 116.6, lat: 39.1, radiusM: 2000, status, issuedAt,
});

describe('search notices on a phone', () => {
  it('keeps one card per search: found replaces active, a late active never revives an ended one; active first', () => {
    let l = mergeNotice([], notice('S1', 'active', 1));
    l = mergeNotice(l, notice('S2', 'active', 2));
    l = l.map((n) => (n.searchId === 'S1' ? { ...n, acknowledged: true, reported: 2 } : n));
    l = mergeNotice(l, notice('S1', 'active', 1));
    expect(l.find((n) => n.searchId === 'S1')).toMatchObject({ acknowledged: true, reported: 2 });
    l = mergeNotice(l, notice('S1', 'found', 5));
    expect(l.map((n) => [n.searchId, n.status])).toEqual([['S2', 'active'], ['S1', 'found']]);
    expect(l[1]!.acknowledged).toBe(false);
    l = mergeNotice(l, notice('S1', 'active', 1));
    expect(l.find((n) => n.searchId === 'S1')!.status).toBe('found');
  });

  it('keeps a bounded list, the active ones first', () => {
    let l = mergeNotice([], notice('A', 'active', 0));
    for (let k = 0; k < KEEP_SEARCHES + 5; k++) l = mergeNotice(l, notice(`E${k}`, 'cancelled', 10 + k));
    expect(l).toHaveLength(KEEP_SEARCHES);
    expect(l[0]!.searchId).toBe('A');
    expect(l.at(-1)!.searchId).toBe('E6');
  });

  it('checks a notice before using it, and reads stored ones back checked', () => {
    expect(isSearchNotice(notice('S1', 'active'))).toBe(true);
    expect(isSearchNotice({ ...notice('S1', 'active'), lng: '116' })).toBe(false);
    expect(isSearchNotice({ ...notice('S1', 'active'), kind: 'treasure' })).toBe(false);
    expect(isSearchNotice(null)).toBe(false);
    const ok = { ...notice('S1', 'active'), acknowledged: true };
    expect(parseNotices([ok, notice('S2', 'active'), { ...ok, reported: 'x' }, 7])).toEqual([ok]);
    expect(parseNotices('nope')).toEqual([]);
  });

  it('sends 收到 and 报告发现 as the server\'s events; a sighting\'s id is a valid command id', () => {
    const checkId = compileChecker(CommandIdSchema);
    const queued: SearchItem[] = [];
    const s = useSearchNotices({ queue: (i) => queued.push(i) });
    s.receive(notice('S1', 'active'));
    expect(s.reportSighting('S1', '超市门口', { lng: 116.61, lat: 39.11 })).toBe(true);
    const [ack, sighting] = queued;
    expect(searchEmit(ack!)).toEqual(['search:acknowledge', { searchId: 'S1', status: 'active' }]);
    expect(searchEmit(sighting!)).toEqual(['search:sighting', { commandId: sighting!.id, searchId: 'S1', lng: 116.61, lat: 39.11, text: '超市门口' }]);
    expect(checkId.validate(sighting!.id).ok).toBe(true);
    expect(queued.every(isSearchItem)).toBe(true);
    expect(isSearchItem({ kind: 'sighting', id: 'x', searchId: 'S1', lng: 1 })).toBe(false);
  });
});

describe('answering searches', () => {
  it('收到 is queued once per search and state; a sighting acknowledges first; no position, nothing queued', () => {
    const queued: SearchItem[] = [];
    const s = useSearchNotices({ queue: (i) => queued.push(i) });
    s.receive(notice('S1', 'active'));
    s.receive(notice('S1', 'active')); // the server's reminder
    s.receive({ bogus: true });
    expect(s.notices.value).toHaveLength(1);
    expect(queued).toEqual([]);

    expect(s.reportSighting('S1', '看到了', null)).toBe(false);
    expect(queued).toEqual([]);
    expect(s.reportSighting('S1', '看到了', { lng: 116.6, lat: 39.1 })).toBe(true);
    expect(queued.map((i) => i.kind)).toEqual(['ack', 'sighting']);
    expect(s.notices.value[0]).toMatchObject({ acknowledged: true, reported: 1 });
    s.acknowledge('S1');
    // The same key as the first: the outbox keeps one.
    expect(queued[2]).toEqual(queued[0]);
    expect(s.active.value.map((n) => n.searchId)).toEqual(['S1']);
  });

  it('an ended search is acknowledged at once, without anyone answering it, and shows as ended', () => {
    const queued: SearchItem[] = [];
    const s = useSearchNotices({ queue: (i) => queued.push(i) });
    s.receive(notice('S1', 'active'));
    s.receive(notice('S1', 'found', 9));
    expect(queued).toEqual([{ kind: 'ack', id: 'ack:S1:found', searchId: 'S1', status: 'found' }]);
    expect(s.active.value).toEqual([]);
    expect(s.notices.value[0]!.status).toBe('found');
    s.clear();
    expect(s.notices.value).toEqual([]);
  });
});
