// Redis memory stays bounded under hostile input on the incident stream — against a real redis-server.
// The flood: 1 MB entries (refused as too large) added as fast as the server takes them, a valid incident
// every 100 entries. CCR_MEMORY_FLOOD_ENTRIES=30000 runs the full-size variant (about 30 GB through Redis).
import { describe, expect, it } from 'vitest';
import { type createClient } from 'redis';
import type { IncidentReport } from '@ccr/shared';
import { fixtureGridCentre, useTestbed, type TestServer } from '../../testing/index.js';
import { IngestRepository } from './ingest-repository.js';
import { Keyspace } from '../../plugins/keyspace.js';

const bed = useTestbed('mem');
const [lng, lat] = fixtureGridCentre(1, 1);
const ENTRIES = Number(process.env.CCR_MEMORY_FLOOD_ENTRIES ?? 1_000);
const MB = 1_048_576;
/** The caps this test holds the server to: Redis memory above its level before the flood, at the end and at any time. */
const FINAL_CAP = 8 * MB;
const PEAK_CAP = 64 * MB;
const SAMPLE = 200;
let n = 0;

const TOO_LARGE = /^ccr_ingest_rejected_total\{path="incidents",reason="too_large"\} (\S+)/m;
const report = (id: string): IncidentReport => ({ id, type: 'help', priority: 3, lng, lat, reportedAt: Date.now(), source: 'online' });

async function usedMemory(client: ReturnType<typeof createClient>): Promise<number> {
  const info = await client.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1]);
}

async function metric(s: TestServer, re: RegExp): Promise<number> {
  return Number(re.exec(await (await bed.fetch(s, '/metrics')).text())?.[1] ?? 0);
}

describe('Redis memory under a flood of refused incident entries', () => {
  it(`stays within ${FINAL_CAP / MB} MB of where it started after ${ENTRIES} refused 1 MB entries (and within ${PEAK_CAP / MB} MB throughout)`, async () => {
    const s = await bed.server({ ingest: { claimIdleMs: 60_000, keepEntries: 10_000, keepBytes: 16 * MB, keepMs: 86_400_000, rejectSample: SAMPLE, positionClockSkewMs: 5_000, positionFrozenAfterMs: 180_000, positionAccuracyM: 100 } });
    const stream = `${s.prefix}in:incidents`;
    const watcher = await bed.connect(s.prefix);
    // Wait for the server's own start-up writes, then measure from there.
    await new Promise((r) => setTimeout(r, 500));
    const baseline = await usedMemory(watcher);
    let peak = baseline;
    const sampler = setInterval(() => void usedMemory(watcher).then((m) => { peak = Math.max(peak, m); }, () => undefined), 50);

    const big = Buffer.alloc(MB, 'x');
    big.write('{"id":"JQ-BIG","summary":"');
    const started = Date.now();
    let valid = 0;
    for (let i = 0; i < ENTRIES; i++) {
      await bed.producer.sendCommand(['XADD', stream, '*', 'data', big]);
      if (i % 100 === 0) {
        await bed.producer.xAdd(stream, '*', { data: JSON.stringify(report(`JQ-OK${valid++}`)) });
      }
      // Paced: never more than about 20 refused entries waiting for the server.
      if (i % 10 === 9) {
        while ((await metric(s, TOO_LARGE)) < i - 20) await new Promise((r) => setTimeout(r, 5));
      }
    }
    await expect.poll(() => metric(s, TOO_LARGE), { timeout: 10_000 }).toBe(ENTRIES);
    // Nothing refused is left on the ingest stream.
    await expect.poll(async () => Number(await watcher.xLen(stream)), { timeout: 10_000, interval: 50 }).toBe(valid);
    clearInterval(sampler);
    const seconds = (Date.now() - started) / 1_000;
    const final = await usedMemory(watcher);
    const sampled = await watcher.xLen(`${stream}:rejected`);
    const sampleBytes = Number(await watcher.memoryUsage(`${stream}:rejected`));
    process.stdout.write(`memory flood: ${ENTRIES} refused 1 MB entries + ${valid} valid in ${seconds.toFixed(1)} s (${(ENTRIES / seconds).toFixed(0)}/s); `
      + `used_memory baseline ${(baseline / MB).toFixed(1)} MB, peak +${((peak - baseline) / MB).toFixed(1)} MB, final +${((final - baseline) / MB).toFixed(1)} MB; `
      + `refused sample ${sampled} entries, ${(sampleBytes / 1024).toFixed(0)} KiB\n`);

    expect(final - baseline).toBeLessThan(FINAL_CAP);
    expect(peak - baseline).toBeLessThan(PEAK_CAP);
    // The sample is capped (MAXLEN ~: up to one stream node more) and holds each refusal's reason and a prefix only.
    expect(sampled).toBeGreaterThanOrEqual(SAMPLE);
    expect(sampled).toBeLessThanOrEqual(SAMPLE + 100);
    const [last] = await watcher.xRevRange(`${stream}:rejected`, '+', '-', { COUNT: 1 });
    expect(last!.message).toMatchObject({ reason: 'too_large' });
    expect(Buffer.byteLength(last!.message.data!)).toBeLessThanOrEqual(1_024);
    // The valid incidents all went through.
    expect(await watcher.zCard(`${s.prefix}incidents:by-time`)).toBe(valid);
  }, 600_000);
});

