// Pure option builders for the wall map. Plain data in, ECharts options out; no chart instance, no Vue.
//
// ECharts re-renders every component and series of an instance on each setOption (the geo component
// rebuilds all its polygons), so the map is three instances stacked in one box, sharing one geo layout:
//   base       grids (geo), roads, emergency units   — drawn once (again only when those change)
//   units      the unit layers                       — redrawn when positions flush (≤ 5 Hz)
//   incidents  ripples (zlevel 0) under pins (zlevel 1) — redrawn when incidents change; the ripple
//              animation repaints only its own canvas; arrival rings on incidents police have reached
// Dispatch lines (unit → its incident) and the 1-3-5 reach rings live on the units instance: lines follow the
// units as they move, and an ECharts `lines` series claims (and clears) a canvas layer of its zlevel when it
// renders, so lines must share zlevel 0 of an instance that repaints whole anyway — never the incidents' pin layer.
// The dispatcher console draws one zoomed instance from the same builders (consoleMapOption).
import type { EChartsCoreOption } from 'echarts/core';
import {
  DEFAULT_REACH_OPTIONS, RING_MINUTES, ringRadiusMeters, UNIT_KINDS, type Candidate, type FramePosition, type ReachRing, type UnitStatus, type GridCollection, type Incident, type LiveUnit, type Locale, type Priority,
  type RoadCollection, type UnitKind,
} from '@ccr/shared';
import {
  COLORS, FONT_FAMILY, INCIDENT_SYMBOL_PATH, KIND_SYMBOLS, KIND_SYMBOL_SIZE, MAP_UNIT_KINDS, PRIORITY_COLORS,
  UNIT_CLASS_COLORS, UNIT_COLOR_CLASSES, unitColorClass, type MapUnitKind, type UnitColorClass,
} from './palette';

export const MAP_NAME = 'jurisdiction';
export const EMERGENCY_SERIES_ID = 'emergency';
export const PULSE_SERIES_ID = 'incidents-pulse';
export const DISPATCH_LINES_SERIES_ID = 'dispatch-lines';
export const DISPATCH_UNITS_SERIES_ID = 'dispatch-units';
export const ARRIVED_SERIES_ID = 'incidents-arrived';
export const REACH_RINGS_SERIES_ID = 'reach-rings';
/** Dispatch lines drawn at most: a station sends tens of units at once, never thousands. */
export const MAX_DISPATCH_LINES = 300;
/** Urgent incidents whose 1-3-5 rings the wall draws at most (the newest priority-1 ones still waiting). */
export const MAX_WALL_RING_INCIDENTS = 5;
/** Incidents drawn on the map at most (the open board is bounded by the server; this bounds the chart). */
export const MAX_MAP_INCIDENTS = 500;
/** Units drawn at most per layer; far above the 5,000-unit budget, it only guards against runaway input. */
export const MAX_UNITS_PER_SERIES = 20_000;
/** Unit layers hold flat [lng, lat, lng, lat, …] Float64Arrays: two dimensions per point. */
export const UNIT_LAYER_DIMENSIONS = ['lng', 'lat'];

const PRIORITY_SERIES: Record<Priority, string> = { 1: 'incidents-p1', 2: 'incidents-p2', 3: 'incidents-p3' };
export const incidentSeriesId = (p: Priority): string => PRIORITY_SERIES[p];
export const unitSeriesId = (kind: MapUnitKind, cls: UnitColorClass): string => `units-${kind}-${cls}`;

export type Point = [lng: number, lat: number];
export interface SeriesData { id: string; data: Point[] }
export interface UnitSeriesData { id: string; data: Float64Array }

export interface MapBaseInput {
  grids: GridCollection;
  roads: RoadCollection;
  locale: Locale;
}

/** Grid id → display name in the locale (English falls back to the Chinese name). */
export function gridNames(grids: GridCollection, locale: Locale): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of grids.features) m.set(f.properties.id, locale === 'en' ? (f.properties.nameEn ?? f.properties.name) : f.properties.name);
  return m;
}

/** Longitude degrees are shorter than latitude degrees away from the equator; ECharts needs the ratio. */
export function aspectScaleFor(grids: GridCollection): number {
  let min = Infinity, max = -Infinity;
  for (const f of grids.features) {
    const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
    for (const poly of polys) for (const ring of poly) for (const [, lat] of ring) {
      if (lat < min) min = lat;
      if (lat > max) max = lat;
    }
  }
  if (!Number.isFinite(min)) return 0.75;
  return Math.cos((((min + max) / 2) * Math.PI) / 180);
}

