// Pure option builders and CSV tables for the statistics view and the wall's KPI panels: API answers
// (shared/src/stats.ts) in, ECharts options out. No chart instance, no Vue. Nothing animates: a leader's
// screen that redraws on every live push must not flicker.
import type { EChartsCoreOption } from 'echarts/core';
import {
  INCIDENT_TYPES, NO_GRID, type GridCollection, type IncidentType, type Locale, type StatsHeatmapResponse, type StatsSeriesResponse, type TodayStats,
} from '@ccr/shared';
import { COLORS, FONT_FAMILY } from './palette';
import { MAP_NAME, aspectScaleFor, gridNames } from './map';
import { tl, type MessageKey } from '../i18n';
import { BAR_COLOR, typeCounts } from './byType';
import type { CsvCell } from './statsCsv';

export interface Table { headers: string[]; rows: CsvCell[][] }

/** Series colours of comparisons: now bright, the past dim (colour says "when", not "good/bad"). */
export const COMPARE_COLORS = { current: '#4f9dff', yesterday: '#93a4bd', lastYear: '#b48cf2' } as const;
/** Incident types in the type mix: ten muted, distinguishable hues, fixed per type so a type keeps its colour. */
export const TYPE_COLORS: Record<IncidentType, string> = {
  theft: '#5b8ff9', fraud: '#9270ca', fight: '#e8684a', public_order: '#f6bd16', dispute: '#5ad8a6',
  missing_person: '#6dc8ec', traffic: '#ff9d4d', hazard: '#e86452', help: '#269a99', other: '#7f8ea3',
};
/** Sequential scale for counts on the heatmap and the choropleth: dark blue (few) through teal to amber (many).
 *  Teal sits between blue and amber because ECharts interpolates in RGB, where blue → amber passes through grey. */
export const HEAT_COLORS = ['#10213c', '#1b4f8a', '#2a8bd8', '#3fc1c9', '#f5c451', '#ff7a45'];

const AXIS_LABEL = { color: COLORS.textDim, fontSize: 14, fontFamily: FONT_FAMILY };
const SPLIT_LINE = { lineStyle: { color: 'rgba(147,164,189,0.14)' } };
const BASE = { animation: false, backgroundColor: 'transparent', textStyle: { fontFamily: FONT_FAMILY } } as const;
/** Monday = 0, as the heatmap's rows. */
const weekday = (d: number, locale: Locale): string => tl(`weekday.${d}` as MessageKey, locale);

const TOOLTIP = {
  trigger: 'axis',
  backgroundColor: 'rgba(12,22,40,0.95)',
  borderColor: '#2a4670',
  textStyle: { color: COLORS.text, fontSize: 14, fontFamily: FONT_FAMILY },
} as const;
const LEGEND = { top: 0, right: 8, itemWidth: 18, itemHeight: 10, textStyle: { color: COLORS.text, fontSize: 14, fontFamily: FONT_FAMILY } } as const;

// ---- labels of buckets ------------------------------------------------------------------------------------

/** Local hour (0–23) of an hour bucket key `YYYY-MM-DDTHH`. */
export const hourOfKey = (key: string): number => Number(key.slice(11, 13));

/** Short axis label of a bucket: hour of the day, month-day, or year-month. */
export function bucketLabel(key: string, interval: string, locale: Locale): string {
  if (interval === 'hour') return tl('chart.hourAxis', locale, { h: String(hourOfKey(key)).padStart(2, '0') });
  if (interval === 'month') return key;
  return key.slice(5);
}

/** Sum of one series, or of all of them. */
export function total(res: StatsSeriesResponse | null, key?: string): number {
  if (!res) return 0;
  let n = 0;
  for (const s of res.series) if (key === undefined || s.key === key) for (const v of s.values) n += v;
  return n;
}

// ---- today by hour against yesterday and the same day last year ----------------------------------------

export interface HourCompare {
  today: StatsSeriesResponse;
  yesterday: StatsSeriesResponse;
  lastYear: StatsSeriesResponse;
  /** Local hour now: later hours of today are not drawn (they have not happened, they are not zero). */
  currentHour: number | null;
}

/** 24 values by local hour (a DST day's 23 or 25 buckets fold onto the hour of the day). */
export function byHourOfDay(res: StatsSeriesResponse): number[] {
  const out = new Array<number>(24).fill(0);
  const values = res.series[0]?.values ?? [];
  res.buckets.forEach((b, i) => { out[hourOfKey(b.key)]! += values[i] ?? 0; });
  return out;
}

