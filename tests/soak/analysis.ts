// The soak's arithmetic, kept free of I/O so that it is unit-tested: least-squares slopes per hour over the samples
// taken after the warm-up, and the pass rule.

/** One reading a minute. A value the soak could not read (a process gone, a scrape refused) is NaN. */
export interface Sample {
  /** Wall-clock time of the reading, epoch ms. */
  at: number;
  /** Minutes since the wall was opened. */
  minute: number;
  /** The wall page's JS heap after a forced GC, bytes. */
  wallHeap: number;
  /** DOM nodes of the wall page (after the same GC). */
  wallNodes: number;
  /** JS event listeners of the wall page. */
  wallListeners: number;
  /** The dispatch console's JS heap after a forced GC, bytes (NaN when the console is not opened). */
  consoleHeap: number;
  consoleNodes: number;
  /** The server process: V8 heap used (from /metrics) and resident set (from /proc), bytes. */
  serverHeap: number;
  serverRss: number;
  /** The simulator process's resident set, bytes. */
  simRss: number;
  /** Redis `INFO memory` used_memory, bytes. */
  redisUsed: number;
}

export const SERIES = ['wallHeap', 'wallNodes', 'wallListeners', 'consoleHeap', 'consoleNodes', 'serverHeap', 'serverRss', 'simRss', 'redisUsed'] as const;
export type SeriesName = (typeof SERIES)[number];

/** Series measured in bytes (slopes shown in MB/h); the others are counts (slopes shown per hour). */
export const BYTE_SERIES: ReadonlySet<SeriesName> = new Set(['wallHeap', 'consoleHeap', 'serverHeap', 'serverRss', 'simRss', 'redisUsed']);

export interface Fit {
  /** Change per hour, in the series' unit; NaN with fewer than two finite points or no spread in time. */
  perHour: number;
  /** Points the fit used. */
  n: number;
  first: number;
  last: number;
  min: number;
  max: number;
}

/** Ordinary least squares of value against time (hours); points whose value or time is not finite are left out. */
export function slopePerHour(points: ReadonlyArray<{ hours: number; value: number }>): Fit {
  const ok = points.filter((p) => Number.isFinite(p.hours) && Number.isFinite(p.value));
  const n = ok.length;
  const base = { n, first: ok[0]?.value ?? NaN, last: ok[n - 1]?.value ?? NaN, min: n ? Math.min(...ok.map((p) => p.value)) : NaN, max: n ? Math.max(...ok.map((p) => p.value)) : NaN };
  if (n < 2) return { perHour: NaN, ...base };
  const mx = ok.reduce((s, p) => s + p.hours, 0) / n;
  const my = ok.reduce((s, p) => s + p.value, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of ok) {
    sxy += (p.hours - mx) * (p.value - my);
    sxx += (p.hours - mx) ** 2;
  }
  return { perHour: sxx > 0 ? sxy / sxx : NaN, ...base };
}

export interface SoakRules {
  /** Samples taken before this many minutes are left out of the slopes. */
  warmupMinutes: number;
  /** The wall heap may grow at most this many bytes an hour after the warm-up. */
  wallHeapBytesPerHour: number;
  /** Fewer points after the warm-up than this and the slope says nothing: the run fails. */
  minPoints: number;
}

export const DEFAULT_RULES: SoakRules = { warmupMinutes: 10, wallHeapBytesPerHour: 1_048_576, minPoints: 3 };

export interface Summary {
  samples: number;
  samplesAfterWarmup: number;
  warmupMinutes: number;
  fits: Record<SeriesName, Fit>;
  pass: boolean;
  /** Why the run failed, one line each (empty when it passed). */
  failures: string[];
}

/** Slopes after the warm-up and the verdict. `problems` are what the run itself saw: page errors, children that died. */
export function summarise(samples: readonly Sample[], problems: readonly string[], rules: SoakRules = DEFAULT_RULES): Summary {
  const kept = samples.filter((s) => s.minute >= rules.warmupMinutes);
  const fits = Object.fromEntries(
    SERIES.map((name) => [name, slopePerHour(kept.map((s) => ({ hours: s.minute / 60, value: s[name] })))]),
  ) as Record<SeriesName, Fit>;
  const failures = [...problems];
  const wall = fits.wallHeap;
  if (wall.n < rules.minPoints) {
    failures.push(`only ${wall.n} wall heap readings after the ${rules.warmupMinutes}-minute warm-up (at least ${rules.minPoints} needed for a slope)`);
  } else if (!(wall.perHour <= rules.wallHeapBytesPerHour)) {
    failures.push(`wall heap grows ${formatValue('wallHeap', wall.perHour)}/h after the warm-up (limit ${formatValue('wallHeap', rules.wallHeapBytesPerHour)}/h)`);
  }
  return { samples: samples.length, samplesAfterWarmup: kept.length, warmupMinutes: rules.warmupMinutes, fits, pass: failures.length === 0, failures };
}

export function formatValue(name: SeriesName, v: number): string {
  if (!Number.isFinite(v)) return '—';
  return BYTE_SERIES.has(name) ? `${(v / 1_048_576).toFixed(2)} MB` : v.toFixed(0);
}

/** The slopes as an aligned text table (also the README's figures). */
export function slopeTable(summary: Summary): string {
  const rows = SERIES.filter((name) => summary.fits[name].n > 0).map((name) => {
    const f = summary.fits[name];
    const slope = BYTE_SERIES.has(name) ? formatValue(name, f.perHour) : Number.isFinite(f.perHour) ? f.perHour.toFixed(1) : '—';
    return [name, `${slope}/h`, formatValue(name, f.first), formatValue(name, f.last), formatValue(name, f.min), formatValue(name, f.max), String(f.n)];
  });
  const head = ['series', 'slope', 'first', 'last', 'min', 'max', 'n'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

export const CSV_COLUMNS = ['at', 'minute', ...SERIES] as const;

export function csvRow(s: Sample): string {
  return CSV_COLUMNS.map((c) => (c === 'at' ? new Date(s.at).toISOString() : Number.isFinite(s[c]) ? String(Math.round(s[c] * 1000) / 1000) : '')).join(',');
}
