import { describe, expect, it } from 'vitest';
import { validateIncidentMessage } from './ingest-validation.js';

const now = Date.parse('2026-11-23T02:00:00Z');
const report = { id: 'JQ-1', type: 'help', priority: 2, lng: 116.7, lat: 39.07, reportedAt: now - 60_000, source: 'online' };
const reason = (extra: Record<string, unknown>) => {
  const v = validateIncidentMessage({ parsed: { ...report, ...extra } }, now);
  return v.ok ? 'ok' : v.rejection.reason;
};

describe('validateIncidentMessage: the ordering fields', () => {
  it('accepts a version and a revision time (epoch ms or ISO with offset)', () => {
    expect(reason({ version: 0 })).toBe('ok');
    expect(reason({ version: 7, revisedAt: now - 1_000 })).toBe('ok');
    expect(reason({ revisedAt: '2026-11-23T09:59:00+08:00' })).toBe('ok');
  });

  it('refuses a version that is not a non-negative integer', () => {
    expect(reason({ version: -1 })).toBe('schema');
    expect(reason({ version: 1.5 })).toBe('schema');
    expect(reason({ version: '2' })).toBe('schema');
  });

  it('refuses a revision time far ahead of the server (it would make every later report stale) or implausible', () => {
    expect(reason({ revisedAt: now + 3_600_000 })).toBe('ts_in_future');
    expect(reason({ revisedAt: 1_000 })).toBe('bad_time');
    expect(reason({ revisedAt: 'yesterday' })).toBe('bad_time');
  });
});
