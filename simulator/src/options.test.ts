import { describe, expect, it } from 'vitest';
import { parseSimulatorOptions } from './options.js';

describe('parseSimulatorOptions', () => {
  it('defaults to the demo on a local Redis', () => {
    const r = parseSimulatorOptions([], {});
    expect(r).toEqual({
      ok: true,
      help: false,
      options: {
        redisUrl: 'redis://127.0.0.1:6379', prefix: 'ccr:', redisCluster: false, jurisdictionDir: undefined, seed: expect.any(Number), units: undefined,
        incidentsPerHour: undefined, timeScale: 1, durationS: undefined, rateHz: 1, simStartMs: undefined,
        devices: true, volunteers: 40, serverUrl: 'http://127.0.0.1:8080', deviceSecret: 'demo-device-secret', serviceMinutes: undefined,
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

  it('points the unit terminals at the server, with the deployment\'s secret', () => {
    const fromEnv = parseSimulatorOptions([], { PORT: '9090', DEVICE_SECRET: 's3cret', SIM_SERVICE_MINUTES: '2-6' });
    expect(fromEnv.ok && fromEnv.options).toMatchObject({ devices: true, serverUrl: 'http://127.0.0.1:9090', deviceSecret: 's3cret', serviceMinutes: [2, 6] });
    const flags = parseSimulatorOptions(['--server-url', 'https://ccr.example:8443/', '--service-minutes', '0.5', '--no-devices'], { SIM_SERVER_URL: 'http://x:1' });
    expect(flags.ok && flags.options).toMatchObject({ devices: false, serverUrl: 'https://ccr.example:8443', serviceMinutes: [0.5, 0.5] });
    expect(parseSimulatorOptions([], { SIM_DEVICES: 'off' })).toMatchObject({ ok: true, options: { devices: false } });
    expect(parseSimulatorOptions(['--volunteers', '12'], {})).toMatchObject({ ok: true, options: { volunteers: 12 } });
    expect(parseSimulatorOptions([], { SIM_VOLUNTEERS: '-1' })).toMatchObject({ ok: false });
    const bad = parseSimulatorOptions(['--server-url', 'redis://x', '--service-minutes', '9-3'], { SIM_DEVICES: 'maybe' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error).toContain('--server-url');
      expect(bad.error).toContain('--service-minutes');
      expect(bad.error).toContain('SIM_DEVICES');
    }
  });

  it('speaks to a Redis Cluster with REDIS_CLUSTER, as the server does', () => {
    const urls = 'redis://a:6379,redis://b:6379';
    expect(parseSimulatorOptions([], { REDIS_URL: urls, REDIS_CLUSTER: '1' })).toMatchObject({ ok: true, options: { redisUrl: urls, redisCluster: true } });
    expect(parseSimulatorOptions(['--redis-cluster'], {})).toMatchObject({ ok: true, options: { redisCluster: true } });
    expect(parseSimulatorOptions([], { REDIS_CLUSTER: 'off' })).toMatchObject({ ok: true, options: { redisCluster: false } });
    expect(parseSimulatorOptions([], { REDIS_CLUSTER: 'maybe' })).toMatchObject({ ok: false });
    // The prefix becomes the hash tag: it must have something to tag, and no brace of its own.
    expect(parseSimulatorOptions(['--redis-cluster', '--prefix', ':'], {})).toMatchObject({ ok: false });
    expect(parseSimulatorOptions(['--prefix', '{x}:'], {})).toMatchObject({ ok: false });
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
