import { describe, expect, it } from 'vitest';
import type { IncidentReport } from '@ccr/shared';
import { applyReport, compareReportOrder, todayStatsFromHash } from './incident-rules.js';

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

describe('report order', () => {
  const at = (entryId: string) => ({ now: 1000, gridId: 'G01', entryId });

  it('refuses a stranded older entry after a newer one was applied (stream order), whatever its fields', () => {
    const v1 = applyReport(report, null, at('100-0')).incident;
    const v3 = applyReport({ ...report, priority: 1, summary: 'v3' }, v1, at('300-0'));
    expect(v3.change).toBe('updated');
    expect(v3.incident.reportOrder).toEqual({ entryId: '300-0' });
    const v2 = applyReport({ ...report, priority: 2, summary: 'v2' }, v3.incident, at('200-0'));
    expect(v2.change).toBe('stale');
    expect(v2.incident).toBe(v3.incident);
    // The same entry delivered again is a duplicate, not stale.
    expect(applyReport({ ...report, priority: 1, summary: 'v3' }, v3.incident, at('300-0')).change).toBe('unchanged');
  });

  it('orders by the producer version first, so a resend of an old version that crossed a new one is stale', () => {
    const v3 = applyReport({ ...report, version: 3, summary: 'v3' }, null, at('100-0')).incident;
    expect(applyReport({ ...report, version: 2, summary: 'v2' }, v3, at('200-0')).change).toBe('stale');
    expect(applyReport({ ...report, version: 4, summary: 'v4' }, v3, at('50-0')).change).toBe('updated');
  });

  it('orders by revisedAt when there is no version on both sides (epoch ms or ISO alike)', () => {
    const t2 = applyReport({ ...report, revisedAt: '2026-11-23T09:50:00+08:00', summary: 'b' }, null, at('100-0')).incident;
    expect(t2.reportOrder).toEqual({ revisedAt: Date.parse('2026-11-23T01:50:00Z'), entryId: '100-0' });
    expect(applyReport({ ...report, revisedAt: Date.parse('2026-11-23T01:45:00Z'), summary: 'a' }, t2, at('200-0')).change).toBe('stale');
    expect(applyReport({ ...report, revisedAt: '2026-11-23T09:55:00+08:00', summary: 'c' }, t2, at('150-0')).change).toBe('updated');
  });

  it('keeps a version it once saw even after an update without one', () => {
    const v3 = applyReport({ ...report, version: 3, summary: 'v3' }, null, at('100-0')).incident;
    const plain = applyReport({ ...report, summary: 'plain' }, v3, at('200-0')).incident;
    expect(plain.reportOrder).toEqual({ version: 3, entryId: '200-0' });
    expect(applyReport({ ...report, version: 2, summary: 'v2 retried' }, plain, at('300-0')).change).toBe('stale');
  });

  it('applies any report to an incident stored before reports were ordered', () => {
    const legacy = applyReport(report, null, { now: 1000, gridId: 'G01' }).incident;
    expect(legacy.reportOrder).toBeUndefined();
    const r = applyReport({ ...report, summary: 'newer' }, legacy, at('1-0'));
    expect(r.change).toBe('updated');
    expect(r.incident.reportOrder).toEqual({ entryId: '1-0' });
  });

  it('compares numerically and only on components both sides have', () => {
    expect(compareReportOrder({ entryId: '10-0' }, { entryId: '9-5' })).toBe(1);
    expect(compareReportOrder({ version: 2, entryId: '10-0' }, { entryId: '9-5' })).toBe(1);
    expect(compareReportOrder({ version: 10 }, { version: 9, entryId: '1-0' })).toBe(1);
    expect(compareReportOrder({ version: 1 }, { revisedAt: 5 })).toBe(0);
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
