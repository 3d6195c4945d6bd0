import { describe, expect, it } from 'vitest';
import { enqueue, flushOutbox, OUTBOX_MAX, parseOutbox, type OutboxItem, type SendResult } from './outbox';

const item = (id: string, kind: OutboxItem['kind'] = 'clue'): OutboxItem => ({ kind, id, payload: { commandId: id, text: id }, queuedAt: 1 });

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
