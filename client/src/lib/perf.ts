// Cheap rolling timings of the map's unit flush, readable from the console or a browser test as
// `window.__ccrWallPerf` (no effect on the page).
export interface FlushSample { buildMs: number; renderMs: number; points: number }

class MapPerf {
  flushes = 0;
  last: FlushSample = { buildMs: 0, renderMs: 0, points: 0 };
  maxTotalMs = 0;
  private window: number[] = [];

  record(buildMs: number, renderMs: number, points: number): void {
    this.flushes++;
    this.last = { buildMs, renderMs, points };
    const total = buildMs + renderMs;
    if (this.flushes > 3) this.maxTotalMs = Math.max(this.maxTotalMs, total); // skip warm-up
    this.window.push(total);
    if (this.window.length > 120) this.window.shift();
  }

  /** p95 of the last 120 flushes, in ms. */
  get p95(): number {
    if (this.window.length === 0) return 0;
    const s = [...this.window].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]!;
  }

  reset(): void { this.flushes = 0; this.maxTotalMs = 0; this.window = []; }
}

export const mapPerf = new MapPerf();
(globalThis as { __ccrWallPerf?: MapPerf }).__ccrWallPerf = mapPerf;
