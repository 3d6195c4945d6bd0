import { describe, expect, it } from 'vitest';
import type { FramePosition, GridCollection } from '@ccr/shared';
import { incident, T0, unit } from '../test/fixtures';
import {
  EMERGENCY_SERIES_ID, MAX_MAP_INCIDENTS, PULSE_SERIES_ID, aspectScaleFor, buildBaseMapOption, buildIncidentSeriesData,
  buildIncidentsMapOption, buildUnitSeriesData, buildUnitsMapOption, gridNames, incidentSeriesId, isPulsing, layerPoints, pulseKey,
  sameLayer, unitSeriesId,
} from './map';
import { typeCounts } from './byType';
import { COLORS, KIND_SYMBOLS, MAP_UNIT_KINDS, PRIORITY_COLORS, UNIT_CLASS_COLORS, unitColorClass } from './palette';

const grids: GridCollection = {
  type: 'FeatureCollection',
  features: [
    { type: 'Feature', properties: { id: 'G01', name: '中山街网格', nameEn: 'Zhongshan St' }, geometry: { type: 'Polygon', coordinates: [[[116.6, 39.0], [116.7, 39.0], [116.7, 39.1], [116.6, 39.0]]] } },
    { type: 'Feature', properties: { id: 'G02', name: '胜利村网格' }, geometry: { type: 'MultiPolygon', coordinates: [[[[116.7, 39.0], [116.8, 39.0], [116.8, 39.1], [116.7, 39.0]]]] } },
  ],
};

type AnySeries = { id: string; type: string; data: unknown[]; itemStyle?: { color?: string }; progressiveThreshold?: number; animation?: boolean; large?: boolean };
const seriesOf = (o: unknown): AnySeries[] => (o as { series: AnySeries[] }).series;
const byId = (list: object[], id: string): AnySeries => (list as AnySeries[]).find((s) => s.id === id)!;

describe('unit colour class', () => {
  it('is green when available, amber when busy in any way, dim when off duty, grey when stale', () => {
    expect(unitColorClass({ status: 'available', stale: false })).toBe('available');
    for (const s of ['dispatched', 'en_route', 'on_scene', 'busy'] as const) expect(unitColorClass({ status: s, stale: false })).toBe('busy');
    expect(unitColorClass({ status: 'off_duty', stale: false })).toBe('off_duty');
    expect(unitColorClass({ status: 'available', stale: true })).toBe('stale');
    expect(UNIT_CLASS_COLORS.available).toBe(COLORS.ok);
    expect(UNIT_CLASS_COLORS.busy).toBe(COLORS.warn);
    expect(UNIT_CLASS_COLORS.stale).toBe(COLORS.stale);
  });
});

describe('unit symbols', () => {
  it('gives every kind on the map its own shape, built in so large mode draws it', () => {
    const shapes = MAP_UNIT_KINDS.map((k) => `${KIND_SYMBOLS[k].symbol}/${KIND_SYMBOLS[k].hollow}`);
    expect(new Set(shapes).size).toBe(MAP_UNIT_KINDS.length);
    for (const k of MAP_UNIT_KINDS) expect(KIND_SYMBOLS[k].symbol.startsWith('path://')).toBe(false);
  });
});

