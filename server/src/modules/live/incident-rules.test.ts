import { describe, expect, it } from 'vitest';
import type { IncidentReport } from '@ccr/shared';
import { applyReport, todayStatsFromHash } from './incident-rules.js';

const report: IncidentReport = {
  id: 'JQ-20261123-0042', type: 'theft', priority: 1, lng: 116.7, lat: 39.07, address: '胜芳镇中山街12号',
  reportedAt: '2026-11-23T09:41:05+08:00', source: '110', summary: '电动车被盗', reporter: '王先生 138****0000',
};

describe('applyReport', () => {
  it('creates a received incident with its grid and a timeline entry at the report time', () => {
    const { incident, change } = applyReport(report, null, { now: 1000, gridId: 'G01' });
    expect(change).toBe('reported');
    expect(incident.status).toBe('received');
    expect(incident.gridId).toBe('G01');
    expect(incident.reportedAt).toBe(Date.parse('2026-11-23T01:41:05Z'));
    expect(incident.timeline).toEqual([{ status: 'received', at: incident.reportedAt }]);
    expect(incident.revision).toBe(1);
  });

  it('treats an identical resend as no change, so redelivery is harmless', () => {
    const first = applyReport(report, null, { now: 1000, gridId: 'G01' }).incident;
    const again = applyReport({ ...report, reportedAt: Date.parse('2026-11-23T01:41:05Z') }, first, { now: 2000, gridId: 'G01' });
    expect(again.change).toBe('unchanged');
    expect(again.incident).toBe(first);
  });

  it('updates producer fields but keeps what the command room owns', () => {
    const first = applyReport(report, null, { now: 1000, gridId: 'G01' }).incident;
    const owned = { ...first, status: 'dispatched' as const, assignedUnitIds: ['P-01'] };
    const { incident, change } = applyReport({ ...report, priority: 2, summary: '电动车被盗（已找回电瓶）' }, owned, { now: 5000, gridId: 'G01' });
    expect(change).toBe('updated');
    expect(incident).toMatchObject({ priority: 2, status: 'dispatched', assignedUnitIds: ['P-01'], receivedAt: 1000, updatedAt: 5000, revision: 2 });
  });
});

describe('todayStatsFromHash', () => {
  it('fills every type and priority, zero when absent', () => {
    const t = todayStatsFromHash('2026-11-23', { total: '3', 'type:theft': '2', 'type:fraud': '1', 'prio:1': '3' });
    expect(t.total).toBe(3);
    expect(t.byType.theft).toBe(2);
    expect(t.byType.dispute).toBe(0);
    expect(t.byPriority).toEqual({ '1': 3, '2': 0, '3': 0 });
  });
});
