import { describe, expect, it } from 'vitest';
import { bearingDegrees, createGridLocator, haversineMeters, pointInPolygon, type PolygonCoords } from './geo.js';
import type { LngLat } from './domain.js';

const square = (x: number, y: number, s: number): LngLat[] => [[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]];

describe('geo', () => {
  it('measures a degree of latitude as ~111 km and a degree of longitude at 39° N as ~86 km', () => {
    expect(haversineMeters([116.7, 39], [116.7, 40]) / 1000).toBeCloseTo(111.2, 0);
    expect(haversineMeters([116, 39], [117, 39]) / 1000).toBeCloseTo(86.4, 0);
    expect(haversineMeters([116.7, 39], [116.7, 39])).toBe(0);
  });

  it('tests points against polygons with holes', () => {
    const donut: PolygonCoords = [square(0, 0, 10), square(4, 4, 2)];
    expect(pointInPolygon([1, 1], donut)).toBe(true);
    expect(pointInPolygon([5, 5], donut)).toBe(false); // in the hole
    expect(pointInPolygon([11, 5], donut)).toBe(false);
  });

  it('locates the one grid containing a point, or none outside the jurisdiction', () => {
    const locate = createGridLocator([
      { id: 'A', polygons: [[square(0, 0, 1)]] },
      { id: 'B', polygons: [[square(1, 0, 1)], [square(5, 5, 1)]] },
    ]);
    expect(locate([0.5, 0.5])).toBe('A');
    expect(locate([1.5, 0.5])).toBe('B');
    expect(locate([5.5, 5.5])).toBe('B');
    expect(locate([3, 3])).toBeNull();
  });

  it('agrees with brute force on random points over a random lattice', () => {
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const grids = Array.from({ length: 12 }, (_, k) => ({ id: `G${k}`, polygons: [[square(k % 4, Math.floor(k / 4), 1)]] }));
    const locate = createGridLocator(grids);
    for (let i = 0; i < 2000; i++) {
      const p: LngLat = [rnd() * 5 - 0.5, rnd() * 4 - 0.5];
      const brute = grids.filter((g) => pointInPolygon(p, g.polygons[0]!)).map((g) => g.id);
      expect(locate(p)).toBe(brute[0] ?? null);
    }
  });

  it('gives compass bearings', () => {
    expect(bearingDegrees([116.7, 39], [116.7, 39.1])).toBeCloseTo(0, 5);
    expect(bearingDegrees([116.7, 39], [116.8, 39])).toBeCloseTo(90, 0);
  });
});