describe('applied entries are trimmed by count, size and age — never one pending or undelivered', () => {
  async function fill(repo: IngestRepository, count: number, bytes: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(await bed.producer.xAdd(repo.incidentsStream, '*', { data: 'x'.repeat(bytes) }));
    return ids;
  }
  async function readAndAck(repo: IngestRepository, consumer: string, ack: boolean): Promise<string[]> {
    const r = (await bed.producer.sendCommand(['XREADGROUP', 'GROUP', repo.group, consumer, 'COUNT', '100000', 'STREAMS', repo.incidentsStream, '>'])) as [string, [string, string[]][]][];
    const ids = r[0]![1].map((e) => e[0]);
    if (ack) await repo.ack(ids);
    return ids;
  }

  it('keeps everything from the oldest pending entry on, and the undelivered tail', async () => {
    const repo = new IngestRepository(bed.producer, new Keyspace({ keyPrefix: `trim${++n}:`, cluster: bed.cluster }));
    await repo.ensureGroup();
    const keep = { keepEntries: 100, keepBytes: 64 * MB, keepMs: 86_400_000 };
    const [stuck] = await fill(repo, 1, 100);
    await readAndAck(repo, 'dead-node', false);
    await fill(repo, 1_000, 100);
    await readAndAck(repo, 'live-node', true);
    const undelivered = await fill(repo, 50, 100);

    // The oldest entry is still pending: nothing may go.
    expect((await repo.trimAcknowledged(Date.now(), keep)).entries).toBe(1_051);
    // Once it is acknowledged, applied entries go down to the count (whole stream nodes: up to 100 more)…
    await repo.ack([stuck!]);
    const after = await repo.trimAcknowledged(Date.now(), keep);
    expect(after.entries).toBeLessThanOrEqual(100 + 100);
    // …and the undelivered ones are all still there, even when everything is past its age.
    const aged = await repo.trimAcknowledged(Date.now() + 2 * 86_400_000, keep);
    const left = (await bed.producer.xRange(repo.incidentsStream, '-', '+')).map((e) => e.id);
    for (const id of undelivered) expect(left).toContain(id);
    expect(aged.entries).toBeLessThanOrEqual(50 + 100);
  });

  it('trims to about the byte budget when entries are large', async () => {
    const repo = new IngestRepository(bed.producer, new Keyspace({ keyPrefix: `trimbytes${++n}:`, cluster: bed.cluster }));
    await repo.ensureGroup();
    await fill(repo, 600, 10_000);
    await readAndAck(repo, 'live-node', true);
    const before = Number(await bed.producer.memoryUsage(repo.incidentsStream));
    expect(before).toBeGreaterThan(5 * MB);
    const r = await repo.trimAcknowledged(Date.now(), { keepEntries: 10_000, keepBytes: 1 * MB, keepMs: 86_400_000 });
    expect(r.bytes).toBeLessThan(1.3 * MB);
    expect(r.entries).toBeGreaterThan(50);
  });
});
