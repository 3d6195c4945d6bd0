import { describe, expect, it } from 'vitest';
import type { CommunityStatsResponse } from '@ccr/shared';
import { communityInterval, communityKpiCards, communityStatsPath, durationParts, gridTaskRows, mediationRows, pointsText } from './communityStats';

const period = (from: string, to: string, successRate: number | null, due: number) => ({
  from, to,
  disputes: {
    cases: 10, mayEscalate: 1, byRisk: {}, casesByCategory: {}, casesByGrid: {}, mediated: 8, succeeded: 7, successRate,
    byTier: { 1: { mediated: 6, succeeded: 6, successRate: 1 }, 2: { mediated: 2, succeeded: 1, successRate: 0.5 } },
    byCategory: { neighbour: { mediated: 8, succeeded: 7, successRate: 0.875 } }, byGrid: {}, tier1Share: 6 / 7, escalations: 0, followups: 5,
    satisfaction: { satisfied: 4, basic: 1, dissatisfied: 0, rate: 1 }, recurred: 0, recurrenceRate: 0, closed: 5, closedWithoutFollowup: 0,
    lateStages: { route: 0, session: 1, followup: 0 }, avgStageMs: { route: 3_600_000, session: null, followup: null },
    medianStageMs: { route: 5_400_000, session: 3 * 86_400_000, followup: null },
  },
  tasks: {
    due, done: due, onTime: due - 1, completionRate: due === 0 ? null : (due - 1) / due, returned: 0, byTeam: {}, byCategory: {},
    byGrid: { G02: { due: 4, done: 4, onTime: 4, completionRate: 1 }, G01: { due: 5, done: 5, onTime: 4, completionRate: 0.8 }, none: { due: 1, done: 1, onTime: 1, completionRate: 1 } },
  },
});

describe('community statistics on /stats', () => {
  it('asks for days up to two weeks, weeks up to half a year, months beyond', () => {
    expect(communityInterval({ from: '2026-11-17', to: '2026-11-30' })).toBe('day');
    expect(communityInterval({ from: '2026-11-01', to: '2026-11-30' })).toBe('week');
    expect(communityInterval({ from: '2026-06-01', to: '2026-11-30' })).toBe('week');
    expect(communityStatsPath({ from: '2025-11-05', to: '2026-12-04' })).toBe('/api/stats/community?from=2025-11-05&to=2026-12-05&interval=month');
  });

  it('cards: rates with 同比/环比 in points on their sub-lines, counts with arrows, durations with their unit', () => {
    const res = {
      current: period('2026-11-01', '2026-11-30', 0.875, 10), yoy: period('2025-11-01', '2025-11-30', 0.85, 8), mom: period('2026-10-01', '2026-10-31', null, 0),
      kpis: [
        { key: 'successRate', kind: 'rate', current: 0.875, yoy: 0.85, mom: null, yoyChange: 0.025, momChange: null },
        { key: 'tasksDue', kind: 'count', current: 10, yoy: 8, mom: 0, yoyChange: 0.25, momChange: null },
        { key: 'medianSessionMs', kind: 'duration', current: 3 * 86_400_000, yoy: null, mom: null, yoyChange: null, momChange: null },
      ],
    } as unknown as CommunityStatsResponse;
    const cards = communityKpiCards(res, 'zh-CN');
    expect(cards[0]).toMatchObject({ name: 'cm-successRate', value: '87.5%', noCompare: true, sub: ['同比 +2.5百分点', '环比 无可比'] });
    expect(cards[1]).toMatchObject({ name: 'cm-tasksDue', value: '10', yoy: 0.25, mom: null });
    expect(cards[2]).toMatchObject({ value: '3.0', unit: '天' });
    expect(durationParts(5_400_000, 'en')).toEqual({ value: '1.5', unit: 'h' });
    expect(pointsText(-0.004, 'en')).toBe('−0.4 pt');
    expect(mediationRows(res, 'zh-CN').map((r) => [r.name, r.rate])).toEqual([['警务室', 1], ['社区警务队', 0.5], ['调解中心', null], ['邻里纠纷', 0.875]]);
    expect(gridTaskRows(res, (id) => `网格${id}`).map((r) => r.id)).toEqual(['G01', 'G02']);
  });
});
