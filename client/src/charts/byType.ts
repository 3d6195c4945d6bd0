// Pure option builder: today's incidents by type, a horizontal bar in the fixed order of INCIDENT_TYPES
// (a fixed order keeps bars from jumping when counts change).
import type { EChartsCoreOption } from 'echarts/core';
import { INCIDENT_TYPES, INCIDENT_TYPE_LABELS, label, type Locale, type TodayStats } from '@ccr/shared';
import { COLORS, FONT_FAMILY } from './palette';

export const BAR_COLOR = '#5f8fc4';

export interface TypeCount { type: string; label: string; count: number }

/** Counts for every documented type (0 when absent), then any extra type the server sends, as "other" labels. */
export function typeCounts(today: TodayStats | null, locale: Locale): TypeCount[] {
  const by = today?.byType ?? {};
  const rows: TypeCount[] = INCIDENT_TYPES.map((t) => ({ type: t, label: label(INCIDENT_TYPE_LABELS, t, locale), count: by[t] ?? 0 }));
  const known = new Set<string>(INCIDENT_TYPES);
  for (const [t, n] of Object.entries(by)) if (!known.has(t)) rows.push({ type: t, label: t, count: n });
  return rows;
}

export function buildByTypeOption(today: TodayStats | null, locale: Locale): EChartsCoreOption {
  const rows = typeCounts(today, locale);
  return {
    animation: false,
    backgroundColor: 'transparent',
    textStyle: { fontFamily: FONT_FAMILY },
    grid: { left: 8, right: 52, top: 4, bottom: 4, containLabel: true },
    xAxis: { type: 'value', show: false, minInterval: 1, max: (v: { max: number }) => Math.max(4, v.max) },
    yAxis: {
      type: 'category',
      inverse: true,
      data: rows.map((r) => r.label),
      axisLine: { show: false },
      axisTick: { show: false },
      axisLabel: { color: COLORS.text, fontSize: 17, margin: 12, fontFamily: FONT_FAMILY },
    },
    series: [
      {
        id: 'by-type',
        type: 'bar',
        data: rows.map((r) => r.count),
        barWidth: '58%',
        silent: true,
        itemStyle: { color: BAR_COLOR, borderRadius: [0, 3, 3, 0] },
        showBackground: true,
        backgroundStyle: { color: 'rgba(255,255,255,0.04)' },
        label: { show: true, position: 'right', color: COLORS.text, fontSize: 17, fontWeight: 600, fontFamily: FONT_FAMILY },
      },
    ],
  };
}
