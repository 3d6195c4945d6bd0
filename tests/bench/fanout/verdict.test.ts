// The fan-out bench's judgements: a row is measured only when its load was offered, and "keeps up" means nothing
// lost and no backlog growing over the window.
import { describe, expect, it } from 'vitest';
import { keepsUp, paced, perThousand } from './run-fanout.js';

const row = { units: 10_000, nodes: 3, offered: 10_000, delivered: 1, p50First: 80, p50Last: 90 };

describe('fan-out judgements', () => {
  it('measures a row only when the offered rate is within 2 % of nominal', () => {
    expect(paced(9_850, 10_000)).toBe(true);
    expect(paced(9_700, 10_000)).toBe(false);
  });
  it('keeps up: nothing lost and the median steady; a backlog or a loss is said', () => {
    expect(keepsUp(row).ok).toBe(true);
    expect(keepsUp({ ...row, p50Last: 400 })).toMatchObject({ ok: false });
    expect(keepsUp({ ...row, delivered: 0.99 }).text).toMatch(/^DOES NOT KEEP UP at 10,000 units on 3 nodes: delivered 99\.00 %/);
    expect(keepsUp({ ...row, offered: 8_000 }).ok).toBe(false);
  });
  it('costs per 1,000 positions/s offered', () => {
    expect(perThousand(0.2, 10_000)).toBeCloseTo(0.02);
    expect(perThousand(0.2, 0)).toBeNaN();
  });
});
