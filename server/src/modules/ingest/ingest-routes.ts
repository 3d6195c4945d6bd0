// HTTP twins of the ingest contract for producers that cannot reach Redis. They validate with the same
// rules and then enter the same paths (the channel and the stream), so every node sees the result.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ApiErrorSchema, INGEST_LIMITS, IncidentReportSchema, PositionMessageSchema, refusal } from '@ccr/shared';
import { validateIncidentMessage, validatePositionMessage } from './ingest-validation.js';
import type { IngestRepository } from './ingest-repository.js';
import type { RejectLog } from './reject-log.js';

const ErrorSchema = Type.Composite([ApiErrorSchema, Type.Object({ reasons: Type.Optional(Type.Array(Type.Object({ reason: Type.String(), detail: Type.String(), count: Type.Integer() }))) })]);

export function ingestRoutes(app: FastifyInstance, ingest: IngestRepository, rejects: RejectLog): void {
  // Producers: PRODUCER_TOKEN as the bearer, or a token of a producer account.
  const config = { roles: ['producer'] as const };

  app.post('/api/ingest/positions', {
    config,
    bodyLimit: INGEST_LIMITS.positionMessageBytes,
    schema: {
      tags: ['ingest'], summary: 'Report positions (HTTP twin of PUBLISH <prefix>in:positions)',
      body: PositionMessageSchema,
      response: { 202: Type.Object({ accepted: Type.Integer(), rejected: Type.Integer() }), 400: ErrorSchema },
    },
    // The schema documents the body; validation is ours so a batch keeps its good reports and each bad one is counted.
    validatorCompiler: () => () => true,
  }, async (req, reply) => {
    // A clock ahead is clamped by the subscribers, which see the producer's own time (and count it once each).
    const { positions, rejections } = validatePositionMessage({ parsed: req.body }, Date.now(), INGEST_LIMITS.futureSkewMs);
    for (const r of rejections) rejects.record('positions', r, { via: 'http' });
    if (positions.length === 0) {
      const count = rejections.reduce((n, r) => n + r.count, 0);
      return reply.code(400).send({ ...refusal('positions_rejected', { count }, 'no valid position in the request'), reasons: rejections });
    }
    await ingest.publishPositions(JSON.stringify(positions));
    return reply.code(202).send({ accepted: positions.length, rejected: rejections.reduce((n, r) => n + r.count, 0) });
  });

  app.post('/api/ingest/incidents', {
    config,
    bodyLimit: INGEST_LIMITS.incidentMessageBytes,
    schema: {
      tags: ['ingest'], summary: 'Report an incident (HTTP twin of XADD <prefix>in:incidents * data <json>)',
      body: IncidentReportSchema,
      response: { 202: Type.Object({ streamId: Type.String() }), 400: ErrorSchema },
    },
    validatorCompiler: () => () => true,
  }, async (req, reply) => {
    const v = validateIncidentMessage({ parsed: req.body }, Date.now());
    if (!v.ok) {
      rejects.record('incidents', v.rejection, { via: 'http' });
      return reply.code(400).send({ ...refusal('incident_rejected', { reason: v.rejection.reason }, `invalid incident report: ${v.rejection.reason}`), reasons: [v.rejection] });
    }
    return reply.code(202).send({ streamId: await ingest.addIncident(JSON.stringify(v.report)) });
  });
}
