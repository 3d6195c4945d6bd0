// Pure option builders for the wall map. Plain data in, ECharts options out; no chart instance, no Vue.
//
// ECharts re-renders every component and series of an instance on each setOption (the geo component
// rebuilds all its polygons), so the map is three instances stacked in one box, sharing one geo layout:
//   base       grids (geo), roads, emergency units   — drawn once (again only when those change)
//   units      the unit layers                       — redrawn when positions flush (≤ 5 Hz)
//   incidents  ripples (zlevel 0) under pins (zlevel 1) — redrawn when incidents change; the ripple
//              animation repaints only its own canvas
import type { EChartsCoreOption } from 'echarts/core';
import {
  UNIT_KINDS, type FramePosition, type GridCollection, type Incident, type LiveUnit, type Locale, type Priority,
  type RoadCollection, type UnitKind,
} from '@ccr/shared';
import {
  COLORS, FONT_FAMILY, INCIDENT_SYMBOL_PATH, KIND_SYMBOLS, KIND_SYMBOL_SIZE, MAP_UNIT_KINDS, PRIORITY_COLORS,
  UNIT_CLASS_COLORS, UNIT_COLOR_CLASSES, unitColorClass, type MapUnitKind, type UnitColorClass,
} from './palette';

export const MAP_NAME = 'jurisdiction';
export const EMERGENCY_SERIES_ID = 'emergency';
export const PULSE_SERIES_ID = 'incidents-pulse';
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

/** The middle instance: one large layer per unit kind × status, all empty. */
export function buildUnitsMapOption(grids: GridCollection): EChartsCoreOption {
  const unitSeries: object[] = [];
  for (const kind of MAP_UNIT_KINDS) for (const cls of UNIT_COLOR_CLASSES) unitSeries.push(unitLayer(kind, cls));
  return {
    backgroundColor: 'transparent',
    animation: false,
    geo: geoLayout(grids, false),
    series: [
      ...unitSeries,
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
    if (layer.length >= cap) continue;
    const p = positions.get(u.id);
    if (p) layer.push(p[1], p[2]);
    else if (u.position) layer.push(u.position.lng, u.position.lat);
    else if (u.kind === 'emergency_unit' && u.home) layer.push(u.home[0], u.home[1]);
  }
  const out: UnitSeriesData[] = [{ id: EMERGENCY_SERIES_ID, data: Float64Array.from(emergency) }];
  for (const [id, data] of layers) out.push({ id, data: Float64Array.from(data) });
  return out;
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
