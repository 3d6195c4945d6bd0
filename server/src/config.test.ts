import { mkdtemp, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DISPATCH_POLICY } from '@ccr/shared';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('names a node by host and port by default, the same after a restart (no pid)', () => {
    expect(loadConfig({ PORT: '8123' }).nodeId).toBe(`${hostname()}-8123`);
    expect(loadConfig({ PORT: '8123', NODE_ID: 'wall-1' }).nodeId).toBe('wall-1');
  });

  it('reads the ingest settings and refuses bad ones', () => {
    expect(loadConfig({}).ingest).toEqual({
      claimIdleMs: 60_000, keepEntries: 10_000, keepBytes: 16 * 1_048_576, keepMs: 24 * 3_600_000, rejectSample: 1_000,
      positionClockSkewMs: 5_000, positionFrozenAfterMs: 180_000, positionAccuracyM: 100,
    });
    expect(loadConfig({ POSITION_CLOCK_SKEW_MS: '2000', POSITION_FROZEN_AFTER_S: '60' }).ingest).toMatchObject({ positionClockSkewMs: 2_000, positionFrozenAfterMs: 60_000 });
    expect(() => loadConfig({ POSITION_CLOCK_SKEW_MS: '600000' })).toThrow(/POSITION_CLOCK_SKEW_MS/);
    expect(loadConfig({ INGEST_CLAIM_IDLE_MS: '5000', INGEST_KEEP_MB: '4' }).ingest).toMatchObject({ claimIdleMs: 5_000, keepBytes: 4 * 1_048_576 });
    expect(() => loadConfig({ INGEST_REJECT_SAMPLE: '0' })).toThrow(/INGEST_REJECT_SAMPLE/);
  });
});

describe('loadConfig: recommendation settings', () => {
  it('reads the dispatch policy inline or from a file, and refuses a bad one at start, naming it', async () => {
    expect(loadConfig({}).dispatchPolicy).toEqual(DEFAULT_DISPATCH_POLICY);
    expect(loadConfig({ DISPATCH_POLICY: '{"gridOfficerBonusSeconds":90}' }).dispatchPolicy.gridOfficerBonusSeconds).toBe(90);
    const dir = await mkdtemp(join(tmpdir(), 'ccr-policy-'));
    const file = join(dir, 'policy.json');
    await writeFile(file, JSON.stringify({ types: { fraud: { preferred: ['case_officer'], allowed: [] } } }));
    expect(loadConfig({ DISPATCH_POLICY_FILE: file }).dispatchPolicy.types.fraud).toEqual({ preferred: ['case_officer'], allowed: [] });
    await writeFile(file, '{"types":{"fraud":{"preferred":["detective"],"allowed":[]}}}');
    expect(() => loadConfig({ DISPATCH_POLICY_FILE: file })).toThrow(new RegExp(`DISPATCH_POLICY_FILE ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .*preferred`));
    expect(() => loadConfig({ DISPATCH_POLICY_FILE: join(dir, 'missing.json') })).toThrow(/DISPATCH_POLICY_FILE=.*cannot read \(ENOENT\)/);
    expect(() => loadConfig({ DISPATCH_POLICY: '{}', DISPATCH_POLICY_FILE: file })).toThrow(/both set/);
    expect(() => loadConfig({ DISPATCH_POLICY: 'fight: patrol' })).toThrow(/DISPATCH_POLICY: not JSON/);
  });

  it('reads turnout and calibration, and a field time scale only in demo mode', () => {
    const c = loadConfig({ UNIT_TURNOUT: '{"case_officer":60}', ETA_CALIBRATION_DAYS: '0', ETA_CALIBRATION_MIN_SAMPLES: '5', ETA_CALIBRATION_EVERY_S: '30' });
    expect(c.reach.turnoutS.case_officer).toBe(60);
    expect(c.etaCalibration).toEqual({ windowDays: 0, minSamples: 5, recomputeEveryMs: 30_000 });
    expect(loadConfig({}).fieldTimeScale).toBe(1);
    expect(loadConfig({ SIM_TIME_SCALE: '20' }).fieldTimeScale).toBe(20);
    expect(() => loadConfig({ SIM_TIME_SCALE: '20', DEMO_MODE: 'false', PRODUCER_TOKEN: 'x', CCR_ADMIN_USER: 'a', CCR_ADMIN_PASSWORD: 'a-long-password-1', DEVICE_SECRET: 'a-long-device-secret-1234567890' })).toThrow(/SIM_TIME_SCALE.*demo/);
    expect(() => loadConfig({ SIM_TIME_SCALE: 'fast' })).toThrow(/SIM_TIME_SCALE/);
    expect(() => loadConfig({ ETA_CALIBRATION_DAYS: '400' })).toThrow(/ETA_CALIBRATION_DAYS/);
  });
});
