// Screens are drawn on a design canvas scaled uniformly to the window. Fixed screens (console, statistics) use one
// 1920×1080 canvas. The wall instead picks a canvas of the screen's own shape — 1080 design pixels high and as
// wide as the screen's aspect ratio asks — and a layout for that width, so a 32:9 or 48:9 wall gets a larger map
// and more panels instead of black bars (DESIGN.md: letterbox ≤ 10 %).
import { inject, ref, type InjectionKey, type Ref } from 'vue';

export const DESIGN_WIDTH = 1920;
export const DESIGN_HEIGHT = 1080;

/** Narrowest and widest adaptive canvas: 16:9 (4:3 screens grow the canvas's height instead) to 64:9. */
export const MIN_ADAPTIVE_WIDTH = 1920;
export const MAX_ADAPTIVE_WIDTH = 7680;
/** Tallest adaptive canvas (a 4:3 screen at 1920 wide). */
export const MAX_ADAPTIVE_HEIGHT = 1440;

/** The wall's layouts by canvas width: 16:9 up to 21:9, 32:9 (3840 wide), 48:9 and wider (5760 wide). */
export type WallLayout = 'w16' | 'w32' | 'w48';
export const LAYOUT_MIN_WIDTH: Record<WallLayout, number> = { w16: 0, w32: 3000, w48: 4800 };

export function layoutFor(canvasWidth: number): WallLayout {
  if (canvasWidth >= LAYOUT_MIN_WIDTH.w48) return 'w48';
  if (canvasWidth >= LAYOUT_MIN_WIDTH.w32) return 'w32';
  return 'w16';
}

export interface CanvasFit {
  /** Design canvas size (CSS px before scaling). */
  width: number;
  height: number;
  scale: number;
  left: number;
  top: number;
}

export interface CanvasScale {
  /** CSS scale of the design canvas. */
  scale: Ref<number>;
  /** Device pixels per design pixel (devicePixelRatio × scale): the resolution charts must render at. */
  renderRatio: Ref<number>;
}

export const CANVAS_SCALE: InjectionKey<CanvasScale> = Symbol('canvas-scale');

/** Uniform fit of a canvas of the given size: the largest scale at which it is wholly visible, centred. */
export function fitCanvas(viewW: number, viewH: number, width = DESIGN_WIDTH, height = DESIGN_HEIGHT): CanvasFit {
  const scale = Math.max(0.05, Math.min(viewW / width, viewH / height));
  return { width, height, scale, left: (viewW - width * scale) / 2, top: (viewH - height * scale) / 2 };
}

/** The fixed 1920×1080 canvas (letterboxed on screens of another shape). */
export function fitScale(viewW: number, viewH: number): CanvasFit {
  return fitCanvas(viewW, viewH);
}

/**
 * A canvas of the screen's shape: 1080 high and 1080 × aspect wide, within [MIN, MAX]_ADAPTIVE_WIDTH; a screen
 * narrower than 16:9 keeps 1920 and grows the height (up to MAX_ADAPTIVE_HEIGHT). Only screens outside those
 * bounds (narrower than 4:3, wider than 64:9) are letterboxed.
 */
export function fitAdaptive(viewW: number, viewH: number): CanvasFit {
  const aspect = viewW > 0 && viewH > 0 ? viewW / viewH : DESIGN_WIDTH / DESIGN_HEIGHT;
  const width = Math.round(Math.min(MAX_ADAPTIVE_WIDTH, Math.max(MIN_ADAPTIVE_WIDTH, DESIGN_HEIGHT * aspect)));
  const height = Math.round(Math.min(MAX_ADAPTIVE_HEIGHT, Math.max(DESIGN_HEIGHT, width / aspect)));
  return fitCanvas(viewW, viewH, width, height);
}

/** Share of the window not covered by the canvas (0 = fills it). */
export function letterboxShare(viewW: number, viewH: number, fit: CanvasFit): number {
  if (viewW <= 0 || viewH <= 0) return 0;
  return 1 - Math.min(1, (fit.width * fit.scale * fit.height * fit.scale) / (viewW * viewH));
}

export function useCanvasScale(): CanvasScale {
  return inject(CANVAS_SCALE, () => ({ scale: ref(1), renderRatio: ref(globalThis.devicePixelRatio || 1) }), true);
}