const ROAD_STYLE = {
  primary: { width: 2.2, color: COLORS.roadPrimary, opacity: 0.85 },
  secondary: { width: 1.3, color: COLORS.road, opacity: 0.8 },
  local: { width: 0.8, color: COLORS.road, opacity: 0.55 },
} as const;

export function roadSeries(roads: RoadCollection): object[] {
  return (['local', 'secondary', 'primary'] as const).map((cls) => ({
    id: `roads-${cls}`,
    type: 'lines',
    coordinateSystem: 'geo',
    polyline: true,
    silent: true,
    animation: false,
    z: 3,
    lineStyle: { ...ROAD_STYLE[cls], curveness: 0 },
    data: roads.features.filter((f) => f.properties.class === cls).map((f) => ({ coords: f.geometry.coordinates })),
  }));
}

/** What every big point layer shares (units, emergency units): fast, flat, never animated. */
const LARGE_POINT_LAYER = {
  type: 'scatter',
  coordinateSystem: 'geo',
  silent: true,
  animation: false,
  // Large mode draws a whole layer as one path: 5,000 units in a few milliseconds.
  large: true,
  largeThreshold: 200,
  progressive: 0,
  progressiveThreshold: 10_000,
  // Flat typed-array data needs its dimensions named (ECharts asserts this outside production builds).
  dimensions: UNIT_LAYER_DIMENSIONS,
} as const;

function unitLayer(kind: MapUnitKind, cls: UnitColorClass): object {
  const color = UNIT_CLASS_COLORS[cls];
  const dim = cls === 'off_duty' || cls === 'stale';
  const { symbol, hollow } = KIND_SYMBOLS[kind];
  return {
    ...LARGE_POINT_LAYER,
    id: unitSeriesId(kind, cls),
    symbol,
    symbolSize: KIND_SYMBOL_SIZE[kind],
    // Available units on top of busy ones, both above the dim ones.
    z: cls === 'available' ? 14 : cls === 'busy' ? 13 : 11,
    itemStyle: hollow
      ? { color: 'rgba(0,0,0,0)', opacity: dim ? 0.7 : 1, borderColor: color, borderWidth: 2.5 }
      // No outline on filled shapes: stroking 5,000 symbols costs as much as filling them.
      : { color, opacity: dim ? 0.7 : 1 },
    data: [],
  };
}

function incidentLayer(p: Priority): object {
  return {
    id: incidentSeriesId(p),
    type: 'scatter',
    coordinateSystem: 'geo',
    symbol: `path://${INCIDENT_SYMBOL_PATH}`,
    symbolKeepAspect: true,
    symbolSize: p === 1 ? 26 : 22,
    symbolOffset: [0, '-50%'],
    silent: true,
    animation: false,
    zlevel: 1,
    z: 20 + (4 - p),
    itemStyle: { color: PRIORITY_COLORS[p], borderColor: '#ffffff', borderWidth: 1.5 },
    data: [],
  };
}

/** The geo layout every map instance shares, so their coordinates line up exactly. */
export function geoLayout(grids: GridCollection, visible: boolean): Record<string, unknown> {
  return {
    map: MAP_NAME,
    nameProperty: 'id',
    show: visible,
    roam: false,
    silent: true,
    aspectScale: aspectScaleFor(grids),
    left: 24, right: 24, top: 24, bottom: 24,
  };
}

/**
 * The bottom instance: what (almost) never changes — grids, roads, and the fixed places of the minimum
 * emergency units (a city has thousands; they move only when the roster changes).
 */
export function buildBaseMapOption(input: MapBaseInput): EChartsCoreOption {
  const names = gridNames(input.grids, input.locale);
  return {
    backgroundColor: 'transparent',
    animation: false,
    textStyle: { fontFamily: FONT_FAMILY },
    geo: {
      ...geoLayout(input.grids, true),
      itemStyle: { areaColor: COLORS.gridFill, borderColor: COLORS.gridBorder, borderWidth: 1.2 },
      label: {
        show: true,
        color: COLORS.gridLabel,
        // Chinese names are short; English ones are long and would collide at the same size.
        fontSize: input.locale === 'en' ? 12 : 15,
        fontWeight: 500,
        fontFamily: FONT_FAMILY,
        textBorderColor: '#06101f',
        textBorderWidth: 3,
        formatter: (p: { name: string }) => names.get(p.name) ?? p.name,
      },
      emphasis: { disabled: true },
      select: { disabled: true },
    },
    series: [
      ...roadSeries(input.roads),
      {
        ...LARGE_POINT_LAYER,
        id: EMERGENCY_SERIES_ID,
        symbol: KIND_SYMBOLS.emergency_unit.symbol,
        symbolSize: KIND_SYMBOL_SIZE.emergency_unit,
        z: 5,
        itemStyle: { color: COLORS.emergency, opacity: 0.55 },
        data: [],
      },
    ],
  };
}

