// Cheap rolling timings of the map's unit flush, readable from the console or a browser test as
// `window.__ccrWallPerf` (no effect on the page).
export interface FlushSample { buildMs: number; renderMs: number; points: number }

export class MapPerf {
  flushes = 0;
  last: FlushSample = { buildMs: 0, renderMs: 0, points: 0 };
  maxTotalMs = 0;
  /** The least a flush took: its cost without contention from other work on the machine. */
  minTotalMs = Infinity;
  private window: number[] = [];

  record(buildMs: number, renderMs: number, points: number): void {
    this.flushes++;
    this.last = { buildMs, renderMs, points };
    const total = buildMs + renderMs;
    if (this.flushes > 3) {
      // the first flushes warm up the JIT
      this.maxTotalMs = Math.max(this.maxTotalMs, total);
      this.minTotalMs = Math.min(this.minTotalMs, total);
    }
    this.window.push(total);
    if (this.window.length > 120) this.window.shift();
  }

  /** Median of the last 120 flushes, in ms. */
  get p50(): number { return this.quantile(0.5); }
  /** p95 of the last 120 flushes, in ms. */
  get p95(): number { return this.quantile(0.95); }

  private quantile(q: number): number {
    if (this.window.length === 0) return 0;
    const s = [...this.window].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(s.length * q))]!;
  }

  /** Attention moves (the three instances re-laid out at a new centre and zoom): how long each setOption took. */
  moves: number[] = [];
  /** Every move so far (the list keeps the last 50): how a probe sees that one happened. */
  movesTotal = 0;
  recordMove(ms: number): void {
    this.movesTotal++;
    this.moves.push(ms);
    if (this.moves.length > 50) this.moves.shift();
  }

  reset(): void { this.flushes = 0; this.maxTotalMs = 0; this.minTotalMs = Infinity; this.window = []; this.moves = []; }
}

export const mapPerf = new MapPerf();
(globalThis as { __ccrWallPerf?: MapPerf }).__ccrWallPerf = mapPerf;
