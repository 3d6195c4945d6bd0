// Every numeric and time input of every route, and of the socket and Redis ingest paths, given the values that
// used to get through or crash: Infinity, 1e309, -0, 40-digit numbers, 2026-02-30, 0 and negative times. Each is
// refused with a reason that names the field (HTTP: 400), never a 5xx and never stored.
import { describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { isErrorCode, type Ack } from '@ccr/shared';
import { fixtureGridCentre, useTestbed, type TestServer } from '../testing/index.js';

const bed = useTestbed('bd');
const [lng, lat] = fixtureGridCentre(0, 0);
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/** The values, as text (query strings) and as what a JSON producer would write (raw JSON). */
const EDGES: { name: string; text: string; json: string }[] = [
  { name: 'Infinity', text: 'Infinity', json: '"Infinity"' },
  { name: '-Infinity', text: '-Infinity', json: '"-Infinity"' },
  { name: '1e309', text: '1e309', json: '1e309' },
  { name: '-0', text: '-0', json: '-0' },
  { name: '40 digits', text: '9'.repeat(40), json: '9'.repeat(40) },
  { name: '2026-02-30', text: '2026-02-30', json: '"2026-02-30"' },
  { name: '2026-02-31T10:00:00Z', text: '2026-02-31T10:00:00Z', json: '"2026-02-31T10:00:00Z"' },
  { name: '0', text: '0', json: '0' },
  { name: 'a negative time', text: '-1763884800000', json: '-1763884800000' },
];

type Kind = 'time' | 'count';
interface QueryInput { kind: Kind; role: 'operator' | 'dispatcher' | 'leader'; field: string; url: (v: string) => string; zeroOk?: boolean }
const e = encodeURIComponent;
const QUERY_INPUTS: QueryInput[] = [
  { kind: 'count', role: 'operator', field: 'limit', url: (v) => `/api/incidents?limit=${e(v)}` },
  { kind: 'count', role: 'operator', field: 'offset', url: (v) => `/api/incidents?offset=${e(v)}`, zeroOk: true },
  { kind: 'time', role: 'operator', field: 'from', url: (v) => `/api/incidents?status=all&from=${e(v)}` },
  { kind: 'time', role: 'operator', field: 'to', url: (v) => `/api/incidents?status=all&to=${e(v)}` },
  { kind: 'count', role: 'dispatcher', field: 'limit', url: (v) => `/api/incidents/JQ-1/recommendations?limit=${e(v)}` },
  { kind: 'time', role: 'leader', field: 'from', url: (v) => `/api/audit?from=${e(v)}` },
  { kind: 'time', role: 'leader', field: 'to', url: (v) => `/api/audit?to=${e(v)}` },
  { kind: 'count', role: 'leader', field: 'limit', url: (v) => `/api/audit?limit=${e(v)}` },
  { kind: 'count', role: 'leader', field: 'cursor', url: (v) => `/api/audit?cursor=${e(`${v}-0`)}`, zeroOk: true },
  { kind: 'time', role: 'operator', field: 'from', url: (v) => `/api/stats/series?from=${e(v)}&to=${day(1)}` },
  { kind: 'time', role: 'operator', field: 'to', url: (v) => `/api/stats/series?from=${day(-3)}&to=${e(v)}` },
  { kind: 'time', role: 'operator', field: 'from', url: (v) => `/api/stats/heatmap?from=${e(v)}&to=${day(1)}` },
  { kind: 'time', role: 'operator', field: 'to', url: (v) => `/api/stats/heatmap?from=${day(-3)}&to=${e(v)}` },
  { kind: 'time', role: 'operator', field: 'date', url: (v) => `/api/stats/overview?date=${e(v)}` },
];

interface BodyInput { role: 'producer' | 'dispatcher'; field: string; path: string; body: (json: string) => string; zeroOk?: boolean }
const BODY_INPUTS: BodyInput[] = [
  { role: 'producer', field: 'ts', path: '/api/ingest/positions', body: (v) => `{"unitId":"P-01","lng":${lng},"lat":${lat},"ts":${v}}` },
  {
    role: 'producer', field: 'reportedAt', path: '/api/ingest/incidents',
    body: (v) => `{"id":"JQ-BD-1","type":"theft","priority":1,"lng":${lng},"lat":${lat},"reportedAt":${v},"source":"110"}`,
  },
  { role: 'producer', field: 'priority', path: '/api/ingest/incidents', body: (v) => `{"id":"JQ-BD-2","type":"theft","priority":${v},"lng":${lng},"lat":${lat},"reportedAt":${Date.now()},"source":"110"}` },
  { role: 'dispatcher', field: 'ring', path: '/api/incidents/JQ-1/alert-emergency-units', body: (v) => `{"commandId":"bounds-0001","ring":${v}}` },
];

async function call(s: TestServer, path: string, role: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await bed.fetch(s, path, init, role as 'operator');
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try { body = JSON.parse(text) as Record<string, unknown>; } catch { body = { unparsed: text }; }
  return { status: res.status, body };
}

describe('bounded inputs: the values that used to crash or slip through are refused with a reason', () => {
  it('every numeric and time query input of every route answers 400 naming the field', async () => {
    const s = await bed.server();
    const wrong: string[] = [];
    for (const input of QUERY_INPUTS) {
      for (const v of EDGES) {
        if (v.text === '0' && input.zeroOk) continue;
        const url = input.url(v.text);
        const { status, body } = await call(s, url, input.role);
        const message = typeof body.message === 'string' ? body.message : '';
        // A code the client says from its catalogue, with its params; the English message names the field.
        if (status !== 400 || !isErrorCode(body.error) || typeof body.params !== 'object' || !message.includes(input.field)) {
          wrong.push(`${url} (${v.name}) → ${status} ${JSON.stringify(body).slice(0, 200)}`);
        }
        if (body.path !== undefined && !String(body.path).endsWith(`/${input.field}`)) wrong.push(`${url}: path ${String(body.path)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('every numeric and time body field answers 400 naming the field, and nothing is stored', async () => {
    const s = await bed.server();
    const wrong: string[] = [];
    for (const input of BODY_INPUTS) {
      for (const v of EDGES) {
        const { status, body } = await call(s, input.path, input.role, { method: 'POST', headers: { 'content-type': 'application/json' }, body: input.body(v.json) });
        const said = JSON.stringify(body);
        if (status !== 400 || typeof body.error !== 'string' || typeof body.message !== 'string' || !said.includes(input.field)) {
          wrong.push(`${input.path} ${input.field}=${v.json} (${v.name}) → ${status} ${said.slice(0, 200)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect((await call(s, '/api/incidents/JQ-BD-1', 'operator')).status).toBe(404);
    expect((await call(s, '/api/units/P-01', 'operator')).body.position).toBeNull();
  });

  it('the Redis ingest paths refuse them as bad_time and store nothing; live:subscribe refuses a since out of range', async () => {
    const s = await bed.server();
    for (const [i, v] of EDGES.entries()) {
      await bed.producer.publish(`${s.prefix}in:positions`, `{"unitId":"P-02","lng":${lng},"lat":${lat},"ts":${v.json}}`);
      await bed.producer.xAdd(`${s.prefix}in:incidents`, '*', {
        data: `{"id":"JQ-BDR-${i}","type":"theft","priority":1,"lng":${lng},"lat":${lat},"reportedAt":${v.json},"source":"110"}`,
      });
    }
    // Stream entries are applied in order: once this one is in, every entry before it was seen.
    await bed.producer.xAdd(`${s.prefix}in:incidents`, '*', { data: JSON.stringify({ id: 'JQ-BDR-END', type: 'theft', priority: 1, lng, lat, reportedAt: Date.now(), source: '110' }) });
    const end = Date.now() + 60_000;
    while ((await call(s, '/api/incidents/JQ-BDR-END', 'operator')).status !== 200) {
      if (Date.now() > end) throw new Error('the last incident was not applied');
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const i of EDGES.keys()) expect((await call(s, `/api/incidents/JQ-BDR-${i}`, 'operator')).status).toBe(404);
    expect((await call(s, '/api/units/P-02', 'operator')).body.position).toBeNull();
    const metrics = await (await bed.fetch(s, '/metrics')).text();
    const badTime = (path: string): number => {
      const line = metrics.split('\n').find((l) => l.startsWith(`ccr_ingest_rejected_total{path="${path}",reason="bad_time"}`));
      return Number(line?.split(' ')[1] ?? 0);
    };
    expect(badTime('positions')).toBe(EDGES.length);
    expect(badTime('incidents')).toBe(EDGES.length);

    const socket = io(s.url, { transports: ['websocket'], auth: { token: await bed.token(s, 'operator') }, reconnection: false });
    bed.onCleanup(() => { socket.close(); });
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject); });
    for (const since of ['99999999999999999999-0', '18446744073709551615-18446744073709551615', '1-99999999999999999999', ...EDGES.map((v) => `${v.text}-0`).filter((x) => x !== '0-0'), ...EDGES.map((v) => v.text)]) {
      const res = (await socket.timeout(15_000).emitWithAck('live:subscribe', { since })) as Ack<unknown>;
      expect(res, since).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
      if (!res.ok) expect(res.error.message, since).toMatch(/since/);
    }
    const ok = (await socket.timeout(15_000).emitWithAck('live:subscribe', {})) as Ack<unknown>;
    expect(ok.ok).toBe(true);
  });
});
