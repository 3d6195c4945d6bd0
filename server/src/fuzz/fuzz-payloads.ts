// Hostile input for the fuzz tests, from one seed: edge values, random JSON, and mutations of valid requests.
// JSON is written by hand (toJsonText) so bodies and ingest messages can carry what JSON.stringify cannot:
// 1e309, -0, 40-digit numbers, duplicate keys, __proto__ keys.
import type { Rng } from '@ccr/shared/demo';

/** A number written exactly as given into JSON text ("1e309", "-0", 40 digits). */
export class RawNumber {
  constructor(readonly text: string) {}
}
/** A value as the fuzz sends it: JSON plus raw numbers; object entries may repeat a key. */
export type FuzzValue = null | boolean | number | string | RawNumber | FuzzValue[] | { entries: [string, FuzzValue][] };

export const obj = (o: Record<string, FuzzValue>): FuzzValue => ({ entries: Object.entries(o) });

export function toJsonText(v: FuzzValue): string {
  if (v instanceof RawNumber) return v.text;
  if (Array.isArray(v)) return `[${v.map(toJsonText).join(',')}]`;
  if (v !== null && typeof v === 'object') return `{${v.entries.map(([k, x]) => `${JSON.stringify(k)}:${toJsonText(x)}`).join(',')}}`;
  if (typeof v === 'number' && !Number.isFinite(v)) return 'null';
  return JSON.stringify(v);
}

/** Numbers as text: what a query string, a path or raw JSON may carry. */
export const EDGE_NUMBER_TEXTS = [
  'Infinity', '-Infinity', '1e309', '-1e309', '-0', 'NaN', '0', '-1', '-1000', '9'.repeat(40), '-' + '9'.repeat(40),
  '1e20', '1e25', '0x10', '1.5', '1e3', '', ' 5', '+5', '4102444800000', '946684799999', '18446744073709551616',
  '9007199254740993', '0.0000001', '-1763884800000', '1763884800',
];
/** Times that must never be accepted: impossible days and hours, no offset, outside 2000–2099. */
export const BAD_TIMES = [
  '2026-02-30', '2026-02-31T10:00:00Z', '2026-02-30T10:00:00+08:00', '2025-02-29T00:00:00Z', '2026-13-01T00:00:00Z',
  '2026-04-31T12:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T10:60:00Z', '2026-01-01T10:00:60Z', '2026-11-23T09:41:05',
  '1970-01-01T00:00:00Z', '1999-12-31T23:59:59Z', '2100-01-01T00:00:00Z', '0000-01-01T00:00:00Z', '2026-11-23t09:41:05z',
  '2026-11-23T09:41:05+25:00', 'yesterday', '',
];
/** Times as JSON values that must never be accepted as a report's time. */
export const BAD_TIME_VALUES: FuzzValue[] = [
  ...BAD_TIMES, new RawNumber('0'), new RawNumber('-0'), new RawNumber('-1'), new RawNumber('-1763884800000'),
  new RawNumber('1e309'), new RawNumber('-1e309'), new RawNumber('9'.repeat(40)), new RawNumber('1763884800'),
  new RawNumber('4102444800000'), new RawNumber('946684799999'), null, true, [], { entries: [] }, [1763884800000],
];
const UNICODE = ['测试🚓', '\u0000', '\u202eevil', '\ud800', 'ｆｕｌｌｗｉｄｔｈ', 'e\u0301', '🏳️‍🌈'.repeat(20), '\u2028\u2029'];
export const EDGE_STRINGS = [
  '', ' ', 'a', '__proto__', 'constructor', 'prototype', 'toString', '../../etc/passwd', '<script>alert(1)</script>',
  "'; DROP TABLE x; --", '${7*7}', '{{7*7}}', '=cmd|"/c calc"!A1', '%00', '%', '\\', '"', '\n', 'null', 'true', '[]', '{}',
  '*', '+', '-', '(', '0-0', '99999999999999999999-0', 'ccr:*', 'P-01', 'JQ-1', ...UNICODE, ...EDGE_NUMBER_TEXTS.slice(0, 12), ...BAD_TIMES.slice(0, 4),
];

/** Characters one generated value may still spend on long strings: keeps every payload within the body and
 *  socket limits (1 MB), however deep the random nesting goes. */
interface Budget { left: number }

