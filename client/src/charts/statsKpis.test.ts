import { describe, expect, it } from 'vitest';
import type { StatsSeriesResponse } from '@ccr/shared';
import { buildKpiCards, caseCounts, compare, seriesTotal, type KpiInput } from './statsKpis';

const one = (v: number): StatsSeriesResponse => ({ metric: 'x', interval: 'month', groupBy: 'none', timeZone: 'Asia/Shanghai', from: 0, to: 0, buckets: [{ key: '2026-11', start: 0, end: 1 }, { key: '2026-12', start: 1, end: 2 }], series: [{ key: 'all', values: [v - 1, 1] }] });
const byType = (counts: Record<string, number>): StatsSeriesResponse => ({
  metric: 'incidents', interval: 'month', groupBy: 'type', timeZone: 'Asia/Shanghai', from: 0, to: 0, buckets: [{ key: '2026-11', start: 0, end: 1 }],
  series: Object.entries(counts).map(([key, v]) => ({ key, values: [v] })),
});
const fig = (priority: number, medianSeconds: number | null) => ({ priority, targetSeconds: 60, count: 1, withinTarget: 1, share: 1, meanSeconds: medianSeconds, medianSeconds });

const input: KpiInput = {
  range: {
    typeMix: byType({ theft: 30, fraud: 10, fight: 5, public_order: 5, dispute: 20, help: 30 }),
    yoy: byType({ theft: 40, fraud: 10, fight: 5, public_order: 5, dispute: 16, help: 24 }),
    mom: null,
    closed: one(90), mediated: one(18), mediationFailed: one(2),
    dispatched: one(80), dispatchedWithin: one(72), onScene: one(75), onSceneWithin: one(60),
  },
  today: {
    response: { from: '', to: '', dispatch: [fig(1, 48), fig(2, 100)], onScene: [fig(1, 245)] },
    presence: { target: 0.8, gridsTotal: 39, gridsVisitedLastHour: 30, visitedShare: 30 / 39 },
  },
  overview: {
    units: { community: { onDuty: 40, available: 30, total: 41 }, case: { onDuty: 8, available: 2, total: 8 }, patrol: { onDuty: 20, available: 12, total: 20 }, all: { onDuty: 68, available: 44, total: 69 } },
    emergencyUnits: { units: 300, people: 3770, active: 290, activePeople: 3600 },
  },
};

describe('KPI cards', () => {
  const cards = new Map(buildKpiCards(input, 'zh-CN').map((c) => [c.name, c]));

  it('counts criminal (theft, fraud), public-order (fight, public order) and dispute cases with 同比 and 环比', () => {
    expect(cards.get('total')!.value).toBe('100');
    expect(cards.get('criminal')).toMatchObject({ value: '40', yoy: (40 - 50) / 50, mom: null });
    expect(cards.get('publicOrder')).toMatchObject({ value: '10', yoy: 0 });
    expect(cards.get('dispute')).toMatchObject({ value: '20', yoy: (20 - 16) / 16 });
  });

  it('gives the share inside the targets, closure and mediation rates as the API\'s counts divide', () => {
    expect(cards.get('toDispatch')!.value).toBe('90.0%');
    expect(cards.get('toDispatch')!.sub).toEqual(['72/80 起', '今日一级中位 0:48']);
    expect(cards.get('toScene')!.value).toBe('80.0%');
    expect(cards.get('toScene')!.sub![1]).toBe('今日一级中位 4:05');
    expect(cards.get('closure')!.value).toBe('90.0%');
    expect(cards.get('closure')!.sub).toEqual(['90/100 起', '调解 90% (18/20)']);
  });

  it('shows units per team, emergency units and presence against its target', () => {
    expect(cards.get('units')!.value).toBe('68/44');
    expect(cards.get('units')!.sub).toEqual(['社区警务队 40/30', '案件办理队 8/2', '治安巡逻队 20/12']);
    expect(cards.get('emergency')).toMatchObject({ value: '300', sub: ['3770人'] });
    expect(cards.get('presence')).toMatchObject({ value: '77%', sub: ['近1小时 30/39 网格', '目标 80%'] });
  });

  it('shows dashes, not zeros, before the first answer', () => {
    const empty = buildKpiCards({ range: null, today: null, overview: null }, 'zh-CN');
    expect(empty.every((c) => c.value === '—')).toBe(true);
    expect(empty.find((c) => c.name === 'criminal')).toMatchObject({ yoy: null, mom: null });
  });

  it('adds series and compares counts', () => {
    expect(seriesTotal(one(7))).toBe(7);
    expect(seriesTotal(null)).toBeNull();
    expect(caseCounts(byType({ fraud: 2, other: 1 }))).toEqual({ total: 3, criminal: 2, publicOrder: 0, dispute: 0 });
    expect(compare(12, 10, 0)).toEqual({ yoy: 0.2, mom: null });
  });
});
