import { describe, expect, it } from 'vitest';
import { LiveSubscribeRequestSchema, compareSeq } from './events.js';
import { AuditQuerySchema } from './auth.js';
import { IncidentReportSchema, PositionMessageSchema } from './ingest.js';
import { compileChecker, finiteKeyword } from './validate.js';

const incident = compileChecker(IncidentReportSchema);
const positions = compileChecker(PositionMessageSchema);
const example = {
  id: 'JQ-20261123-0042', type: 'theft', priority: 1, lng: 116.7, lat: 39.07, address: '胜芳镇中山街12号',
  reportedAt: '2026-11-23T09:41:05+08:00', source: '110', summary: '电动车被盗', reporter: '王先生 138****0000',
};

describe('ingest contract schemas', () => {
  it('accepts the documented examples', () => {
    expect(incident.check(example)).toBe(true);
    expect(positions.check({ unitId: 'P-03', lng: 116.6921, lat: 39.0683, ts: 1763884800000, speed: 7.5, heading: 270 })).toBe(true);
    expect(positions.check([{ unitId: 'P-03', lng: 116.6921, lat: 39.0683, ts: '2026-11-23T09:41:05+08:00' }])).toBe(true);
  });

  it.each([
    ['unknown field', { ...example, colour: 'red' }],
    ['latitude 91', { ...example, lat: 91 }],
    ['NaN', { ...example, lng: Number.NaN }],
    ['priority 0', { ...example, priority: 0 }],
    ['unknown type', { ...example, type: 'ufo' }],
    ['unknown source', { ...example, source: 'pigeon' }],
    ['time without offset', { ...example, reportedAt: '2026-11-23T09:41:05' }],
    ['a megabyte of summary', { ...example, summary: 'x'.repeat(1_048_576) }],
    ['id with spaces', { ...example, id: 'JQ 1' }],
    ['missing id', { ...example, id: undefined }],
  ])('refuses an incident with %s, saying where', (_what, bad) => {
    const r = incident.validate(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatch(/^\//);
  });

  it.each([
    ['0', 0], ['-0', -0], ['a negative time', -1_000], ['seconds instead of ms', 1_763_884_800], ['a 40-digit number', 1e40],
    ['2026-02-30', '2026-02-30T10:00:00+08:00'], ['2026-02-31T10:00:00Z', '2026-02-31T10:00:00Z'], ['1970', '1970-01-01T00:00:00Z'],
    ['a lower-case t', '2026-11-23t09:41:05Z'],
  ])('refuses a time that is %s, as reportedAt and as a position ts', (_what, t) => {
    expect(incident.check({ ...example, reportedAt: t })).toBe(false);
    expect(positions.check({ unitId: 'P-03', lng: 116.6, lat: 39, ts: t })).toBe(false);
  });

  it('refuses an empty position batch and a position without time', () => {
    expect(positions.check([])).toBe(false);
    expect(positions.check({ unitId: 'P-03', lng: 116.6, lat: 39 })).toBe(false);
  });
});

describe('bounded inputs of the HTTP and socket API', () => {
  it('accepts only stream ids Redis can take back', () => {
    const sub = compileChecker(LiveSubscribeRequestSchema);
    expect(sub.check({ since: '1763884800000-0' })).toBe(true);
    expect(sub.check({ since: '0-0' })).toBe(true);
    for (const since of ['99999999999999999999-0', '18446744073709551615-18446744073709551615', '1-99999999999999999999', '01-0', '1-', '-1', '1e3-0', ' 1-0', 1]) {
      expect(sub.check({ since }), String(since)).toBe(false);
    }
  });

  it('bounds the audit query (TypeBox side; the server adds query-string coercion)', () => {
    const q = compileChecker(AuditQuerySchema);
    expect(q.check({ from: 1763884800000, to: 1763884900000, limit: 500, cursor: '1763884800000-1' })).toBe(true);
    for (const bad of [{ from: 0 }, { to: -1 }, { from: 1e25 }, { limit: 501 }, { limit: 0 }, { cursor: '99999999999999999999999-1' }]) {
      expect(q.check(bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it('has a keyword for ajv that refuses what query-string coercion lets through', () => {
    const finite = finiteKeyword.validate;
    expect(finite(true, 5)).toBe(true);
    expect(finite(true, 0)).toBe(true);
    for (const v of [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, -0]) {
      expect(finite(true, v), String(v)).toBe(false);
      expect(finite.errors?.[0]?.message).toMatch(/finite/);
    }
  });
});

describe('compareSeq', () => {
  it('orders stream ids numerically, not as text', () => {
    expect(compareSeq('10-0', '9-5')).toBe(1);
    expect(compareSeq('9-5', '9-10')).toBe(-1);
    expect(compareSeq('1763884800000-3', '1763884800000-3')).toBe(0);
    expect(compareSeq('0-0', '1-0')).toBe(-1);
  });
});
