// Today's incidents by type in the fixed order of INCIDENT_TYPES (a fixed order keeps bars from jumping when
// counts change), for the wall's by-type list and the statistics charts.
import { INCIDENT_TYPES, type Locale, type TodayStats } from '@ccr/shared';
import { tl } from '../i18n';

export const BAR_COLOR = '#5f8fc4';

export interface TypeCount { type: string; label: string; count: number }

/** Counts for every documented type (0 when absent), then any extra type the server sends, as "other" labels. */
export function typeCounts(today: TodayStats | null, locale: Locale): TypeCount[] {
  const by = today?.byType ?? {};
  const rows: TypeCount[] = INCIDENT_TYPES.map((t) => ({ type: t, label: tl(`label.incidentType.${t}`, locale), count: by[t] ?? 0 }));
  const known = new Set<string>(INCIDENT_TYPES);
  for (const [t, n] of Object.entries(by)) if (!known.has(t)) rows.push({ type: t, label: t, count: n });
  return rows;
}