export function randomString(rng: Rng, budget: Budget = { left: 100_000 }): string {
  const s = ((): string => {
    switch (rng.int(0, 5)) {
      case 0: return 'x'.repeat(rng.pick([65, 129, 257, 501, 1_025, 20_000]));
      case 1: return rng.pick(UNICODE).repeat(rng.int(1, 40));
      case 2: return Array.from({ length: rng.int(1, 24) }, () => String.fromCharCode(rng.int(1, 0xd7ff))).join('');
      default: return rng.pick(EDGE_STRINGS);
    }
  })();
  if (s.length > budget.left) return rng.pick(EDGE_STRINGS);
  budget.left -= s.length;
  return s;
}

export function randomNumber(rng: Rng): FuzzValue {
  return rng.chance(0.6) ? new RawNumber(rng.pick(EDGE_NUMBER_TEXTS.filter((t) => /^-?\d/.test(t) && !t.startsWith('0x') && !/^-?0\d/.test(t))))
    : rng.pick([0, -1, 1, 3, 1.5, -0.5, 1e15, 2 ** 53, 181, -91, 360.5, Date.now()]);
}

/** Any JSON-ish value, nested at most `depth` deep; keys include __proto__ and constructor. */
export function randomValue(rng: Rng, depth = 2, budget: Budget = { left: 100_000 }): FuzzValue {
  const kind = rng.int(0, depth > 0 ? 9 : 5);
  switch (kind) {
    case 0: return null;
    case 1: return rng.chance(0.5);
    case 2: case 3: return randomNumber(rng);
    case 4: case 5: return randomString(rng, budget);
    case 6: case 7: return Array.from({ length: rng.pick([0, 1, 2, 3, depth === 1 ? 50 : 3]) }, () => randomValue(rng, depth - 1, budget));
    default: {
      const keys = Array.from({ length: rng.int(0, 4) }, () => rng.pick(['__proto__', 'constructor', 'prototype', 'a', 'id', 'ts', randomString(rng, budget).slice(0, 40)]));
      return { entries: keys.map((k) => [k, randomValue(rng, depth - 1, budget)]) };
    }
  }
}

/**
 * A mutation of a valid object: usually one field replaced, dropped or added, sometimes the whole value replaced.
 * `keepValid` leaves it untouched (so the happy path runs too).
 */
export function mutate(rng: Rng, valid: Record<string, FuzzValue>, opts: { keepValid?: number } = {}): FuzzValue {
  if (rng.chance(opts.keepValid ?? 0.1)) return obj(valid);
  const keys = Object.keys(valid);
  const entries = Object.entries(valid) as [string, FuzzValue][];
  if (keys.length === 0) return rng.chance(0.5) ? randomValue(rng, 3) : { entries: [[rng.pick(['__proto__', 'constructor', 'a']), randomValue(rng)]] };
  switch (rng.int(0, 9)) {
    case 0: return randomValue(rng, 3);
    case 1: return [obj(valid), randomValue(rng)];
    case 2: { // drop a field
      const k = rng.pick(keys);
      return { entries: entries.filter(([x]) => x !== k) };
    }
    case 3: // an extra field, often a prototype key
      return { entries: [...entries, [rng.pick(['__proto__', 'constructor', 'prototype', 'extra', randomString(rng).slice(0, 64)]), randomValue(rng)]] };
    case 4: { // the same key twice (JSON.parse keeps the last)
      const k = rng.pick(keys);
      return { entries: [...entries, [k, randomValue(rng)]] };
    }
    default: { // one field replaced by anything
      const k = rng.pick(keys);
      const v = rng.chance(0.5) ? randomNumber(rng) : rng.chance(0.3) ? rng.pick(BAD_TIME_VALUES) : randomValue(rng);
      return { entries: entries.map(([x, old]) => [x, x === k ? v : old]) };
    }
  }
}

/** A query-string value: edge numbers and times, odd strings (percent-encoded by the caller); numbers and times
 *  are where the bounds are, so they get most of the edge values. */
export function queryValue(rng: Rng, valid: readonly string[]): string {
  const numeric = valid.length > 0 && valid.every((v) => /^\d+$/.test(v));
  const r = rng.next();
  if (r < 0.2) return rng.pick(valid);
  if (r < (numeric ? 0.75 : 0.45)) return rng.pick(EDGE_NUMBER_TEXTS);
  if (r < 0.8) return rng.pick(BAD_TIMES);
  return randomString(rng).slice(0, 2_000);
}