export function buildHourCompareOption(h: HourCompare, locale: Locale): EChartsCoreOption {
  const today = byHourOfDay(h.today).map((v, hour) => (h.currentHour !== null && hour > h.currentHour ? null : v));
  const line = (name: string, data: (number | null)[], color: string, type: 'solid' | 'dashed' | 'dotted', width: number, area = false): object => ({
    name, type: 'line', data, symbol: 'circle', symbolSize: width > 2 ? 6 : 4, showSymbol: width > 2,
    lineStyle: { color, width, type }, itemStyle: { color }, connectNulls: false,
    ...(area ? { areaStyle: { color: 'rgba(79,157,255,0.16)' } } : {}),
  });
  return {
    ...BASE,
    tooltip: TOOLTIP,
    legend: { ...LEGEND },
    grid: { left: 8, right: 16, top: 34, bottom: 6, containLabel: true },
    xAxis: { type: 'category', boundaryGap: false, data: Array.from({ length: 24 }, (_, i) => String(i).padStart(2, '0')), axisLabel: AXIS_LABEL, axisLine: { lineStyle: { color: '#2a4670' } } },
    yAxis: { type: 'value', minInterval: 1, axisLabel: AXIS_LABEL, splitLine: SPLIT_LINE },
    series: [
      line(tl('chart.lastYear', locale), byHourOfDay(h.lastYear), COMPARE_COLORS.lastYear, 'dotted', 2),
      line(tl('chart.yesterday', locale), byHourOfDay(h.yesterday), COMPARE_COLORS.yesterday, 'dashed', 2),
      line(tl('chart.today', locale), today, COMPARE_COLORS.current, 'solid', 3, true),
    ],
  };
}

export function hourCompareTable(h: HourCompare, locale: Locale): Table {
  const [a, b, c] = [byHourOfDay(h.today), byHourOfDay(h.yesterday), byHourOfDay(h.lastYear)];
  const day = (r: StatsSeriesResponse): string => r.buckets[0]?.key.slice(0, 10) ?? '';
  return {
    headers: [tl('col.hour', locale), `${tl('chart.today', locale)} ${day(h.today)}`, `${tl('chart.yesterday', locale)} ${day(h.yesterday)}`, `${tl('chart.lastYear', locale)} ${day(h.lastYear)}`],
    rows: a.map((v, i) => [String(i).padStart(2, '0'), h.currentHour !== null && i > h.currentHour ? null : v, b[i]!, c[i]!]),
  };
}

// ---- a count over time (daily series for the range; the wall's 24 hours) ---------------------------------

export function buildTrendOption(res: StatsSeriesResponse, locale: Locale, opts: { compact?: boolean } = {}): EChartsCoreOption {
  const values = res.series[0]?.values ?? [];
  const compact = opts.compact ?? false;
  const axis = compact ? { ...AXIS_LABEL, fontSize: 15, color: COLORS.textDim } : AXIS_LABEL;
  return {
    ...BASE,
    tooltip: compact ? undefined : TOOLTIP,
    grid: compact ? { left: 4, right: 10, top: 10, bottom: 2, containLabel: true } : { left: 8, right: 16, top: 16, bottom: 6, containLabel: true },
    xAxis: {
      type: 'category',
      boundaryGap: false,
      data: res.buckets.map((b) => bucketLabel(b.key, res.interval, locale)),
      axisLabel: compact ? { ...axis, interval: 5 } : { ...axis, hideOverlap: true },
      axisTick: { show: false },
      axisLine: { lineStyle: { color: '#2a4670' } },
    },
    yAxis: { type: 'value', minInterval: 1, splitNumber: compact ? 2 : 4, axisLabel: axis, splitLine: SPLIT_LINE },
    series: [{
      name: tl('chart.count', locale),
      type: 'line',
      data: values,
      symbol: 'circle',
      showSymbol: values.length <= 45,
      symbolSize: 5,
      lineStyle: { color: COMPARE_COLORS.current, width: compact ? 3 : 2.5 },
      itemStyle: { color: COMPARE_COLORS.current },
      areaStyle: { color: 'rgba(79,157,255,0.18)' },
    }],
  };
}

export function trendTable(res: StatsSeriesResponse, locale: Locale): Table {
  const values = res.series[0]?.values ?? [];
  return {
    headers: [tl(res.interval === 'hour' ? 'col.hour' : 'col.day', locale), tl('col.count', locale)],
    rows: res.buckets.map((b, i) => [b.key, values[i] ?? 0]),
  };
}

