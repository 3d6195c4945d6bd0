// The chart types and components the statistics screens draw, added to the wall's tree-shaken ECharts
// (lib/echarts.ts registers only what the wall map needs; `use` is global and idempotent).
import { BarChart, HeatmapChart, LineChart, MapChart } from 'echarts/charts';
import {
  GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, VisualMapComponent,
} from 'echarts/components';
import { echarts } from '../../lib/echarts';

echarts.use([BarChart, HeatmapChart, LineChart, MapChart, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, VisualMapComponent]);

export { echarts };
