// The statistics the /stats view and the wall's KPI panels read: the overview (today, month to date with
// 同比/环比, response intervals, units, presence), and the series behind each chart for the chosen range.
// Answers are held in shallowRefs (replaced whole, never deep-proxied). Updates are driven by the live
// `stats:kpi` push (live store), never by a timer: a push patches today's figures at once and schedules one
// re-read of what it cannot patch (the overview at most every OVERVIEW_REFRESH_MIN_MS, the series at most every
// REFRESH_MIN_MS and only when today's incident figures changed).
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import {
  addDays, addMonths, changeOf, comparisonPeriods, localDay,
  type Comparison, type EtaAccuracyResponse, type StatsHeatmapResponse, type StatsKpi, type StatsMetric, type StatsOverviewResponse,
  type StatsSeriesResponse, type CommunityStatsResponse,
} from '@ccr/shared';
import { apiGet } from '../api';
import { useLiveStore } from './live';
import { usePrefsStore } from './prefs';
import { useJurisdictionStore } from './jurisdiction';
import {
  dayCount, earliestDay, intervalFor, presetRange, queryBounds, type DayRange, type RangePreset,
} from '../charts/statsRange';
import { typeMixInterval } from '../charts/statsOptions';
import { etaAccuracyPath } from '../charts/etaAccuracy';
import { communityStatsPath } from '../charts/communityStats';

/** A push re-reads the series at most this often (many incidents a minute must not become many reads a second)… */
export const REFRESH_MIN_MS = 15_000;
/** …and the overview (one read; it carries the per-grid presence the push does not) at most this often. */
export const OVERVIEW_REFRESH_MIN_MS = 5_000;

export interface SeriesParams { metric: StatsMetric; from: string; to: string; interval: 'hour' | 'day' | 'week' | 'month'; groupBy: 'none' | 'type' | 'source' | 'grid' | 'priority' }

export function seriesPath(p: SeriesParams): string {
  const q = new URLSearchParams({ metric: p.metric, from: p.from, to: p.to, interval: p.interval, groupBy: p.groupBy });
  return `/api/stats/series?${q}`;
}
export function heatmapPath(from: string, to: string): string {
  return `/api/stats/heatmap?${new URLSearchParams({ metric: 'incidents', from, to })}`;
}
export function overviewPath(date?: string): string {
  return date ? `/api/stats/overview?${new URLSearchParams({ date })}` : '/api/stats/overview';
}

/** Everything the charts and KPI cards of one range need. */
export interface RangeData {
  range: DayRange;
  trend: StatsSeriesResponse;
  heatmap: StatsHeatmapResponse;
  grids: StatsSeriesResponse;
  typeMix: StatsSeriesResponse;
  /** The same range by type a year earlier / a month earlier; null when that lies beyond the history kept. */
  yoy: StatsSeriesResponse | null;
  mom: StatsSeriesResponse | null;
  yoyRange: DayRange;
  momRange: DayRange;
  closed: StatsSeriesResponse;
  mediated: StatsSeriesResponse;
  mediationFailed: StatsSeriesResponse;
  dispatched: StatsSeriesResponse;
  dispatchedWithin: StatsSeriesResponse;
  onScene: StatsSeriesResponse;
  onSceneWithin: StatsSeriesResponse;
}

export interface HourCompareData { day: string; today: StatsSeriesResponse; yesterday: StatsSeriesResponse; lastYear: StatsSeriesResponse }

