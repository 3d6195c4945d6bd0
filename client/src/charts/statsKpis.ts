// The KPI cards of /stats as plain data, from the API answers: pure, so every figure on a card is checked by a
// unit test and equals what the API says (the e2e test compares them in the browser too).
import {
  CRIMINAL_TYPES, PUBLIC_ORDER_TYPES, changeOf, shareOf, type IncidentType, type IntervalFigures, type Locale, type PresenceFigures, type ResponseFigures, type StatsOverviewResponse, type StatsSeriesResponse, type Team,
} from '@ccr/shared';
import { tl, type MessageKey } from '../i18n';
import { minSec, percent } from './statsOptions';

/** Sum of every value of every series; null when there is no answer. */
export const seriesTotal = (res: StatsSeriesResponse | null | undefined): number | null =>
  res ? res.series.reduce((n, s) => n + s.values.reduce((a, b) => a + b, 0), 0) : null;

/** Case counts of a period from a by-type series (刑事 and 治安 as leadership reports them, shared/stats.ts). */
export interface CaseCounts { total: number; criminal: number; publicOrder: number; dispute: number }
export function caseCounts(res: StatsSeriesResponse | null | undefined): CaseCounts | null {
  if (!res) return null;
  const sum = (types: readonly string[]): number =>
    res.series.filter((s) => types.includes(s.key)).reduce((n, s) => n + s.values.reduce((a, b) => a + b, 0), 0);
  return {
    total: seriesTotal(res)!,
    criminal: sum(CRIMINAL_TYPES),
    publicOrder: sum(PUBLIC_ORDER_TYPES),
    dispute: sum(['dispute' satisfies IncidentType]),
  };
}

/** 同比 / 环比 of one count against its comparison periods (null where a period has no answer or is zero). */
export function compare(current: number, yoy: number | null, mom: number | null): { yoy: number | null; mom: number | null } {
  return { yoy: yoy === null ? null : changeOf(current, yoy), mom: mom === null ? null : changeOf(current, mom) };
}

/** What the cards read: the range's series (see stores/stats.ts RangeData), today's figures, the overview. */
export interface KpiInput {
  range: {
    typeMix: StatsSeriesResponse; yoy: StatsSeriesResponse | null; mom: StatsSeriesResponse | null;
    closed: StatsSeriesResponse; mediated: StatsSeriesResponse; mediationFailed: StatsSeriesResponse;
    dispatched: StatsSeriesResponse; dispatchedWithin: StatsSeriesResponse; onScene: StatsSeriesResponse; onSceneWithin: StatsSeriesResponse;
  } | null;
  today: { response: ResponseFigures; presence: Pick<PresenceFigures, 'target' | 'gridsTotal' | 'gridsVisitedLastHour' | 'visitedShare'> } | null;
  overview: Pick<StatsOverviewResponse, 'units' | 'emergencyUnits'> | null;
}

export interface KpiCard {
  name: string;
  label: string;
  value: string;
  unit?: string;
  sub?: string[];
  yoy?: number | null;
  mom?: number | null;
  noCompare?: boolean;
}

/** P1's median of today (figures are per priority; a median does not add up across them). */
function p1Median(list: IntervalFigures[] | undefined): string {
  return minSec(list?.find((f) => f.priority === 1)?.medianSeconds ?? null);
}

const n = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : String(v));

export function buildKpiCards(input: KpiInput, locale: Locale): KpiCard[] {
  const d = input.range;
  const tf = input.today;
  const o = input.overview;
  const cur = caseCounts(d?.typeMix);
  const yoy = caseCounts(d?.yoy);
  const mom = caseCounts(d?.mom);
  const count = (name: keyof CaseCounts, key: MessageKey): KpiCard => ({
    name, label: tl(key, locale), value: n(cur?.[name]), unit: tl('unit.cases', locale),
    ...(cur ? compare(cur[name], yoy?.[name] ?? null, mom?.[name] ?? null) : { yoy: null, mom: null }),
  });
  const onTime = (name: string, key: MessageKey, all: StatsSeriesResponse | undefined, within: StatsSeriesResponse | undefined, today: IntervalFigures[] | undefined): KpiCard => {
    const a = seriesTotal(within);
    const b = seriesTotal(all);
    return {
      name, label: tl(key, locale), noCompare: true,
      value: percent(a !== null && b !== null ? shareOf(a, b) : null),
      sub: [tl('kpi.ofCount', locale, { a: n(a), b: n(b) }), tl('kpi.p1Median', locale, { t: p1Median(today) })],
    };
  };
  const closed = seriesTotal(d?.closed);
  const mediated = seriesTotal(d?.mediated);
  const failed = seriesTotal(d?.mediationFailed);
  const mediationEnded = mediated !== null && failed !== null ? mediated + failed : null;
  return [
    count('total', 'kpi.total'),
    count('criminal', 'kpi.criminal'),
    count('publicOrder', 'kpi.publicOrder'),
    count('dispute', 'kpi.dispute'),
    onTime('toDispatch', 'kpi.dispatchShare', d?.dispatched, d?.dispatchedWithin, tf?.response.dispatch),
    onTime('toScene', 'kpi.sceneShare', d?.onScene, d?.onSceneWithin, tf?.response.onScene),
    {
      name: 'closure', label: tl('kpi.closure', locale), noCompare: true,
      value: percent(cur && closed !== null ? shareOf(closed, cur.total) : null),
      sub: [
        tl('kpi.ofCount', locale, { a: n(closed), b: n(cur?.total) }),
        tl('kpi.mediationLine', locale, { pct: percent(mediated !== null && mediationEnded !== null ? shareOf(mediated, mediationEnded) : null, 0), a: n(mediated), b: n(mediationEnded) }),
      ],
    },
    {
      name: 'units', label: tl('kpi.units', locale), noCompare: true,
      value: o ? `${o.units.all.onDuty}/${o.units.all.available}` : '—',
      sub: o ? (['community', 'case', 'patrol'] as Team[]).map((t) => tl('kpi.unitsTeam', locale, { team: tl(`label.team.${t}`, locale), a: o.units[t].onDuty, b: o.units[t].available })) : [],
    },
    {
      name: 'emergency', label: tl('kpi.emergency', locale), noCompare: true,
      value: o ? String(o.emergencyUnits.units) : '—',
      sub: o ? [tl('kpi.emergencyPeople', locale, { n: o.emergencyUnits.people })] : [],
    },
    {
      name: 'presence', label: tl('kpi.presence', locale), noCompare: true,
      value: tf ? percent(tf.presence.visitedShare, 0) : '—',
      sub: tf ? [tl('kpi.presenceDetail', locale, { visited: tf.presence.gridsVisitedLastHour, total: tf.presence.gridsTotal }), tl('kpi.target', locale, { pct: percent(tf.presence.target, 0) })] : [],
    },
  ];
}
