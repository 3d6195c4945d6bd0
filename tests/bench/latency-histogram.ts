// Latency samples in 1 ms bins up to 60 s: millions of samples in constant memory, exact to the millisecond.
// Client processes send theirs to the bench as sparse [bin, count] pairs and the bench merges them.
export class LatencyHistogram {
  private readonly bins = new Float64Array(60_001);
  count = 0;
  max = 0;

  add(ms: number, times = 1): void {
    const i = Math.min(this.bins.length - 1, Math.max(0, Math.round(ms)));
    this.bins[i]! += times;
    this.count += times;
    if (ms > this.max) this.max = ms;
  }

  percentile(p: number): number {
    if (this.count === 0) return Number.NaN;
    const target = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let i = 0; i < this.bins.length; i++) {
      seen += this.bins[i]!;
      if (seen >= target) return i;
    }
    return this.bins.length - 1;
  }

  /** The non-empty bins, for another process to merge. */
  toJSON(): { bins: [number, number][]; max: number } {
    const bins: [number, number][] = [];
    for (let i = 0; i < this.bins.length; i++) if (this.bins[i]! > 0) bins.push([i, this.bins[i]!]);
    return { bins, max: this.max };
  }

  merge(other: { bins: [number, number][]; max: number }): void {
    for (const [i, n] of other.bins) this.add(i, n);
    this.max = Math.max(this.max, other.max);
  }
}
