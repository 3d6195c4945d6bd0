// Response targets against a real Redis and two server nodes: in the snapshot, and each breach announced once.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RESPONSE_TARGETS, parseResponseTargets, type DomainEvent, type TargetsByPriority } from '@ccr/shared';
import { fixtureGridCentre, useTestbed } from '../../testing/index.js';
import { buildSnapshot } from '../live/live-socket.js';
import { TargetsRepository } from './targets-repository.js';
import { Keyspace } from '../../plugins/keyspace.js';

const bed = useTestbed('tgt');
const [lng, lat] = fixtureGridCentre(1, 0);

async function breachesIn(prefix: string): Promise<Extract<DomainEvent, { type: 'incident:breached' }>[]> {
  const entries = await bed.producer.xRange(`${prefix}events`, '-', '+');
  return entries
    .map((e) => JSON.parse(e.message.e ?? 'null') as DomainEvent)
    .filter((e): e is Extract<DomainEvent, { type: 'incident:breached' }> => e?.type === 'incident:breached');
}

async function breachCount(url: string, token: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
  let n = 0;
  for (const m of text.matchAll(/^ccr_response_target_breaches_total\{[^}]*\} (\S+)/gm)) n += Number(m[1]);
  return n;
}

async function until(ok: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('response targets', () => {
  it('are in every snapshot and on /api/targets, as configured', async () => {
    const targets = parseResponseTargets('{"2":{"dispatch":120,"firstHelp":300,"onScene":600}}');
    const s = await bed.server({ responseTargets: targets });
    const snap = await buildSnapshot(s.app.live.repo, s.app.live.ctx, Date.now());
    expect(snap.targets).toEqual(targets);
    expect(snap.targets[2]).toEqual({ dispatchMs: 120_000, firstHelpMs: 300_000, onSceneMs: 600_000 });
    const res = await bed.fetch(s, '/api/targets', {}, 'operator');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(targets)));
  });

  it('announces a breach once however many announce it at the same moment', async () => {
    const a = await bed.server();
    const b = await bed.server({ keyPrefix: a.prefix });
    const repos = [a, b].map((s) => new TargetsRepository(s.app.redis.command, s.app.live.repo, new Keyspace({ keyPrefix: a.prefix, cluster: false }), 10_000));
    const breach = { incidentId: 'JQ-RACE', target: 'on_scene' as const, targetMs: 300_000, at: 1_000 };
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => repos[i % 2]!.announceBreach(breach, Date.now())));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await breachesIn(a.prefix)).filter((e) => e.incidentId === 'JQ-RACE')).toEqual([{ type: 'incident:breached', ...breach }]);
  });

  it('announces each missed target once across two nodes, also when the watching node goes away', async () => {
    // Priority 1: dispatch within 0.3 s, on scene within 5 s. Nobody is dispatched, so both are missed.
    // (RESPONSE_TARGETS takes whole seconds; a test passes milliseconds directly to be quick.)
    const responseTargets: TargetsByPriority = { ...DEFAULT_RESPONSE_TARGETS, 1: { dispatchMs: 300, firstHelpMs: 1_000, onSceneMs: 5_000 } };
    const a = await bed.server({ nodeId: 'tgt-a', responseTargets });
    const b = await bed.server({ nodeId: 'tgt-b', responseTargets, keyPrefix: a.prefix });
    const [ta, tb] = await Promise.all([bed.token(a, 'admin'), bed.token(b, 'admin')]);
    const reportedAt = Date.now();
    for (const [id, priority] of [['JQ-T1', 1], ['JQ-T3', 3]] as const) {
      await bed.producer.xAdd(`${a.prefix}in:incidents`, '*', {
        data: JSON.stringify({ id, type: 'theft', priority, lng, lat, reportedAt, source: '110' }),
      });
    }

    await until(async () => (await breachesIn(a.prefix)).length >= 1, 'the dispatch breach');
    const [first] = await breachesIn(a.prefix);
    expect(first).toEqual({ type: 'incident:breached', incidentId: 'JQ-T1', target: 'dispatch', targetMs: 300, at: reportedAt + 300 });

    // The node that announced it goes away; the other takes over the watch (its own memory is empty, so it
    // tries the dispatch breach again: the marker in Redis keeps it from being announced twice).
    const [ca, cb] = [await breachCount(a.url, ta), await breachCount(b.url, tb)];
    expect(ca + cb).toBe(1);
    const [watcher, other, otherToken] = ca === 1 ? [a, b, tb] : [b, a, ta];
    await watcher.close();

    await until(async () => (await breachesIn(a.prefix)).length >= 2, 'the on-scene breach, from the other node');
    await new Promise((r) => setTimeout(r, 2_500)); // several more watches: nothing new may appear
    const all = await breachesIn(a.prefix);
    expect(all.map((e) => `${e.incidentId}:${e.target}@${e.at - reportedAt}`)).toEqual(['JQ-T1:dispatch@300', 'JQ-T1:on_scene@5000']);
    expect(await breachCount(other.url, otherToken)).toBe(1);
  });
});
