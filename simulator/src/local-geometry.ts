// Plane geometry in metres around the town centre. The demo town is drawn in a flat local frame
// (x east, y north) and only converted to WGS-84 at the end: at 10 km across, an equirectangular
// projection is off by centimetres, and clipping and intersection maths stay simple and exact.
import { pointInRing, type LngLat } from '@ccr/shared';

export type XY = [x: number, y: number];

const EARTH_RADIUS_M = 6_371_008.8; // the same sphere as haversineMeters in @ccr/shared
const M_PER_DEG_LAT = (EARTH_RADIUS_M * Math.PI) / 180;

export interface LocalFrame {
  toLngLat(p: XY): LngLat;
  toXY(p: LngLat): XY;
}

export function localFrame(center: LngLat): LocalFrame {
  const mPerDegLng = M_PER_DEG_LAT * Math.cos((center[1] * Math.PI) / 180);
  return {
    toLngLat: ([x, y]) => [center[0] + x / mPerDegLng, center[1] + y / M_PER_DEG_LAT],
    toXY: ([lng, lat]) => [(lng - center[0]) * mPerDegLng, (lat - center[1]) * M_PER_DEG_LAT],
  };
}

export const dist = (a: XY, b: XY): number => Math.hypot(b[0] - a[0], b[1] - a[1]);
export const lerp = (a: XY, b: XY, t: number): XY => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
const cross = (ax: number, ay: number, bx: number, by: number): number => ax * by - ay * bx;

/** Signed area (positive for counter-clockwise) of an open ring (last point ≠ first). */
export function signedArea(ring: readonly XY[]): number {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    a += xj * yi - xi * yj;
  }
  return a / 2;
}

export function centroid(ring: readonly XY[]): XY {
  let a = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    const f = xj * yi - xi * yj;
    a += f;
    cx += (xj + xi) * f;
    cy += (yj + yi) * f;
  }
  if (Math.abs(a) < 1e-9) return ring[0] ?? [0, 0];
  return [cx / (3 * a), cy / (3 * a)];
}

export const pointInRingXY: (p: XY, ring: readonly XY[]) => boolean = pointInRing;

/**
 * Sutherland–Hodgman against one half-plane: keeps the part of an open ring where a·x + b·y ≤ c.
 * Clipping by the half-planes of a Voronoi cell one after another yields the cell inside the town outline.
 */
export function clipRingByHalfPlane(ring: readonly XY[], a: number, b: number, c: number): XY[] {
  const out: XY[] = [];
  const side = (p: XY): number => a * p[0] + b * p[1] - c;
  for (let i = 0; i < ring.length; i++) {
    const cur = ring[i]!;
    const prev = ring[(i + ring.length - 1) % ring.length]!;
    const sc = side(cur);
    const sp = side(prev);
    if (sc <= 0) {
      if (sp > 0) out.push(lerp(prev, cur, sp / (sp - sc)));
      out.push(cur);
    } else if (sp <= 0) {
      out.push(lerp(prev, cur, sp / (sp - sc)));
    }
  }
  return out;
}

export interface SegmentHit {
  /** Fraction along the first segment. */
  t: number;
  /** Fraction along the second segment. */
  u: number;
}

/** Where segments p0→p1 and q0→q1 cross (fractions may fall a little outside 0..1; callers apply tolerance). */
export function segmentIntersection(p0: XY, p1: XY, q0: XY, q1: XY): SegmentHit | null {
  const rx = p1[0] - p0[0];
  const ry = p1[1] - p0[1];
  const sx = q1[0] - q0[0];
  const sy = q1[1] - q0[1];
  const denom = cross(rx, ry, sx, sy);
  if (Math.abs(denom) < 1e-9) return null; // parallel: roads are drawn so they never overlap
  const qpx = q0[0] - p0[0];
  const qpy = q0[1] - p0[1];
  return { t: cross(qpx, qpy, sx, sy) / denom, u: cross(qpx, qpy, rx, ry) / denom };
}

/** Closest point to p on segment a→b, with its fraction along the segment. */
export function projectOnSegment(p: XY, a: XY, b: XY): { point: XY; t: number; distance: number } {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2));
  const point = lerp(a, b, t);
  return { point, t, distance: dist(p, point) };
}

/**
 * The parts of a polyline inside a polygon (open ring). A road drawn across the whole map becomes the
 * pieces that lie inside the town.
 */
export function clipPolylineToRing(line: readonly XY[], ring: readonly XY[]): XY[][] {
  const pieces: XY[][] = [];
  let current: XY[] = [];
  for (let i = 0; i + 1 < line.length; i++) {
    const a = line[i]!;
    const b = line[i + 1]!;
    const ts = [0, 1];
    for (let k = 0, j = ring.length - 1; k < ring.length; j = k++) {
      const hit = segmentIntersection(a, b, ring[j]!, ring[k]!);
      if (hit && hit.t > 0 && hit.t < 1 && hit.u >= 0 && hit.u <= 1) ts.push(hit.t);
    }
    ts.sort((x, y) => x - y);
    for (let k = 0; k + 1 < ts.length; k++) {
      const t0 = ts[k]!;
      const t1 = ts[k + 1]!;
      if (t1 - t0 < 1e-12) continue;
      const inside = pointInRingXY(lerp(a, b, (t0 + t1) / 2), ring);
      if (inside) {
        const start = lerp(a, b, t0);
        if (current.length === 0) current.push(start);
        current.push(lerp(a, b, t1));
      } else if (current.length > 0) {
        pieces.push(current);
        current = [];
      }
    }
  }
  if (current.length > 1) pieces.push(current);
  return pieces.filter((p) => p.length >= 2);
}

/** Total length of a polyline in metres. */
export function polylineLength(line: readonly XY[]): number {
  let len = 0;
  for (let i = 0; i + 1 < line.length; i++) len += dist(line[i]!, line[i + 1]!);
  return len;
}

/** Rounds a WGS-84 coordinate to 6 decimals (≈ 0.1 m), the precision of the committed files. */
export function round6(p: LngLat): LngLat {
  return [Math.round(p[0] * 1e6) / 1e6, Math.round(p[1] * 1e6) / 1e6];
}
