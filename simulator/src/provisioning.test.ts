import { describe, expect, it } from 'vitest';
import { DEMO_DEVICE_SECRET as SERVER_DEMO_DEVICE_SECRET, deviceKey as serverDeviceKey } from '@ccr/server/testing';
import { DEMO_DEVICE_SECRET } from './config.js';
import { deviceKey } from './provisioning.js';

describe('provisioning keys (a contract with the server)', () => {
  it('equal the server’s for the same secret and unit', () => {
    for (const [secret, unitId] of [['demo-device-secret', 'P-01'], ['another secret', 'E-117'], ['s', '社区-3'], ['', '']] as const) {
      expect(deviceKey(secret, unitId)).toBe(serverDeviceKey(secret, unitId));
    }
  });

  it('uses the server’s documented demo secret', () => {
    expect(DEMO_DEVICE_SECRET).toBe(SERVER_DEMO_DEVICE_SECRET);
  });
});
