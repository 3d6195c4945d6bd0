// Owns one ECharts instance for a component: created in onMounted, kept out of Vue reactivity, resized with
// its box, re-created at the new pixel ratio when the wall's scale changes (ECharts fixes devicePixelRatio at
// init, and a canvas scaled up by CSS would be blurry on 4K), disposed on unmount.
import { onBeforeUnmount, onMounted, watch, type Ref } from 'vue';
import { echarts, type ECharts } from './echarts';
import { useCanvasScale } from './scale';

export interface EChartHandle {
  /** The live instance, or null before mount / after unmount. Never store it in reactive state. */
  get(): ECharts | null;
}

export interface EChartInitOptions {
  /** Repaint only the changed rectangles: for layers where a little animates on a large canvas. */
  useDirtyRect?: boolean;
}

/** `setup` runs on every (re)creation and must draw the chart completely from current data. */
export function useEChart(el: Ref<HTMLElement | null>, setup: (chart: ECharts) => void, init: EChartInitOptions = {}): EChartHandle {
  const { renderRatio } = useCanvasScale();
  let chart: ECharts | null = null;
  let ratio = 0;
  let observer: ResizeObserver | null = null;
  let stopWatch: (() => void) | null = null;

  function create(): void {
    const box = el.value;
    if (!box) return;
    const want = renderRatio.value;
    if (chart && Math.abs(want - ratio) < 0.01) {
      chart.resize();
      return;
    }
    chart?.dispose();
    ratio = want;
    chart = echarts.init(box, null, { renderer: 'canvas', devicePixelRatio: ratio, useDirtyRect: init.useDirtyRect ?? false });
    setup(chart);
  }

  onMounted(() => {
    create();
    if (el.value && typeof ResizeObserver !== 'undefined') {
      observer = new ResizeObserver(() => chart?.resize());
      observer.observe(el.value);
    }
    stopWatch = watch(renderRatio, create);
  });

  onBeforeUnmount(() => {
    stopWatch?.();
    observer?.disconnect();
    observer = null;
    chart?.dispose();
    chart = null;
  });

  return { get: () => chart };
}