export const useStatsStore = defineStore('stats', () => {
  const live = useLiveStore();
  const prefs = usePrefsStore();
  const jurisdiction = useJurisdictionStore();

  const timeZone = computed(() => live.station?.timeZone ?? jurisdiction.data?.station.timeZone ?? 'Asia/Shanghai');
  const today = (): string => localDay(live.serverNow(), timeZone.value);

  const preset = ref<RangePreset>('d30');
  const range = ref<DayRange>(presetRange('d30', today()));

  const overview = shallowRef<StatsOverviewResponse | null>(null);
  const overviewError = ref<string | null>(null);
  const rangeData = shallowRef<RangeData | null>(null);
  const rangeError = ref<string | null>(null);
  const rangeLoading = ref(false);
  const hourCompare = shallowRef<HourCompareData | null>(null);
  const hourError = ref<string | null>(null);
  const dayTrend = shallowRef<StatsSeriesResponse | null>(null);
  /** ETA error of the range's arrivals (its last 92 days at most); read beside the range, failing on its own. */
  const etaAccuracy = shallowRef<EtaAccuracyResponse | null>(null);
  const etaAccuracyError = ref<string | null>(null);
  /** The community loops' figures of the range (GET /api/stats/community); read beside it, failing on its own. */
  const community = shallowRef<CommunityStatsResponse | null>(null);
  const communityError = ref<string | null>(null);
  const updatedAt = ref(0);

  let rangeSeq = 0;
  const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
  const get = <T>(path: string): Promise<T> => apiGet<T>(path, { locale: prefs.locale });
  const series = (p: SeriesParams): Promise<StatsSeriesResponse> => get<StatsSeriesResponse>(seriesPath(p));
  /** A comparison period beyond the history the server keeps is a 400: no comparison, not an error. */
  const optional = <T>(p: Promise<T>): Promise<T | null> => p.catch(() => null);

  async function loadOverview(): Promise<void> {
    try {
      overview.value = await get<StatsOverviewResponse>(overviewPath());
      overviewError.value = null;
      updatedAt.value = Date.now();
    } catch (e) {
      overviewError.value = message(e);
    }
  }

  async function loadHourCompare(): Promise<void> {
    const day = today();
    const hours = (d: string): Promise<StatsSeriesResponse> => series({ metric: 'incidents', from: d, to: addDays(d, 1), interval: 'hour', groupBy: 'none' });
    try {
      const [t, y, ly] = await Promise.all([hours(day), hours(addDays(day, -1)), hours(addMonths(day, -12))]);
      hourCompare.value = { day, today: t, yesterday: y, lastYear: ly };
      hourError.value = null;
    } catch (e) {
      hourError.value = message(e);
    }
  }

  /** The wall's 24-hour trend: the last 24 whole local hours up to now. */
  async function loadDayTrend(): Promise<void> {
    const now = live.serverNow();
    try {
      dayTrend.value = await series({ metric: 'incidents', from: String(now - 23 * 3_600_000), to: String(now), interval: 'hour', groupBy: 'none' });
    } catch {
      // keep the last trend; the panel shows its age through the header's data age
    }
  }

  async function loadRange(): Promise<void> {
    const r = range.value;
    const mine = ++rangeSeq;
    const b = queryBounds(r);
    const days = dayCount(r);
    const periods = comparisonPeriods(r.from, r.to);
    const yoyRange = { from: periods.yoy[0], to: periods.yoy[1] };
    const momRange = { from: periods.mom[0], to: periods.mom[1] };
    const sum = (metric: StatsMetric, bounds = b): Promise<StatsSeriesResponse> => series({ metric, ...bounds, interval: 'month', groupBy: 'none' });
    const byType = (x: DayRange): Promise<StatsSeriesResponse> => series({ metric: 'incidents', ...queryBounds(x), interval: 'month', groupBy: 'type' });
    rangeLoading.value = true;
    void loadEtaAccuracy(r, mine);
    void loadCommunity(r, mine);
    try {
      const [trend, heatmap, grids, typeMix, yoy, mom, closed, mediated, mediationFailed, dispatched, dispatchedWithin, onScene, onSceneWithin] = await Promise.all([
        series({ metric: 'incidents', ...b, interval: intervalFor(r), groupBy: 'none' }),
        get<StatsHeatmapResponse>(heatmapPath(b.from, b.to)),
        series({ metric: 'incidents', ...b, interval: 'month', groupBy: 'grid' }),
        series({ metric: 'incidents', ...b, interval: typeMixInterval(days), groupBy: 'type' }),
        yoyRange.from >= earliestDay(today()) ? optional(byType(yoyRange)) : Promise.resolve(null),
        momRange.from >= earliestDay(today()) ? optional(byType(momRange)) : Promise.resolve(null),
        sum('closed'), sum('mediated'), sum('mediation_failed'),
        sum('dispatched'), sum('dispatched_within_target'), sum('on_scene'), sum('on_scene_within_target'),
      ]);
      if (mine !== rangeSeq) return;
      rangeData.value = { range: r, trend, heatmap, grids, typeMix, yoy, mom, yoyRange, momRange, closed, mediated, mediationFailed, dispatched, dispatchedWithin, onScene, onSceneWithin };
      rangeError.value = null;
      updatedAt.value = Date.now();
    } catch (e) {
      if (mine === rangeSeq) rangeError.value = message(e);
    } finally {
      if (mine === rangeSeq) rangeLoading.value = false;
    }
  }

  async function loadCommunity(r: DayRange, mine: number): Promise<void> {
    try {
      const res = await get<CommunityStatsResponse>(communityStatsPath(r));
      if (mine !== rangeSeq) return;
      community.value = res;
      communityError.value = null;
    } catch (e) {
      if (mine === rangeSeq) communityError.value = message(e);
    }
  }

  async function loadEtaAccuracy(r: DayRange, mine: number): Promise<void> {
    try {
      const res = await get<EtaAccuracyResponse>(etaAccuracyPath(r));
      if (mine !== rangeSeq) return;
      etaAccuracy.value = res;
      etaAccuracyError.value = null;
    } catch (e) {
      if (mine === rangeSeq) etaAccuracyError.value = message(e);
    }
  }

  function choosePreset(p: Exclude<RangePreset, 'custom'>): void {
    preset.value = p;
    range.value = presetRange(p, today());
    void loadRange();
  }

  function chooseRange(r: DayRange): void {
    preset.value = 'custom';
    range.value = r;
    void loadRange();
  }

  // ---- live ----
  /** Today's figures with the newest push applied (the push carries today, the overview the rest). */
  const todayFigures = computed(() => {
    const o = overview.value;
    const k = live.kpi;
    if (k && (!o || k.date >= o.date)) return { date: k.date, today: k.today, response: k.response, presence: k.presence };
    if (!o) return null;
    return { date: o.date, today: o.today, response: o.response.today, presence: o.presence };
  });

  let overviewTimer: ReturnType<typeof setTimeout> | undefined;
  let seriesTimer: ReturnType<typeof setTimeout> | undefined;
  let lastOverview = 0;
  let lastSeries = 0;
  /** Whether a push since the last re-read changed incident figures (not only presence, which the series do not
   *  show): only then are the series read again. */
  let incidentsChanged = false;
  let lastTodayKey = '';
  const users = { view: 0, wall: 0 };

  function refreshOverview(): void {
    overviewTimer = undefined;
    lastOverview = Date.now();
    void loadOverview();
  }

  function refreshSeries(): void {
    seriesTimer = undefined;
    lastSeries = Date.now();
    incidentsChanged = false;
    if (users.view > 0) {
      void loadHourCompare();
      if (range.value.to >= today()) void loadRange();
    }
    if (users.wall > 0) void loadDayTrend();
  }

  function scheduleRefresh(): void {
    const now = Date.now();
    if (overviewTimer === undefined) overviewTimer = setTimeout(refreshOverview, Math.max(0, lastOverview + OVERVIEW_REFRESH_MIN_MS - now));
    if (incidentsChanged && seriesTimer === undefined) seriesTimer = setTimeout(refreshSeries, Math.max(0, lastSeries + REFRESH_MIN_MS - now));
  }

  function stopTimers(): void {
    clearTimeout(overviewTimer);
    clearTimeout(seriesTimer);
    overviewTimer = seriesTimer = undefined;
  }

  watch(() => live.kpi, (k: StatsKpi | null) => {
    if (!k || users.view + users.wall === 0) return;
    const key = `${k.date}|${JSON.stringify(k.today)}|${JSON.stringify(k.response)}`;
    if (key !== lastTodayKey) {
      incidentsChanged = true;
      lastTodayKey = key;
    }
    scheduleRefresh();
  });

  /** A screen starts using the statistics; returns the function that stops it. Several panels of one screen
   *  share the reads: only the first user of a kind loads. */
  function use(kind: 'view' | 'wall'): () => void {
    const first = users[kind]++ === 0;
    if (first) {
      lastOverview = lastSeries = Date.now();
      void loadOverview();
      if (kind === 'view') {
        range.value = preset.value === 'custom' ? range.value : presetRange(preset.value, today());
        void loadHourCompare();
        void loadRange();
      } else void loadDayTrend();
    }
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      users[kind]--;
      if (users.view + users.wall === 0) stopTimers();
    };
  }

  /** 同比/环比 of the month to date, with today's part replaced by the newest push (earlier days do not move). */
  const monthComparisons = computed(() => {
    const o = overview.value;
    if (!o) return null;
    const k = live.kpi;
    const fresh = k && k.date === o.date ? k.today : null;
    const patch = (c: Comparison, todayThen: number, todayNow: number | undefined): Comparison => {
      if (todayNow === undefined || todayNow === todayThen) return c;
      const current = c.current - todayThen + todayNow;
      return { current, yoy: { ...c.yoy, change: changeOf(current, c.yoy.value) }, mom: { ...c.mom, change: changeOf(current, c.mom.value) } };
    };
    return {
      incidents: patch(o.comparisons.incidents, o.today.total, fresh?.total),
      criminal: patch(o.comparisons.criminal, o.today.criminal, fresh?.criminal),
      publicOrder: patch(o.comparisons.publicOrder, o.today.publicOrder, fresh?.publicOrder),
      dispute: patch(o.comparisons.dispute, o.today.dispute, fresh?.dispute),
    };
  });

  return {
    timeZone, today, preset, range, overview, overviewError, rangeData, rangeError, rangeLoading, hourCompare, hourError,
    dayTrend, etaAccuracy, etaAccuracyError, community, communityError, updatedAt, todayFigures, monthComparisons,
    loadOverview, loadRange, loadHourCompare, loadDayTrend, choosePreset, chooseRange, use,
  };
});