describe('map options', () => {
  const option = buildBaseMapOption({ grids, roads: { type: 'FeatureCollection', features: [
    { type: 'Feature', properties: { id: 'R1', class: 'primary' }, geometry: { type: 'LineString', coordinates: [[116.6, 39.0], [116.7, 39.1]] } },
  ] }, locale: 'zh-CN' });
  const unitsOption = buildUnitsMapOption(grids);
  const incidentsOption = buildIncidentsMapOption(grids);

  it('draws the grids by id and labels them with their names', () => {
    const geo = (option as { geo: { map: string; nameProperty: string; roam: boolean; label: { formatter: (p: { name: string }) => string; fontSize: number } } }).geo;
    expect(geo.map).toBe('jurisdiction');
    expect(geo.nameProperty).toBe('id');
    expect(geo.roam).toBe(false);
    expect(geo.label.formatter({ name: 'G01' })).toBe('中山街网格');
    expect(geo.label.fontSize).toBeGreaterThanOrEqual(14);
  });

  it('lays out every instance on the same invisible geo, so the layers line up', () => {
    type Geo = { geo: Record<string, unknown> };
    const { show: _a, label: _l, itemStyle: _i, emphasis: _e, select: _s, ...base } = (option as Geo).geo;
    for (const o of [unitsOption, incidentsOption] as Geo[]) {
      const { show, ...layout } = o.geo;
      expect(show).toBe(false);
      expect(layout).toEqual(base);
    }
    expect((option as Geo).geo.show).toBe(true);
  });

  it('has roads as polylines on geo and one large, unanimated layer per unit kind and status', () => {
    const roads = seriesOf(option).find((s) => s.id === 'roads-primary') as unknown as { type: string; polyline: boolean; coordinateSystem: string; data: unknown[] };
    expect(roads).toMatchObject({ type: 'lines', polyline: true, coordinateSystem: 'geo' });
    expect(roads.data).toHaveLength(1);
    const series = [...seriesOf(unitsOption), ...seriesOf(incidentsOption)];
    const unitLayers = series.filter((s) => s.id.startsWith('units-'));
    expect(unitLayers).toHaveLength(6 * 4);
    const emergencyLayer = byId(seriesOf(option), EMERGENCY_SERIES_ID); // static: on the base instance
    expect(series.find((s) => s.id === EMERGENCY_SERIES_ID)).toBeUndefined();
    for (const s of [...unitLayers, emergencyLayer]) {
      expect(s.animation).toBe(false);
      expect(s.large).toBe(true);
      expect(s.progressiveThreshold).toBeGreaterThanOrEqual(10_000);
      expect((s as unknown as { dimensions: string[] }).dimensions).toEqual(['lng', 'lat']); // required for typed arrays
    }
    expect(byId(series, unitSeriesId('patrol_car', 'stale')).itemStyle?.color).toBe(COLORS.stale);
    expect(byId(series, unitSeriesId('patrol_car', 'available')).itemStyle?.color).toBe(COLORS.ok);
    expect(byId(series, incidentSeriesId(1)).itemStyle?.color).toBe(PRIORITY_COLORS[1]);
    expect(byId(series, PULSE_SERIES_ID).type).toBe('effectScatter');
  });

  it('uses English grid names when asked, falling back to Chinese', () => {
    expect([...gridNames(grids, 'en').values()]).toEqual(['Zhongshan St', '胜利村网格']);
  });

  it('corrects the aspect for the latitude', () => {
    expect(aspectScaleFor(grids)).toBeCloseTo(Math.cos((39.05 * Math.PI) / 180), 5);
  });
});

describe('unit layers', () => {
  it('puts each unit in its kind × status layer, at its latest frame position', () => {
    const units = [
      unit({ id: 'A', status: 'available' }),
      unit({ id: 'B', status: 'en_route' }),
      unit({ id: 'C', status: 'available', stale: true }),
      unit({ id: 'D', kind: 'community_officer', team: 'community', status: 'off_duty' }),
      unit({ id: 'E', kind: 'emergency_unit', team: null, position: null, home: [116.61, 39.01] }),
      unit({ id: 'F', kind: 'foot_patrol', position: null }), // nowhere known yet: not drawn
    ];
    const positions = new Map<string, FramePosition>([['A', ['A', 116.65, 39.05, T0 + 1, null, null]]]);
    const out = buildUnitSeriesData(units, positions);
    const data = (id: string) => layerPoints(out.find((s) => s.id === id)!.data);
    expect(out).toHaveLength(1 + 6 * 4); // every layer, even empty ones
    expect(data(unitSeriesId('patrol_car', 'available'))).toEqual([[116.65, 39.05]]);
    expect(data(unitSeriesId('patrol_car', 'busy'))).toEqual([[116.69, 39.06]]);
    expect(data(unitSeriesId('patrol_car', 'stale'))).toHaveLength(1);
    expect(data(unitSeriesId('community_officer', 'off_duty'))).toHaveLength(1);
    expect(data(EMERGENCY_SERIES_ID)).toEqual([[116.61, 39.01]]);
    expect(data(unitSeriesId('foot_patrol', 'available'))).toEqual([]);
  });

  // How fast this is, is measured by `pnpm bench --suite wall` (build + setOption), not by a stopwatch here.
  it('builds 5,000 units into flat layers, every unit placed once', () => {
    const units = Array.from({ length: 5000 }, (_, i) => unit({ id: `U${i}`, status: i % 3 ? 'available' : 'busy' }));
    const positions = new Map<string, FramePosition>(units.map((u, i) => [u.id, [u.id, 116.6 + i * 1e-5, 39.0, T0, null, null]]));
    const out = buildUnitSeriesData(units, positions);
    expect(out.reduce((n, s) => n + s.data.length / 2, 0)).toBe(5000);
    expect(out.every((s) => s.data instanceof Float64Array)).toBe(true);
  });
});

