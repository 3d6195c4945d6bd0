// 疑似重复: after a report is committed, the open incidents reported near it in time are read and the later of
// every matching pair is flagged (shared/src/duplicates.ts). Checking after the commit, not before, is what makes
// two nodes applying a matching pair at once safe: whichever commits second sees both, and both nodes would flag
// the same one of the pair. The flag is a compare-and-set that leaves a flagged or dismissed incident alone, so
// a redelivered report (checked again: the node may have died between commit and flag) changes nothing. The
// common case, a report repeating one stored earlier, is flagged in the report's own commit (preflag).
import {
  IncidentSchema, compileChecker, duplicateFlags, findOriginal, flaggable, isOpenStatus, localDay, type DuplicateRules, type Incident,
} from '@ccr/shared';
import type { FastifyBaseLogger } from 'fastify';
import type { RedisClient } from '../../plugins/redis.js';
import type { LiveRepository } from '../live/live-repository.js';
import { incidentStatsMoves, type StatsRules } from '../stats/stats-buckets.js';

const incidentChecker = compileChecker(IncidentSchema);

/** Open incidents compared with each report, on each side of it in time. */
export const NEAREST_IN_TIME = 100;

export class DuplicateCheck {
  constructor(
    private readonly redis: RedisClient,
    private readonly live: LiveRepository,
    private readonly rules: DuplicateRules,
    private readonly stats: StatsRules,
    private readonly log: FastifyBaseLogger,
    private readonly flagged: (n: number) => void = () => {},
  ) {}

  /**
   * Open incidents reported within the window either side of `at` (the nearest in time, see NEAREST_IN_TIME): one range read of the open index (scored by
   * reportedAt) and one MGET. A station has tens of open incidents, a window holds a few of them, so doing this
   * once per report is cheap; distance is checked in memory. A GEO index would only pay at city scale.
   */
  async openNear(at: number): Promise<Incident[]> {
    // At most the NEAREST_IN_TIME reported just before and just after: a flood of open incidents (a thousand in
    // the window) must not make every report read and parse all of them, twice (that is quadratic and stalls
    // the ingest); a real duplicate is reported close in time to its original.
    const key = this.live.keys.open;
    const [before, after] = await Promise.all([
      this.redis.zRange(key, at, at - this.rules.windowMs, { BY: 'SCORE', REV: true, LIMIT: { offset: 0, count: NEAREST_IN_TIME } }),
      this.redis.zRange(key, `(${at}`, at + this.rules.windowMs, { BY: 'SCORE', LIMIT: { offset: 0, count: NEAREST_IN_TIME } }),
    ]);
    const ids = [...new Set([...before, ...after])];
    if (ids.length === 0) return [];
    const raws = await this.redis.mGet(ids.map((id) => this.live.incidentKey(id)));
    const out: Incident[] = [];
    for (const raw of raws) {
      if (!raw) continue; // removed between the two reads
      let parsed: unknown;
      try { parsed = JSON.parse(raw); } catch { parsed = undefined; }
      if (incidentChecker.check(parsed)) out.push(parsed);
      else this.log.warn({ raw: raw.slice(0, 200) }, 'duplicate check: a stored incident does not match its schema; left out');
    }
    return out;
  }

  /**
   * Before the commit: a new or corrected report that repeats an earlier open incident is stored flagged, so no
   * screen or automaton ever sees it unflagged. The check after the commit (check) is still what catches a pair
   * applied by two nodes at once, each of which saw only its own report here.
   */
  async preflag(incident: Incident, now: number): Promise<Incident> {
    if (!flaggable(incident)) return incident;
    const match = findOriginal(incident, await this.openNear(incident.reportedAt), this.rules);
    if (!match) return incident;
    return { ...incident, suspectedDuplicate: { of: match.of.id, distanceMeters: match.distanceMeters, seconds: match.seconds, flaggedAt: now } };
  }

  /** Checks one incident against its neighbours and flags what the rules call for; returns the ids flagged now. */
  async check(incidentId: string, now: number): Promise<string[]> {
    const stored = await this.live.readIncidentRaw(incidentId);
    if (!stored || !isOpenStatus(stored.incident.status)) return [];
    const nearby = await this.openNear(stored.incident.reportedAt);
    const done: string[] = [];
    for (const { incident, match } of duplicateFlags(stored.incident, nearby, this.rules)) {
      const flag = { of: match.of.id, distanceMeters: match.distanceMeters, seconds: match.seconds, flaggedAt: now };
      if (await this.flag(incident.id, flag, now)) done.push(incident.id);
    }
    if (done.length > 0) this.flagged(done.length);
    return done;
  }

  /** Compare-and-set: false when the incident was flagged, dismissed or left the board meanwhile. */
  private async flag(id: string, flag: NonNullable<Incident['suspectedDuplicate']>, now: number): Promise<boolean> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const stored = await this.live.readIncidentRaw(id);
      if (!stored || !flaggable(stored.incident)) return false;
      const before = stored.incident;
      // Not a producer report: revision and report order stay as they are.
      const incident: Incident = { ...before, suspectedDuplicate: flag, updatedAt: now };
      const saved = await this.live.commitIncident({
        expectedRaw: stored.raw,
        incident,
        event: { type: 'incident:updated', incident },
        isOpen: isOpenStatus(incident.status),
        moves: incidentStatsMoves(before, incident, this.stats),
        today: localDay(now, this.stats.timeZone),
        now,
      });
      if (saved === 'saved') return true;
    }
    throw new Error(`incident ${id}: too many concurrent changes while flagging a duplicate`);
  }
}
