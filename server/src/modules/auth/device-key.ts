// A unit terminal's provisioning key: HMAC-SHA256 of its unit id with the deployment's DEVICE_SECRET.
// The terminal (or the simulator acting as one) logs in with it at POST /api/auth/device.
import { createHmac } from 'node:crypto';

export function deviceKey(secret: string, unitId: string): string {
  return createHmac('sha256', secret).update(unitId).digest('hex');
}

/** A volunteer's provisioning key: HMAC-SHA256 of 'volunteer:<id>' with the same secret (a volunteer id can never
 *  collide with a unit id's key, the prefix keeps the two apart). Logged in with at POST /api/auth/volunteer. */
export function volunteerKey(secret: string, volunteerId: string): string {
  return createHmac('sha256', secret).update(`volunteer:${volunteerId}`).digest('hex');
}

/** Demo mode only: the documented default, so the simulator's units can log in on a fresh machine. */
export const DEMO_DEVICE_SECRET = 'demo-device-secret';
