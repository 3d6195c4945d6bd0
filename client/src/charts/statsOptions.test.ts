import { describe, expect, it } from 'vitest';
import { INCIDENT_TYPES, INCIDENT_TYPE_LABELS, label, type GridCollection, type StatsHeatmapResponse, type StatsSeriesResponse } from '@ccr/shared';
import {
  COMPARE_COLORS, HEAT_COLORS, TYPE_COLORS, bucketLabel, buildGridChoroplethOption, buildGridRankOption, buildHeatmapOption,
  buildHourCompareOption, buildTrendOption, buildTypeMixOption, buildWallByTypeOption, byHourOfDay, changeView, gridTable, gridTotals, heatmapTable,
  hourCompareTable, kpiTable, minSec, percent, total, trendTable, typeMixInterval, typeMixTable,
} from './statsOptions';
import { MAP_NAME } from './map';
import { caseCounts } from './statsKpis';

const grids: GridCollection = {
  type: 'FeatureCollection',
  features: [
    { type: 'Feature', properties: { id: 'G01', name: '中山街网格', nameEn: 'Zhongshan St' }, geometry: { type: 'Polygon', coordinates: [[[116.6, 39.0], [116.7, 39.0], [116.7, 39.1], [116.6, 39.0]]] } },
    { type: 'Feature', properties: { id: 'G02', name: '胜利村网格' }, geometry: { type: 'Polygon', coordinates: [[[116.7, 39.0], [116.8, 39.0], [116.8, 39.1], [116.7, 39.0]]] } },
    { type: 'Feature', properties: { id: 'G03', name: '东关网格' }, geometry: { type: 'Polygon', coordinates: [[[116.8, 39.0], [116.9, 39.0], [116.9, 39.1], [116.8, 39.0]]] } },
  ],
};

function hours(day: string, values: number[]): StatsSeriesResponse {
  return {
    metric: 'incidents', interval: 'hour', groupBy: 'none', timeZone: 'Asia/Shanghai', from: 0, to: 0,
    buckets: values.map((_, h) => ({ key: `${day}T${String(h).padStart(2, '0')}`, start: h, end: h + 1 })),
    series: [{ key: 'all', values }],
  };
}
function days(keys: string[], series: { key: string; values: number[] }[], interval = 'day', groupBy = 'none'): StatsSeriesResponse {
  return { metric: 'incidents', interval, groupBy, timeZone: 'Asia/Shanghai', from: 0, to: 0, buckets: keys.map((key, i) => ({ key, start: i, end: i + 1 })), series };
}
type S = { name?: string; type: string; data: unknown[]; stack?: string; itemStyle?: { color?: string }; lineStyle?: { color?: string } };
const seriesOf = (o: unknown): S[] => (o as { series: S[] }).series;

