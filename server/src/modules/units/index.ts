// Units as the live picture knows them.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { LiveUnitSchema, UnitIdSchema, UnitKindSchema, UnitStatusSchema, VIEW_ROLES } from '@ccr/shared';
import { NotFoundSchema, notFound } from '../http-errors.js';

const LiveUnitWithAgeSchema = Type.Composite([LiveUnitSchema, Type.Object({
  /** Milliseconds since the position's own timestamp; null when the unit has never reported. */
  positionAgeMs: Type.Union([Type.Number(), Type.Null()]),
})]);

export const unitsModule: FastifyPluginAsync = async (base) => {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/api/units', {
    config: { roles: VIEW_ROLES },
    schema: {
      tags: ['live'], summary: 'All units with status, staleness and last position',
      querystring: Type.Object({
        kind: Type.Optional(UnitKindSchema),
        status: Type.Optional(UnitStatusSchema),
        stale: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false }),
      response: { 200: Type.Array(LiveUnitSchema) },
    },
  }, async (req) => {
    const { kind, status, stale } = req.query;
    return (await app.live.repo.readUnits())
      .filter((u) => (kind === undefined || u.kind === kind) && (status === undefined || u.status === status) && (stale === undefined || u.stale === stale))
      .sort((a, b) => a.id.localeCompare(b.id));
  });

  app.get('/api/units/:id', {
    config: { roles: VIEW_ROLES },
    schema: {
      tags: ['live'], summary: 'One unit, with its last position and that position\'s age',
      params: Type.Object({ id: UnitIdSchema }),
      response: { 200: LiveUnitWithAgeSchema, 404: NotFoundSchema },
    },
  }, async (req, reply) => {
    const unit = await app.live.repo.readUnit(req.params.id);
    if (!unit) return notFound(reply, 'unit', req.params.id);
    return { ...unit, positionAgeMs: unit.position && unit.position.ts > 0 ? Math.max(0, Date.now() - unit.position.ts) : null };
  });
};
