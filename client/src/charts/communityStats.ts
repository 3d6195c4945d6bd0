// The community loops on /stats (社区警务): KPI cards with 同比/环比, a trend, success by tier and category, task
// completion by grid and median stage times — plain data and ECharts options from GET /api/stats/community, pure so
// every figure is unit-tested and equals what the API says.
import {
  DISPUTE_CATEGORY_LABELS, MEDIATION_TIER_LABELS, addDays,
  type CommunityKpi, type CommunityStatsInterval, type CommunityStatsResponse, type DisputeCategory, type Locale, type MediationTier,
} from '@ccr/shared';
import type { EChartsCoreOption } from 'echarts/core';
import { tl } from '../i18n';
import type { CsvCell } from './statsCsv';
import type { KpiCard } from './statsKpis';
import { COLORS } from './palette';
import { percent } from './statsOptions';

export interface DayRange { from: string; to: string }

/** Trend steps by the range's length: days up to two weeks, weeks up to half a year, months beyond (a station has a
 *  few cases a day: a daily rate over a month jumps between 0 and 100 %). */
export function communityInterval(r: DayRange): CommunityStatsInterval {
  const days = Math.round((Date.parse(`${r.to}T00:00:00Z`) - Date.parse(`${r.from}T00:00:00Z`)) / 86_400_000) + 1;
  return days <= 14 ? 'day' : days <= 183 ? 'week' : 'month';
}
export const communityStatsPath = (r: DayRange): string =>
  `/api/stats/community?from=${r.from}&to=${addDays(r.to, 1)}&interval=${communityInterval(r)}`;

/** A rate's change in percentage points (+1.2 pt / +1.2个百分点). */
export function pointsText(change: number | null, locale: Locale): string {
  if (change === null || !Number.isFinite(change)) return tl('kpi.noBase', locale);
  const p = change * 100;
  return tl('cstats.points', locale, { n: `${p > 0 ? '+' : p < 0 ? '−' : '±'}${Math.abs(p).toFixed(1)}` });
}

/** A duration's number and unit apart, so the card shows the number large and the unit small. */
export function durationParts(ms: number | null | undefined, locale: Locale): { value: string; unit?: string } {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return { value: '—' };
  const h = ms / 3_600_000;
  return h >= 48 ? { value: (h / 24).toFixed(1), unit: tl('cstats.dayUnit', locale) } : { value: h.toFixed(1), unit: tl('cstats.hourUnit', locale) };
}
const valueOf = (k: CommunityKpi, locale: Locale): { value: string; unit?: string } =>
  k.kind === 'rate' ? { value: percent(k.current) } : k.kind === 'duration' ? durationParts(k.current, locale) : { value: k.current === null ? '—' : String(k.current) };

/** One card per headline figure. Counts and durations carry 同比/环比 arrows (relative change); rates say theirs
 *  in percentage points on their sub-lines, which an arrow's percentage would misread. */
export function communityKpiCards(res: CommunityStatsResponse, locale: Locale): KpiCard[] {
  return res.kpis.map((k) => {
    const card: KpiCard = { name: `cm-${k.key}`, label: tl(`cstats.kpi.${k.key}`, locale), ...valueOf(k, locale) };
    if (k.kind === 'rate') {
      return { ...card, noCompare: true, sub: [`${tl('kpi.yoy', locale)} ${pointsText(k.yoyChange, locale)}`, `${tl('kpi.mom', locale)} ${pointsText(k.momChange, locale)}`] };
    }
    return { ...card, yoy: k.yoyChange, mom: k.momChange };
  });
}

export function communityKpiTable(res: CommunityStatsResponse, locale: Locale): { headers: string[]; rows: CsvCell[][] } {
  return {
    headers: [tl('col.kpi', locale), tl('col.value', locale), tl('kpi.yoy', locale), tl('kpi.mom', locale), `${tl('kpi.yoy', locale)} Δ`, `${tl('kpi.mom', locale)} Δ`],
    rows: res.kpis.map((k) => [tl(`cstats.kpi.${k.key}`, locale), k.current, k.yoy, k.mom, k.yoyChange, k.momChange]),
  };
}

const seriesOf = (res: CommunityStatsResponse, key: CommunityStatsResponse['series'][number]['key']): (number | null)[] =>
  res.series.find((s) => s.key === key)?.values ?? [];
const pct = (v: number | null): number | null => (v === null ? null : Math.round(v * 1000) / 10);

const axisText = { color: COLORS.textDim, fontSize: 13 };
const grid = { left: 56, right: 56, top: 40, bottom: 36 };
const legend = { top: 4, textStyle: { color: COLORS.text, fontSize: 13 }, itemWidth: 14, itemHeight: 8 };

