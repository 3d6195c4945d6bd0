// The /stats panel "ETA 误差": how far the ranking's predicted travel times were from the arrivals, by unit kind
// (GET /api/stats/eta-accuracy). A leader reads whether the recommended order can be trusted; a bar per kind for
// the median and the 90th percentile error, the arrivals behind each in the axis label, and the calibration
// factor the ranking applies now in the CSV.
import type { EChartsCoreOption } from 'echarts/core';
import { addDays, type EtaAccuracyResponse, type Locale } from '@ccr/shared';
import { COLORS, FONT_FAMILY } from './palette';
import { tl, type MessageKey } from '../i18n';
import type { Table } from './statsOptions';

/** The server reads at most this many days at once (MAX_ACCURACY_DAYS); a longer range shows its last days. */
export const ETA_ACCURACY_MAX_DAYS = 92;

/** The days of `range` the panel asks for: the whole range, or its last ETA_ACCURACY_MAX_DAYS days. */
export function etaAccuracyRange(range: { from: string; to: string }): { from: string; to: string } {
  const earliest = addDays(range.to, -(ETA_ACCURACY_MAX_DAYS - 1));
  return { from: range.from < earliest ? earliest : range.from, to: range.to };
}

export function etaAccuracyPath(range: { from: string; to: string }): string {
  return `/api/stats/eta-accuracy?${new URLSearchParams(etaAccuracyRange(range))}`;
}

const ETA_COLORS = { p50: '#4f9dff', p90: '#f5a524' } as const;
const pct = (v: number | null): string => (v === null ? '—' : `${Math.round(v)}%`);

export function buildEtaAccuracyOption(res: EtaAccuracyResponse, locale: Locale): EChartsCoreOption {
  const kinds = res.byKind.filter((k) => k.arrivals > 0);
  const axis = kinds.map((k) => tl('eta.kindAxis', locale, { kind: tl(`label.unitKind.${k.kind}`, locale), n: k.arrivals }));
  const bar = (name: string, color: string, values: (number | null)[]) => ({
    name, type: 'bar', data: values.map((v) => (v === null ? null : Math.round(v))), barGap: '10%', barMaxWidth: 22,
    itemStyle: { color, borderRadius: [0, 3, 3, 0] },
    label: { show: true, position: 'right', formatter: '{c}%', color: COLORS.text, fontSize: 14, fontFamily: FONT_FAMILY },
  });
  return {
    animation: false,
    backgroundColor: 'transparent',
    textStyle: { fontFamily: FONT_FAMILY },
    legend: { top: 0, right: 8, itemWidth: 18, itemHeight: 10, textStyle: { color: COLORS.text, fontSize: 14, fontFamily: FONT_FAMILY } },
    tooltip: {
      trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: unknown) => (typeof v === 'number' ? `${v}%` : '—'),
      backgroundColor: 'rgba(12,22,40,0.95)', borderColor: '#2a4670', textStyle: { color: COLORS.text, fontSize: 14, fontFamily: FONT_FAMILY },
    },
    grid: { left: 8, right: 52, top: 28, bottom: 4, containLabel: true },
    xAxis: { type: 'value', show: false, min: 0 },
    yAxis: {
      type: 'category', inverse: true, data: axis,
      axisLabel: { color: COLORS.text, fontSize: 14, fontFamily: FONT_FAMILY }, axisLine: { show: false }, axisTick: { show: false },
    },
    series: [
      bar(tl('eta.p50', locale), ETA_COLORS.p50, kinds.map((k) => k.errorP50Percent)),
      bar(tl('eta.p90', locale), ETA_COLORS.p90, kinds.map((k) => k.errorP90Percent)),
    ],
  };
}

/** Whether there is anything to draw. */
export const etaArrivals = (res: EtaAccuracyResponse | null): number => res?.all.arrivals ?? 0;

export function etaAccuracyTable(res: EtaAccuracyResponse, locale: Locale): Table {
  const row = (name: string, f: EtaAccuracyResponse['all'], factor: number | null) => [
    name, f.arrivals, f.errorP50Percent, f.errorP90Percent, f.laterThanPredictedPercent,
    f.meanPredictedSeconds === null ? null : Math.round(f.meanPredictedSeconds),
    f.meanActualSeconds === null ? null : Math.round(f.meanActualSeconds),
    factor,
  ];
  return {
    headers: ['kind', 'arrivals', 'p50', 'p90', 'later', 'predicted', 'actual', 'calibration'].map((k) => tl(`eta.col.${k}` as MessageKey, locale)),
    rows: [
      ...res.byKind.map((k) => row(tl(`label.unitKind.${k.kind}`, locale), k, res.calibration.byKind[k.kind]?.factor ?? 1)),
      row(tl('eta.all', locale), res.all, null),
    ],
  };
}

/** One line under the chart: all arrivals' figures, in words. */
export function etaAccuracySummary(res: EtaAccuracyResponse, locale: Locale): string {
  return tl('eta.summary', locale, { n: res.all.arrivals, p50: pct(res.all.errorP50Percent), p90: pct(res.all.errorP90Percent), later: pct(res.all.laterThanPredictedPercent) });
}
