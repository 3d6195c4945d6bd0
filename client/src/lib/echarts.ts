// ECharts, tree-shaken to what the wall draws.
import * as echarts from 'echarts/core';
import { BarChart, EffectScatterChart, LinesChart, ScatterChart } from 'echarts/charts';
import { GeoComponent, GridComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import type { GridCollection } from '@ccr/shared';
import { MAP_NAME } from '../charts/map';

echarts.use([BarChart, EffectScatterChart, LinesChart, ScatterChart, GeoComponent, GridComponent, CanvasRenderer]);

export { echarts };
export type ECharts = echarts.ECharts;

const registeredGrids = new WeakSet<GridCollection>();
/** The police grids under MAP_NAME, for every screen's geo map: ECharts keeps one global map registry, so a
 *  jurisdiction is registered once however many views draw it. */
export function registerJurisdictionMap(grids: GridCollection): void {
  if (registeredGrids.has(grids)) return;
  // GeoJSON is what ECharts expects; our schema type is a strict subset of it.
  echarts.registerMap(MAP_NAME, grids as unknown as Parameters<typeof echarts.registerMap>[1]);
  registeredGrids.add(grids);
}
