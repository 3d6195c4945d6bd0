// Finds the units to send and the emergency units around a place with searches that are always bounded by
// radius and COUNT (shared/DESIGN.md: GEOSEARCH over 10 km costs 0.17 ms at 5 k members but 7 ms at 100 k).
// The ranking itself is the pure rankCandidates(); this file only decides how far to look.
import {
  radiusForEta, rankCandidates, rankingIsFinal, reachRings, ringRadiusMeters, unitsWithinRing,
  type Candidate, type LiveUnit, type LngLat, type RankOptions, type ReachRing, type RingMinutes, type RingUnit,
} from '@ccr/shared';
import type { RecommendationRepository } from './recommendation-repository.js';

const START_RADIUS_M = 2_000;
const MAX_RADIUS_M = 50_000;
const START_COUNT = 64;
const MAX_COUNT = 4_096;
const MAX_ROUNDS = 8;
const RING_START_COUNT = 256;

// Redis measures on a slightly larger sphere (0.03 %) and stores positions as 52-bit geohashes (< 1 m off), so a
// unit it leaves out of a radius R is at least ourMeters(R) away by our haversine, and a unit within our distance
// d is inside Redis's radius redisMeters(d).
const ourMeters = (redisMeters: number): number => Math.max(0, redisMeters * 0.999 - 1);
const redisMeters = (ours: number): number => (ours + 1) / 0.999;

export interface Place { lng: number; lat: number }

export class Recommender {
  constructor(private readonly repo: RecommendationRepository, private readonly opts: RankOptions) {}

  /**
   * The best `limit` available units by ETA. Starts near the incident and widens (radius, then COUNT when the
   * nearest COUNT were all taken) until nobody farther away could beat the last of them, or the bounds are hit.
   */
  async candidates(place: Place, limit: number, now: number): Promise<Candidate[]> {
    const seen = new Map<string, LiveUnit>();
    let radius = START_RADIUS_M;
    let count = START_COUNT;
    let ranked: Candidate[] = [];
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const hits = await this.repo.nearby(place.lng, place.lat, radius, count);
      const saturated = hits.length >= count;
      const unread = hits.map((h) => h.unitId).filter((id) => !seen.has(id));
      for (const u of await this.repo.units(unread)) seen.set(u.id, u);
      ranked = rankCandidates([...seen.values()], place, now, this.opts);

      // Every unit within `searched` metres (ours) has now been looked at.
      const searched = ourMeters(saturated ? (hits.at(-1)?.redisMeters ?? radius) : radius);
      if (rankingIsFinal(ranked, limit, searched, this.opts)) break;
      if (saturated) {
        if (count >= MAX_COUNT) break; // a crowd of busy units at the scene: the best of the nearest MAX_COUNT
        count = Math.min(count * 4, MAX_COUNT);
      } else {
        if (radius >= MAX_RADIUS_M) break;
        const last = ranked[limit - 1];
        // Enough found but a fast unit farther out might still win: look exactly as far as it would have to be.
        const wanted = last ? redisMeters(radiusForEta(last.etaSeconds, this.opts)) : radius * 2;
        radius = Math.min(MAX_RADIUS_M, Math.max(wanted, radius + 1));
      }
    }
    return ranked.slice(0, limit);
  }

  /** The 1-, 3- and 5-minute rings of minimum emergency units around a place. */
  async rings(place: Place): Promise<ReachRing[]> {
    const radius = redisMeters(ringRadiusMeters(5, this.opts));
    let count = RING_START_COUNT;
    let hits = await this.repo.nearby(place.lng, place.lat, radius, count);
    // The GEO set holds every unit, so a street full of patrols could crowd places out of the first COUNT.
    while (hits.length >= count && count < MAX_COUNT) {
      count = Math.min(count * 4, MAX_COUNT);
      hits = await this.repo.nearby(place.lng, place.lat, radius, count);
    }
    const units = await this.repo.units(hits.map((h) => h.unitId));
    const point: LngLat = [place.lng, place.lat];
    return reachRings(units, point, this.opts);
  }

  /** Emergency units whose members can walk to the place within `ring` minutes (that ring and the smaller ones),
   *  nearest ring first: for the tiered call-out (1-minute ring first, then 3). */
  async emergencyUnitsWithin(place: Place, ring: RingMinutes): Promise<(RingUnit & { ring: RingMinutes })[]> {
    return unitsWithinRing(await this.rings(place), ring);
  }
}
