import { describe, expect, it } from 'vitest';
import type { CallOutTier } from '@ccr/shared';
import { tierLines } from './callOutClock';

const tier = (over: Partial<CallOutTier>): CallOutTier => ({
  ring: 1, calledAt: 0, called: 2, coming: 0, people: 0, cannot: 0, arrived: 0, arrivedPeople: 0, firstArrivalMs: null, kept: null, ...over,
});

describe('call-out tier lines', () => {
  it('says who is coming, arrivals and the first arrival against the ring', () => {
    expect(tierLines(tier({}), [], 'zh-CN')).toEqual({ coming: '待回复（2 个）', arrived: '', tone: 'waiting', who: '' });
    expect(tierLines(tier({ coming: 1, people: 4, arrived: 1, firstArrivalMs: 42_000, kept: true }), ['张记超市 4'], 'zh-CN'))
      .toEqual({ coming: '来 4 人（1 个）', arrived: '到 1 个 · 0:42', tone: 'kept', who: '张记超市 4' });
    expect(tierLines(tier({ ring: 3, coming: 2, people: 9, arrived: 1, firstArrivalMs: 200_000, kept: false }), [], 'en'))
      .toMatchObject({ coming: '9 coming (2)', arrived: '1 in · 3:20', tone: 'late' });
    expect(tierLines(tier({ cannot: 2 }), [], 'en')).toMatchObject({ arrived: '2 can\'t come' });
  });
});
