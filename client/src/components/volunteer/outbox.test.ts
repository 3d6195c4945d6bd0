import { describe, expect, it } from 'vitest';
import type { SearchNotice } from '@ccr/shared';
import { enqueue, flushOutbox, isSearchNotice, mergeNotice, OUTBOX_MAX, parseOutbox, type OutboxItem, type SendResult } from './outbox';

const item = (id: string, kind: OutboxItem['kind'] = 'clue'): OutboxItem => ({ kind, id, payload: { commandId: id, text: id }, queuedAt: 1 });
const notice = (searchId: string, status: SearchNotice['status'], issuedAt = 1): SearchNotice => ({
  noticeId: `${searchId}-${status}`, recipient: 'v:A', searchId, kind: 'missing_person', description: '七旬老人', lng: 116.6, lat: 39.1, radiusM: 2000, status, issuedAt,
});

describe('volunteer outbox', () => {
  it('queues each command id once, oldest dropping past the limit', () => {
    let q = enqueue([], item('a'));
    q = enqueue(q, item('a'));
    expect(q.map((i) => i.id)).toEqual(['a']);
    for (let k = 0; k < OUTBOX_MAX + 5; k++) q = enqueue(q, item(`x${k}`));
    expect(q).toHaveLength(OUTBOX_MAX);
    expect(q[0]!.id).toBe('x5');
  });

  it('sends in order, once each; a refusal is dropped, a failure that never reached the server stops the flush and keeps the rest', async () => {
    const sent: string[] = [];
    const answers: Record<string, SendResult> = {
      b: { ok: false, code: 'sighting_too_far', retry: false },
      c: { ok: false, code: 'timeout', retry: true },
    };
    const out = await flushOutbox([item('a'), item('b'), item('c'), item('d')], async (i) => { sent.push(i.id); return answers[i.id] ?? { ok: true }; });
    expect(sent).toEqual(['a', 'b', 'c']);
    expect(out.sent.map((i) => i.id)).toEqual(['a']);
    expect(out.refused).toMatchObject([{ item: { id: 'b' }, code: 'sighting_too_far' }]);
    expect(out.left.map((i) => i.id)).toEqual(['c', 'd']);
    // Back online: the rest go, in order, with the same command ids.
    const again = await flushOutbox(out.left, async (i) => { sent.push(i.id); return { ok: true }; });
    expect(again.sent.map((i) => i.payload.commandId)).toEqual(['c', 'd']);
    expect(sent).toEqual(['a', 'b', 'c', 'c', 'd']);
  });

  it('reads back only well-formed stored items', () => {
    expect(parseOutbox(null)).toEqual([]);
    expect(parseOutbox('not json')).toEqual([]);
    expect(parseOutbox(JSON.stringify([item('a'), { id: 'b' }, { ...item('c'), kind: 'evil' }]))).toEqual([item('a')]);
  });
});

describe('search notices on the phone', () => {
  it('keeps one card per search: found replaces active, a late active never revives an ended one; active first', () => {
    let l = mergeNotice([], notice('S1', 'active', 1));
    l = mergeNotice(l, notice('S2', 'active', 2));
    l = l.map((n) => (n.searchId === 'S1' ? { ...n, acknowledged: true } : n));
    l = mergeNotice(l, notice('S1', 'active', 1));
    expect(l.find((n) => n.searchId === 'S1')!.acknowledged).toBe(true);
    l = mergeNotice(l, notice('S1', 'found', 5));
    expect(l.map((n) => [n.searchId, n.status])).toEqual([['S2', 'active'], ['S1', 'found']]);
    l = mergeNotice(l, notice('S1', 'active', 1));
    expect(l.find((n) => n.searchId === 'S1')!.status).toBe('found');
  });

  it('checks a notice before using it', () => {
    expect(isSearchNotice(notice('S1', 'active'))).toBe(true);
    expect(isSearchNotice({ ...notice('S1', 'active'), lng: '116' })).toBe(false);
    expect(isSearchNotice(null)).toBe(false);
  });
});
