// Finds the units to send and the emergency units around a place with searches that are always bounded by
// radius and COUNT (shared/DESIGN.md: GEOSEARCH over 10 km costs 0.17 ms at 5 k members but 7 ms at 100 k).
// The ranking itself is the pure rankCandidates() of the dispatch policy, the ETAs those of the road model
// (eta.ts) × the calibration; this file only decides how far to look, and stops when nobody farther away could
// still rank among the best (rankingIsFinal: every ETA beyond a radius has a lower bound).
import {
  isRecommendable, radiusToSettle, rankCandidates, ruleFor, rankingIsFinal, reachRings, ringRadiusMeters, unitsWithinRing,
  type Candidate, type DispatchPolicy, type EtaModel, type LiveUnit, type LngLat, type MovingKind, type PlacedUnit,
  type PolicyIncident, type RankContext, type ReachRing, type RingMinutes, type RingUnit, type TargetsByPriority, type UnitKind,
} from '@ccr/shared';
import type { EtaPrediction } from './eta-accuracy.js';
import type { RecommendationRepository } from './recommendation-repository.js';

const START_RADIUS_M = 2_000;
const MAX_RADIUS_M = 50_000;
// The GEO set holds the fixed emergency units too (300 in the demo town), never candidates: a small COUNT is
// taken up by them in a town centre and costs another round trip, while reading 256 units by id is one.
const START_COUNT = 256;
const MAX_COUNT = 4_096;
const MAX_ROUNDS = 8;
/** A search that would read more units than this, and more than half of those it could offer, reads them all. */
const READ_ALL_ABOVE = 200;
const RING_START_COUNT = 256;

// Redis measures on a slightly larger sphere (0.03 %) and stores positions as 52-bit geohashes (< 1 m off), so a
// unit it leaves out of a radius R is at least ourMeters(R) away by our haversine, and a unit within our distance
// d is inside Redis's radius redisMeters(d).
const ourMeters = (redisMeters: number): number => Math.max(0, redisMeters * 0.999 - 1);
const redisMeters = (ours: number): number => (ours + 1) / 0.999;

export interface Place { lng: number; lat: number }

/** The calibration in force: a factor per kind. */
export interface EtaFactors {
  factor(kind: MovingKind): number;
}

export interface RecommenderOptions {
  model: EtaModel;
  calibration: EtaFactors;
  policy: DispatchPolicy;
  targets: TargetsByPriority;
  /** Grid id → its community officer (一格一警), from the jurisdiction. */
  gridOfficers: ReadonlyMap<string, string>;
  /** A position older than this is not trusted (STALE_AFTER_MS). */
  staleAfterMs: number;
  /** The roster's kinds by unit id (it is loaded at start): a search reads only units of kinds the policy could
   *  offer — never the fixed emergency units that fill most of the GEO set — and when it would read more than
   *  half of those, it reads them all at once. */
  roster: ReadonlyMap<string, UnitKind>;
}

/** The reads the recommender makes: a bounded GEO search, and units by id. */
export type UnitSearch = Pick<RecommendationRepository, 'nearby' | 'units'>;

export class Recommender {
  constructor(private readonly repo: UnitSearch, private readonly opts: RecommenderOptions) {}

  private context(place: Place): RankContext {
    const { model, calibration } = this.opts;
    const scene = model.forScene([place.lng, place.lat]);
    // Each round ranks every unit seen so far again: an ETA is worked out once per unit and request.
    const memo = new Map<string, ReturnType<RankContext['eta']>>();
    return {
      policy: this.opts.policy, targets: this.opts.targets, gridOfficers: this.opts.gridOfficers, staleAfterMs: this.opts.staleAfterMs,
      eta: (u: PlacedUnit) => {
        let e = memo.get(u.id);
        if (!e) {
          const est = scene.eta(u.kind, [u.position.lng, u.position.lat]);
          const f = calibration.factor(u.kind);
          memo.set(u.id, (e = { seconds: est.seconds * f, basis: est.basis, calibration: f }));
        }
        return e;
      },
    };
  }

