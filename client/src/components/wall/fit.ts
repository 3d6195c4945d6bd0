// v-fit: a number (or short label) shrinks its font until it fits its box, down to a floor, instead of spilling
// out of its tile when a figure grows (1,284 instead of 12; "100%" instead of "—"). Measured in layout pixels,
// which the canvas's CSS scale does not change.
import type { Directive } from 'vue';

const MIN_SHARE = 0.55;

function fit(el: HTMLElement): void {
  el.style.fontSize = '';
  const full = parseFloat(getComputedStyle(el).fontSize);
  if (!Number.isFinite(full) || el.clientWidth === 0) return;
  let size = full;
  while (el.scrollWidth > el.clientWidth + 0.5 && size > full * MIN_SHARE) {
    size = Math.max(full * MIN_SHARE, size * 0.92);
    el.style.fontSize = `${size.toFixed(1)}px`;
  }
}

const observers = new WeakMap<HTMLElement, ResizeObserver>();

export const vFit: Directive<HTMLElement> = {
  mounted(el) {
    fit(el);
    // The box itself may change (layout switch, fonts loading): fit again, once per frame at most.
    const ro = new ResizeObserver(() => requestAnimationFrame(() => fit(el)));
    ro.observe(el);
    observers.set(el, ro);
  },
  updated(el) { fit(el); },
  beforeUnmount(el) { observers.get(el)?.disconnect(); },
};