describe('today by hour against yesterday and last year', () => {
  const h = {
    today: hours('2026-12-01', Array.from({ length: 24 }, (_, i) => i)),
    yesterday: hours('2026-11-30', new Array(24).fill(2)),
    lastYear: hours('2025-12-01', new Array(24).fill(1)),
    currentHour: 9,
  };

  it('draws three lines, today on top, and leaves the hours still to come empty rather than zero', () => {
    const s = seriesOf(buildHourCompareOption(h, 'zh-CN'));
    expect(s.map((x) => x.name)).toEqual(['去年同日', '昨日', '今日']);
    expect(s[2]!.data.slice(0, 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(s[2]!.data.slice(10).every((v) => v === null)).toBe(true);
    expect(s[1]!.data).toEqual(new Array(24).fill(2));
    expect(s[2]!.lineStyle!.color).toBe(COMPARE_COLORS.current);
  });

  it('folds buckets onto the hour of the day', () => {
    const r = hours('2026-12-01', [5, 6]);
    expect(byHourOfDay(r).slice(0, 3)).toEqual([5, 6, 0]);
    expect(byHourOfDay(r)).toHaveLength(24);
  });

  it('exports the same numbers with the days in the headers', () => {
    const t = hourCompareTable(h, 'zh-CN');
    expect(t.headers).toEqual(['时段', '今日 2026-12-01', '昨日 2026-11-30', '去年同日 2025-12-01']);
    expect(t.rows[9]).toEqual(['09', 9, 2, 1]);
    expect(t.rows[10]).toEqual(['10', null, 2, 1]);
  });
});

describe('series over the range', () => {
  const r = days(['2026-11-29', '2026-11-30', '2026-12-01'], [{ key: 'all', values: [3, 0, 7] }]);

  it('draws one line with the counts and short day labels', () => {
    const o = buildTrendOption(r, 'zh-CN') as { xAxis: { data: string[] } };
    expect(o.xAxis.data).toEqual(['11-29', '11-30', '12-01']);
    expect(seriesOf(o)[0]!.data).toEqual([3, 0, 7]);
    expect(total(r)).toBe(10);
  });

  it('labels hours, days and months', () => {
    expect(bucketLabel('2026-12-01T07', 'hour', 'zh-CN')).toBe('07时');
    expect(bucketLabel('2026-12-01T07', 'hour', 'en')).toBe('07:00');
    expect(bucketLabel('2026-12-01', 'day', 'zh-CN')).toBe('12-01');
    expect(bucketLabel('2026-12', 'month', 'zh-CN')).toBe('2026-12');
  });

  it('exports bucket keys and counts', () => {
    expect(trendTable(r, 'zh-CN')).toEqual({ headers: ['日期', '警情数'], rows: [['2026-11-29', 3], ['2026-11-30', 0], ['2026-12-01', 7]] });
  });
});

describe('hour-of-week heatmap', () => {
  const cells = Array.from({ length: 7 }, (_, wd) => Array.from({ length: 24 }, (_, h) => (wd === 4 && h === 21 ? 9 : wd)));
  const res: StatsHeatmapResponse = { metric: 'incidents', timeZone: 'Asia/Shanghai', from: 0, to: 0, cells };

  it('puts every cell at [hour, weekday] with a scale up to the busiest cell', () => {
    const o = buildHeatmapOption(res, 'zh-CN') as { visualMap: { max: number; inRange: { color: string[] } }; yAxis: { data: string[] } };
    const data = seriesOf(o)[0]!.data as [number, number, number][];
    expect(data).toHaveLength(168);
    expect(data.find(([h, wd]) => h === 21 && wd === 4)![2]).toBe(9);
    expect(o.visualMap.max).toBe(9);
    expect(o.visualMap.inRange.color).toEqual(HEAT_COLORS);
    expect(o.yAxis.data[0]).toBe('周一');
  });

  it('exports one row per weekday, Monday first, and 24 hour columns', () => {
    const t = heatmapTable(res, 'zh-CN');
    expect(t.headers).toHaveLength(25);
    expect(t.rows).toHaveLength(7);
    expect(t.rows[4]![0]).toBe('周五');
    expect(t.rows[4]![22]).toBe(9);
  });
});

describe('grids', () => {
  const res = days(['2026-11', '2026-12'], [
    { key: 'G02', values: [4, 1] }, { key: 'G01', values: [2, 0] }, { key: 'none', values: [1, 1] },
  ], 'month', 'grid');

  it('totals every grid of the map over the range, busiest first, zero-filled, outside last', () => {
    const rows = gridTotals(res, grids, 'zh-CN');
    expect(rows).toEqual([
      { id: 'G02', name: '胜利村网格', count: 5 },
      { id: 'G01', name: '中山街网格', count: 2 },
      { id: 'G03', name: '东关网格', count: 0 },
      { id: 'none', name: '辖区外', count: 2 },
    ]);
    const rank = buildGridRankOption(rows, 'zh-CN') as { yAxis: { data: string[] } };
    expect(rank.yAxis.data).toEqual(['1. 胜利村网格', '2. 中山街网格', '3. 东关网格']);
    expect(seriesOf(rank)[0]!.data).toEqual([5, 2, 0]);
    expect(gridTable(gridTotals(res, grids, 'en'), 'en').rows.at(-1)).toEqual([null, 'none', 'Outside', 2]);
  });

  it('colours the registered grid map by count', () => {
    const rows = gridTotals(res, grids, 'zh-CN');
    const o = buildGridChoroplethOption(grids, rows, 'zh-CN') as { visualMap: { max: number } };
    const s = seriesOf(o)[0] as S & { map: string; nameProperty: string };
    expect(s.type).toBe('map');
    expect(s.map).toBe(MAP_NAME);
    expect(s.nameProperty).toBe('id');
    expect(s.data).toEqual([{ name: 'G02', value: 5 }, { name: 'G01', value: 2 }, { name: 'G03', value: 0 }]);
    expect(o.visualMap.max).toBe(5);
  });
});

describe('type mix', () => {
  const res = days(['2026-11-30', '2026-12-01'], [
    { key: 'fraud', values: [1, 2] }, { key: 'theft', values: [3, 4] }, { key: 'dispute', values: [0, 5] }, { key: 'fight', values: [1, 0] },
  ], 'day', 'type');

  it('stacks one bar series per type in the documented order, each in its own colour', () => {
    const s = seriesOf(buildTypeMixOption(res, 'zh-CN'));
    expect(s.map((x) => x.name)).toEqual((['theft', 'fraud', 'fight', 'dispute'] as const).map((t) => label(INCIDENT_TYPE_LABELS, t, 'zh-CN')));
    expect(s.every((x) => x.type === 'bar' && x.stack === 'types')).toBe(true);
    expect(s[0]!.data).toEqual([3, 4]);
    expect(s[0]!.itemStyle!.color).toBe(TYPE_COLORS.theft);
  });

  it('exports a column per type and a total per bucket', () => {
    const t = typeMixTable(res, 'en');
    expect(t.headers[0]).toBe('Date');
    expect(t.headers.at(-1)).toBe('All incidents');
    expect(t.rows).toEqual([['2026-11-30', 3, 1, 1, 0, 5], ['2026-12-01', 4, 2, 0, 5, 11]]);
  });

  it('counts criminal, public-order and dispute cases from the types', () => {
    expect(caseCounts(res)).toEqual({ total: 16, criminal: 10, publicOrder: 1, dispute: 5 });
  });

  it('widens the buckets as the range grows', () => {
    expect([1, 30, 90, 400].map(typeMixInterval)).toEqual(['hour', 'day', 'week', 'month']);
  });
});

describe('figures', () => {
  it('shows 同比/环比 as an arrow and a percentage, or no comparison', () => {
    expect(changeView(0.123, 'zh-CN')).toEqual({ dir: 'up', text: '12.3%' });
    expect(changeView(-0.5, 'zh-CN')).toEqual({ dir: 'down', text: '50.0%' });
    expect(changeView(0, 'zh-CN')).toEqual({ dir: 'flat', text: '0.0%' });
    expect(changeView(null, 'zh-CN')).toEqual({ dir: 'none', text: '无可比' });
    expect(changeView(2.5, 'en').text).toBe('250%');
  });

  it('formats shares and intervals', () => {
    expect(percent(0.9234)).toBe('92.3%');
    expect(percent(null)).toBe('—');
    expect(minSec(65)).toBe('1:05');
    expect(minSec(null)).toBe('—');
  });
});

describe('the wall: today by type', () => {
  it('draws every type in two columns of five on one scale, every label shown', () => {
    const o = buildWallByTypeOption({ date: '2026-12-01', total: 9, byType: { theft: 5, dispute: 3, help: 1 }, byPriority: {} }, 'zh-CN') as {
      yAxis: { data: string[]; axisLabel: { interval: number } }[]; xAxis: { max: number }[];
    };
    const s = seriesOf(o);
    expect(s).toHaveLength(2);
    expect([...s[0]!.data, ...s[1]!.data]).toEqual(INCIDENT_TYPES.map((t) => ({ theft: 5, dispute: 3, help: 1 } as Record<string, number>)[t] ?? 0));
    expect(o.yAxis.map((y) => y.data.length)).toEqual([5, 5]);
    expect(o.yAxis.every((y) => y.axisLabel.interval === 0)).toBe(true);
    expect(o.xAxis[0]!.max).toBe(o.xAxis[1]!.max);
  });
});

describe('KPI cards as CSV', () => {
  it('writes each card with signed 同比/环比 percentages and its details', () => {
    const t = kpiTable([
      { label: '刑事案件', value: '61', yoy: -0.2912, mom: 0.2 },
      { label: '办结率', value: '95.1%', noCompare: true, sub: ['269/283 起', '调解成功 91%'] },
      { label: '治安案件', value: '42', yoy: null, mom: null },
    ], { from: '2026-11-02', to: '2026-12-01' }, 'zh-CN');
    expect(t.headers).toEqual(['指标', '数值', '同比 %', '环比 %', '说明', '统计时段']);
    expect(t.rows).toEqual([
      ['刑事案件', '61', -29.1, 20, '', '2026-11-02~2026-12-01'],
      ['办结率', '95.1%', null, null, '269/283 起; 调解成功 91%', '2026-11-02~2026-12-01'],
      ['治安案件', '42', null, null, '', '2026-11-02~2026-12-01'],
    ]);
  });
});