  /**
   * The best `limit` units for the incident by the dispatch policy. Starts near the incident and widens (radius,
   * then COUNT when the nearest COUNT were all taken) until nobody farther away could rank before the last of
   * them, or the bounds are hit.
   */
  async candidates(incident: PolicyIncident, limit: number, now: number): Promise<Candidate[]> {
    const { model, calibration, policy, roster } = this.opts;
    const ctx = this.context(incident);
    const rule = ruleFor(policy, incident.type, incident.priority);
    const kinds = new Set<UnitKind>([...rule.preferred, ...rule.allowed].map((r) => (r === 'grid_officer' ? 'community_officer' : r)));
    // A unit the roster does not know (it changed since start) is read to be safe.
    const wanted = (id: string): boolean => { const k = roster.get(id); return k === undefined || kinds.has(k); };
    const offerable = [...roster].filter(([, k]) => kinds.has(k)).map(([id]) => id);
    const seen = new Map<string, LiveUnit>();
    const looked = new Set<string>();
    let radius = START_RADIUS_M;
    let count = START_COUNT;
    let ranked: Candidate[] = [];
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const hits = await this.repo.nearby(incident.lng, incident.lat, radius, count);
      const saturated = hits.length >= count;
      const unread = hits.map((h) => h.unitId).filter((id) => !looked.has(id) && wanted(id));
      // So many to read (a small town's whole roster in the search) that reading every unit the policy could
      // offer is as cheap: then everyone has been seen, and the ranking is final.
      const everyone = unread.length > Math.max(READ_ALL_ABOVE, (offerable.length - looked.size) / 2);
      const ids = everyone ? [...new Set([...offerable, ...unread])] : unread;
      for (const id of ids) looked.add(id);
      for (const u of await this.repo.units(ids)) seen.set(u.id, u);
      const ranking = rankCandidates([...seen.values()], incident, now, ctx);
      ranked = ranking.candidates;
      if (everyone) break;

      // Every unit within `searched` metres (ours) has now been looked at; anyone else needs at least this long.
      const searched = ourMeters(saturated ? (hits.at(-1)?.redisMeters ?? radius) : radius);
      const minEtaUnseen = (kind: MovingKind): number => model.minSecondsBeyond(kind, searched) * calibration.factor(kind);
      if (rankingIsFinal(ranking, limit, minEtaUnseen, policy)) break;
      if (saturated) {
        if (count >= MAX_COUNT) break; // a crowd of busy units at the scene: the best of the nearest MAX_COUNT
        count = Math.min(count * 4, MAX_COUNT);
      } else {
        if (radius >= MAX_RADIUS_M) break;
        const radiusFor = (kind: MovingKind, eta: number): number => model.radiusForSeconds(kind, eta / calibration.factor(kind));
        const needed = radiusToSettle(ranking, limit, policy, radiusFor);
        // Enough found but someone farther out might still rank before the last: look exactly as far as they
        // would have to be. Too few found: at least as far as anyone the policy prefers could come in time (they
        // rank first), and twice as far as before.
        const wanted = needed !== undefined
          ? redisMeters(needed)
          : Math.max(radius * 2, redisMeters(Math.max(0, ...rule.preferred.map((role) => radiusFor(role === 'grid_officer' ? 'community_officer' : role, ranking.budgetSeconds)))));
        radius = Math.min(MAX_RADIUS_M, Math.max(wanted, radius + 1));
      }
    }
    return ranked.slice(0, limit);
  }

  /**
   * What the dispatcher is shown for units being sent to a place now: their calibrated ETA (and the model's own),
   * for the record of predicted against actual travel time. Units without a fresh position get none.
   */
  async predict(unitIds: readonly string[], place: Place, now: number): Promise<Map<string, EtaPrediction>> {
    const out = new Map<string, EtaPrediction>();
    if (unitIds.length === 0) return out;
    const scene = this.opts.model.forScene([place.lng, place.lat]);
    for (const u of await this.repo.units(unitIds)) {
      // Judged like a candidate, except that it is no longer available: it is being sent.
      if (!isRecommendable({ ...u, status: 'available' }, now, this.opts.staleAfterMs)) continue;
      const kind = u.kind as MovingKind;
      const e = scene.eta(kind, [u.position!.lng, u.position!.lat]);
      out.set(u.id, { kind, s: e.seconds * this.opts.calibration.factor(kind), raw: e.seconds, basis: e.basis });
    }
    return out;
  }

  /** The 1-, 3- and 5-minute rings of minimum emergency units around a place. */
  async rings(place: Place): Promise<ReachRing[]> {
    const radius = redisMeters(ringRadiusMeters(5, this.opts.model.opts));
    let count = RING_START_COUNT;
    let hits = await this.repo.nearby(place.lng, place.lat, radius, count);
    // The GEO set holds every unit, so a street full of patrols could crowd places out of the first COUNT.
    while (hits.length >= count && count < MAX_COUNT) {
      count = Math.min(count * 4, MAX_COUNT);
      hits = await this.repo.nearby(place.lng, place.lat, radius, count);
    }
    const units = await this.repo.units(hits.map((h) => h.unitId));
    const point: LngLat = [place.lng, place.lat];
    return reachRings(units, point, this.opts.model.opts);
  }

  /** Emergency units whose members can walk to the place within `ring` minutes (that ring and the smaller ones),
   *  nearest ring first: for the tiered call-out (1-minute ring first, then 3). */
  async emergencyUnitsWithin(place: Place, ring: RingMinutes): Promise<(RingUnit & { ring: RingMinutes })[]> {
    return unitsWithinRing(await this.rings(place), ring);
  }
}
