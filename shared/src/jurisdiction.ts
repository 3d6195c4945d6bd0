// The jurisdiction a station runs on, as data files it can replace with its own:
//   station.json  (StationSchema)   grids.geojson (GridCollectionSchema)
//   roads.geojson (RoadCollectionSchema)   roster.json (RosterSchema)
//   volunteers.json (VolunteerRosterSchema, optional: without it nobody logs in as a volunteer)
// Schemas check each file; checkJurisdiction() checks that they agree with one another; parseJurisdictionFiles()
// does both from the files' texts.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { GridIdSchema, LngLatSchema, UnitSchema, type Unit } from './domain.js';
import { compileChecker } from './validate.js';
import { VolunteerRosterSchema, checkVolunteers, type Volunteer } from './volunteers.js';

export const StationSchema = Type.Object(
  {
    /** e.g. 胜芳派出所 */
    name: Type.String({ minLength: 1, maxLength: 64 }),
    nameEn: Type.Optional(Type.String({ maxLength: 64 })),
    /** e.g. 河北省廊坊市霸州市 */
    region: Type.Optional(Type.String({ maxLength: 64 })),
    center: LngLatSchema,
    /** IANA zone for "today" and hour-of-day; defaults to Asia/Shanghai. */
    timeZone: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type Station = Static<typeof StationSchema>;

const PositionSchema = Type.Tuple([Type.Number({ minimum: -180, maximum: 180 }), Type.Number({ minimum: -90, maximum: 90 })]);
const RingSchema = Type.Array(PositionSchema, { minItems: 4 });
const PolygonGeometrySchema = Type.Object({ type: Type.Literal('Polygon'), coordinates: Type.Array(RingSchema, { minItems: 1 }) });
const MultiPolygonGeometrySchema = Type.Object({
  type: Type.Literal('MultiPolygon'),
  coordinates: Type.Array(Type.Array(RingSchema, { minItems: 1 }), { minItems: 1 }),
});

export const GridPropertiesSchema = Type.Object({
  id: GridIdSchema,
  name: Type.String({ minLength: 1, maxLength: 64 }),
  nameEn: Type.Optional(Type.String({ maxLength: 64 })),
  /** The community officer responsible (一格一警): a roster unit of kind community_officer. */
  officerId: Type.Optional(Type.String({ maxLength: 64 })),
});
export type GridProperties = Static<typeof GridPropertiesSchema>;

export const GridFeatureSchema = Type.Object({
  type: Type.Literal('Feature'),
  id: Type.Optional(Type.Union([Type.String(), Type.Number()])),
  properties: GridPropertiesSchema,
  geometry: Type.Union([PolygonGeometrySchema, MultiPolygonGeometrySchema]),
});
export type GridFeature = Static<typeof GridFeatureSchema>;

export const GridCollectionSchema = Type.Object({
  type: Type.Literal('FeatureCollection'),
  features: Type.Array(GridFeatureSchema, { minItems: 1, maxItems: 2000 }),
});
export type GridCollection = Static<typeof GridCollectionSchema>;

export const ROAD_CLASSES = ['primary', 'secondary', 'local'] as const;
export const RoadFeatureSchema = Type.Object({
  type: Type.Literal('Feature'),
  id: Type.Optional(Type.Union([Type.String(), Type.Number()])),
  properties: Type.Object({
    id: Type.String({ minLength: 1, maxLength: 64 }),
    name: Type.Optional(Type.String({ maxLength: 64 })),
    class: Type.Union(ROAD_CLASSES.map((c) => Type.Literal(c))),
  }),
  geometry: Type.Object({ type: Type.Literal('LineString'), coordinates: Type.Array(PositionSchema, { minItems: 2 }) }),
});
export type RoadFeature = Static<typeof RoadFeatureSchema>;
export const RoadCollectionSchema = Type.Object({
  type: Type.Literal('FeatureCollection'),
  features: Type.Array(RoadFeatureSchema),
});
export type RoadCollection = Static<typeof RoadCollectionSchema>;

export const RosterSchema = Type.Object({ units: Type.Array(UnitSchema, { maxItems: 200_000 }) }, { additionalProperties: false });
export type Roster = Static<typeof RosterSchema>;

export interface Jurisdiction {
  station: Station;
  grids: GridCollection;
  roads: RoadCollection;
  units: Unit[];
  /** Individual volunteers of the volunteer teams (volunteers.json, optional): who may log in as one. */
  volunteers?: Volunteer[];
}

/** Cross-file rules the per-file schemas cannot see. Returns readable problems; empty means consistent. */
export function checkJurisdiction(j: Jurisdiction): string[] {
  const problems: string[] = [];
  const gridIds = new Set<string>();
  for (const f of j.grids.features) {
    if (gridIds.has(f.properties.id)) problems.push(`grids.geojson: duplicate grid id "${f.properties.id}"`);
    gridIds.add(f.properties.id);
  }
  const units = new Map<string, Unit>();
  for (const u of j.units) {
    if (units.has(u.id)) problems.push(`roster.json: duplicate unit id "${u.id}"`);
    units.set(u.id, u);
    if (u.gridId !== undefined && !gridIds.has(u.gridId)) problems.push(`roster.json: unit "${u.id}" names unknown grid "${u.gridId}"`);
    if (u.kind === 'emergency_unit' && !u.home) problems.push(`roster.json: emergency unit "${u.id}" has no home position`);
  }
  for (const f of j.grids.features) {
    const officer = f.properties.officerId;
    if (officer === undefined) continue;
    const u = units.get(officer);
    if (!u) problems.push(`grids.geojson: grid "${f.properties.id}" names unknown officer "${officer}"`);
    else if (u.kind !== 'community_officer') problems.push(`grids.geojson: grid "${f.properties.id}" officer "${officer}" is a ${u.kind}, not a community_officer`);
  }
  if (j.volunteers) problems.push(...checkVolunteers(j.volunteers, j.units, gridIds));
  return problems;
}

/** The files of a jurisdiction folder; volunteers.json is optional. */
export const JURISDICTION_FILES = ['station.json', 'grids.geojson', 'roads.geojson', 'roster.json', 'volunteers.json'] as const;
export type JurisdictionFile = (typeof JURISDICTION_FILES)[number];

/** One file as read from disk (or anywhere): its text, why it could not be read, or absent (volunteers.json only). */
export type JurisdictionFileText = { text: string } | { readError: string } | undefined;

export type ParsedJurisdiction = { ok: true; jurisdiction: Jurisdiction } | { ok: false; problems: string[] };

/** The whole check of a jurisdiction folder from its files' texts, every problem named with file and path — the same
 *  for the server (which runs on it) and the simulator (which plays its people); the reading itself is theirs. */
export function parseJurisdictionFiles(files: Readonly<Record<JurisdictionFile, JurisdictionFileText>>): ParsedJurisdiction {
  const part = <S extends TSchema>(file: JurisdictionFile, schema: S, problems: string[]): Static<S> | undefined => {
    const read = files[file];
    if (read === undefined || 'readError' in read) {
      problems.push(`${file}: cannot read (${read?.readError ?? 'ENOENT'})`);
      return undefined;
    }
    let value: unknown;
    try {
      value = JSON.parse(read.text);
    } catch (err) {
      problems.push(`${file}: not valid JSON (${(err as Error).message})`);
      return undefined;
    }
    const checked = compileChecker(schema).validate(value, 10);
    if (!checked.ok) {
      problems.push(...checked.errors.map((e) => `${file}: ${e}`));
      return undefined;
    }
    return checked.value;
  };
  // In file order, so the report reads the same whichever file was read first.
  const problems: string[] = [];
  const station = part('station.json', StationSchema, problems);
  const grids = part('grids.geojson', GridCollectionSchema, problems);
  const roads = part('roads.geojson', RoadCollectionSchema, problems);
  const roster = part('roster.json', RosterSchema, problems);
  if (!station || !grids || !roads || !roster) return { ok: false, problems };
  // Optional: a station without volunteer accounts has no volunteers.json.
  const volunteers = files['volunteers.json'] === undefined ? { volunteers: [] } : part('volunteers.json', VolunteerRosterSchema, problems);
  if (!volunteers) return { ok: false, problems };
  const jurisdiction: Jurisdiction = { station, grids, roads, units: roster.units, volunteers: volunteers.volunteers };
  const crossProblems = checkJurisdiction(jurisdiction);
  return crossProblems.length > 0 ? { ok: false, problems: crossProblems } : { ok: true, jurisdiction };
}
