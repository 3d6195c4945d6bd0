// HTTP hardening against the real app: security headers, the CORS allow-list on HTTP and Socket.IO, and rate
// limits kept in Redis (so they hold across nodes).
import { describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { useTestbed, type TestServer } from '../testing/index.js';
import { originAllowed } from './security.js';

const bed = useTestbed('sec');
const ALLOWED = 'https://console.example.org';

function socketFrom(s: TestServer, origin: string, token: string): Promise<string> {
  const socket = io(s.url, { transports: ['websocket'], reconnection: false, auth: { token }, extraHeaders: { origin } });
  bed.onCleanup(() => void socket.close());
  return new Promise((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (err) => resolve(`refused: ${err.message}`));
  });
}

describe('origin rule', () => {
  it('same origin, listed origins and non-browser clients pass; others do not', () => {
    expect(originAllowed(undefined, 'a:1', [])).toBe(true);
    expect(originAllowed('http://a:1', 'a:1', [])).toBe(true);
    expect(originAllowed('http://b:1', 'a:1', [])).toBe(false);
    expect(originAllowed('http://b:1', 'a:1', ['http://b:1'])).toBe(true);
    expect(originAllowed('not a url', 'a:1', [])).toBe(false);
  });
});

describe('HTTP hardening', () => {
  it('sends security headers', async () => {
    const s = await bed.server();
    const res = await fetch(`${s.url}/api/health`);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('answers CORS only for listed origins, on HTTP and on the socket', async () => {
    const s = await bed.server({ corsOrigins: [ALLOWED] });
    const preflight = (origin: string) => fetch(`${s.url}/api/units`, {
      method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    const good = await preflight(ALLOWED);
    expect(good.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(good.headers.get('access-control-allow-headers')).toContain('Authorization');
    const evil = await preflight('https://evil.example.com');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const read = await bed.fetch(s, '/api/units', { headers: { origin: 'https://evil.example.com' } });
    expect(read.headers.get('access-control-allow-origin')).toBeNull();

    const token = await bed.token(s, 'operator');
    expect(await socketFrom(s, ALLOWED, token)).toBe('connected');
    expect(await socketFrom(s, s.url, token)).toBe('connected');
    expect(await socketFrom(s, 'https://evil.example.com', token)).toMatch(/^refused/);
  });

  it('limits requests per client address, counted in Redis across nodes', async () => {
    const s = await bed.server({ auth: { rateLimitPerMinute: 10 } });
    const other = await bed.server({ keyPrefix: s.prefix, nodeId: 'other', auth: { rateLimitPerMinute: 10 } });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await fetch(`${s.url}/api/health`)).status);
    for (let i = 0; i < 6; i++) statuses.push((await fetch(`${other.url}/api/health`)).status);
    expect(statuses.slice(0, 10).every((c) => c === 200)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    const body = (await (await fetch(`${other.url}/api/health`)).json()) as { error: string; params: { seconds: number }; message: string };
    expect(body).toMatchObject({ error: 'rate_limited', message: expect.stringMatching(/too many requests/) });
    expect(body.params.seconds).toBeGreaterThanOrEqual(1);
    expect(body.params.seconds).toBeLessThanOrEqual(60);
  });
});
