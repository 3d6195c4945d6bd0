// The map the screens draw: station, grids (GeoJSON) and roads, plus a per-grid summary.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { GridCollectionSchema, RoadCollectionSchema, StationSchema, VIEW_ROLES, type Jurisdiction } from '@ccr/shared';
import { gridAreaKm2 } from './grid-area.js';

const GridSummarySchema = Type.Object({
  id: Type.String(), name: Type.String(), nameEn: Type.Optional(Type.String()),
  officerId: Type.Optional(Type.String()), officerName: Type.Optional(Type.String()),
  areaKm2: Type.Number(), openIncidents: Type.Integer(),
});

export const jurisdictionRoutes: FastifyPluginAsync<{ jurisdiction: Jurisdiction }> = async (base, { jurisdiction }) => {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const station = { ...jurisdiction.station, timeZone: app.live.timeZone };
  const officerNames = new Map(jurisdiction.units.map((u) => [u.id, u.name]));
  const areas = new Map(jurisdiction.grids.features.map((f) => [f.properties.id, gridAreaKm2(f.geometry)]));

  app.get('/api/jurisdiction', {
    config: { roles: VIEW_ROLES },
    schema: {
      tags: ['map'], summary: 'Station, police grids (GeoJSON) and roads (GeoJSON) for the map',
      response: { 200: Type.Object({ station: StationSchema, grids: GridCollectionSchema, roads: RoadCollectionSchema }) },
    },
  }, async (_req, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return { station, grids: jurisdiction.grids, roads: jurisdiction.roads };
  });

  app.get('/api/grids', {
    config: { roles: VIEW_ROLES },
    schema: { tags: ['map'], summary: 'Police grids (警格) with their officer and open incidents', response: { 200: Type.Array(GridSummarySchema) } },
  }, async () => {
    const open = await app.live.repo.listIncidents({ openOnly: true, limit: 100_000, offset: 0 });
    const counts = new Map<string, number>();
    for (const i of open.incidents) if (i.gridId) counts.set(i.gridId, (counts.get(i.gridId) ?? 0) + 1);
    return jurisdiction.grids.features.map(({ properties: p }) => ({
      id: p.id, name: p.name, nameEn: p.nameEn, officerId: p.officerId,
      officerName: p.officerId ? officerNames.get(p.officerId) : undefined,
      areaKm2: Math.round((areas.get(p.id) ?? 0) * 100) / 100,
      openIncidents: counts.get(p.id) ?? 0,
    }));
  });
};
