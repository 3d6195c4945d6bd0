// Recommendation: which units to send to an incident (the dispatch policy over ETAs along the roads, calibrated by
// measured arrivals), which minimum emergency units can reach it within 1, 3 and 5 minutes on foot, and how good
// the ETAs have been (predicted against actual, recorded by the dispatch commit through the ledger below).
import fp from 'fastify-plugin';
import { Counter } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import {
  DEFAULT_DISPATCH_POLICY, DEFAULT_REACH_OPTIONS, DEFAULT_RESPONSE_TARGETS, EtaModel, buildRoadGraph,
  type DispatchPolicy, type Jurisdiction, type ReachOptions, type RingMinutes, type RingUnit, type TargetsByPriority,
} from '@ccr/shared';
import type { BucketMove } from '../stats/stats-buckets.js';
import { RecommendationRepository } from './recommendation-repository.js';
import { Recommender, type Place } from './recommender.js';
import { etaAccuracyRoutes, recommendationRoutes } from './recommendation-routes.js';
import { EtaAccuracyRepository } from './eta-accuracy-repository.js';
import { EtaCalibrator } from './eta-calibration.js';
import { arrivalMoves, type EtaPrediction } from './eta-accuracy.js';
import type { Keyspace } from '../../plugins/keyspace.js';

export interface EtaCalibrationSettings {
  /** Days of arrivals the calibration looks back over; 0 = off (ETA_CALIBRATION_DAYS). */
  windowDays: number;
  /** Arrivals of a kind needed before its factor moves from 1 (ETA_CALIBRATION_MIN_SAMPLES). */
  minSamples: number;
  /** How often it is recomputed (ETA_CALIBRATION_EVERY_S). */
  recomputeEveryMs: number;
}

export const DEFAULT_ETA_CALIBRATION: EtaCalibrationSettings = { windowDays: 14, minSamples: 20, recomputeEveryMs: 60_000 };

export interface RecommendationModuleOptions {
  /** Roads for the ETA model, grids for their community officers (一格一警). */
  jurisdiction: Jurisdiction;
  keyspace: Keyspace;
  nodeId: string;
  timeZone: string;
  /** Speeds, turnout, detour factor, walking speed (UNIT_SPEEDS, UNIT_TURNOUT, DETOUR_FACTOR, WALK_SPEED_MPS). */
  reach?: ReachOptions;
  /** Who is offered for which incident type, in which order (DISPATCH_POLICY). */
  policy?: DispatchPolicy;
  /** The on-scene target of each priority decides who is "in time" (RESPONSE_TARGETS). */
  targets?: TargetsByPriority;
  calibration?: EtaCalibrationSettings;
  /** Field seconds per real second (SIM_TIME_SCALE; 1 outside a demo run faster than real time): measured
   *  travel times are in field seconds, like the ETAs. */
  timeScale?: number;
  /** A unit this close to its incident is on scene (ARRIVAL_RADIUS_M): ETAs are to that circle. */
  arrivalRadiusM?: number;
  /** A position older than this is not trusted (STALE_AFTER_MS). */
  staleAfterMs: number;
}

/** What the dispatch commit needs to record predicted against actual travel times. */
export interface EtaLedger {
  /** The ETAs shown for units being sent to a place now (none for units without a fresh position). */
  predict(unitIds: readonly string[], place: Place, now: number): Promise<Map<string, EtaPrediction>>;
  /** Counter moves recording one arrival (none when there is nothing to learn from it). */
  arrivalMoves(prediction: EtaPrediction, dispatchedAt: number, arrivedAt: number): BucketMove[];
}

declare module 'fastify' {
  interface FastifyInstance {
    recommendation: Recommender;
    etaLedger: EtaLedger;
    etaCalibration: EtaCalibrator;
  }
}