// ---- hour-of-week heatmap -----------------------------------------------------------------------------------

export function heatmapMax(res: StatsHeatmapResponse): number {
  let max = 0;
  for (const row of res.cells) for (const v of row) if (v > max) max = v;
  return max;
}

export function buildHeatmapOption(res: StatsHeatmapResponse, locale: Locale): EChartsCoreOption {
  const data: [number, number, number][] = [];
  res.cells.forEach((row, wd) => row.forEach((v, hour) => data.push([hour, wd, v])));
  return {
    ...BASE,
    tooltip: { ...TOOLTIP, trigger: 'item', formatter: (p: { value: [number, number, number] }) => `${weekday(p.value[1], locale)} ${String(p.value[0]).padStart(2, '0')}:00 · ${p.value[2]}` },
    grid: { left: 8, right: 12, top: 8, bottom: 40, containLabel: true },
    xAxis: { type: 'category', data: Array.from({ length: 24 }, (_, i) => String(i).padStart(2, '0')), axisLabel: { ...AXIS_LABEL, interval: 1 }, splitArea: { show: false }, axisLine: { show: false }, axisTick: { show: false } },
    yAxis: { type: 'category', inverse: true, data: [0, 1, 2, 3, 4, 5, 6].map((d) => weekday(d, locale)), axisLabel: { ...AXIS_LABEL, fontSize: 15, color: COLORS.text }, axisLine: { show: false }, axisTick: { show: false } },
    visualMap: {
      min: 0, max: Math.max(1, heatmapMax(res)), calculable: false, orient: 'horizontal', left: 'center', bottom: 0,
      itemWidth: 12, itemHeight: 160, textStyle: { color: COLORS.textDim, fontSize: 13 }, inRange: { color: HEAT_COLORS },
    },
    series: [{ type: 'heatmap', data, itemStyle: { borderColor: COLORS.panel, borderWidth: 2 }, emphasis: { disabled: true } }],
  };
}

export function heatmapTable(res: StatsHeatmapResponse, locale: Locale): Table {
  return {
    headers: [tl('col.weekday', locale), ...Array.from({ length: 24 }, (_, h) => `${String(h).padStart(2, '0')}:00`)],
    rows: res.cells.map((row, wd) => [weekday(wd, locale), ...row]),
  };
}

// ---- grids: ranking and choropleth --------------------------------------------------------------------------

export interface GridCount { id: string; name: string; count: number }

/** Totals per grid over the whole range (every grid of the map, zero-filled; outside-the-grids last). */
export function gridTotals(res: StatsSeriesResponse, grids: GridCollection | null, locale: Locale): GridCount[] {
  const names = grids ? gridNames(grids, locale) : new Map<string, string>();
  const sums = new Map<string, number>();
  for (const id of names.keys()) sums.set(id, 0);
  for (const s of res.series) sums.set(s.key, (sums.get(s.key) ?? 0) + s.values.reduce((a, b) => a + b, 0));
  const rows: GridCount[] = [];
  for (const [id, count] of sums) {
    if (id === NO_GRID) continue;
    rows.push({ id, name: names.get(id) ?? id, count });
  }
  rows.sort((a, b) => b.count - a.count || a.id.localeCompare(b.id));
  const outside = sums.get(NO_GRID);
  if (outside) rows.push({ id: NO_GRID, name: tl('chart.outside', locale), count: outside });
  return rows;
}

export function buildGridRankOption(rows: readonly GridCount[], locale: Locale, top = 12): EChartsCoreOption {
  const shown = rows.filter((r) => r.id !== NO_GRID).slice(0, top);
  return {
    ...BASE,
    tooltip: { ...TOOLTIP, axisPointer: { type: 'shadow' } },
    grid: { left: 8, right: 48, top: 6, bottom: 4, containLabel: true },
    xAxis: { type: 'value', show: false, minInterval: 1 },
    yAxis: {
      type: 'category', inverse: true, data: shown.map((r, i) => `${i + 1}. ${r.name}`),
      axisLabel: { ...AXIS_LABEL, color: COLORS.text, fontSize: 15 }, axisLine: { show: false }, axisTick: { show: false },
    },
    series: [{
      name: tl('col.count', locale), type: 'bar', data: shown.map((r) => r.count), barWidth: '60%',
      itemStyle: { color: '#3b8bff', borderRadius: [0, 3, 3, 0] },
      label: { show: true, position: 'right', color: COLORS.text, fontSize: 14, fontFamily: FONT_FAMILY },
    }],
  };
}

