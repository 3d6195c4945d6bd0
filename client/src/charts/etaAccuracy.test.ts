import { describe, expect, it } from 'vitest';
import type { EtaAccuracyResponse } from '@ccr/shared';
import { buildEtaAccuracyOption, etaAccuracyPath, etaAccuracyRange, etaAccuracySummary, etaAccuracyTable } from './etaAccuracy';

const figures = (arrivals: number, p50: number | null, p90: number | null) => ({
  arrivals, errorP50Percent: p50, errorP90Percent: p90, laterThanPredictedPercent: arrivals ? 40 : null,
  meanPredictedSeconds: arrivals ? 181.4 : null, meanActualSeconds: arrivals ? 200.6 : null,
});
const res: EtaAccuracyResponse = {
  from: '2026-11-28', to: '2026-12-04',
  byKind: [{ kind: 'patrol_car', ...figures(120, 6, 12) }, { kind: 'foot_patrol', ...figures(0, null, null) }, { kind: 'case_officer', ...figures(9, 14, 31) }],
  all: figures(129, 7, 13),
  calibration: { computedAt: 1, windowDays: 14, minSamples: 20, byKind: { patrol_car: { factor: 1.12, samples: 120 } } },
};

describe('ETA error panel', () => {
  it('asks for the range, or its last 92 days when it is longer', () => {
    expect(etaAccuracyRange({ from: '2026-11-01', to: '2026-12-04' })).toEqual({ from: '2026-11-01', to: '2026-12-04' });
    expect(etaAccuracyRange({ from: '2025-12-05', to: '2026-12-04' })).toEqual({ from: '2026-09-04', to: '2026-12-04' });
    expect(etaAccuracyPath({ from: '2026-12-01', to: '2026-12-04' })).toBe('/api/stats/eta-accuracy?from=2026-12-01&to=2026-12-04');
  });

  it('draws a median and a p90 bar per kind with arrivals, naming the arrivals behind each', () => {
    const o = buildEtaAccuracyOption(res, 'zh-CN') as { yAxis: { data: string[] }; series: { data: (number | null)[] }[] };
    expect(o.yAxis.data).toEqual(['巡逻车（120次）', '办案民警（9次）']);
    expect(o.series.map((s) => s.data)).toEqual([[6, 14], [12, 31]]);
    const en = buildEtaAccuracyOption(res, 'en') as { yAxis: { data: string[] } };
    expect(en.yAxis.data[0]).toBe('Patrol car (120)');
  });

  it('exports every kind, the total and the calibration in force', () => {
    const t = etaAccuracyTable(res, 'zh-CN');
    expect(t.headers[0]).toBe('力量类型');
    expect(t.rows).toContainEqual(['巡逻车', 120, 6, 12, 40, 181, 201, 1.12]);
    expect(t.rows).toContainEqual(['步巡', 0, null, null, null, null, null, 1]);
    expect(t.rows.at(-1)).toEqual(['全部', 129, 7, 13, 40, 181, 201, null]);
    expect(etaAccuracySummary(res, 'zh-CN')).toBe('共 129 次到场 · 中位误差 7% · 90%分位 13% · 晚于预计 40%');
  });
});
