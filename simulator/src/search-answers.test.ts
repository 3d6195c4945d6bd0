import { describe, expect, it } from 'vitest';
import type { SearchNotice } from '@ccr/shared';
import { searchAnswers, type SearchOut } from './search-answers.js';

const notice = (searchId: string, status: SearchNotice['status'] = 'active', recipient = 'u:E-1'): SearchNotice => ({
  noticeId: `${searchId}-${status}`, recipient, searchId, kind: 'missing_person', description: '走失老人', lng: 116.7, lat: 39, radiusM: 3_000, status, issuedAt: 1,
});

/** A terminal with a hand-driven clock: `run()` does what was planned, in order. */
function terminal(sighting = true) {
  const sent: SearchOut[] = [];
  let planned: (() => void)[] = [];
  let now = 0;
  const a = searchAnswers({
    recipient: 'u:E-1', push: (x) => sent.push(x), later: (_ms, fn) => planned.push(fn), now: () => now, reackAfterMs: 15_000,
    plan: (n) => ({ ackAfterMs: 1, sighting: sighting ? { afterMs: 2, lng: n.lng, lat: n.lat, text: '见到' } : null }),
  });
  return {
    a, sent,
    run: () => { const p = planned; planned = []; p.forEach((f) => f()); },
    at: (ms: number) => { now = ms; },
  };
}

describe('a terminal answering broadcast searches', () => {
  it('acknowledges a search once, when the person does, however often the server reminds it', () => {
    const t = terminal(false);
    expect(t.a.receive(notice('XC-1'))).toBe('new');
    expect(t.a.receive(notice('XC-1'))).toBe('repeat');
    expect(t.sent).toEqual([]); // not before the person answers
    t.run();
    expect(t.sent).toEqual([{ event: 'search:acknowledge', searchId: 'XC-1', status: 'active' }]);
    expect(t.a.receive(notice('XC-1'))).toBe('repeat'); // still queued
    t.a.answered(t.sent[0]!, true);
    t.at(5_000);
    expect(t.a.receive(notice('XC-1'))).toBe('repeat'); // raced the confirmation
    expect(t.sent).toHaveLength(1);
    t.at(20_000);
    t.a.receive(notice('XC-1')); // the server did not keep it: once more, quietly
    expect(t.sent.slice(1)).toEqual([{ event: 'search:acknowledge', searchId: 'XC-1', status: 'active', quiet: true }]);
  });

  it('a search ended before the person answered: its end acknowledged quietly, the planned sighting dropped', () => {
    const t = terminal();
    t.a.receive(notice('XC-2'));
    expect(t.a.receive(notice('XC-2', 'found'))).toBe('ended');
    t.run();
    expect(t.sent).toEqual([{ event: 'search:acknowledge', searchId: 'XC-2', status: 'found', quiet: true }]);
  });

  it('reports the planned sighting; ignores notices for others and malformed ones', () => {
    const t = terminal();
    expect(t.a.receive(notice('XC-3', 'active', 'u:E-2'))).toBe('ignored');
    expect(t.a.receive({ searchId: 'XC-3' })).toBe('ignored');
    t.a.receive(notice('XC-3'));
    t.run();
    expect(t.sent).toEqual([{ event: 'search:acknowledge', searchId: 'XC-3', status: 'active' }, expect.objectContaining({ event: 'search:sighting', searchId: 'XC-3', text: '见到' })]);
    expect(t.a.receive(notice('XC-4', 'cancelled'))).toBe('ended'); // never seen active: acknowledged, nothing else
    expect(t.sent.at(-1)).toEqual({ event: 'search:acknowledge', searchId: 'XC-4', status: 'cancelled', quiet: true });
  });
});