export function gridTable(rows: readonly GridCount[], locale: Locale): Table {
  return {
    headers: [tl('col.rank', locale), tl('col.gridId', locale), tl('col.grid', locale), tl('col.count', locale)],
    rows: rows.map((r, i) => [r.id === NO_GRID ? null : i + 1, r.id, r.name, r.count]),
  };
}

/** The grids coloured by their count (the map must be registered as MAP_NAME by the caller). */
export function buildGridChoroplethOption(grids: GridCollection, rows: readonly GridCount[], locale: Locale): EChartsCoreOption {
  const names = gridNames(grids, locale);
  const inside = rows.filter((r) => r.id !== NO_GRID);
  const max = inside.reduce((m, r) => Math.max(m, r.count), 0);
  return {
    ...BASE,
    tooltip: { ...TOOLTIP, trigger: 'item', formatter: (p: { name: string; value: number }) => `${names.get(p.name) ?? p.name} · ${Number.isFinite(p.value) ? p.value : 0}` },
    visualMap: {
      min: 0, max: Math.max(1, max), calculable: false, orient: 'vertical', left: 6, bottom: 6,
      itemWidth: 12, itemHeight: 120, textStyle: { color: COLORS.textDim, fontSize: 13 }, inRange: { color: HEAT_COLORS },
    },
    series: [{
      type: 'map',
      map: MAP_NAME,
      nameProperty: 'id',
      aspectScale: aspectScaleFor(grids),
      roam: false,
      selectedMode: false,
      left: 24, right: 8, top: 8, bottom: 8,
      itemStyle: { borderColor: '#7fb2ff', borderWidth: 0.8, areaColor: HEAT_COLORS[0] },
      emphasis: { label: { show: true, color: '#ffffff' }, itemStyle: { areaColor: '#4f9dff' } },
      label: {
        show: true, color: '#e8eef7', fontSize: locale === 'en' ? 10 : 12, fontFamily: FONT_FAMILY,
        textBorderColor: '#06101f', textBorderWidth: 2.5,
        formatter: (p: { name: string }) => names.get(p.name) ?? p.name,
      },
      data: inside.map((r) => ({ name: r.id, value: r.count })),
    }],
  };
}

// ---- type mix over time (stacked) ---------------------------------------------------------------------------

/** Types in the documented order, then any other key the server sends. */
export function typeKeys(res: StatsSeriesResponse): string[] {
  const known = new Set<string>(INCIDENT_TYPES);
  return [...INCIDENT_TYPES.filter((t) => res.series.some((s) => s.key === t)), ...res.series.map((s) => s.key).filter((k) => !known.has(k))];
}

const typeLabel = (key: string, locale: Locale): string =>
  (INCIDENT_TYPES as readonly string[]).includes(key) ? tl(`label.incidentType.${key}`, locale) : key;

export function buildTypeMixOption(res: StatsSeriesResponse, locale: Locale): EChartsCoreOption {
  const keys = typeKeys(res);
  const byKey = new Map(res.series.map((s) => [s.key, s.values]));
  return {
    ...BASE,
    tooltip: { ...TOOLTIP, axisPointer: { type: 'shadow' } },
    legend: { ...LEGEND, left: 8, right: 8, type: 'plain', itemGap: 10, textStyle: { ...LEGEND.textStyle, fontSize: 13 } },
    grid: { left: 8, right: 12, top: 52, bottom: 4, containLabel: true },
    xAxis: { type: 'category', data: res.buckets.map((b) => bucketLabel(b.key, res.interval, locale)), axisLabel: { ...AXIS_LABEL, hideOverlap: true }, axisTick: { show: false }, axisLine: { lineStyle: { color: '#2a4670' } } },
    yAxis: { type: 'value', minInterval: 1, axisLabel: AXIS_LABEL, splitLine: SPLIT_LINE },
    series: keys.map((k) => ({
      name: typeLabel(k, locale), type: 'bar', stack: 'types', data: byKey.get(k) ?? [], barMaxWidth: 28,
      itemStyle: { color: TYPE_COLORS[k as IncidentType] ?? '#7f8ea3' },
    })),
  };
}

export function typeMixTable(res: StatsSeriesResponse, locale: Locale): Table {
  const keys = typeKeys(res);
  const byKey = new Map(res.series.map((s) => [s.key, s.values]));
  return {
    headers: [tl(res.interval === 'hour' ? 'col.hour' : 'col.day', locale), ...keys.map((k) => typeLabel(k, locale)), tl('kpi.total', locale)],
    rows: res.buckets.map((b, i) => {
      const cells = keys.map((k) => byKey.get(k)?.[i] ?? 0);
      return [b.key, ...cells, cells.reduce((a, c) => a + c, 0)];
    }),
  };
}