/** Lines from units to the incidents they are sent to: under the unit symbols, an arrow at the scene, no motion. */
export function dispatchLinesLayer(): object {
  return {
    id: DISPATCH_LINES_SERIES_ID,
    type: 'lines',
    coordinateSystem: 'geo',
    silent: true,
    animation: false,
    // Named, not left undefined: a lines series claims the canvas of its zlevel, and an undefined one is a canvas
    // of its own (a whole extra screen-sized layer to composite).
    zlevel: 0,
    z: 10,
    symbol: ['none', 'arrow'],
    symbolSize: 9,
    lineStyle: { color: COLORS.dispatch, width: 2.4, opacity: 0.95, type: [8, 5], curveness: 0 },
    data: [],
  };
}

/** A ring around each unit on its way, so a sent unit stands out even when its line is short. */
export function dispatchUnitsLayer(): object {
  return {
    id: DISPATCH_UNITS_SERIES_ID,
    type: 'scatter',
    coordinateSystem: 'geo',
    symbol: 'circle',
    symbolSize: 22,
    silent: true,
    animation: false,
    z: 15,
    itemStyle: { color: 'rgba(63, 208, 255, 0.12)', borderColor: COLORS.dispatch, borderWidth: 2.5 },
    data: [],
  };
}

/** The middle instance: one large layer per unit kind × status, all empty, and the dispatch lines. The wall draws
 *  its units on a canvas of its own above this instance (charts/unitPainter.ts) and asks for no unit layers. */
export function buildUnitsMapOption(grids: GridCollection, opts: { unitLayers?: boolean } = {}): EChartsCoreOption {
  const unitSeries: object[] = [];
  if (opts.unitLayers ?? true) for (const kind of MAP_UNIT_KINDS) for (const cls of UNIT_COLOR_CLASSES) unitSeries.push(unitLayer(kind, cls));
  return {
    backgroundColor: 'transparent',
    animation: false,
    geo: geoLayout(grids, false),
    series: [
      reachRingsLayer(),
      dispatchLinesLayer(),
      ...unitSeries,
      dispatchUnitsLayer(),
    ],
  };
}

/** The top instance: incidents as pins by priority, ripples under the new ones, all empty. */
export function buildIncidentsMapOption(grids: GridCollection): EChartsCoreOption {
  return {
    backgroundColor: 'transparent',
    animation: false,
    geo: geoLayout(grids, false),
    series: [
      {
        id: PULSE_SERIES_ID,
        type: 'effectScatter',
        coordinateSystem: 'geo',
        symbol: 'circle',
        symbolSize: 10,
        silent: true,
        animation: false,
        showEffectOn: 'render',
        rippleEffect: { brushType: 'stroke', scale: 3.2, period: 3, number: 2 },
        zlevel: 0,
        z: 30,
        itemStyle: { color: COLORS.danger },
        data: [],
      },
      arrivedLayer(),
      incidentLayer(3),
      incidentLayer(2),
      incidentLayer(1),
    ],
  };
}

const MAP_KIND_SET: ReadonlySet<UnitKind> = new Set<UnitKind>(MAP_UNIT_KINDS);

/**
 * Where a unit is drawn: its latest frame position, else the one it came with; emergency units fall back to home.
 * Unit layers' data: one flat [lng, lat, lng, lat, …] Float64Array per kind × colour class, plus the emergency
 * layer. A typed array goes into ECharts' storage without a per-point object, so a 5,000-unit flush stays
 * within a frame. Always returns every layer (empty ones too) so a unit that changes class leaves its old layer.
 */
export function buildUnitSeriesData(units: Iterable<LiveUnit>, positions: ReadonlyMap<string, FramePosition>): UnitSeriesData[] {
  const layers = new Map<string, number[]>();
  for (const kind of MAP_UNIT_KINDS) for (const cls of UNIT_COLOR_CLASSES) layers.set(unitSeriesId(kind, cls), []);
  const emergency: number[] = [];
  const cap = MAX_UNITS_PER_SERIES * 2;
  for (const u of units) {
    let layer: number[];
    if (u.kind === 'emergency_unit') layer = emergency;
    else if (MAP_KIND_SET.has(u.kind)) layer = layers.get(unitSeriesId(u.kind as MapUnitKind, unitColorClass(u)))!;
    else continue;
    if (layer.length < cap) pushPlace(layer, u, positions);
  }
  const out: UnitSeriesData[] = [{ id: EMERGENCY_SERIES_ID, data: Float64Array.from(emergency) }];
  for (const [id, data] of layers) out.push({ id, data: Float64Array.from(data) });
  return out;
}