/** 化解率, 满意度 and on-time completion per bucket (lines, %), cases opened and tasks due (bars). */
export function buildCommunityTrendOption(res: CommunityStatsResponse, locale: Locale): EChartsCoreOption {
  const keys = res.buckets.map((b) => b.key);
  const line = (name: string, key: 'successRate' | 'satisfactionRate' | 'completionRate', color: string) =>
    ({ type: 'line', name, data: seriesOf(res, key).map(pct), yAxisIndex: 0, symbolSize: 5, connectNulls: true, lineStyle: { width: 2, color }, itemStyle: { color } });
  const bar = (name: string, key: 'cases' | 'tasksDue', color: string) => ({ type: 'bar', name, data: seriesOf(res, key), yAxisIndex: 1, barMaxWidth: 14, itemStyle: { color, opacity: 0.45 } });
  return {
    animation: false, grid, legend, tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: keys, axisLabel: axisText },
    yAxis: [
      { type: 'value', min: (v: { min: number }) => Math.max(0, Math.floor(v.min / 5) * 5), max: 100, axisLabel: { ...axisText, formatter: '{value}%' }, splitLine: { lineStyle: { color: COLORS.panelBorder } } },
      { type: 'value', axisLabel: axisText, splitLine: { show: false } },
    ],
    series: [
      bar(tl('cstats.kpi.cases', locale), 'cases', COLORS.info), bar(tl('cstats.kpi.tasksDue', locale), 'tasksDue', COLORS.textDim),
      line(tl('cstats.kpi.successRate', locale), 'successRate', COLORS.ok), line(tl('cstats.kpi.satisfactionRate', locale), 'satisfactionRate', COLORS.info),
      line(tl('cstats.kpi.completionRate', locale), 'completionRate', COLORS.warn),
    ],
  };
}
export function communityTrendTable(res: CommunityStatsResponse, locale: Locale): { headers: string[]; rows: CsvCell[][] } {
  const keys = ['cases', 'mediated', 'succeeded', 'successRate', 'tier1Share', 'satisfactionRate', 'lateStages', 'tasksDue', 'tasksOnTime', 'completionRate'] as const;
  return {
    headers: [tl('col.day', locale), ...keys.map((k) => tl(`cstats.series.${k}`, locale))],
    rows: res.buckets.map((b, i) => [b.key, ...keys.map((k) => seriesOf(res, k)[i] ?? null)]),
  };
}

/** Mediation success by tier and by category: one row each, rate and how many. */
export function mediationRows(res: CommunityStatsResponse, locale: Locale): { name: string; mediated: number; succeeded: number; rate: number | null }[] {
  const d = res.current.disputes;
  const tiers = ([1, 2, 3] as MediationTier[]).map((t) => ({ name: MEDIATION_TIER_LABELS[t][locale], ...(d.byTier[String(t)] ?? { mediated: 0, succeeded: 0, successRate: null }) }));
  const cats = Object.entries(d.byCategory).map(([c, r]) => ({ name: DISPUTE_CATEGORY_LABELS[c as DisputeCategory]?.[locale] ?? c, ...r }));
  return [...tiers, ...cats].map((r) => ({ name: r.name, mediated: r.mediated, succeeded: r.succeeded, rate: r.successRate }));
}
export function buildMediationOption(res: CommunityStatsResponse, locale: Locale): EChartsCoreOption {
  const rows = mediationRows(res, locale).reverse();
  return {
    animation: false, grid: { left: 190, right: 70, top: 12, bottom: 28 }, tooltip: { trigger: 'axis' },
    xAxis: { type: 'value', max: 100, axisLabel: { ...axisText, formatter: '{value}%' }, splitLine: { lineStyle: { color: COLORS.panelBorder } } },
    yAxis: { type: 'category', data: rows.map((r) => r.name), axisLabel: { ...axisText, width: 180, overflow: 'truncate' } },
    series: [{
      type: 'bar', data: rows.map((r) => pct(r.rate)), barMaxWidth: 12, itemStyle: { color: COLORS.ok },
      label: { show: true, position: 'right', color: COLORS.text, fontSize: 12, formatter: (p: { dataIndex: number }) => `${percent(rows[p.dataIndex]!.rate, 0)} ${rows[p.dataIndex]!.succeeded}/${rows[p.dataIndex]!.mediated}` },
    }],
  };
}
export function mediationTable(res: CommunityStatsResponse, locale: Locale): { headers: string[]; rows: CsvCell[][] } {
  return {
    headers: [tl('cstats.col.group', locale), tl('cstats.series.mediated', locale), tl('cstats.series.succeeded', locale), tl('cstats.series.successRate', locale)],
    rows: mediationRows(res, locale).map((r) => [r.name, r.mediated, r.succeeded, r.rate]),
  };
}