export const recommendationModule = fp<RecommendationModuleOptions>(
  async (app, opts) => {
    const reach = opts.reach ?? DEFAULT_REACH_OPTIONS;
    // Built once: the town's roads do not change while the server runs.
    const graph = buildRoadGraph(opts.jurisdiction.roads);
    // ETAs are to the edge of the arrival circle: that is when the geofence puts a unit on scene.
    const model = new EtaModel(graph.nodes.length > 0 ? graph : null, reach, { arriveWithinM: opts.arrivalRadiusM ?? 0 });
    const gridOfficers = new Map(opts.jurisdiction.grids.features.flatMap((f) => (f.properties.officerId ? [[f.properties.id, f.properties.officerId] as const] : [])));
    const calibrationSettings = opts.calibration ?? DEFAULT_ETA_CALIBRATION;
    const accuracy = new EtaAccuracyRepository(app.redis.command, opts.keyspace);
    const calibrator = new EtaCalibrator(accuracy, app.live.repo, {
      nodeId: opts.nodeId, timeZone: opts.timeZone, windowDays: calibrationSettings.windowDays, minSamples: calibrationSettings.minSamples,
      recomputeEveryMs: calibrationSettings.recomputeEveryMs, refreshEveryMs: Math.min(10_000, calibrationSettings.recomputeEveryMs),
    }, app.log);
    const repo = new RecommendationRepository(app.redis.command, app.live.repo);
    const recommender = new Recommender(repo, {
      model, calibration: calibrator, policy: opts.policy ?? DEFAULT_DISPATCH_POLICY, targets: opts.targets ?? DEFAULT_RESPONSE_TARGETS,
      gridOfficers, staleAfterMs: opts.staleAfterMs, roster: new Map(opts.jurisdiction.units.map((u) => [u.id, u.kind])),
    });
    const timeScale = opts.timeScale ?? 1;
    app.decorate('recommendation', recommender);
    app.decorate('etaCalibration', calibrator);
    app.decorate('etaLedger', {
      // Never in the way of a dispatch: without a prediction the arrival simply is not judged.
      predict: (unitIds, place, now) => recommender.predict(unitIds, place, now).catch((err: unknown) => {
        app.log.warn({ err: (err as Error).message, unitIds }, 'ETA prediction for the record failed');
        return new Map<string, EtaPrediction>();
      }),
      arrivalMoves: (p, dispatchedAt, arrivedAt) => arrivalMoves(p, ((arrivedAt - dispatchedAt) / 1000) * timeScale, arrivedAt, opts.timeZone),
    } satisfies EtaLedger);
    const rejected = new Counter({
      name: 'ccr_recommendation_rejected_total', help: 'Recommendation and ETA-accuracy requests refused, by reason (invalid_request, invalid_range, unknown_incident)',
      labelNames: ['reason'] as const, registers: [app.metrics.registry],
    });
    const deps = { recommender, accuracy, calibrator, timeZone: opts.timeZone, rejected };
    recommendationRoutes(app, deps);
    etaAccuracyRoutes(app, deps);
    app.log.info({ roadNodes: graph.nodes.length, gridOfficers: gridOfficers.size }, 'recommendation: road graph built for ETAs');
    app.addHook('onReady', async () => calibrator.start());
    app.addHook('preClose', async () => calibrator.stop());
  },
  { name: 'recommendation', dependencies: ['live', 'redis', 'metrics'] },
);

/**
 * The minimum emergency units whose members can walk to `place` within `ring` minutes (that ring and the smaller
 * ones), nearest ring first, each tagged with its ring: what the tiered call-out alerts. Bounded GEO search.
 */
export function emergencyUnitsWithin(app: FastifyInstance, place: Place, ring: RingMinutes): Promise<(RingUnit & { ring: RingMinutes })[]> {
  return app.recommendation.emergencyUnitsWithin(place, ring);
}

export { Recommender } from './recommender.js';
export { checkEtaPrediction, type EtaPrediction } from './eta-accuracy.js';