function pushPlace(layer: number[], u: LiveUnit, positions: ReadonlyMap<string, FramePosition>): void {
  const p = positions.get(u.id);
  if (p) layer.push(p[1], p[2]);
  else if (u.position) layer.push(u.position.lng, u.position.lat);
  else if (u.kind === 'emergency_unit' && u.home) layer.push(u.home[0], u.home[1]);
}

/** The emergency layer alone (the wall draws the moving kinds on its own canvas). */
export function buildEmergencySeriesData(units: Iterable<LiveUnit>, positions: ReadonlyMap<string, FramePosition>): UnitSeriesData {
  const emergency: number[] = [];
  for (const u of units) if (u.kind === 'emergency_unit' && emergency.length < MAX_UNITS_PER_SERIES * 2) pushPlace(emergency, u, positions);
  return { id: EMERGENCY_SERIES_ID, data: Float64Array.from(emergency) };
}

/** True when two flat layers hold the same points (to skip redrawing the static emergency layer). */
export function sameLayer(a: Float64Array | null, b: Float64Array): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Points of a flat [lng, lat, …] layer, for tests and tools. */
export function layerPoints(data: Float64Array): Point[] {
  const out: Point[] = [];
  for (let i = 0; i + 1 < data.length; i += 2) out.push([data[i]!, data[i + 1]!]);
  return out;
}

/** A newly reported incident pulses for this long after the server accepted it. */
export const PULSE_WINDOW_MS = 60_000;
export const isPulsing = (i: Pick<Incident, 'receivedAt'>, serverNow: number): boolean =>
  serverNow - i.receivedAt >= -5_000 && serverNow - i.receivedAt < PULSE_WINDOW_MS;

export interface IncidentSeriesData extends SeriesData { color?: string }

/**
 * Incident layers by priority (newest first, at most MAX_MAP_INCIDENTS in all). Incidents reported within the
 * pulse window go to the pulse layer instead, coloured by priority.
 */
export function buildIncidentSeriesData(incidents: readonly Incident[], serverNow: number): object[] {
  const byPriority: Record<Priority, Point[]> = { 1: [], 2: [], 3: [] };
  const pulse: { value: Point; itemStyle: { color: string } }[] = [];
  const newestFirst = [...incidents].sort((a, b) => b.reportedAt - a.reportedAt).slice(0, MAX_MAP_INCIDENTS);
  // Draw older first so the newest end up on top.
  for (let k = newestFirst.length - 1; k >= 0; k--) {
    const i = newestFirst[k]!;
    const pt: Point = [i.lng, i.lat];
    byPriority[i.priority].push(pt);
    if (isPulsing(i, serverNow)) pulse.push({ value: pt, itemStyle: { color: PRIORITY_COLORS[i.priority] } });
  }
  return [
    { id: incidentSeriesId(1), data: byPriority[1] },
    { id: incidentSeriesId(2), data: byPriority[2] },
    { id: incidentSeriesId(3), data: byPriority[3] },
    { id: PULSE_SERIES_ID, data: pulse },
  ];
}

/** A stable key of which incidents pulse, to skip redrawing the pulse layer when nothing changed. */
export function pulseKey(incidents: readonly Incident[], serverNow: number): string {
  return incidents.filter((i) => isPulsing(i, serverNow)).map((i) => `${i.id}:${i.priority}`).sort().join(',');
}

/** Kinds shown in the legend, in the order of UNIT_KINDS. */
export const LEGEND_KINDS: readonly UnitKind[] = UNIT_KINDS.filter((k) => k !== 'emergency_unit');

// ---- dispatch: lines, arrivals, reach rings ----------------------------------------------------------------

/** Unit statuses drawn with a line to their incident: on the way. On scene, the arrival ring shows instead. */
const HEADING_TO_SCENE: ReadonlySet<UnitStatus> = new Set<UnitStatus>(['dispatched', 'en_route']);

