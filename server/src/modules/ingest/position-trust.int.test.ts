// Trustworthy positions through both ingest paths (the pub/sub channel and its HTTP twin), against a real Redis:
// a GPS jump is refused and counted, a clock ahead never freezes a unit, a frozen fix is flagged.
import { describe, expect, it } from 'vitest';
import type { IncidentReport, LiveUnit } from '@ccr/shared';
import { loadConfig } from '../../config.js';
import { fixtureGridCentre, postJson, useTestbed, type TestServer } from '../../testing/index.js';

const bed = useTestbed('trust');
const [lng, lat] = fixtureGridCentre(1, 0);
/** A point `metres` east of the grid centre. */
const east = (metres: number): { lng: number; lat: number } => ({ lng: lng + metres / (111_320 * Math.cos((lat * Math.PI) / 180)), lat });
type Fix = { unitId: string; lng: number; lat: number; ts: number };
type Path = 'channel' | 'http';
const PATHS: Path[] = ['channel', 'http'];

async function send(s: TestServer & { prefix: string }, path: Path, fixes: Fix[]): Promise<void> {
  if (path === 'channel') {
    await bed.producer.publish(`${s.prefix}in:positions`, JSON.stringify(fixes));
    return;
  }
  const res = await fetch(`${s.url}/api/ingest/positions`, {
    method: 'POST', headers: { authorization: `Bearer ${s.config.producerToken}`, 'content-type': 'application/json' }, body: JSON.stringify(fixes),
  });
  expect(res.status).toBe(202);
}

async function metric(s: TestServer, line: string): Promise<number> {
  const text = await (await bed.fetch(s, '/metrics')).text();
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found ? Number(found.split(' ').pop()) : 0;
}

async function unit(s: TestServer, id: string): Promise<LiveUnit> {
  const res = await bed.fetch(s, `/api/units/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as LiveUnit;
}

async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 8_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(PATHS)('positions through the %s', (path) => {
  it('refuses a GPS jump of 30 km in 0.5 s, counts it with its reason, and keeps the unit where it was', async () => {
    const s = await bed.server();
    const m = bed.mirror(s);
    await m.ready();
    const t0 = Date.now() - 10_000;
    await send(s, path, [{ unitId: 'P-01', ...east(0), ts: t0 }]);
    await m.waitFor(() => m.units.get('P-01')?.position?.ts === t0, 8_000, 'first fix');
    await send(s, path, [{ unitId: 'P-01', ...east(30_000), ts: t0 + 500 }]);
    // A plausible fix after the jump is the marker that the jump has been judged.
    await send(s, path, [{ unitId: 'P-01', ...east(20), ts: t0 + 2_000 }]);
    await m.waitFor(() => m.units.get('P-01')?.position?.ts === t0 + 2_000, 8_000, 'the fix after the jump');

    expect(await metric(s, 'ccr_ingest_rejected_total{path="positions",reason="implausible_speed"}')).toBe(1);
    for (const f of m.frames) for (const p of f.positions) expect(p[3], 'the jump never reached a screen').not.toBe(t0 + 500);
    expect((await unit(s, 'P-01')).position).toMatchObject({ ts: t0 + 2_000, lng: east(20).lng });
  });

  it('keeps a fix stamped 2 minutes ahead at the server time, and the unit\'s next fixes are not held back', async () => {
    const s = await bed.server();
    const m = bed.mirror(s);
    await m.ready();
    const before = Date.now();
    await send(s, path, [{ unitId: 'P-02', ...east(0), ts: before + 120_000 }]);
    await m.waitFor(() => m.units.get('P-02')?.position !== null, 8_000, 'the fix from a clock ahead');
    const stored = (await unit(s, 'P-02')).position!;
    expect(stored.ts, 'stored at the server time, not 2 minutes ahead').toBeLessThanOrEqual(Date.now());
    expect(stored.ts).toBeGreaterThanOrEqual(before);
    expect(await metric(s, 'ccr_positions_clamped_total')).toBe(1);

    // The next true fixes move the unit at once (before the change they were dropped as older for 2 minutes,
    // until the unit showed 失联).
    for (let i = 1; i <= 3; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const ts = Date.now();
      await send(s, path, [{ unitId: 'P-02', ...east(i * 10), ts }]);
      await m.waitFor(() => m.units.get('P-02')?.position?.ts === ts, 8_000, `true fix ${i}`);
    }
    expect(await metric(s, 'ccr_ingest_rejected_total{path="positions",reason="stale_position"}')).toBe(0);
    expect((await unit(s, 'P-02')).stale).toBe(false);
  });

  it('flags a fix frozen while en route, on /api/units and to screens, and clears it when the unit moves', async () => {
    const frozenAfterMs = 3_000;
    const s = await bed.server({ ingest: { ...loadConfig({}).ingest, positionFrozenAfterMs: frozenAfterMs } });
    const m = bed.mirror(s);
    await m.ready();
    const report: IncidentReport = { id: 'JQ-FZ', type: 'theft', priority: 1, lng, lat, address: '测试路1号', reportedAt: Date.now(), source: '110' };
    await bed.producer.xAdd(`${s.prefix}in:incidents`, '*', { data: JSON.stringify(report) });
    await m.waitFor(() => m.incidents.has('JQ-FZ'), 8_000, 'incident');
    const dispatched = await postJson(`${s.url}/api/incidents/JQ-FZ/dispatch`, { unitIds: ['P-03'], commandId: `cmd-${path}-fz` }, await bed.token(s, 'dispatcher'));
    expect(dispatched.status).toBe(200);

    // P-04 stands still just as long, but it is not sent anywhere: a parked car is not a frozen fix.
    const t = Date.now() - 4_000;
    const far = east(2_000);
    for (const dt of [0, 2_000, 4_000]) {
      await send(s, path, [{ unitId: 'P-03', ...far, ts: t + dt }, { unitId: 'P-04', ...far, ts: t + dt }]);
    }
    await until(async () => (await unit(s, 'P-03')).frozenSince !== undefined, 'P-03 flagged');
    expect((await unit(s, 'P-03')).frozenSince).toBe(t);
    await m.waitFor(() => m.units.get('P-03')?.frozenSince !== undefined, 8_000, 'flag on the screen');
    // screens count from when the fix froze, as the API does, not from when the server noticed
    expect(m.units.get('P-03')?.frozenSince).toBe(t);
    const all = (await (await bed.fetch(s, '/api/units')).json()) as LiveUnit[];
    expect(all.find((u) => u.id === 'P-03')?.frozenSince).toBe(t);
    expect(all.find((u) => u.id === 'P-04')?.frozenSince).toBeUndefined();
    expect(await metric(s, 'ccr_positions_frozen_total')).toBe(1);

    await send(s, path, [{ unitId: 'P-03', ...east(1_900), ts: Date.now() }]);
    await m.waitFor(() => m.units.get('P-03')?.frozenSince === undefined, 8_000, 'flag cleared on the screen');
    expect((await unit(s, 'P-03')).frozenSince).toBeUndefined();
  });
});