describe('static layer comparison', () => {
  it('tells equal flat layers from changed ones', () => {
    const a = Float64Array.from([1, 2, 3, 4]);
    expect(sameLayer(null, a)).toBe(false);
    expect(sameLayer(Float64Array.from([1, 2, 3, 4]), a)).toBe(true);
    expect(sameLayer(Float64Array.from([1, 2, 3, 5]), a)).toBe(false);
    expect(sameLayer(Float64Array.from([1, 2]), a)).toBe(false);
  });
});

describe('incident layers', () => {
  it('colours incidents by priority and pulses only the recently received ones', () => {
    const now = T0 + 10 * 60_000;
    const list = [
      incident({ id: 'old-1', priority: 1, receivedAt: T0 }),
      incident({ id: 'new-1', priority: 1, receivedAt: now - 5_000, lng: 116.71 }),
      incident({ id: 'new-3', priority: 3, receivedAt: now - 59_000, lng: 116.72 }),
      incident({ id: 'old-2', priority: 2, receivedAt: now - 61_000 }),
    ];
    const out = buildIncidentSeriesData(list, now);
    const s = (id: string) => byId(out, id).data;
    expect(s(incidentSeriesId(1))).toHaveLength(2);
    expect(s(incidentSeriesId(2))).toHaveLength(1);
    expect(s(incidentSeriesId(3))).toHaveLength(1);
    const pulse = s(PULSE_SERIES_ID) as { value: number[]; itemStyle: { color: string } }[];
    expect(pulse.map((p) => p.value[0])).toEqual(expect.arrayContaining([116.71, 116.72]));
    expect(pulse).toHaveLength(2);
    expect(pulse.find((p) => p.value[0] === 116.71)?.itemStyle.color).toBe(PRIORITY_COLORS[1]);
    expect(isPulsing({ receivedAt: now - 60_000 }, now)).toBe(false);
    expect(pulseKey(list, now)).toBe('new-1:1,new-3:3');
    expect(pulseKey(list, now + 60_000)).toBe('');
  });

  it('bounds the number of incidents on the map, keeping the newest', () => {
    const list = Array.from({ length: MAX_MAP_INCIDENTS + 100 }, (_, i) => incident({ id: `I${i}`, priority: 3, reportedAt: T0 + i }));
    const out = buildIncidentSeriesData(list, T0 + 10 * 3_600_000);
    expect(byId(out, incidentSeriesId(3)).data).toHaveLength(MAX_MAP_INCIDENTS);
  });
});

describe('today by type', () => {
  it('lists every documented type in a fixed order with zeros, in Chinese by default', () => {
    const rows = typeCounts({ date: '2026-11-23', total: 3, byType: { fraud: 2, theft: 1 }, byPriority: {} }, 'zh-CN');
    expect(rows[0]).toEqual({ type: 'theft', label: '盗窃', count: 1 });
    expect(rows[1]).toEqual({ type: 'fraud', label: '诈骗', count: 2 });
    expect(rows).toHaveLength(10);
    expect(rows.find((r) => r.type === 'help')?.count).toBe(0);
  });
});
