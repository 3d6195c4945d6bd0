// Latency samples in 1 ms bins up to 60 s: millions of samples in constant memory, exact to the millisecond.
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
}
