import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { nextTick } from 'vue';
import type { Comparison, PeriodCounts, StatsKpi, StatsOverviewResponse, StatsSeriesResponse } from '@ccr/shared';
import { REFRESH_MIN_MS, seriesPath, useStatsStore } from './stats';
import { caseCounts } from '../charts/statsKpis';
import { useLiveStore } from './live';
import { delta, snapshot } from '../test/fixtures';

const DAY = '2026-11-23';
function counts(over: Partial<PeriodCounts> = {}): PeriodCounts {
  return {
    from: DAY, to: DAY, total: 0, byType: {}, bySource: {}, byGrid: {}, byPriority: {}, criminal: 0, publicOrder: 0, dispute: 0,
    closed: 0, mediated: 0, mediationFailed: 0, closureRate: null, mediationRate: null, ...over,
  };
}
const cmp = (current: number, yoy: number, mom: number): Comparison => ({
  current, yoy: { from: '', to: '', value: yoy, change: yoy ? (current - yoy) / yoy : null }, mom: { from: '', to: '', value: mom, change: mom ? (current - mom) / mom : null },
});
const response = { from: DAY, to: DAY, dispatch: [], onScene: [] };
const presence = { target: 0.8, gridsTotal: 39, gridsVisitedLastHour: 10, visitedShare: 10 / 39 };
function overview(todayCriminal: number, monthCriminal: number): StatsOverviewResponse {
  const team = { onDuty: 1, available: 1, total: 1 };
  return {
    date: DAY, timeZone: 'Asia/Shanghai', generatedAt: 0, today: counts({ total: 5, criminal: todayCriminal }), month: counts({ criminal: monthCriminal }),
    comparisons: { incidents: cmp(100, 110, 90), criminal: cmp(monthCriminal, 40, 50), publicOrder: cmp(10, 10, 10), dispute: cmp(20, 25, 20) },
    response: { today: response, month: response },
    units: { community: team, case: team, patrol: team, all: team },
    emergencyUnits: { units: 300, people: 3770, active: 300, activePeople: 3770 },
    presence: { ...presence, minutesTodayByGrid: {}, minutesThisHourByGrid: {} },
  };
}
const emptySeries: StatsSeriesResponse = { metric: 'incidents', interval: 'hour', groupBy: 'none', timeZone: 'Asia/Shanghai', from: 0, to: 0, buckets: [], series: [{ key: 'all', values: [] }] };
const kpi = (criminal: number, visited = 10): StatsKpi => ({ date: DAY, today: counts({ total: 5, criminal }), response, presence: { ...presence, gridsVisitedLastHour: visited } });

let paths: string[];
let currentOverview: StatsOverviewResponse;

beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2026, 10, 23, 4) });
  setActivePinia(createPinia());
  paths = [];
  currentOverview = overview(3, 44);
  vi.stubGlobal('fetch', vi.fn(async (path: string) => {
    paths.push(path);
    const body = path.startsWith('/api/stats/overview') ? currentOverview : emptySeries;
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  }));
  useLiveStore().applySnapshot(snapshot());
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await nextTick();
}
let seq = 2000;
const push = (k: StatsKpi): void => { useLiveStore().applyDelta(delta(`${seq++}-0`, { type: 'stats:kpi', kpi: k })); };

describe('statistics store', () => {
  it('keeps the month\'s 同比/环比 current with today\'s part from the newest push', async () => {
    const stats = useStatsStore();
    const stop = stats.use('wall');
    await settle();
    expect(stats.monthComparisons!.criminal.current).toBe(44);
    push(kpi(5)); // two more criminal cases today than when the overview was read
    await nextTick();
    const c = stats.monthComparisons!.criminal;
    expect(c.current).toBe(46);
    expect(c.yoy.change).toBeCloseTo((46 - 40) / 40);
    expect(c.mom.change).toBeCloseTo((46 - 50) / 50);
    expect(stats.todayFigures!.today.criminal).toBe(5);
    stop();
  });

  it('re-reads on pushes at most every REFRESH_MIN_MS, and never on a timer of its own', async () => {
    const stats = useStatsStore();
    const stopWall = stats.use('wall');
    const stopAgain = stats.use('wall'); // a second panel of the same screen shares the reads
    await settle();
    const initial = paths.length;
    expect(paths.filter((p) => p.startsWith('/api/stats/overview'))).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(5 * REFRESH_MIN_MS);
    expect(paths.length).toBe(initial); // no push, no read

    for (let i = 0; i < 5; i++) push(kpi(4 + i));
    await vi.advanceTimersByTimeAsync(REFRESH_MIN_MS);
    await settle();
    const afterBurst = paths.slice(initial);
    expect(afterBurst.filter((p) => p.startsWith('/api/stats/overview'))).toHaveLength(1);
    expect(afterBurst.filter((p) => p.startsWith('/api/stats/series'))).toHaveLength(1); // the 24-hour trend

    // A push that changes only presence re-reads the overview (per-grid minutes), not the incident series.
    const before = paths.length;
    push(kpi(8, 20));
    await vi.advanceTimersByTimeAsync(REFRESH_MIN_MS);
    await settle();
    expect(paths.slice(before).map((p) => p.split('?')[0])).toEqual(['/api/stats/overview']);
    stopWall();
    stopAgain();
  });

  it('asks for half-open ranges and sums cases by type', () => {
    expect(seriesPath({ metric: 'incidents', from: '2026-11-01', to: '2026-12-01', interval: 'day', groupBy: 'type' }))
      .toBe('/api/stats/series?metric=incidents&from=2026-11-01&to=2026-12-01&interval=day&groupBy=type');
    expect(caseCounts(null)).toBeNull();
  });
});