/** Task completion on time by grid, the weakest first (at most 15), with the grids' names when known. */
export function gridTaskRows(res: CommunityStatsResponse, gridName: (id: string) => string): { id: string; name: string; due: number; onTime: number; rate: number | null }[] {
  return Object.entries(res.current.tasks.byGrid)
    .filter(([id]) => id !== 'none')
    .map(([id, r]) => ({ id, name: gridName(id), due: r.due, onTime: r.onTime, rate: r.completionRate }))
    .sort((a, b) => (a.rate ?? 1) - (b.rate ?? 1) || b.due - a.due || a.id.localeCompare(b.id));
}
export function buildGridTaskOption(rows: ReturnType<typeof gridTaskRows>): EChartsCoreOption {
  const shown = rows.slice(0, 15).reverse();
  const low = Math.min(...shown.map((r) => (r.rate ?? 1) * 100), 100);
  return {
    // Names up to the label width (English grid names are long): the rest ends in …, and the margin keeps it inside.
    animation: false, grid: { left: 170, right: 80, top: 12, bottom: 28 }, tooltip: { trigger: 'axis' },
    xAxis: { type: 'value', min: Math.max(0, Math.floor(low / 5) * 5 - 5), max: 100, axisLabel: { ...axisText, formatter: '{value}%' }, splitLine: { lineStyle: { color: COLORS.panelBorder } } },
    yAxis: { type: 'category', data: shown.map((r) => r.name), axisLabel: { ...axisText, width: 150, overflow: 'truncate' } },
    series: [{
      type: 'bar', data: shown.map((r) => pct(r.rate)), barMaxWidth: 10, itemStyle: { color: COLORS.warn },
      label: { show: true, position: 'right', color: COLORS.text, fontSize: 12, formatter: (p: { dataIndex: number }) => `${percent(shown[p.dataIndex]!.rate)} ${shown[p.dataIndex]!.onTime}/${shown[p.dataIndex]!.due}` },
    }],
  };
}
export function gridTaskTable(rows: ReturnType<typeof gridTaskRows>, locale: Locale): { headers: string[]; rows: CsvCell[][] } {
  return {
    headers: [tl('col.gridId', locale), tl('col.grid', locale), tl('cstats.series.tasksDue', locale), tl('cstats.series.tasksOnTime', locale), tl('cstats.series.completionRate', locale)],
    rows: rows.map((r) => [r.id, r.name, r.due, r.onTime, r.rate]),
  };
}

/** Median hours in each stage: this period, 同比 and 环比 side by side. */
export function buildStageOption(res: CommunityStatsResponse, locale: Locale): EChartsCoreOption {
  const stages = ['route', 'session', 'followup'] as const;
  const hours = (ms: number | null) => (ms === null ? null : Math.round(ms / 360_000) / 10);
  const period = (name: string, p: CommunityStatsResponse['current'], color: string) =>
    ({ type: 'bar', name, data: stages.map((s) => hours(p.disputes.medianStageMs[s])), barMaxWidth: 16, itemStyle: { color } });
  return {
    animation: false, grid: { ...grid, right: 20 }, legend, tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: stages.map((s) => tl(`cstats.stage.${s}`, locale)), axisLabel: axisText },
    yAxis: { type: 'value', name: tl('cstats.hoursAxis', locale), nameTextStyle: axisText, axisLabel: axisText, splitLine: { lineStyle: { color: COLORS.panelBorder } } },
    series: [period(tl('cstats.current', locale), res.current, COLORS.info), period(tl('kpi.yoy', locale), res.yoy, COLORS.textDim), period(tl('kpi.mom', locale), res.mom, COLORS.ok)],
  };
}
export function stageTable(res: CommunityStatsResponse, locale: Locale): { headers: string[]; rows: CsvCell[][] } {
  const stages = ['route', 'session', 'followup'] as const;
  return {
    headers: [tl('cstats.col.stage', locale), `${tl('cstats.current', locale)} (ms)`, `${tl('kpi.yoy', locale)} (ms)`, `${tl('kpi.mom', locale)} (ms)`, tl('cstats.col.late', locale)],
    rows: stages.map((s) => [tl(`cstats.stage.${s}`, locale), res.current.disputes.medianStageMs[s], res.yoy.disputes.medianStageMs[s], res.mom.disputes.medianStageMs[s], res.current.disputes.lateStages[s]]),
  };
}
