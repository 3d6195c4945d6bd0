// What the bench reads from a node's /metrics (Prometheus text): one sample's value, and a histogram's quantile
// over a window — the difference of its buckets between two scrapes, interpolated within a bucket as
// Prometheus' histogram_quantile does.

/** Labels of a sample line, e.g. {kind="positions",le="5"} → { kind: 'positions', le: '5' }. */
function labelsOf(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const m of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) out[m[1]!] = m[2]!;
  return out;
}

interface Sample { name: string; labels: Record<string, string>; value: number }

export function parseSamples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (m) out.push({ name: m[1]!, labels: labelsOf(m[2]), value: Number(m[3]) });
  }
  return out;
}

const matches = (s: Sample, labels: Record<string, string>): boolean => Object.entries(labels).every(([k, v]) => s.labels[k] === v);

/** The value of the first sample named `name` carrying `labels` (NaN when there is none). */
export function sampleValue(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.find((s) => s.name === name && matches(s, labels))?.value ?? Number.NaN;
}

/** Cumulative bucket counts of a histogram, by upper bound (+Inf last). */
export function buckets(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): [number, number][] {
  return samples
    .filter((s) => s.name === `${name}_bucket` && matches(s, labels))
    .map((s): [number, number] => [s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), s.value])
    .sort((a, b) => a[0] - b[0]);
}

/**
 * The q-quantile of what a histogram observed between two scrapes. Within a bucket the observations are taken
 * as spread evenly; in the +Inf bucket the answer is the highest finite bound (as Prometheus does). NaN when
 * nothing was observed.
 */
export function windowQuantile(before: readonly [number, number][], after: readonly [number, number][], q: number): number {
  const was = new Map(before);
  const delta = after.map(([le, n]): [number, number] => [le, n - (was.get(le) ?? 0)]);
  const total = delta.at(-1)?.[1] ?? 0;
  if (total <= 0) return Number.NaN;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [le, cum] of delta) {
    if (cum >= rank) {
      if (le === Infinity) return lower;
      return lower + ((le - lower) * (rank - below)) / Math.max(1e-9, cum - below);
    }
    if (le !== Infinity) lower = le;
    below = cum;
  }
  return lower;
}
