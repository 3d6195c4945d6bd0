// Deployment-wide statistics chores, run by whichever node holds the lease: sampling patrol presence (见警率) and
// announcing today's KPIs when they change. Both are idempotent in Redis (a sample slot counts once; an unchanged
// KPI is not announced), so a lease that changes hands mid-tick double-counts nothing.
import { STATS_HISTORY_MONTHS, addDays, addMonths, dayStart, daysBetween, hourKeyOf, localDayOf, type LiveUnit, type LngLat } from '@ccr/shared';
import { responseBucket } from './stats-buckets.js';
import type { FastifyBaseLogger } from 'fastify';
import { RetryBackoff } from '../../plugins/retry-backoff.js';
import type { LiveRepository } from '../live/live-repository.js';
import { type StatsRepository, presenceDayBucket, presenceHourBucket, presenceSlotMarker } from './stats-repository.js';
import type { StatsQueries } from './stats-queries.js';

export interface StatsChoresOptions {
  nodeId: string;
  timeZone: string;
  staleAfterMs: number;
  /** Presence is sampled every this many seconds; each fresh patrol unit adds that many seconds to its grid. */
  presenceSampleSeconds: number;
  kpiIntervalMs: number;
  locateGrid: (p: LngLat) => string | null;
  /** The jurisdiction's grids, in the order the presence index numbers them (live/presence-index.ts). */
  gridIds: readonly string[];
}

/** Seconds of patrol presence per grid in one sample: patrol-team units on duty, not stale, with a fresh position.
 *  The sampler counts the same from the presence index (samplePresence); this recount from units is its definition. */
export function presenceSample(units: readonly LiveUnit[], now: number, opts: Pick<StatsChoresOptions, 'staleAfterMs' | 'presenceSampleSeconds' | 'locateGrid'>): Map<string, number> {
  const out = new Map<string, number>();
  for (const u of units) {
    if (u.team !== 'patrol' || u.stale || u.status === 'off_duty' || !u.position) continue;
    if (now - u.position.ts > opts.staleAfterMs) continue;
    const grid = opts.locateGrid([u.position.lng, u.position.lat]);
    if (grid) out.set(grid, (out.get(grid) ?? 0) + opts.presenceSampleSeconds);
  }
  return out;
}

export class StatsChores {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private lastSlot = -1;
  private lastKpi = 0;
  /** False until the response buckets are known to count within target at write time (judgeOldResponses). */
  private judged = false;
  private readonly trouble: RetryBackoff;

  constructor(
    private readonly repo: StatsRepository,
    private readonly live: LiveRepository,
    private readonly queries: StatsQueries,
    private readonly opts: StatsChoresOptions,
    log: FastifyBaseLogger,
  ) {
    this.trouble = new RetryBackoff('statistics chores', log);
  }

  start(): void {
    const interval = Math.min(1_000, this.opts.kpiIntervalMs);
    this.timer ??= setInterval(() => void this.tick(Date.now(), interval), interval);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async tick(now: number, interval: number): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      if (!(await this.live.holdLease('stats', this.opts.nodeId, Math.max(3 * interval, 3_000)))) return;
      if (!this.judged) {
        await this.judgeOldResponses(now);
        this.judged = true;
      }
      const slot = Math.floor(now / (this.opts.presenceSampleSeconds * 1000));
      if (slot !== this.lastSlot) {
        await this.samplePresence(slot, now);
        this.lastSlot = slot;
      }
      if (now - this.lastKpi >= this.opts.kpiIntervalMs) {
        this.lastKpi = now;
        const kpi = await this.queries.kpi(now);
        await this.repo.announceKpi(JSON.stringify(kpi), JSON.stringify({ type: 'stats:kpi', kpi }), now);
      }
      this.trouble.succeeded();
    } catch (err) {
      this.trouble.note(err); // the interval is the retry
    } finally {
      this.busy = false;
    }
  }

  /** Whether nothing is left for judgeOldResponses: asked when the node starts, so a new deployment (no incident
   *  yet) is marked before anything is written and never walks its buckets. */
  async prepare(now: number): Promise<void> {
    try {
      this.judged = await this.repo.responsesJudged(now);
    } catch (err) {
      this.trouble.note(err); // Redis not there yet: the first tick asks again
    }
  }

  /**
   * Once per deployment, by the lease holder: response buckets written before within target was counted at write
   * time (every day and hour statistics reach, STATS_HISTORY_MONTHS back) get their counters from their
   * histograms, judged against the targets in force at this upgrade, and each month its month bucket (summed from
   * its days). ~10,000 small scripts, once.
   */
  async judgeOldResponses(now: number): Promise<number> {
    if (await this.repo.responsesJudged(now)) return 0;
    const tz = this.opts.timeZone;
    const today = localDayOf(now, tz);
    const first = addDays(addMonths(today, -STATS_HISTORY_MONTHS), -1);
    const buckets = new Set<string>();
    for (let d = first; d <= addDays(today, 1); d = addDays(d, 1)) buckets.add(responseBucket(d));
    for (let t = dayStart(first, tz); t < dayStart(addDays(today, 2), tz); t += 3_600_000) buckets.add(responseBucket(hourKeyOf(t, tz)));
    const months: { month: string; days: string[] }[] = [];
    for (let m = `${first.slice(0, 8)}01`; m <= addDays(today, 1); m = addMonths(m, 1)) {
      months.push({ month: responseBucket(m.slice(0, 7)), days: daysBetween(m, addDays(addMonths(m, 1), -1)).map(responseBucket) });
    }
    return this.repo.judgeResponseBuckets([...buckets], months, this.queries.opts.targets(), now);
  }

  /** Counted per grid from the presence index kept at write time (live/presence-index.ts), not from the roster:
   *  the same figures as presenceSample over every unit. */
  async presenceCounts(now: number): Promise<Map<string, number>> {
    const { gridIds, staleAfterMs, presenceSampleSeconds } = this.opts;
    const counts = await this.live.presentPatrolsByGrid(gridIds.length, now - staleAfterMs);
    const out = new Map<string, number>();
    counts.forEach((n, i) => { if (n > 0) out.set(gridIds[i]!, n * presenceSampleSeconds); });
    return out;
  }

  async samplePresence(slot: number, now: number): Promise<void> {
    const secondsByGrid = await this.presenceCounts(now);
    const at = slot * this.opts.presenceSampleSeconds * 1000;
    const day = localDayOf(at, this.opts.timeZone);
    await this.repo.addPresence({
      marker: presenceSlotMarker(day, slot), hourBucket: presenceHourBucket(hourKeyOf(at, this.opts.timeZone)),
      dayBucket: presenceDayBucket(day), visitAt: now, secondsByGrid,
    });
  }
}
