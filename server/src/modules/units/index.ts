// Units as the live picture knows them. The list is paged over the roster, which every node holds in memory: a page
// reads only its own units from Redis (a city's 20,000 units are never read whole by one request).
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { LiveUnitSchema, UnitIdSchema, UnitKindSchema, UnitStatusSchema, VIEW_ROLES, type Unit } from '@ccr/shared';
import { NotFoundSchema, notFound } from '../http-errors.js';

const LiveUnitWithAgeSchema = Type.Composite([LiveUnitSchema, Type.Object({
  /** Milliseconds since the position's own timestamp; null when the unit has never reported. */
  positionAgeMs: Type.Union([Type.Number(), Type.Null()]),
})]);

export const UNITS_PAGE_DEFAULT = 1_000;
export const UNITS_PAGE_MAX = 2_000;

export interface UnitsModuleOptions {
  /** The jurisdiction's roster: which units there are, and their kinds. */
  roster: readonly Unit[];
}

export const unitsModule: FastifyPluginAsync<UnitsModuleOptions> = async (base, opts) => {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const byId = [...opts.roster].sort((a, b) => a.id.localeCompare(b.id));
  app.get('/api/units', {
    config: { roles: VIEW_ROLES },
    schema: {
      tags: ['live'],
      summary: 'Units with status, staleness and last position, by id, a page at a time',
      description: `At most \`limit\` roster units after \`after\` (default ${UNITS_PAGE_DEFAULT}, at most ${UNITS_PAGE_MAX}), filtered by kind, status and staleness. `
        + 'When the roster goes on, a `Link: <…&after=ID>; rel="next"` header gives the next page; a page filtered by status or staleness may hold fewer units than `limit` and still have a next one.',
      querystring: Type.Object({
        kind: Type.Optional(UnitKindSchema),
        status: Type.Optional(UnitStatusSchema),
        stale: Type.Optional(Type.Boolean()),
        limit: Type.Integer({ minimum: 1, maximum: UNITS_PAGE_MAX, default: UNITS_PAGE_DEFAULT }),
        after: Type.Optional(UnitIdSchema),
      }, { additionalProperties: false }),
      response: { 200: Type.Array(LiveUnitSchema) },
    },
  }, async (req, reply) => {
    const { kind, status, stale, limit, after } = req.query;
    const roster = kind === undefined ? byId : byId.filter((u) => u.kind === kind);
    const start = after === undefined ? 0 : firstAfter(roster, after);
    const page = roster.slice(start, start + limit);
    if (start + limit < roster.length) {
      const next = new URLSearchParams();
      for (const [k, v] of Object.entries(req.query)) if (v !== undefined && k !== 'after') next.set(k, String(v));
      next.set('after', page.at(-1)!.id);
      void reply.header('link', `</api/units?${next.toString()}>; rel="next"`);
    }
    const units = await app.live.repo.readUnitsByIds(page.map((u) => u.id));
    return units
      .filter((u) => (status === undefined || u.status === status) && (stale === undefined || u.stale === stale))
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

/** The index of the first unit whose id sorts after `id` (the roster is sorted by id). */
function firstAfter(roster: readonly Unit[], id: string): number {
  let lo = 0;
  let hi = roster.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (roster[mid]!.id.localeCompare(id) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
