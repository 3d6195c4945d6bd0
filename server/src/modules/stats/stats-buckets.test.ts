// Counter moves for incident changes.
import { describe, expect, it } from 'vitest';
import type { IncidentReport } from '@ccr/shared';
import { applyReport } from '../live/incident-rules.js';
import { incidentStatsMoves } from './stats-buckets.js';

const report: IncidentReport = {
  id: 'JQ-20261123-0042', type: 'theft', priority: 1, lng: 116.7, lat: 39.07, address: '胜芳镇中山街12号',
  reportedAt: '2026-11-23T09:41:05+08:00', source: '110', summary: '电动车被盗', reporter: '王先生 138****0000',
};
const TZ = 'Asia/Shanghai';

describe('incidentStatsMoves', () => {
  const base = applyReport(report, null, { now: 0, gridId: null }).incident;

  it('counts a new incident once in its local day', () => {
    expect(incidentStatsMoves(null, base, TZ)).toEqual([
      { bucket: 'stats:day:2026-11-23', field: 'total', by: 1 },
      { bucket: 'stats:day:2026-11-23', field: 'type:theft', by: 1 },
      { bucket: 'stats:day:2026-11-23', field: 'prio:1', by: 1 },
    ]);
  });

  it('moves only the buckets a correction changes', () => {
    expect(incidentStatsMoves(base, { ...base, type: 'fraud' }, TZ)).toEqual([
      { bucket: 'stats:day:2026-11-23', field: 'type:theft', by: -1 },
      { bucket: 'stats:day:2026-11-23', field: 'type:fraud', by: 1 },
    ]);
    expect(incidentStatsMoves(base, { ...base, summary: 'x' }, TZ)).toEqual([]);
  });

  it('uses the station time zone for the day boundary', () => {
    const lateUtc = { ...base, reportedAt: Date.parse('2026-11-23T16:30:00Z') }; // 00:30 next day in Shanghai
    expect(incidentStatsMoves(null, lateUtc, TZ)[0]!.bucket).toBe('stats:day:2026-11-24');
    expect(incidentStatsMoves(null, lateUtc, 'UTC')[0]!.bucket).toBe('stats:day:2026-11-23');
  });
});

