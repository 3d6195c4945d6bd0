// The wall is designed on a fixed 1920×1080 canvas and scaled uniformly to the screen.
import { inject, ref, type InjectionKey, type Ref } from 'vue';

export const DESIGN_WIDTH = 1920;
export const DESIGN_HEIGHT = 1080;

export interface CanvasScale {
  /** CSS scale of the design canvas. */
  scale: Ref<number>;
  /** Device pixels per design pixel (devicePixelRatio × scale): the resolution charts must render at. */
  renderRatio: Ref<number>;
}

export const CANVAS_SCALE: InjectionKey<CanvasScale> = Symbol('canvas-scale');

/** Uniform fit: the largest scale at which the whole canvas is visible (letterboxed, never cropped). */
export function fitScale(viewW: number, viewH: number): { scale: number; left: number; top: number } {
  const scale = Math.max(0.05, Math.min(viewW / DESIGN_WIDTH, viewH / DESIGN_HEIGHT));
  return { scale, left: (viewW - DESIGN_WIDTH * scale) / 2, top: (viewH - DESIGN_HEIGHT * scale) / 2 };
}

export function useCanvasScale(): CanvasScale {
  return inject(CANVAS_SCALE, () => ({ scale: ref(1), renderRatio: ref(globalThis.devicePixelRatio || 1) }), true);
}
