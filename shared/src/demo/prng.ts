// Seeded randomness for the demo jurisdiction, the simulator and the seeded history. Everything random in the
// simulator (simulator/) and the history seeding comes from here (never Math.random), so one seed reproduces a
// whole town, a whole run or a whole history.

/** A source of uniform floats in [0, 1) plus the few draws the simulator needs. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  float(min: number, max: number): number;
  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks an item with probability proportional to its weight (weights ≥ 0, not all 0). */
  weighted<T>(items: readonly T[], weight: (item: T) => number): T;
  /** Exponentially distributed with the given mean (waiting times between Poisson events). */
  exponential(mean: number): number;
  /** Poisson-distributed count with mean lambda (Knuth's method; lambda here is small). */
  poisson(lambda: number): number;
  /** An independent stream derived from this seed and a label, so adding draws in one part of the
   * simulation does not shift the numbers every other part sees. */
  fork(label: string): Rng;
}

/** FNV-1a, 32 bit: turns labels into seeds. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: tiny, fast, good enough statistically for a simulation, and identical on every platform. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function createRng(seed: number): Rng {
  const baseSeed = seed >>> 0;
  const next = mulberry32(baseSeed);
  const rng: Rng = {
    next,
    float: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)] as T;
    },
    weighted<T>(items: readonly T[], weight: (item: T) => number): T {
      let total = 0;
      for (const it of items) total += Math.max(0, weight(it));
      if (!(total > 0)) throw new Error('weighted pick needs a positive total weight');
      let r = next() * total;
      for (const it of items) {
        r -= Math.max(0, weight(it));
        if (r < 0) return it;
      }
      return items[items.length - 1] as T;
    },
    exponential: (mean) => -Math.log(1 - next()) * mean,
    poisson(lambda) {
      if (lambda <= 0) return 0;
      const limit = Math.exp(-lambda);
      let k = 0;
      let p = next();
      while (p > limit) {
        k++;
        p *= next();
      }
      return k;
    },
    fork: (label) => createRng((baseSeed ^ hashString(label)) >>> 0),
  };
  return rng;
}
