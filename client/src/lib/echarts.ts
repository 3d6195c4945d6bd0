// ECharts, tree-shaken to what the wall draws.
import * as echarts from 'echarts/core';
import { BarChart, EffectScatterChart, LinesChart, ScatterChart } from 'echarts/charts';
import { GeoComponent, GridComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, EffectScatterChart, LinesChart, ScatterChart, GeoComponent, GridComponent, CanvasRenderer]);

export { echarts };
export type ECharts = echarts.ECharts;
