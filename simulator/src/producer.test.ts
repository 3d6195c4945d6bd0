// Runs the producer against a real, private redis-server (never a mock) and checks what arrives on the
// ingest keys against the contract's schemas.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { IncidentReportSchema, PositionMessageSchema, compileChecker } from '@ccr/shared';
import { DEMO_SEED, buildDemoJurisdiction } from './jurisdiction-generator.js';
import { ingestKeys, lastIncidentSequences, redactUrl, runProducer } from './producer.js';
import { createSimulation } from './simulation.js';

const demo = buildDemoJurisdiction({ seed: DEMO_SEED });
const positionChecker = compileChecker(PositionMessageSchema);
const incidentChecker = compileChecker(IncidentReportSchema);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

let redisServer: ChildProcess | undefined;
let url = '';

beforeAll(async () => {
  const port = await freePort();
  url = `redis://127.0.0.1:${port}`;
  redisServer = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not start within 10 s')), 10_000);
    redisServer!.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    redisServer!.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}, 15_000);

afterAll(async () => {
  if (!redisServer || redisServer.exitCode !== null) return;
  const exited = new Promise((resolve) => redisServer!.once('exit', resolve));
  redisServer.kill('SIGTERM');
  await exited;
});

async function withClient<T>(fn: (c: ReturnType<typeof createClient>) => Promise<T>): Promise<T> {
  const c = createClient({ url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

describe('runProducer against a real redis-server', () => {
  it('publishes one position array per tick and XADDs incidents, all valid per the ingest contract', async () => {
    const prefix = 'test1:';
    const keys = ingestKeys(prefix);
    const sub = createClient({ url });
    await sub.connect();
    const messages: string[] = [];
    await sub.subscribe(keys.positions, (m) => {
      messages.push(m);
    });
    try {
      const simulation = (startMs: number) => createSimulation({ jurisdiction: demo, seed: 3, startMs, rateHz: 4, timeScale: 60, firstIncidentAfterS: 0.5 });
      const stats = await runProducer({ redisUrl: url, prefix, simulation, rateHz: 4, durationS: 2 });
      await new Promise((r) => setTimeout(r, 100)); // let the last PUBLISH reach the subscriber
      expect(stats.ticks).toBe(8);
      expect(stats.positionsSent).toBe(8 * 136);
      expect(stats.positionsDropped).toBe(0);
      expect(messages).toHaveLength(8);
      let lastTs = 0;
      for (const m of messages) {
        const parsed: unknown = JSON.parse(m);
        expect(positionChecker.validate(parsed)).toEqual({ ok: true, value: parsed });
        const arr = parsed as { unitId: string; ts: number }[];
        expect(arr).toHaveLength(136);
        expect(arr[0]!.ts).toBeGreaterThan(lastTs);
        lastTs = arr[0]!.ts;
        expect(arr.some((p) => p.unitId.startsWith('E-'))).toBe(false);
      }
      const entries = await withClient((c) => c.xRange(keys.incidents, '-', '+'));
      expect(entries.length).toBe(stats.incidentsSent);
      expect(entries.length).toBeGreaterThanOrEqual(1);
      for (const e of entries) {
        expect(Object.keys(e.message)).toEqual(['data']);
        const report: unknown = JSON.parse(e.message.data as string);
        expect(incidentChecker.validate(report)).toEqual({ ok: true, value: report });
      }
    } finally {
      await sub.close();
    }
  }, 20_000);

  it('splits a tick into several messages when it exceeds the per-message limit', async () => {
    const prefix = 'test2:';
    const sub = createClient({ url });
    await sub.connect();
    const sizes: number[] = [];
    await sub.subscribe(ingestKeys(prefix).positions, (m) => {
      sizes.push((JSON.parse(m) as unknown[]).length);
    });
    try {
      const simulation = (startMs: number) => createSimulation({ jurisdiction: demo, seed: 3, startMs, rateHz: 5 });
      await runProducer({ redisUrl: url, prefix, simulation, rateHz: 5, durationS: 0.4, maxPositionsPerMessage: 50 });
      await new Promise((r) => setTimeout(r, 100));
      expect(sizes).toEqual([50, 50, 36, 50, 50, 36]);
    } finally {
      await sub.close();
    }
  }, 20_000);

  it('reads the last incident numbers of each day back from the stream', async () => {
    const key = ingestKeys('test3:').incidents;
    await withClient(async (c) => {
      for (const id of ['JQ-20261123-0007', 'JQ-20261123-0041', 'JQ-20261122-0300', 'other-id']) {
        await c.xAdd(key, '*', { data: JSON.stringify({ id }) });
      }
      await c.xAdd(key, '*', { data: 'not json' });
      const last = await lastIncidentSequences(c, key);
      expect(Object.fromEntries(last)).toEqual({ '20261123': 41, '20261122': 300 });
      expect((await lastIncidentSequences(c, 'test3:missing')).size).toBe(0);
    });
  });

  it('keeps running without Redis: drops positions, keeps incidents queued, stops cleanly', async () => {
    const deadPort = await freePort();
    const lines: string[] = [];
    const simulation = (startMs: number) => createSimulation({ jurisdiction: demo, seed: 3, startMs, rateHz: 5, firstIncidentAfterS: 0.2 });
    const stats = await runProducer({
      redisUrl: `redis://127.0.0.1:${deadPort}`, prefix: 'test4:', simulation, rateHz: 5, durationS: 1, connectWaitMs: 100,
      log: (l) => lines.push(l),
    });
    expect(stats.ticks).toBe(5);
    expect(stats.positionsSent).toBe(0);
    expect(stats.positionsDropped).toBe(5 * 136);
    expect(stats.incidentsSent).toBe(0);
    expect(stats.incidentsQueued).toBeGreaterThanOrEqual(1);
    expect(lines.some((l) => l.startsWith('redis: cannot reach'))).toBe(true);
    expect(lines.some((l) => l.includes('incidents unsent'))).toBe(true);
  }, 20_000);
});

describe('redactUrl', () => {
  it('hides a password in log lines', () => {
    expect(redactUrl('redis://:secret@10.0.0.5:6379/0')).toBe('redis://:***@10.0.0.5:6379/0');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });
});
