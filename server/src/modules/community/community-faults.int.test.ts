// Faults against a real redis-server: a command whose commit went through but whose answer was lost (the node
// died between the Lua commit and the reply), and Redis restarting in the middle of a run of commands.
import { describe, expect, it } from 'vitest';
import type { CommunityCommandResult, CommunityFigures, CommunityTask, DisputeCase } from '@ccr/shared';
import { fixtureGridCentre, postJson, startRedisServer, startTestServer, useTestbed, type TestServer } from '../../testing/index.js';
import { pick, recountDisputes, recountTasks } from './community-recount.js';

const bed = useTestbed('cf');
const [lng, lat] = fixtureGridCentre(0, 0);
let seq = 0;
const cmd = (): string => `cf-${Date.now().toString(36)}-${++seq}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function get<T>(s: TestServer, path: string, token: string): Promise<T> {
  const res = await fetch(`${s.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}
const openBody = (i: number) => ({
  commandId: cmd(), source: 'walk_in', category: 'family', parties: [{ name: `当事人${i}` }], lng, lat, riskLevel: 'low', mayEscalate: false, summary: '家庭纠纷',
});

describe('community faults', () => {
  it('a command committed whose answer was lost: sent again with its command id, the same answer and one effect', async () => {
    const s = await bed.server();
    const token = await bed.token(s, 'community');
    const opened = await postJson<CommunityCommandResult>(`${s.url}/api/disputes`, openBody(0), token);
    const id = opened.body.dispute!.id;
    const repo = s.app.community.repo;
    const commit = repo.commit.bind(repo);
    // The node "dies" right after the Lua commit: the write is in Redis, the caller gets no answer (a 500 here).
    repo.commit = async (w) => { await commit(w); throw new Error('simulated crash between the commit and the reply'); };
    const body = { commandId: cmd(), tier: 1, owner: { name: '社区民警1', unitId: 'C-1' } };
    const lost = await postJson(`${s.url}/api/disputes/${id}/route`, body, token);
    expect(lost.status).toBe(500);
    repo.commit = commit;

    const before = await get<CommunityFigures>(s, '/api/community/figures', token);
    const again = await Promise.all([1, 2, 3].map(() => postJson<CommunityCommandResult>(`${s.url}/api/disputes/${id}/route`, body, token)));
    expect(again.map((r) => [r.status, r.body.replayed])).toEqual([[200, true], [200, true], [200, true]]);
    expect(new Set(again.map((r) => JSON.stringify(r.body.dispute))).size).toBe(1);
    const stored = await get<DisputeCase>(s, `/api/disputes/${id}`, token);
    expect(stored.timeline.map((e) => e.status)).toEqual(['accepted', 'routed']);
    expect(again[0]!.body.dispute).toEqual(stored);
    const after = await get<CommunityFigures>(s, '/api/community/figures', token);
    expect(after.disputes).toEqual(before.disputes);
    expect(before.disputes.avgStageMs.route).not.toBeNull(); // the lost commit's route stage was counted, once
  });

  it('Redis restarting mid-run loses nothing: every command retried with its id has one effect, figures equal the recount', async () => {
    const own = await startRedisServer({ appendOnly: true });
    bed.onCleanup(() => own.dispose());
    const s = await startTestServer({ redisUrl: own.url, jurisdictionDir: bed.jurisdictionDir, keyPrefix: 'cfr:', auth: { scryptLogN: 10, rateLimitPerMinute: 100_000 } });
    bed.onCleanup(() => s.close());
    const token = (await bed.login(s, 'community', s.config.auth.demoPassword!)).token;
    const deviceToken = await bed.token(s, 'device', 'C-1');

    let refusedWhileAway = 0;
    /** Sends until answered 200 (the same command id every time), as a client does while the server says 503/500. */
    const send = async (path: string, body: Record<string, unknown>, t = token): Promise<CommunityCommandResult> => {
      for (let attempt = 0; attempt < 200; attempt++) {
        const r = await postJson<CommunityCommandResult>(`${s.url}${path}`, body, t).catch(() => ({ status: 0, body: {} as CommunityCommandResult }));
        if (r.status === 200) return r.body;
        expect([0, 500, 502, 503], JSON.stringify(r.body)).toContain(r.status);
        refusedWhileAway++;
        await sleep(100);
      }
      throw new Error(`${path} never answered`);
    };
    const restarted = (async () => { await sleep(400); await own.stop(); await sleep(700); await own.restart(); })();
    const ids: string[] = [];
    const taskIds: string[] = [];
    for (let i = 0; i < 12; i++) {
      const c = (await send('/api/disputes', openBody(i))).dispute!;
      ids.push(c.id);
      await send(`/api/disputes/${c.id}/route`, { commandId: cmd(), tier: 1, owner: { name: '社区民警1' } });
      await send(`/api/disputes/${c.id}/sessions`, { commandId: cmd(), participants: ['a'], result: i % 4 === 0 ? 'failed' : 'success' });
      if (i % 4 !== 0) await send(`/api/disputes/${c.id}/followup`, { commandId: cmd(), satisfaction: 'satisfied', recurred: i % 5 === 0 });
      const t = (await send('/api/tasks', { commandId: cmd(), target: { kind: 'unit', unitId: 'C-1' }, category: 'visit', kind: 'household_visit', instructions: '走访', dueAt: Date.now() + 3_600_000, requires: { text: true, count: false, location: false } })).tasks![0]!;
      taskIds.push(t.id);
      await send(`/api/tasks/${t.id}/accept`, { commandId: cmd() }, deviceToken);
      await send(`/api/tasks/${t.id}/feedback`, { commandId: cmd(), text: '已完成' }, deviceToken);
      await send(`/api/tasks/${t.id}/review`, { commandId: cmd(), verdict: 'accepted' });
      await sleep(50);
    }
    await restarted;
    expect(refusedWhileAway, 'some commands met Redis away').toBeGreaterThan(0);

    const cases = await Promise.all(ids.map((id) => get<DisputeCase>(s, `/api/disputes/${id}`, token)));
    for (const [i, c] of cases.entries()) {
      const expected = i % 4 === 0 ? ['accepted', 'routed', 'mediating'] : ['accepted', 'routed', 'mediated', i % 5 === 0 ? 'accepted' : 'followed_up'];
      expect(c.timeline.map((e) => e.status), c.id).toEqual(expected);
    }
    const tasks = await Promise.all(taskIds.map((id) => get<CommunityTask>(s, `/api/tasks/${id}`, token)));
    expect(tasks.every((t) => t.status === 'done' && t.feedback.length === 1 && t.reviews.length === 1)).toBe(true);
    const today = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const to = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const f = await get<CommunityFigures>(s, `/api/community/figures?from=${today}&to=${to}`, token);
    const rd = recountDisputes(cases);
    const rt = recountTasks(tasks);
    expect(pick(f.disputes, Object.keys(rd))).toEqual(rd);
    expect(pick(f.tasks, Object.keys(rt))).toEqual(rt);
  }, 90_000);
});
