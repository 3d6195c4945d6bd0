// Tokens for tests and the benchmark: any role in one call, through the real login routes.
import type { LoginResponse, Role } from '@ccr/shared';
import { DEMO_PASSWORD, deviceKey, volunteerKey } from '../modules/auth/index.js';
import type { Config } from '../config.js';

/** The fixture unit a `device` token speaks for unless a test names another. */
export const TEST_DEVICE_UNIT = 'P-01';

export interface LoginTarget {
  url: string;
  config: Config;
}

export async function postJson<T>(url: string, body: unknown, token?: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export async function login(server: LoginTarget, username: string, password: string): Promise<LoginResponse> {
  const res = await postJson<LoginResponse & { message?: string }>(`${server.url}/api/auth/login`, { username, password });
  if (res.status !== 200) throw new Error(`login as ${username} failed: ${res.status} ${res.body.message ?? ''}`);
  return res.body;
}

export async function deviceLogin(server: LoginTarget, unitId = TEST_DEVICE_UNIT): Promise<LoginResponse> {
  const secret = server.config.auth.deviceSecret;
  if (!secret) throw new Error('the server has no device secret (DEVICE_SECRET)');
  const res = await postJson<LoginResponse & { message?: string }>(`${server.url}/api/auth/device`, { unitId, key: deviceKey(secret, unitId) });
  if (res.status !== 200) throw new Error(`device login for ${unitId} failed: ${res.status} ${res.body.message ?? ''}`);
  return res.body;
}

/** The fixture volunteer a `volunteer` token speaks for unless a test names another. */
export const TEST_VOLUNTEER = 'V-1-01';

export async function volunteerLogin(server: LoginTarget, volunteerId = TEST_VOLUNTEER): Promise<LoginResponse> {
  const secret = server.config.auth.deviceSecret;
  if (!secret) throw new Error('the server has no device secret (DEVICE_SECRET)');
  const res = await postJson<LoginResponse & { message?: string }>(`${server.url}/api/auth/volunteer`, { volunteerId, key: volunteerKey(secret, volunteerId) });
  if (res.status !== 200) throw new Error(`volunteer login for ${volunteerId} failed: ${res.status} ${res.body.message ?? ''}`);
  return res.body;
}

/** A bearer token of `role`: the demo accounts for people, a device login for `device`, PRODUCER_TOKEN for `producer`. */
export async function tokenFor(server: LoginTarget, role: Role, unitId?: string): Promise<string> {
  if (role === 'device') return (await deviceLogin(server, unitId)).token;
  // For a volunteer, `unitId` names the volunteer.
  if (role === 'volunteer') return (await volunteerLogin(server, unitId)).token;
  if (role === 'producer') {
    if (!server.config.producerToken) throw new Error('the server has no PRODUCER_TOKEN');
    return server.config.producerToken;
  }
  return (await login(server, role, server.config.auth.demoPassword ?? DEMO_PASSWORD)).token;
}

/** Caches one token per server, role and unit, so a test that asks often logs in once. */
export function tokenCache(): (server: LoginTarget, role: Role, unitId?: string) => Promise<string> {
  const cache = new WeakMap<LoginTarget, Map<string, Promise<string>>>();
  return (server, role, unitId) => {
    let byRole = cache.get(server);
    if (!byRole) cache.set(server, (byRole = new Map()));
    const key = `${role}:${unitId ?? ''}`;
    let t = byRole.get(key);
    if (!t) {
      t = tokenFor(server, role, unitId);
      byRole.set(key, t);
      t.catch(() => byRole.delete(key));
    }
    return t;
  };
}
