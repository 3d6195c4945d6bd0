// The dispatch marks on the wall and the console map: lines from units on their way, arrival rings, 1-3-5 rings.
import { describe, expect, it } from 'vitest';
import { haversineMeters, type FramePosition, type GridCollection, type Incident } from '@ccr/shared';
import { incident, T0, unit } from '../test/fixtures';
import { COLORS } from './palette';
import {
  ARRIVED_SERIES_ID, CANDIDATES_SERIES_ID, DISPATCH_LINES_SERIES_ID, DISPATCH_UNITS_SERIES_ID, dispatchLinesSeries, MAX_DISPATCH_LINES, MAX_WALL_RING_INCIDENTS, REACH_RINGS_SERIES_ID,
  buildArrivedSeries, buildDispatchLines, buildIncidentsMapOption, buildReachRingSeries, buildUnitsMapOption, circlePath, consoleMapOption,
  consoleMapUpdate, dispatchIncidentKey, zoomForSpan,
} from './map';

const grids: GridCollection = {
  type: 'FeatureCollection',
  features: [{ type: 'Feature', properties: { id: 'G01', name: '中山街网格' }, geometry: { type: 'Polygon', coordinates: [[[116.6, 39.0], [116.7, 39.0], [116.7, 39.1], [116.6, 39.0]]] } }],
};
type AnySeries = { id: string; type: string; data: unknown[] };
const seriesOf = (o: unknown): AnySeries[] => (o as { series: AnySeries[] }).series;
const byId = (list: object[], id: string): AnySeries => (list as AnySeries[]).find((s) => s.id === id)!;

describe('dispatch lines', () => {
  const inc = incident({ id: 'JQ-1', lng: 116.70, lat: 39.07, status: 'dispatched' });
  const incidents = new Map<string, Incident>([[inc.id, inc]]);

  it('joins each unit on its way to its incident, from its latest position', () => {
    const units = [
      unit({ id: 'P-01', status: 'dispatched', incidentId: 'JQ-1', position: { lng: 116.60, lat: 39.00, ts: T0 } }),
      unit({ id: 'P-02', status: 'en_route', incidentId: 'JQ-1', position: { lng: 116.61, lat: 39.01, ts: T0 } }),
      unit({ id: 'P-03', status: 'on_scene', incidentId: 'JQ-1', position: { lng: 116.70, lat: 39.07, ts: T0 } }),
      unit({ id: 'P-04', status: 'available', position: { lng: 116.62, lat: 39.02, ts: T0 } }),
      unit({ id: 'P-05', status: 'dispatched', incidentId: 'JQ-GONE', position: { lng: 116.62, lat: 39.02, ts: T0 } }),
    ];
    const positions = new Map<string, FramePosition>([['P-02', ['P-02', 116.65, 39.05, T0 + 1, null, null]]]);
    const lines = buildDispatchLines(units, positions, incidents);
    expect(lines).toEqual([
      { unitId: 'P-01', incidentId: 'JQ-1', coords: [[116.60, 39.00], [116.70, 39.07]] },
      { unitId: 'P-02', incidentId: 'JQ-1', coords: [[116.65, 39.05], [116.70, 39.07]] },
    ]);
  });

  it('is a small bounded layer on the units instance', () => {
    const many = Array.from({ length: MAX_DISPATCH_LINES + 50 }, (_, k) => unit({ id: `P-${k}`, status: 'en_route', incidentId: 'JQ-1', position: { lng: 116.6, lat: 39.0, ts: T0 } }));
    expect(buildDispatchLines(many, new Map(), incidents)).toHaveLength(MAX_DISPATCH_LINES);
    expect(byId(seriesOf(buildUnitsMapOption(grids)), DISPATCH_LINES_SERIES_ID).type).toBe('lines');
    // each unit on its way is ringed at its end of the line
    const [l, u] = dispatchLinesSeries([{ unitId: 'P-1', incidentId: 'JQ-1', coords: [[116.6, 39.0], [116.7, 39.07]] }]) as AnySeries[];
    expect([l!.id, u!.id]).toEqual([DISPATCH_LINES_SERIES_ID, DISPATCH_UNITS_SERIES_ID]);
    expect(u!.data).toEqual([[116.6, 39.0]]);
  });

  it('draws the line of a unit whose fix is frozen in the warning colour, dashed, from where it last was', () => {
    const frozen = unit({ id: 'P-09', status: 'en_route', incidentId: 'JQ-1', frozenSince: T0 - 240_000, position: { lng: 116.6, lat: 39.0, ts: T0 } });
    const moving = unit({ id: 'P-10', status: 'en_route', incidentId: 'JQ-1', position: { lng: 116.61, lat: 39.01, ts: T0 } });
    const lines = buildDispatchLines([frozen, moving], new Map(), incidents);
    expect(lines.map((l) => [l.unitId, l.frozen ?? false])).toEqual([['P-09', true], ['P-10', false]]);
    const [l, u] = dispatchLinesSeries(lines) as AnySeries[];
    const [fl, ml] = l!.data as { lineStyle?: { color: string } }[];
    expect(fl!.lineStyle?.color).toBe(COLORS.warn);
    expect(ml!.lineStyle).toBeUndefined();
    expect((u!.data as unknown[])[0]).toMatchObject({ value: [116.6, 39.0], itemStyle: { borderColor: COLORS.warn } });
    expect((u!.data as unknown[])[1]).toEqual([116.61, 39.01]);
  });
});