/** `frozen`: the unit's fix has not changed for minutes while on its way (LiveUnit.frozenSince) — the line starts
 *  where the unit was, not where it is, and is drawn in the warning colour so nobody trusts its length. */
export interface DispatchLine { unitId: string; incidentId: string; coords: [Point, Point]; frozen?: boolean }

/**
 * One line per unit on its way to an incident (LiveUnit.incidentId), from where the unit is now to the scene.
 * Bounded by MAX_DISPATCH_LINES; a unit whose incident is not on the board (closed meanwhile) draws nothing.
 */
export function buildDispatchLines(
  units: Iterable<LiveUnit>, positions: ReadonlyMap<string, FramePosition>, incidents: ReadonlyMap<string, Incident>,
): DispatchLine[] {
  const out: DispatchLine[] = [];
  for (const u of units) {
    if (u.incidentId === undefined || !HEADING_TO_SCENE.has(u.status)) continue;
    const inc = incidents.get(u.incidentId);
    if (!inc) continue;
    const p = positions.get(u.id);
    const from: Point | null = p ? [p[1], p[2]] : u.position ? [u.position.lng, u.position.lat] : null;
    if (!from) continue;
    out.push({ unitId: u.id, incidentId: inc.id, coords: [from, [inc.lng, inc.lat]], ...(u.frozenSince !== undefined ? { frozen: true } : {}) });
    if (out.length >= MAX_DISPATCH_LINES) break;
  }
  return out;
}

const FROZEN_LINE = { color: COLORS.warn, type: [2, 4] };
const FROZEN_RING = { color: 'rgba(245, 165, 36, 0.15)', borderColor: COLORS.warn, borderType: 'dashed' };

/** What the dispatch lines show (ends, frozen or not): equal keys draw the same picture. */
export function dispatchLinesKey(lines: readonly DispatchLine[]): string {
  let key = '';
  for (const l of lines) key += `${l.coords[0][0]},${l.coords[0][1]},${l.coords[1][0]},${l.coords[1][1]},${l.frozen ? 1 : 0};`;
  return key;
}

/** The lines and the rings around their units, as two series patches; a frozen fix's in the warning colour. */
export function dispatchLinesSeries(lines: readonly DispatchLine[]): object[] {
  return [
    { id: DISPATCH_LINES_SERIES_ID, data: lines.map((l) => (l.frozen ? { coords: l.coords, lineStyle: FROZEN_LINE } : { coords: l.coords })) },
    { id: DISPATCH_UNITS_SERIES_ID, data: lines.map((l) => (l.frozen ? { value: l.coords[0], itemStyle: FROZEN_RING } : l.coords[0])) },
  ];
}

/** Statuses that show police have arrived. */
const ARRIVED_STATUSES = new Set(['on_scene', 'resolved']);

function arrivedLayer(): object {
  return {
    id: ARRIVED_SERIES_ID,
    type: 'scatter',
    coordinateSystem: 'geo',
    symbol: 'circle',
    symbolSize: 44,
    symbolOffset: [0, '-25%'],
    silent: true,
    animation: false,
    zlevel: 1,
    z: 18,
    itemStyle: { color: 'rgba(47, 209, 107, 0.22)', borderColor: COLORS.ok, borderWidth: 4 },
    data: [],
  };
}

function reachRingsLayer(): object {
  return {
    id: REACH_RINGS_SERIES_ID,
    type: 'lines',
    coordinateSystem: 'geo',
    polyline: true,
    silent: true,
    animation: false,
    zlevel: 0,
    z: 9,
    lineStyle: { width: 1.6, opacity: 0.9, type: [6, 4] },
    data: [],
  };
}

/** A circle of `radiusMeters` around a point as a closed polyline (the map has no metric circles). */
export function circlePath(center: Point, radiusMeters: number, segments = 48): Point[] {
  const [lng, lat] = center;
  const dLat = radiusMeters / 111_320;
  const dLng = radiusMeters / (111_320 * Math.cos((lat * Math.PI) / 180));
  const out: Point[] = [];
  for (let k = 0; k <= segments; k++) {
    const a = (2 * Math.PI * k) / segments;
    out.push([lng + dLng * Math.cos(a), lat + dLat * Math.sin(a)]);
  }
  return out;
}

/** Ring colours: 1 minute (self-help) to 5 minutes (police reinforcement). */
export const RING_COLORS: Record<number, string> = { 1: '#ff7a7c', 3: '#f5c451', 5: '#7fb4ff' };