/** Bucket size for the type mix: bars stay wide enough to read. */
export function typeMixInterval(days: number): 'hour' | 'day' | 'week' | 'month' {
  if (days <= 1) return 'hour';
  if (days <= 45) return 'day';
  if (days <= 180) return 'week';
  return 'month';
}

// ---- comparisons (同比 / 环比) -------------------------------------------------------------------------------

export interface ChangeView { dir: 'up' | 'down' | 'flat' | 'none'; text: string }

/** An arrow and a percentage for a relative change; 'none' when there is nothing to compare with. */
export function changeView(change: number | null, locale: Locale): ChangeView {
  if (change === null || !Number.isFinite(change)) return { dir: 'none', text: tl('kpi.noBase', locale) };
  const pct = Math.abs(change * 100);
  const text = `${pct >= 100 ? pct.toFixed(0) : pct.toFixed(1)}%`;
  if (pct < 0.05) return { dir: 'flat', text: '0.0%' };
  return { dir: change > 0 ? 'up' : 'down', text };
}

/** A share (0–1) as a percentage, '—' when there is none. */
export function percent(share: number | null | undefined, digits = 1): string {
  return share === null || share === undefined || !Number.isFinite(share) ? '—' : `${(share * 100).toFixed(digits)}%`;
}

/** Seconds as m:ss (response intervals are short), '—' when there is none. */
export function minSec(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

// ---- the wall: today by type in two columns ------------------------------------------------------------------

/**
 * Today by type for the wall's left panel, in two columns of five: ten bars in one column of ~200 px would
 * be 20 px each, and ECharts then hides every other label. Both columns share one scale so bar lengths compare.
 */
export function buildWallByTypeOption(today: TodayStats | null, locale: Locale): EChartsCoreOption {
  const rows = typeCounts(today, locale);
  const half = Math.ceil(rows.length / 2);
  const cols = [rows.slice(0, half), rows.slice(half)];
  const max = Math.max(4, ...rows.map((r) => r.count));
  const label = { color: COLORS.text, fontSize: 17, fontFamily: FONT_FAMILY };
  return {
    ...BASE,
    grid: cols.map((_, i) => ({ left: i === 0 ? 0 : '51%', width: '49%', top: 2, bottom: 2, containLabel: true })),
    // Room right of the longest bar for its figure (four digits at 17 px), so no label runs into the next column.
    xAxis: cols.map((_, i) => ({ type: 'value', gridIndex: i, show: false, min: 0, max: max * 2.1 })),
    yAxis: cols.map((c, i) => ({
      type: 'category', gridIndex: i, inverse: true, data: c.map((r) => r.label),
      axisLine: { show: false }, axisTick: { show: false }, axisLabel: { ...label, interval: 0, margin: 8 },
    })),
    series: cols.map((c, i) => ({
      id: `by-type-${i}`, type: 'bar', xAxisIndex: i, yAxisIndex: i, data: c.map((r) => r.count), barWidth: '56%', barMaxWidth: 26, silent: true,
      itemStyle: { color: BAR_COLOR, borderRadius: [0, 3, 3, 0] },
      showBackground: true, backgroundStyle: { color: 'rgba(255,255,255,0.04)' },
      label: { show: true, position: 'right', ...label, fontWeight: 600 },
    })),
  };
}

// ---- the KPI cards as a table ----------------------------------------------------------------------------------

export interface KpiRow { label: string; value: string; yoy?: number | null; mom?: number | null; sub?: string[]; noCompare?: boolean }

/** The cards as they read, with 同比/环比 as signed percentages (empty where there is no comparison). */
export function kpiTable(rows: readonly KpiRow[], range: { from: string; to: string }, locale: Locale): Table {
  const pct = (v: number | null | undefined): CsvCell => (v === null || v === undefined || !Number.isFinite(v) ? null : Math.round(v * 1000) / 10);
  return {
    headers: [tl('col.kpi', locale), tl('col.value', locale), `${tl('kpi.yoy', locale)} %`, `${tl('kpi.mom', locale)} %`, tl('col.detail', locale), tl('col.range', locale)],
    rows: rows.map((r) => [r.label, r.value, r.noCompare ? null : pct(r.yoy), r.noCompare ? null : pct(r.mom), (r.sub ?? []).join('; '), `${range.from}~${range.to}`]),
  };
}