describe('arrival and reach rings', () => {
  it('rings the incidents police have reached and draws 1-3-5 rings around waiting priority-1 incidents only', () => {
    const list = [
      incident({ id: 'A', priority: 1, status: 'received', lng: 116.61, lat: 39.01 }),
      incident({ id: 'B', priority: 2, status: 'on_scene', lng: 116.62, lat: 39.02 }),
      incident({ id: 'C', priority: 2, status: 'received', lng: 116.63, lat: 39.03 }),
    ];
    const arrived = buildArrivedSeries(list);
    expect(arrived.id).toBe(ARRIVED_SERIES_ID);
    expect(arrived.data).toEqual([[116.62, 39.02]]);
    const rings = buildReachRingSeries(list);
    expect(rings.id).toBe(REACH_RINGS_SERIES_ID);
    expect(rings.data).toHaveLength(3);
    // arrival rings sit with the pins; the rings (a lines series) with the units, never on the pins' canvas
    expect(byId(seriesOf(buildIncidentsMapOption(grids)), ARRIVED_SERIES_ID)).toBeDefined();
    expect(seriesOf(buildIncidentsMapOption(grids)).filter((s) => s.type === 'lines')).toEqual([]);
    expect(byId(seriesOf(buildUnitsMapOption(grids)), REACH_RINGS_SERIES_ID).type).toBe('lines');
    // on the units' own canvas (zlevel 0), not a canvas of their own
    for (const s of seriesOf(buildUnitsMapOption(grids)).filter((x) => x.type === 'lines')) expect((s as unknown as { zlevel: number }).zlevel).toBe(0);
    const many = Array.from({ length: 20 }, (_, k) => incident({ id: `P1-${k}`, priority: 1, reportedAt: T0 + k }));
    expect(buildReachRingSeries(many).data).toHaveLength(3 * MAX_WALL_RING_INCIDENTS);
  });

  it('changes its key only when an arrival or an urgent incident changes', () => {
    const a = [incident({ id: 'A', priority: 2, status: 'received' })];
    expect(dispatchIncidentKey(a)).toBe(dispatchIncidentKey([{ ...a[0]!, updatedAt: T0 + 5 }]));
    expect(dispatchIncidentKey(a)).not.toBe(dispatchIncidentKey([{ ...a[0]!, status: 'on_scene' }]));
  });

  it('draws a circle of the given radius in metres', () => {
    const path = circlePath([116.7, 39.07], 300);
    expect(path[0]).toEqual(path.at(-1));
    for (const [lng, lat] of path) expect(Math.abs(haversineMeters([116.7, 39.07], [lng, lat]) - 300)).toBeLessThan(3);
  });
});

describe('console map', () => {
  it('centres on the selected incident at a neighbourhood zoom and numbers the candidates', () => {
    const option = consoleMapOption({ grids, roads: { type: 'FeatureCollection', features: [] }, locale: 'zh-CN' });
    expect(byId(seriesOf(option), CANDIDATES_SERIES_ID)).toBeDefined();
    const zoom = zoomForSpan(grids, 0.02);
    expect(zoom).toBeCloseTo(0.1 / 0.02, 1);
    const sel = incident({ id: 'JQ-1', lng: 116.65, lat: 39.05 });
    const units = [unit({ id: 'P-01', position: { lng: 116.651, lat: 39.051, ts: T0 } })];
    const positions = new Map<string, FramePosition>([['P-01', ['P-01', 116.651, 39.051, T0, null, null]]]);
    const upd = consoleMapUpdate({
      incidents: [sel], selected: sel, units, positions, zoom, picked: new Set(['P-01']), rings: [],
      candidates: [{ unitId: 'P-01', name: 'P-01', kind: 'patrol_car', team: 'patrol', status: 'available', distanceMeters: 140, etaSeconds: 22, positionAgeMs: 0, reasons: [] }],
    }) as { geo: { center: number[]; zoom: number }; series: AnySeries[] };
    expect(upd.geo).toEqual({ center: [116.65, 39.05], zoom });
    expect(byId(upd.series, CANDIDATES_SERIES_ID).data).toMatchObject([{ value: [116.651, 39.051], rank: 1 }]);
  });
});