export function ringLines(center: Point, rings: readonly { minutes: number; radiusMeters: number }[]): { coords: Point[]; lineStyle: { color: string } }[] {
  return rings.map((r) => ({ coords: circlePath(center, r.radiusMeters), lineStyle: { color: RING_COLORS[r.minutes] ?? COLORS.textDim } }));
}

/** Walking radii of the 1-3-5 rings with the default reach settings (the console uses the server's own). */
export const DEFAULT_RING_RADII = RING_MINUTES.map((minutes) => ({ minutes, radiusMeters: ringRadiusMeters(minutes, DEFAULT_REACH_OPTIONS) }));

/** The wall's arrival rings: incidents where police are on scene (or have handled it there). */
export function buildArrivedSeries(incidents: readonly Incident[]): { id: string; data: Point[] } {
  const arrived: Point[] = [];
  for (const i of incidents) {
    if (ARRIVED_STATUSES.has(i.status)) arrived.push([i.lng, i.lat]);
    if (arrived.length >= MAX_MAP_INCIDENTS) break;
  }
  return { id: ARRIVED_SERIES_ID, data: arrived };
}

/** The wall's 1-3-5 reach rings around the newest priority-1 incidents nobody has reached yet. */
export function buildReachRingSeries(incidents: readonly Incident[]): { id: string; data: { coords: Point[]; lineStyle: { color: string } }[] } {
  const rings: { coords: Point[]; lineStyle: { color: string } }[] = [];
  const urgent = incidents.filter((i) => i.priority === 1 && !ARRIVED_STATUSES.has(i.status)).sort((a, b) => b.reportedAt - a.reportedAt);
  for (const i of urgent.slice(0, MAX_WALL_RING_INCIDENTS)) rings.push(...ringLines([i.lng, i.lat], DEFAULT_RING_RADII));
  return { id: REACH_RINGS_SERIES_ID, data: rings };
}

/** Key of what the extra incident layers show, to skip redrawing when nothing they draw changed. */
export function dispatchIncidentKey(incidents: readonly Incident[]): string {
  let k = '';
  for (const i of incidents) if (ARRIVED_STATUSES.has(i.status) || i.priority === 1) k += `${i.id}:${i.status};`;
  return k;
}

// ---- the dispatcher console's zoomed map ---------------------------------------------------------------------

export const CANDIDATES_SERIES_ID = 'candidates';
export const RING_UNITS_SERIES_ID = 'ring-units';
export const SELECTED_SERIES_ID = 'selected-incident';
export const SEARCH_AREA_SERIES_ID = 'search-area';
export const SIGHTINGS_SERIES_ID = 'search-sightings';
/** A sighting's pin on the console map (协查). */
export const SIGHTING_COLOR = '#ff9f1a';

export interface ConsoleMapInput {
  grids: GridCollection;
  roads: RoadCollection;
  locale: Locale;
  /** Degrees of latitude the view shows top to bottom around the incident. */
  spanDeg?: number;
}

const boundsOf = new WeakMap<GridCollection, [w: number, s: number, e: number, n: number]>();
/** The jurisdiction's bounding box [west, south, east, north] (remembered per grid collection: the wall asks on
 *  every unit flush). [0, 0, 1, 1] when it has no coordinates. */
export function gridsBounds(grids: GridCollection): [w: number, s: number, e: number, n: number] {
  const known = boundsOf.get(grids);
  if (known) return known;
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (const f of grids.features) {
    const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
    for (const poly of polys) for (const ring of poly) for (const [lng, lat] of ring) {
      if (lng < minX) minX = lng;
      if (lng > maxX) maxX = lng;
      if (lat < minY) minY = lat;
      if (lat > maxY) maxY = lat;
    }
  }
  const box: [number, number, number, number] = Number.isFinite(minX) ? [minX, minY, maxX, maxY] : [0, 0, 1, 1];
  boundsOf.set(grids, box);
  return box;
}

/** Zoom factor that makes the geo view show about `spanDeg` of latitude (ECharts' zoom 1 fits the whole map). */
export function zoomForSpan(grids: GridCollection, spanDeg: number): number {
  if (grids.features.length === 0) return 1;
  const [w, s, e, n] = gridsBounds(grids);
  const extent = Math.max(n - s, (e - w) * aspectScaleFor(grids));
  return Math.max(1, extent / spanDeg);
}

/** The whole jurisdiction's centre, [lng, lat] (where the wall's overview is centred at zoom 1). */
export function gridsCentre(grids: GridCollection): Point {
  if (grids.features.length === 0) return [0, 0];
  const [w, s, e, n] = gridsBounds(grids);
  return [(w + e) / 2, (s + n) / 2];
}

