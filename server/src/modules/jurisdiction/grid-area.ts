// Area of a grid polygon on the sphere (good to well under 1 % at town scale).
import type { GridFeature } from '@ccr/shared';

const R = 6_371_008.8;
const rad = (d: number): number => (d * Math.PI) / 180;

function ringAreaM2(ring: [number, number][]): number {
  let sum = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    const [x1, y1] = ring[i]!;
    const [x2, y2] = ring[i + 1]!;
    sum += rad(x2 - x1) * (2 + Math.sin(rad(y1)) + Math.sin(rad(y2)));
  }
  return Math.abs((sum * R * R) / 2);
}

export function gridAreaKm2(geometry: GridFeature['geometry']): number {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  let m2 = 0;
  for (const [outer, ...holes] of polygons) {
    if (!outer) continue;
    m2 += ringAreaM2(outer) - holes.reduce((s, h) => s + ringAreaM2(h), 0);
  }
  return m2 / 1e6;
}
