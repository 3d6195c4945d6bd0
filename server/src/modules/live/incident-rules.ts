// How an ingest report becomes (or changes) an incident. Pure: no clock, no Redis.
import {
  INCIDENT_TYPES, toEpochMs, type Incident, type IncidentReport, type TodayStats,
} from '@ccr/shared';

export type IncidentChange = 'reported' | 'updated' | 'unchanged';

/** The fields a producer owns; everything else (status, timeline, …) belongs to the command room. */
const REPORT_FIELDS = ['type', 'priority', 'lng', 'lat', 'address', 'reportedAt', 'source', 'summary', 'reporter'] as const;

export interface ReportContext {
  now: number;
  gridId: string | null;
}

export function normaliseReport(report: IncidentReport): Pick<Incident, (typeof REPORT_FIELDS)[number] | 'id'> {
  return {
    id: report.id,
    type: report.type,
    priority: report.priority,
    lng: report.lng,
    lat: report.lat,
    address: report.address ?? '',
    reportedAt: toEpochMs(report.reportedAt),
    source: report.source,
    summary: report.summary ?? '',
    reporter: report.reporter ?? '',
  };
}

/**
 * Applies a report to what is stored. The same id twice is one incident: a resend with identical fields
 * changes nothing (so at-least-once redelivery is harmless); a resend with new fields is an update.
 */
export function applyReport(
  report: IncidentReport,
  existing: Incident | null,
  ctx: ReportContext,
): { incident: Incident; change: IncidentChange } {
  const fields = normaliseReport(report);
  if (!existing) {
    return {
      change: 'reported',
      incident: {
        ...fields,
        status: 'received',
        gridId: ctx.gridId,
        receivedAt: ctx.now,
        updatedAt: ctx.now,
        revision: 1,
        assignedUnitIds: [],
        timeline: [{ status: 'received', at: fields.reportedAt }],
      },
    };
  }
  const same = REPORT_FIELDS.every((k) => existing[k] === fields[k]);
  if (same) return { incident: existing, change: 'unchanged' };
  return {
    change: 'updated',
    incident: { ...existing, ...fields, gridId: ctx.gridId, updatedAt: ctx.now, revision: existing.revision + 1 },
  };
}

/** Every type and priority present, zero when nothing was counted (Redis keeps only counters that exist). */
export function withZeroCounts(t: TodayStats): TodayStats {
  return {
    ...t,
    byType: { ...Object.fromEntries(INCIDENT_TYPES.map((type) => [type, 0])), ...t.byType },
    byPriority: { '1': 0, '2': 0, '3': 0, ...t.byPriority },
  };
}

/** A day's statistics hash (field → count) as the wall reads it. */
export function todayStatsFromHash(date: string, hash: Record<string, string>): TodayStats {
  const byType: Record<string, number> = {};
  const byPriority: Record<string, number> = {};
  let total = 0;
  for (const [field, raw] of Object.entries(hash)) {
    const n = Number(raw);
    if (field === 'total') total = n;
    else if (field.startsWith('type:')) byType[field.slice(5)] = n;
    else if (field.startsWith('prio:')) byPriority[field.slice(5)] = n;
  }
  return withZeroCounts({ date, total, byType, byPriority });
}
