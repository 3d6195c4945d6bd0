import { describe, expect, it } from 'vitest';
import { parseSimulatorOptions } from './options.js';

describe('parseSimulatorOptions', () => {
  it('defaults to the demo on a local Redis', () => {
    const r = parseSimulatorOptions([], {});
    expect(r).toEqual({
      ok: true,
      help: false,
      options: {
        redisUrl: 'redis://127.0.0.1:6379', prefix: 'ccr:', jurisdictionDir: undefined, seed: expect.any(Number), units: undefined,
        incidentsPerHour: undefined, timeScale: 1, durationS: undefined, rateHz: 1, simStartMs: undefined,
      },
    });
  });

  it('reads environment variables, and flags win over them', () => {
    const env = { REDIS_URL: 'redis://redis:6379', KEY_PREFIX: 'x:', JURISDICTION_DIR: '/data/j', SIM_SEED: '5', SIM_UNITS: '10', SIM_TIME_SCALE: '60' };
    const r = parseSimulatorOptions(['--seed', '9', '--time-scale', '2', '--incidents-per-hour', '6', '--duration', '30', '--rate', '2', '--sim-start', '2026-11-23T08:00:00+08:00'], env);
    expect(r.ok && r.options).toMatchObject({
      redisUrl: 'redis://redis:6379', prefix: 'x:', jurisdictionDir: '/data/j', seed: 9, units: 10, timeScale: 2, incidentsPerHour: 6,
      durationS: 30, rateHz: 2, simStartMs: Date.UTC(2026, 10, 23, 0),
    });
  });

  it('names every bad value', () => {
    const r = parseSimulatorOptions(['--units', '0', '--rate', 'fast', '--seed=-1'], {});
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toContain('--units');
      expect(r.error).toContain('--rate');
      expect(r.error).toContain('--seed');
    }
    expect(parseSimulatorOptions(['--bogus'], {}).ok).toBe(false);
    expect(parseSimulatorOptions(['--help'], {})).toMatchObject({ ok: true, help: true });
  });
});
