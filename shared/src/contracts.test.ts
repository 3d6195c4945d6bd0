import { describe, expect, it } from 'vitest';
import { compareSeq } from './events.js';
import { IncidentReportSchema, PositionMessageSchema } from './ingest.js';
import { compileChecker } from './validate.js';

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

  it('refuses an empty position batch and a position without time', () => {
    expect(positions.check([])).toBe(false);
    expect(positions.check({ unitId: 'P-03', lng: 116.6, lat: 39 })).toBe(false);
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
