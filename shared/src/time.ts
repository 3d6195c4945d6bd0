// Pure time helpers: the contract's two timestamp forms, checked against the calendar and bounded, and local
// calendar days in the station's zone.
import { FormatRegistry, Type } from '@sinclair/typebox';
import { FINITE_KEYWORD } from './validate.js';

/** No input may name an instant before this: nothing this system records happened before 2000 (a 0, a negative
 *  number or a clock reset to 1970 is a broken producer, not a time). */
export const EARLIEST_INSTANT_MS = Date.UTC(2000, 0, 1);
/** Nor at or after this: far beyond any clock skew, well inside what Date, Redis scores and stream ids hold. */
export const LATEST_INSTANT_MS = Date.UTC(2100, 0, 1);

export const isPlausibleInstant = (ms: number): boolean =>
  Number.isFinite(ms) && ms >= EARLIEST_INSTANT_MS && ms < LATEST_INSTANT_MS;

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-](\d{2}):?(\d{2}))$/i;

/** Days in a month of the proleptic Gregorian calendar (month 1–12). */
export function daysInMonth(year: number, month: number): number {
  return month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Epoch ms of ISO-8601 with an explicit offset (Z or ±hh:mm), or NaN. Every field is checked against the
 * calendar first: Date.parse would read 2026-02-30 as 2026-03-02 and 24:00 as the next day.
 */
export function parseIsoInstant(s: string): number {
  const m = ISO_INSTANT.exec(s);
  if (!m) return Number.NaN;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN;
  if (hour > 23 || minute > 59 || second > 59) return Number.NaN;
  if (m[8]!.toUpperCase() !== 'Z' && (Number(m[9]) > 23 || Number(m[10]) > 59)) return Number.NaN;
  const ms = Date.parse(s.toUpperCase().replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isFinite(ms) ? ms : Number.NaN;
}

/** Epoch ms from the contract's timestamp (number or ISO-8601 with offset); NaN when it cannot be read or names
 *  a day the calendar does not have. Plausibility (isPlausibleInstant) is the caller's second question. */
export function toEpochMs(ts: number | string): number {
  if (typeof ts === 'number') return Number.isFinite(ts) ? ts : Number.NaN;
  return parseIsoInstant(ts);
}

/** The format name of a calendar-checked ISO-8601 instant with offset within [2000, 2100); registered with TypeBox
 *  here and with the server's ajv (app.ts), so HTTP, sockets and ingest agree. */
export const ISO_INSTANT_FORMAT = 'iso-instant';
export const isIsoInstant = (s: string): boolean => isPlausibleInstant(parseIsoInstant(s));
FormatRegistry.Set(ISO_INSTANT_FORMAT, isIsoInstant);

/** ISO-8601 with an explicit offset (Z or ±hh:mm) that exists in the calendar, from 2000 to 2099. */
export const IsoInstantSchema = Type.String({
  maxLength: 40, format: ISO_INSTANT_FORMAT,
  description: 'ISO-8601 with an offset (Z or ±hh:mm), a real calendar day, from 2000 to 2099',
});
/** Epoch milliseconds from 2000 to 2099 (0, negatives, Infinity and NaN are refused). */
export const EpochMsSchema = Type.Number({ minimum: EARLIEST_INSTANT_MS, maximum: LATEST_INSTANT_MS - 1, [FINITE_KEYWORD]: true, description: 'epoch ms, 2000 to 2099' });
/** The same as a whole number, for inputs that become Redis stream ids or scores (audit from/to). */
export const EpochMsIntegerSchema = Type.Integer({ minimum: EARLIEST_INSTANT_MS, maximum: LATEST_INSTANT_MS - 1, [FINITE_KEYWORD]: true, description: 'epoch ms, 2000 to 2099' });

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

const clockFormatters = new Map<string, Intl.DateTimeFormat>();
/** hh:mm:ss (24 h) of an instant in a time zone: a time a person reads, e.g. when a lock ends. */
export function localClockTime(epochMs: number, timeZone: string): string {
  let f = clockFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    clockFormatters.set(timeZone, f);
  }
  return f.format(new Date(epochMs));
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