/** The geo view (centre and zoom) that shows a box of [lng, lat] corners with a margin, never wider than zoom 1. */
export function geoViewOf(grids: GridCollection, box: [Point, Point], margin = 1.5): { center: Point; zoom: number } {
  const [[w, s], [e, n]] = box;
  const span = Math.max(n - s, (e - w) * aspectScaleFor(grids)) * margin;
  return { center: [(w + e) / 2, (s + n) / 2], zoom: span > 0 ? zoomForSpan(grids, span) : 1 };
}

/** The console map's frame: the jurisdiction (grids, roads, emergency units) plus the empty dispatch layers. */
export function consoleMapOption(input: ConsoleMapInput): EChartsCoreOption {
  const base = buildBaseMapOption(input) as { geo: Record<string, unknown>; series: object[] } & Record<string, unknown>;
  const units = buildUnitsMapOption(input.grids) as { series: object[] };
  const incidents = buildIncidentsMapOption(input.grids) as { series: object[] };
  return {
    ...base,
    geo: { ...base.geo, roam: false, silent: true, zoom: 1, label: { ...(base.geo.label as object), fontSize: 13 } },
    series: [
      ...base.series,
      ...units.series,
      ...incidents.series.filter((s) => (s as { id: string }).id !== PULSE_SERIES_ID),
      {
        id: RING_UNITS_SERIES_ID,
        type: 'scatter',
        coordinateSystem: 'geo',
        symbol: 'roundRect',
        symbolSize: 10,
        silent: true,
        animation: false,
        zlevel: 1,
        z: 16,
        data: [],
      },
      {
        id: CANDIDATES_SERIES_ID,
        type: 'scatter',
        coordinateSystem: 'geo',
        symbol: 'circle',
        symbolSize: 26,
        silent: true,
        animation: false,
        zlevel: 1,
        z: 30,
        itemStyle: { color: 'rgba(47, 209, 107, 0.2)', borderColor: COLORS.ok, borderWidth: 2 },
        label: { show: true, color: '#ffffff', fontSize: 13, fontWeight: 700, fontFamily: FONT_FAMILY, formatter: (p: { data: { rank: number } }) => String(p.data.rank) },
        data: [],
      },
      {
        id: SEARCH_AREA_SERIES_ID,
        type: 'lines',
        coordinateSystem: 'geo',
        polyline: true,
        silent: true,
        animation: false,
        zlevel: 0,
        z: 9,
        lineStyle: { width: 2, opacity: 0.9, color: SIGHTING_COLOR, type: [10, 6] },
        data: [],
      },
      {
        id: SIGHTINGS_SERIES_ID,
        type: 'scatter',
        coordinateSystem: 'geo',
        symbol: 'pin',
        symbolSize: 30,
        silent: true,
        animation: false,
        zlevel: 1,
        z: 32,
        itemStyle: { color: SIGHTING_COLOR, borderColor: '#ffffff', borderWidth: 1.5 },
        label: { show: true, color: '#1a1200', fontSize: 12, fontWeight: 700, fontFamily: FONT_FAMILY, offset: [0, -3], formatter: (p: { data: { n: number } }) => String(p.data.n) },
        data: [],
      },
      {
        id: SELECTED_SERIES_ID,
        type: 'scatter',
        coordinateSystem: 'geo',
        symbol: 'circle',
        symbolSize: 46,
        silent: true,
        animation: false,
        zlevel: 1,
        z: 17,
        itemStyle: { color: 'rgba(255,255,255,0)', borderColor: '#ffffff', borderWidth: 2, borderType: 'dashed' },
        data: [],
      },
    ],
  };
}

export interface ConsoleMapData {
  incidents: readonly Incident[];
  selected: Incident | null;
  units: Iterable<LiveUnit>;
  positions: ReadonlyMap<string, FramePosition>;
  candidates: readonly Candidate[];
  /** Units the dispatcher picked (drawn stronger). */
  picked: ReadonlySet<string>;
  rings: readonly ReachRing[];
  /** Zoom that shows a neighbourhood (zoomForSpan). */
  zoom: number;
  /** Move the view to the selected incident (on selection; otherwise the view stays where it is). */
  recentre?: boolean;
  /** The selected incident's broadcast search (协查): its area and its sightings, numbered as the console lists them. */
  search?: SearchMapData | null;
}

export interface SearchMapData { lng: number; lat: number; radiusM: number; status: string; sightings: readonly { lng: number; lat: number }[] }

