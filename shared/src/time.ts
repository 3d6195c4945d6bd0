// Pure time helpers: the contract's two timestamp forms, and local calendar days in the station's zone.

/** Epoch ms from the contract's timestamp (number or ISO-8601 with offset); NaN when it cannot be read. */
export function toEpochMs(ts: number | string): number {
  if (typeof ts === 'number') return Number.isFinite(ts) ? ts : Number.NaN;
  const ms = Date.parse(ts);
  return Number.isFinite(ms) ? ms : Number.NaN;
}

const dayFormatters = new Map<string, Intl.DateTimeFormat>();
function dayFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = dayFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormatters.set(timeZone, f);
  }
  return f;
}

/** Local calendar day (YYYY-MM-DD) of an instant in a time zone, e.g. Asia/Shanghai. */
export function localDay(epochMs: number, timeZone: string): string {
  return dayFormatter(timeZone).format(new Date(epochMs));
}

/** Formats elapsed milliseconds as m:ss or h:mm:ss, for timers on the wall. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
