// GET /api/incidents/:id/recommendations: the units to send and the emergency units around the scene.
// GET /api/stats/eta-accuracy: how far the ETAs were off, by unit kind, and the calibration in force.
import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { Counter } from 'prom-client';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  DISPATCH_ROLES, EtaAccuracyQuerySchema, EtaAccuracyResponseSchema, IncidentIdSchema, MOVING_KINDS, QueryInteger, RecommendationSchema,
  STATS_HISTORY_MONTHS, VIEW_ROLES, addDays, addMonths, badDay, daysBetween, localDayOf, parseRangeBound, refusal,
  type EtaAccuracyResponse, type Recommendation, type Refusal,
} from '@ccr/shared';
import { ApiErrorSchema, NotFoundSchema, notFound } from '../http-errors.js';
import { allKinds, countsByKind, errorFigures } from './eta-accuracy.js';
import type { EtaAccuracyRepository } from './eta-accuracy-repository.js';
import type { EtaCalibrator } from './eta-calibration.js';
import type { Recommender } from './recommender.js';

export const DEFAULT_CANDIDATES = 10;
export const MAX_CANDIDATES = 50;

/** Longest range of the accuracy route: one HGETALL per day. */
export const MAX_ACCURACY_DAYS = 92;

export interface RecommendationRouteDeps {
  recommender: Recommender;
  accuracy: EtaAccuracyRepository;
  calibrator: EtaCalibrator;
  timeZone: string;
  rejected: Counter<'reason'>;
}

/** Checks an accuracy range of local days: both real days, from ≤ to, within 13 months, at most MAX_ACCURACY_DAYS. */
export function checkAccuracyRange(from: string | undefined, to: string | undefined, now: number, timeZone: string): { ok: true; from: string; to: string } | { ok: false; refusal: Refusal } {
  const today = localDayOf(now, timeZone);
  // The days given are read before a default is derived from them, so a refusal names what the caller sent.
  for (const [name, v] of [['to', to], ['from', from]] as const) {
    if (v !== undefined && Number.isNaN(parseRangeBound(v, timeZone))) {
      return { ok: false, refusal: badDay(name, v) };
    }
  }
  const last = to ?? today;
  const first = from ?? addDays(last, -6);
  for (const [name, v] of [['from', first], ['to', last]] as const) {
    if (Number.isNaN(parseRangeBound(v, timeZone))) {
      return { ok: false, refusal: badDay(name, v) };
    }
  }
  if (first > last) return { ok: false, refusal: refusal('days_reversed', {}, 'from must not be after to (both days are included)') };
  if (last > addDays(today, 1)) return { ok: false, refusal: refusal('range_too_late', { latest: addDays(today, 1) }, `to must not be later than tomorrow (${addDays(today, 1)})`) };
  const earliest = addMonths(today, -STATS_HISTORY_MONTHS);
  if (first < earliest) return { ok: false, refusal: refusal('range_too_early', { earliest, months: STATS_HISTORY_MONTHS }, `beyond ${STATS_HISTORY_MONTHS} months: from must be ${earliest} or later`) };
  if (daysBetween(first, last).length > MAX_ACCURACY_DAYS) return { ok: false, refusal: refusal('range_too_long', { days: MAX_ACCURACY_DAYS }, `at most ${MAX_ACCURACY_DAYS} days at once`) };
  return { ok: true, from: first, to: last };
}

export function recommendationRoutes(base: FastifyInstance, deps: RecommendationRouteDeps): void {
  const { recommender, rejected } = deps;
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/api/incidents/:id/recommendations', {
    config: { roles: DISPATCH_ROLES },
    // Bad input is counted here; the app's error handler answers it (a 400 naming the field).
    errorHandler(err: FastifyError) {
      if (err.validation) rejected.inc({ reason: 'invalid_request' });
      throw err;
    },
    schema: {
      tags: ['dispatch'],
      summary: 'Available units ranked by the dispatch policy (role for the incident type, ETA along the roads against the on-scene target), each with its reasons; and the emergency units within 1, 3 and 5 minutes\' walk',
      params: Type.Object({ id: IncidentIdSchema }),
      querystring: Type.Object({
        limit: Type.Optional(QueryInteger({ minimum: 1, maximum: MAX_CANDIDATES, default: DEFAULT_CANDIDATES })),
      }, { additionalProperties: false }),
      response: { 200: RecommendationSchema, 400: ApiErrorSchema, 404: NotFoundSchema },
    },
  }, async (req, reply) => {
    const incident = await base.live.repo.getIncident(req.params.id);
    if (!incident) {
      rejected.inc({ reason: 'unknown_incident' });
      return notFound(reply, 'incident', req.params.id);
    }
    const now = Date.now();
    const [candidates, rings] = await Promise.all([
      recommender.candidates(incident, req.query.limit ?? DEFAULT_CANDIDATES, now),
      recommender.rings(incident),
    ]);
    const out: Recommendation = { incidentId: incident.id, computedAt: now, candidates, rings };
    return out;
  });
}

export function etaAccuracyRoutes(base: FastifyInstance, deps: RecommendationRouteDeps): void {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/api/stats/eta-accuracy', {
    config: { roles: VIEW_ROLES },
    errorHandler(err: FastifyError) {
      if (err.validation) deps.rejected.inc({ reason: 'invalid_request' });
      throw err;
    },
    schema: {
      tags: ['stats'],
      summary: 'ETA error (|predicted − actual| ÷ actual) p50/p90 by unit kind over local days [from, to], and the calibration the ranking applies',
      querystring: EtaAccuracyQuerySchema,
      response: { 200: EtaAccuracyResponseSchema, 400: ApiErrorSchema },
    },
  }, async (req, reply) => {
    const r = checkAccuracyRange(req.query.from, req.query.to, Date.now(), deps.timeZone);
    if (!r.ok) {
      deps.rejected.inc({ reason: 'invalid_range' });
      return reply.code(400).send(r.refusal);
    }
    const counts = countsByKind(await deps.accuracy.readDays(daysBetween(r.from, r.to)));
    const out: EtaAccuracyResponse = {
      from: r.from, to: r.to,
      byKind: MOVING_KINDS.filter((k) => (counts.get(k)?.n ?? 0) > 0).map((kind) => ({ kind, ...errorFigures(counts.get(kind)) })),
      all: errorFigures(allKinds(counts)),
      calibration: deps.calibrator.calibration(),
    };
    return out;
  });
}