/** The search's area (while it runs) and its sightings, numbered 1… in the order they came. */
export function searchSeries(s: SearchMapData | null | undefined): object[] {
  return [
    { id: SEARCH_AREA_SERIES_ID, data: s?.status === 'active' ? [{ coords: circlePath([s.lng, s.lat], s.radiusM, 72) }] : [] },
    { id: SIGHTINGS_SERIES_ID, data: (s?.sightings ?? []).map((p, k) => ({ value: [p.lng, p.lat] as Point, n: k + 1 })) },
  ];
}

/** Everything that changes on the console map, as one setOption patch (a few hundred points at most). */
export function consoleMapUpdate(d: ConsoleMapData): EChartsCoreOption {
  const unitLayers = buildUnitSeriesData(d.units, d.positions);
  const emergency = unitLayers.find((s) => s.id === EMERGENCY_SERIES_ID)!;
  const byId = new Map(d.incidents.map((i) => [i.id, i]));
  const lines = buildDispatchLines(d.units, d.positions, byId);
  const sel = d.selected;
  const candidateData = d.candidates.slice(0, 9).map((c, k) => {
    const p = d.positions.get(c.unitId);
    return p ? { value: [p[1], p[2]] as Point, rank: k + 1, itemStyle: d.picked.has(c.unitId) ? { borderColor: '#ffffff', borderWidth: 3, color: 'rgba(47, 209, 107, 0.55)' } : undefined } : null;
  }).filter((x) => x !== null);
  const ringUnits = d.rings.flatMap((r) => r.units.map((u) => ({ value: [u.lng, u.lat] as Point, itemStyle: { color: RING_COLORS[r.minutes] ?? COLORS.emergency } })));
  return {
    ...(d.recentre === false ? {} : { geo: sel ? { center: [sel.lng, sel.lat], zoom: d.zoom } : { center: undefined, zoom: 1 } }),
    series: [
      ...unitLayers.filter((s) => s !== emergency),
      { id: EMERGENCY_SERIES_ID, data: emergency.data },
      ...dispatchLinesSeries(lines),
      ...buildIncidentSeriesData(d.incidents, 0).filter((s) => (s as { id: string }).id !== PULSE_SERIES_ID),
      buildArrivedSeries(d.incidents),
      { id: REACH_RINGS_SERIES_ID, data: sel ? ringLines([sel.lng, sel.lat], d.rings) : [] },
      { id: RING_UNITS_SERIES_ID, data: ringUnits },
      { id: CANDIDATES_SERIES_ID, data: candidateData },
      ...searchSeries(d.search),
      { id: SELECTED_SERIES_ID, data: sel ? [[sel.lng, sel.lat]] : [] },
    ],
  };
}

// ---- community: overdue may-escalate disputes (issue 10) ------------------------------------------------------------

export const DISPUTE_MARKS_SERIES_ID = 'dispute-escalation';
/** A warning triangle with an exclamation mark (24×24), the marker of an overdue 可能激化 dispute. */
export const DISPUTE_MARK_PATH = 'M12 1 L23.5 22 H0.5 Z M10.6 8 L11 15.5 H13 L13.4 8 Z M10.6 17.2 V20 H13.4 V17.2 Z';
/** Marks drawn at most (a station has tens of open cases, not thousands). */
export const MAX_DISPUTE_MARKS = 200;
export interface DisputeMark { id: string; gridId: string; lng: number; lat: number }

/** The marks on the incidents instance's pin layer (zlevel 1), above the incidents. */
export function disputeMarksSeries(marks: readonly DisputeMark[]): object {
  return {
    id: DISPUTE_MARKS_SERIES_ID,
    type: 'scatter',
    coordinateSystem: 'geo',
    symbol: `path://${DISPUTE_MARK_PATH}`,
    symbolKeepAspect: true,
    symbolSize: 26,
    silent: true,
    animation: false,
    zlevel: 1,
    z: 30,
    itemStyle: { color: COLORS.warn, borderColor: COLORS.danger, borderWidth: 2 },
    data: marks.slice(0, MAX_DISPUTE_MARKS).map((m) => [m.lng, m.lat]),
  };
}

/** Their grids, tinted on the base instance's geo component (one region entry per grid). */
export function disputeGridRegions(marks: readonly DisputeMark[]): object[] {
  return [...new Set(marks.map((m) => m.gridId))].sort().map((name) => ({
    name, itemStyle: { areaColor: 'rgba(245, 165, 36, 0.22)', borderColor: COLORS.warn, borderWidth: 2 },
  }));
}
