// plugins/plan-commit.lua, as the community loops use it, directly against a real Redis: what it writes, a stale read, a replayed command id, a
// flushed script cache, and the notice acknowledgement (delivery/inbox-ack.lua).
import { describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { DEFAULT_DISPUTE_LIMITS, openDispute, routeDispute, type DisputeCase } from '@ccr/shared';
import { useTestbed } from '../../testing/index.js';
import { LiveRepository } from '../live/live-repository.js';
import { Keyspace } from '../../plugins/keyspace.js';
import type { RedisClient } from '../../plugins/redis.js';
import { CommunityRepository } from './community-repository.js';

const bed = useTestbed('cl');

async function setup(prefix: string) {
  const redis = createClient({ url: bed.redis.url }) as unknown as RedisClient;
  await redis.connect();
  bed.onCleanup(async () => { await redis.close(); });
  const ks = new Keyspace({ keyPrefix: prefix, cluster: false });
  const live = new LiveRepository(redis, ks, 1_000);
  return { redis, repo: new CommunityRepository(redis, live, ks, 1_000, 'Asia/Shanghai', 'test-key') };
}
const AT = Date.UTC(2026, 11, 4, 15, 30); // 23:30 in Shanghai
const fresh = (): DisputeCase => openDispute({
  id: 'MD-20261204-0001', source: 'walk_in', category: 'family', parties: [{ name: '张*' }], address: '测试路1号', lng: 116.6, lat: 39.0,
  gridId: 'G1', riskLevel: 'high', mayEscalate: true, summary: '家庭纠纷', incidentIds: [], repeatOf: [],
}, { by: 'community', at: AT }, DEFAULT_DISPUTE_LIMITS);

describe('plan-commit.lua (community writes)', () => {
  it('writes the case, its indexes, counters and event at once; refuses a stale read; answers a replay', async () => {
    const { redis, repo } = await setup('cl1:');
    const c = fresh();
    const w = { now: AT, disputes: [{ before: null, after: c }], tasks: [], notices: [], result: '{"commandId":"cmd-00000001","replayed":false}' };
    expect(await repo.commit({ ...w, command: { id: 'cmd-00000001', bodyHash: 'h1' } })).toEqual({ kind: 'ok', result: w.result });
    expect(await redis.get('cl1:community:dispute:MD-20261204-0001')).toBe(JSON.stringify(c));
    expect(await redis.zScore('cl1:community:disputes:open', c.id)).toBe(c.dueAt);
    expect(await redis.zScore('cl1:community:disputes:open-may', c.id)).toBe(c.dueAt);
    // 23:30 local on the 4th: the case counts on the 4th, not the UTC day.
    expect(await redis.hGetAll('cl1:community:disputes:day:2026-12-04')).toMatchObject({ d: '1', may: '1', 'd|grid:G1': '1' });
    const events = await redis.xRange('cl1:events', '-', '+');
    expect(events.map((e) => JSON.parse(e.message.e!).type)).toEqual(['dispute:changed']);

    // The same command id again: nothing written.
    expect(await repo.commit({ ...w, command: { id: 'cmd-00000001', bodyHash: 'h1' } })).toEqual({ kind: 'replay' });
    // A plan made from a read that is no longer true (the case exists now): nothing written.
    expect(await repo.commit({ ...w, command: { id: 'cmd-00000002', bodyHash: 'h2' } })).toEqual({ kind: 'changed', key: 'cl1:community:dispute:MD-20261204-0001' });
    expect(await redis.exists('cl1:community:cmd:cmd-00000002')).toBe(0);
    expect(await redis.hGet('cl1:community:disputes:day:2026-12-04', 'd')).toBe('1');
    expect(await redis.xLen('cl1:events')).toBe(1);

    // After SCRIPT FLUSH (a restarted Redis) the script is loaded again; the counters move by the difference.
    await redis.scriptFlush();
    const raw = (await redis.get('cl1:community:dispute:MD-20261204-0001'))!;
    const routed = routeDispute(c, 1, { name: '社区民警1' }, { by: 'community', at: AT + 7_200_000 }, DEFAULT_DISPUTE_LIMITS);
    if (!routed.ok) throw new Error('route');
    const out = await repo.commit({ now: AT + 7_200_000, disputes: [{ before: { raw, value: c }, after: routed.state }], tasks: [], notices: [], result: '{}' });
    expect(out.kind).toBe('ok');
    expect(await redis.hGetAll('cl1:community:disputes:day:2026-12-04')).toMatchObject({ d: '1', 'n|route': '1', 'ms|route': '7200000' });
    expect(await redis.hGet('cl1:community:disputes:day:2026-12-05', 'd')).toBeNull();
  });

  it('keeps a terminal notice until that unit acknowledges it', async () => {
    const { repo } = await setup('cl2:');
    const task = {
      id: 'RW-1', batchId: 'B-RW-1', status: 'ordered' as const, category: 'visit', kind: 'household_visit', instructions: '走访', target: { kind: 'all_grids' as const },
      assignee: { unitId: 'C-1', name: '社区民警1', kind: 'community_officer' as const, team: 'community' as const, gridId: 'G1' },
      dueAt: AT + 86_400_000, requires: { text: true, count: false, location: false }, feedback: [], reviews: [], orderedAt: AT, orderedBy: 'community',
      updatedAt: AT, timeline: [{ status: 'ordered' as const, at: AT, by: 'community' }],
    };
    const notice = { noticeId: 'tn-RW-1-1', unitId: 'C-1', reason: 'ordered' as const, issuedAt: AT, task };
    expect((await repo.commit({ now: AT, disputes: [], tasks: [{ before: null, after: task }], notices: [notice], result: '{}' })).kind).toBe('ok');
    expect(await repo.notices.pending('C-1')).toEqual([notice]);
    expect(await repo.notices.overdue(AT + 10_000, AT + 20_000, 10)).toEqual(['C-1']);
    expect(await repo.notices.acknowledge('C-2', 'tn-RW-1-1')).toBe(false);
    expect(await repo.notices.acknowledge('C-1', 'tn-RW-1-1')).toBe(true);
    expect(await repo.notices.acknowledge('C-1', 'tn-RW-1-1')).toBe(false);
    expect(await repo.notices.pending('C-1')).toEqual([]);
    expect(await repo.notices.overdue(AT + 10_000, AT + 20_000, 10)).toEqual([]);
  });
});
