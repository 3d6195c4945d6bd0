// Faults for the two commands issue 9 added beside dispatch — acknowledging an alarm and "不是重复" — against a
// real redis-server with an append-only file: racing shift leaders, a reply lost and the command sent again, and
// Redis restarting between the command and its retry. Each must have exactly one effect, and say so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import type { AuditPage, CommandConflict, CommandResult, Incident, IncidentReport } from '@ccr/shared';
import {
  fixtureGridCentre, postJson, startRedisServer, startTestServer, tokenCache, writeFixtureJurisdiction,
  type RedisServerHandle, type TestServer,
} from '../../testing/index.js';

const [lng, lat] = fixtureGridCentre(1, 0);
const prefix = 'alarmfault:';
let redis: RedisServerHandle;
let server: TestServer;
let producer: ReturnType<typeof createClient>;
let seq = 0;
// Sessions live in Redis too: the same tokens must still work after the restart.
const tokenFor = tokenCache();
const cmd = (): string => `af-${Date.now().toString(36)}-${++seq}`;

beforeAll(async () => {
  redis = await startRedisServer({ appendOnly: true });
  server = await startTestServer({ redisUrl: redis.url, jurisdictionDir: await writeFixtureJurisdiction(), keyPrefix: prefix });
  producer = createClient({ url: redis.url });
  producer.on('error', () => { /* reconnects after the restart below */ });
  await producer.connect();
});

afterAll(async () => {
  await producer?.close().catch(() => undefined);
  await server?.close();
  await redis?.dispose();
});

function report(id: string, extra: Partial<IncidentReport> = {}): IncidentReport {
  return { id, type: 'fight', priority: 1, lng, lat, address: '测试路9号', reportedAt: Date.now() - 30_000, source: '110', summary: '两人打架', ...extra };
}
async function ingest(r: IncidentReport): Promise<void> {
  const res = await fetch(`${server.url}/api/ingest/incidents`, {
    method: 'POST', headers: { authorization: `Bearer ${server.config.producerToken}`, 'content-type': 'application/json' }, body: JSON.stringify(r),
  });
  expect(res.status).toBe(202);
}
async function incident(id: string): Promise<Incident | null> {
  const res = await fetch(`${server.url}/api/incidents/${id}`, { headers: { authorization: `Bearer ${await tokenFor(server, 'leader')}` } });
  return res.status === 200 ? ((await res.json()) as Incident) : null;
}
async function until<T>(probe: () => Promise<T | null | undefined | false>, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
async function post<T = CommandResult>(path: string, body: unknown, role: 'dispatcher' | 'leader' = 'leader') {
  return postJson<T>(`${server.url}${path}`, body, await tokenFor(server, role));
}
async function audit(action: string): Promise<AuditPage['items']> {
  const res = await fetch(`${server.url}/api/audit?limit=100&action=${action}`, { headers: { authorization: `Bearer ${await tokenFor(server, 'leader')}` } });
  return ((await res.json()) as AuditPage).items;
}

describe('acknowledge and not-duplicate under faults', () => {
  it('racing acknowledgements: one succeeds, the others are told who did it; a lost reply retried replays it', async () => {
    await ingest(report('JQ-AF1'));
    await until(() => incident('JQ-AF1'), 'JQ-AF1');
    const ids = Array.from({ length: 8 }, () => cmd());
    const answers = await Promise.all(ids.map((commandId, k) => post<CommandResult & CommandConflict>('/api/incidents/JQ-AF1/acknowledge', { commandId }, k % 2 ? 'leader' : 'dispatcher')));
    const won = answers.filter((a) => a.status === 200);
    expect(won).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(7);
    const winner = ids[answers.indexOf(won[0]!)]!;
    const by = won[0]!.body.incident!.alarmAcknowledged!.by;
    // The winner's reply was lost: the same command id again answers what happened, changing nothing.
    const retried = await post(`/api/incidents/JQ-AF1/acknowledge`, { commandId: winner }, by === 'leader' ? 'leader' : 'dispatcher');
    expect(retried.status).toBe(200);
    expect(retried.body.replayed).toBe(true);
    expect(retried.body.incident!.alarmAcknowledged).toEqual(won[0]!.body.incident!.alarmAcknowledged);
    const entries = (await audit('incident.acknowledge')).filter((e) => e.target === 'incident:JQ-AF1');
    expect(entries.filter((e) => e.outcome === 'ok' && !e.detail?.replayed)).toHaveLength(1);
  });

  it('Redis restarts between a command and its retry: the effect and the remembered answer both survive, once', async () => {
    const t = Date.now() - 60_000;
    await ingest(report('JQ-AF2', { reportedAt: t }));
    await ingest(report('JQ-AF3', { reportedAt: t + 4_000 }));
    await until(async () => (await incident('JQ-AF3'))?.suspectedDuplicate, 'JQ-AF3 flagged as a repeat of JQ-AF2');
    const ack = cmd();
    const dismiss = cmd();
    expect((await post('/api/incidents/JQ-AF2/acknowledge', { commandId: ack })).status).toBe(200);
    expect((await post('/api/incidents/JQ-AF3/not-duplicate', { commandId: dismiss, note: '不同楼栋' }, 'dispatcher')).status).toBe(200);

    await redis.restart();
    // The server reconnects by itself; the retries (a console that never saw its answers) replay, not repeat.
    const again = await until(async () => {
      const r = await post('/api/incidents/JQ-AF2/acknowledge', { commandId: ack });
      return r.status === 200 ? r : null;
    }, 'the server to be back after the restart', 30_000);
    expect(again.body.replayed).toBe(true);
    const notDup = await post('/api/incidents/JQ-AF3/not-duplicate', { commandId: dismiss, note: '不同楼栋' }, 'dispatcher');
    expect(notDup.status).toBe(200);
    expect(notDup.body.replayed).toBe(true);
    expect((await incident('JQ-AF2'))!.alarmAcknowledged).toMatchObject({ by: 'leader' });
    const after = (await incident('JQ-AF3'))!;
    expect(after.suspectedDuplicate).toBeUndefined();
    expect(after.duplicateDismissed).toMatchObject({ of: 'JQ-AF2', by: 'dispatcher' });
    // A new command after the restart still sees the first effect.
    expect((await post('/api/incidents/JQ-AF2/acknowledge', { commandId: cmd() }, 'dispatcher')).status).toBe(409);
    const acks = (await audit('incident.acknowledge')).filter((e) => e.target === 'incident:JQ-AF2' && e.outcome === 'ok' && !e.detail?.replayed);
    expect(acks).toHaveLength(1);
  });
});
