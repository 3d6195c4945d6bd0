// The positions subscription against a real redis-server: dropped by Redis, it is counted and recovers; and
// (CCR_FLOOD=1, a measurement rather than a CI test: its figures depend on the machine) valid positions under a
// flood of heavy or oversized messages on the same channel, with the pub/sub output buffer limit lowered to 8 MB
// so that a subscriber that falls behind is dropped quickly. The producers run in their own process, so the
// server under test has its event loop to itself. Prints the share of valid positions accepted, subscription
// losses and messages shed.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { fixtureGridCentre, useTestbed, type TestServer } from '../../testing/index.js';

const bed = useTestbed('pf');
const [lng, lat] = fixtureGridCentre(0, 0);
const UNITS = ['P-01', 'P-02', 'P-03', 'P-04', 'C-1', 'C-2', 'C-3', 'C-4'];
const SECONDS = Number(process.env.CCR_FLOOD_SECONDS ?? 8);

const LOST = /^ccr_redis_connection_lost_total\{connection="position-subscriber"\} (\S+)/m;

async function metric(s: TestServer, line: RegExp): Promise<number> {
  const text = await (await bed.fetch(s, '/metrics')).text();
  return Number(line.exec(text)?.[1] ?? 0);
}

async function produce(url: string, channel: string, kind: 'oversized' | 'heavy', floodPerSecond: number): Promise<{ sent: number; floodSent: number }> {
  const script = fileURLToPath(new URL('./testing/flood-producer.ts', import.meta.url));
  const args = ['--import', 'tsx', script, url, channel, kind, String(SECONDS), '100', UNITS.join(','), String(lng), String(lat), String(floodPerSecond)];
  const child = spawn(process.execPath, args, { cwd: fileURLToPath(new URL('../../..', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const [code] = (await once(child, 'exit')) as [number];
  if (code !== 0) throw new Error(`flood producer exited with ${code}`);
  return JSON.parse(out) as { sent: number; floodSent: number };
}

async function flood(kind: 'oversized' | 'heavy', floodPerSecond: number) {
  await bed.producer.sendCommand(['CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 8mb 4mb 10']);
  bed.onCleanup(async () => { await bed.producer.sendCommand(['CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60']); });
  const s = await bed.server();
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const { sent, floodSent } = await produce(bed.redis.url, `${s.prefix}in:positions`, kind, floodPerSecond);
  // Let the server finish what it queued.
  let accepted = -1;
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const now = await metric(s, /^ccr_ingest_accepted_total\{path="positions"\} (\S+)/m);
    if (now === accepted) break;
    accepted = now;
  }
  const lost = await metric(s, LOST);
  const shed = await metric(s, /^ccr_positions_dropped_total (\S+)/m);
  h.disable();
  return { sent, accepted, acceptedPercent: Math.round((1000 * accepted) / sent) / 10, floodSent, lost, shed, eventLoopMaxMs: Math.round(h.max / 1e6) };
}

describe('the positions subscription', () => {
  it('dropped by Redis is counted once and resubscribed', async () => {
    const s = await bed.server();
    const m = bed.mirror(s);
    await m.ready();
    const killed = Number(await bed.producer.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']));
    expect(killed).toBeGreaterThanOrEqual(1);
    await expect.poll(() => metric(s, LOST), { timeout: 3_000, interval: 50 }).toBe(1);
    // Back: a position published now is applied and reaches the screen.
    const ts = Date.now();
    await expect.poll(async () => {
      await bed.producer.publish(`${s.prefix}in:positions`, JSON.stringify({ unitId: 'P-02', lng, lat, ts }));
      return m.units.get('P-02')?.position?.ts;
    }, { timeout: 5_000, interval: 200 }).toBe(ts);
    expect(await metric(s, LOST)).toBe(1);
  });
});

describe.runIf(process.env.CCR_FLOOD)('valid positions under a flood on the positions channel', () => {
  for (const [kind, rate] of [['oversized', 0], ['heavy', 40]] as const) {
    it(`keep being accepted beside ${kind} messages (${rate || 'unpaced'} a second)`, async () => {
      const r = await flood(kind, rate);
      process.stdout.write(`flood ${kind} ${rate || 'unpaced'}/s for ${SECONDS} s: ${JSON.stringify(r)}\n`);
      expect(r.sent).toBeGreaterThan(0);
    }, 90_000);
  }
});
