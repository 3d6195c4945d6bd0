// How an ingest report becomes (or changes) an incident. Pure: no clock, no Redis.
import {
  INCIDENT_TYPES, compareSeq, toEpochMs, type Incident, type IncidentReport, type ReportOrder, type TodayStats,
} from '@ccr/shared';

/** `stale`: the report is older than the one applied last and was not applied. */
export type IncidentChange = 'reported' | 'updated' | 'unchanged' | 'stale';

/** The fields a producer owns; everything else (status, timeline, …) belongs to the command room. */
const REPORT_FIELDS = ['type', 'priority', 'lng', 'lat', 'address', 'reportedAt', 'source', 'summary', 'reporter'] as const;

export interface ReportContext {
  now: number;
  gridId: string | null;
  /** The report's ingest stream entry id: the tie-break of the order (absent when not read from the stream). */
  entryId?: string;
}

/** A report's place in the order of its incident's reports. */
export function reportOrderOf(report: IncidentReport, entryId?: string): ReportOrder {
  const order: ReportOrder = {};
  if (report.version !== undefined) order.version = report.version;
  if (report.revisedAt !== undefined) order.revisedAt = toEpochMs(report.revisedAt);
  if (entryId !== undefined) order.entryId = entryId;
  return order;
}

const sign = (d: number): number => (d < 0 ? -1 : d > 0 ? 1 : 0);

/**
 * Orders two reports of one incident: by the producer's version when both carry one, else by its revision time
 * when both carry one, else by stream entry id (XADD ids only grow, so a redelivered or claimed old entry sorts
 * before every entry added after it). -1: a is older, 0: no component tells them apart, 1: a is newer.
 * The same comparison runs in APPLY_INCIDENT (live-scripts.ts); keep them alike.
 */
export function compareReportOrder(a: ReportOrder, b: ReportOrder): number {
  if (a.version !== undefined && b.version !== undefined && a.version !== b.version) return sign(a.version - b.version);
  if (a.revisedAt !== undefined && b.revisedAt !== undefined && a.revisedAt !== b.revisedAt) return sign(a.revisedAt - b.revisedAt);
  if (a.entryId !== undefined && b.entryId !== undefined) return compareSeq(a.entryId, b.entryId);
  return 0;
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
 * changes nothing (so at-least-once redelivery is harmless); a newer report with new fields is an update; a
 * report older than the last one applied (compareReportOrder) is stale and changes nothing, however late it
 * arrives. An incident stored before reports were ordered has no order yet: any report is newer.
 */
export function applyReport(
  report: IncidentReport,
  existing: Incident | null,
  ctx: ReportContext,
): { incident: Incident; change: IncidentChange } {
  const fields = normaliseReport(report);
  const order = reportOrderOf(report, ctx.entryId);
  const ordered = Object.keys(order).length > 0 ? { reportOrder: order } : {};
  if (!existing) {
    return {
      change: 'reported',
      incident: {
        ...fields,
        ...ordered,
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
  if (existing.reportOrder && compareReportOrder(order, existing.reportOrder) < 0) return { incident: existing, change: 'stale' };
  const same = REPORT_FIELDS.every((k) => existing[k] === fields[k]);
  if (same) return { incident: existing, change: 'unchanged' };
  // A correction that makes the incident more urgent is a new alarm: the acknowledgement of the old one ends.
  const { alarmAcknowledged, ...kept } = existing;
  const stillAcknowledged = alarmAcknowledged && fields.priority >= existing.priority ? { alarmAcknowledged } : {};
  return {
    change: 'updated',
    // A component this report lacks keeps its last value: a producer that once sent version 3 cannot be undone
    // by a late retry of version 2, even after an update that carried no version.
    incident: {
      ...kept, ...stillAcknowledged, ...fields, gridId: ctx.gridId, updatedAt: ctx.now, revision: existing.revision + 1,
      ...(existing.reportOrder || ordered.reportOrder ? { reportOrder: { ...existing.reportOrder, ...ordered.reportOrder } } : {}),
    },
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
