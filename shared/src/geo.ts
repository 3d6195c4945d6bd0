// Pure geometry on WGS-84 longitude/latitude. Small distances (a town) so spherical formulas are exact enough.
import type { LngLat } from './domain.js';

export type Ring = LngLat[];
export type PolygonCoords = Ring[];
export type MultiPolygonCoords = PolygonCoords[];
export interface BBox { minLng: number; minLat: number; maxLng: number; maxLat: number }

const EARTH_RADIUS_M = 6_371_008.8;
const rad = (d: number): number => (d * Math.PI) / 180;

export function haversineMeters(a: LngLat, b: LngLat): number {
  const dLat = rad(b[1] - a[1]);
  const dLng = rad(b[0] - a[0]);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a[1])) * Math.cos(rad(b[1])) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

type Pair = readonly [number, number];

/** Ray casting; a point exactly on an edge may fall either side, which is fine for assigning grids.
 *  Works in any planar-enough frame: degrees here, local metres in the jurisdiction generator. */
export function pointInRing(p: Pair, ring: readonly Pair[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** GeoJSON polygon: the first ring is the outline, the others are holes. */
export function pointInPolygon(p: LngLat, polygon: PolygonCoords): boolean {
  const [outer, ...holes] = polygon;
  if (!outer || !pointInRing(p, outer)) return false;
  return !holes.some((h) => pointInRing(p, h));
}

export function pointInMultiPolygon(p: LngLat, polygons: MultiPolygonCoords): boolean {
  return polygons.some((poly) => pointInPolygon(p, poly));
}

export function bboxOfRings(rings: Iterable<Ring>): BBox {
  const b: BBox = { minLng: Infinity, minLat: Infinity, maxLng: -Infinity, maxLat: -Infinity };
  for (const ring of rings) {
    for (const [lng, lat] of ring) {
      if (lng < b.minLng) b.minLng = lng;
      if (lat < b.minLat) b.minLat = lat;
      if (lng > b.maxLng) b.maxLng = lng;
      if (lat > b.maxLat) b.maxLat = lat;
    }
  }
  return b;
}

export const inBBox = (p: LngLat, b: BBox): boolean =>
  p[0] >= b.minLng && p[0] <= b.maxLng && p[1] >= b.minLat && p[1] <= b.maxLat;

export interface GridShape { id: string; polygons: MultiPolygonCoords }

/**
 * Finds which grid contains a point. Built once per jurisdiction; a bbox test first keeps the
 * per-incident cost to a handful of full polygon tests.
 */
export function createGridLocator(grids: readonly GridShape[]): (p: LngLat) => string | null {
  const indexed = grids.map((g) => ({ id: g.id, polygons: g.polygons, bbox: bboxOfRings(g.polygons.flat()) }));
  return (p) => {
    for (const g of indexed) {
      if (inBBox(p, g.bbox) && pointInMultiPolygon(p, g.polygons)) return g.id;
    }
    return null;
  };
}

/** Point at fraction t (0..1) along the segment a→b. */
export function lerpLngLat(a: LngLat, b: LngLat, t: number): LngLat {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
}

/** Initial bearing a→b in degrees clockwise from north, 0..360. */
export function bearingDegrees(a: LngLat, b: LngLat): number {
  const y = Math.sin(rad(b[0] - a[0])) * Math.cos(rad(b[1]));
  const x = Math.cos(rad(a[1])) * Math.sin(rad(b[1])) - Math.sin(rad(a[1])) * Math.cos(rad(b[1])) * Math.cos(rad(b[0] - a[0]));
  return ((Math.atan2(y, x) * 180) / Math.PI + 360) % 360;
}
