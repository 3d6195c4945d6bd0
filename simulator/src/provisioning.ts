// A unit terminal's provisioning key, computed the way a provisioning tool does: HMAC-SHA256 of the unit id with the
// deployment's DEVICE_SECRET, hex. The terminal (here, the simulator acting as one) logs in with it at
// POST /api/auth/device. This is a contract with the server (provisioning.test.ts checks the two agree).
import { createHmac } from 'node:crypto';

export function deviceKey(secret: string, unitId: string): string {
  return createHmac('sha256', secret).update(unitId).digest('hex');
}

/** A volunteer's provisioning key: HMAC-SHA256 of 'volunteer:<id>' with DEVICE_SECRET, hex (POST /api/auth/volunteer). */
export const volunteerKey = (secret: string, volunteerId: string): string => deviceKey(secret, `volunteer:${volunteerId}`);
