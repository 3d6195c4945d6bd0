// The unit canvas's view is read from the chart at two points; a wrong view puts every unit in the wrong place.
import { describe, expect, it } from 'vitest';
import { geoViewFrom } from './unitPainter';
import { dispatchLinesKey } from './map';

describe('geoViewFrom', () => {
  it('recovers a per-axis scale and offset (latitude grows upwards, pixels downwards)', () => {
    const toPixel = ([lng, lat]: [number, number]): number[] => [(lng - 116.6) * 9000 + 40, (39.1 - lat) * 11000 + 12];
    const v = geoViewFrom(toPixel, [116.62, 39.03], [116.75, 39.09])!;
    for (const [lng, lat] of [[116.7, 39.05], [116.6, 39.1], [116.8, 39.0]] as const) {
      const [x, y] = toPixel([lng, lat]);
      expect(v.ax * lng + v.bx).toBeCloseTo(x!, 6);
      expect(v.ay * lat + v.by).toBeCloseTo(y!, 6);
    }
    expect(v.ay).toBeLessThan(0);
  });

  it('has no view before the chart can place points, or from one point twice', () => {
    expect(geoViewFrom(() => undefined, [0, 0], [1, 1])).toBeNull();
    expect(geoViewFrom((p) => p, [1, 1], [1, 2])).toBeNull();
  });
});

describe('dispatchLinesKey', () => {
  it('changes when a line moves or freezes, not otherwise', () => {
    const line = { unitId: 'U1', incidentId: 'I1', coords: [[116.7, 39.05], [116.71, 39.06]] as [[number, number], [number, number]] };
    const k = dispatchLinesKey([line]);
    expect(dispatchLinesKey([{ ...line }])).toBe(k);
    expect(dispatchLinesKey([{ ...line, coords: [[116.7001, 39.05], line.coords[1]] }])).not.toBe(k);
    expect(dispatchLinesKey([{ ...line, frozen: true }])).not.toBe(k);
    expect(dispatchLinesKey([])).not.toBe(k);
  });
});
