// The demo's community loops end to end against a real server and Redis: the auto community leader (HTTP, as the
// demo account `community`) routes, mediates, follows up and closes cases and orders and reviews tasks; the
// officers' simulated terminals (device channel) accept tasks and report back. Simulated time runs 3,600× faster.
import { describe, expect, it } from 'vitest';
import type { CommunityBoard, CommunityTask, DisputeCase, TaskPage } from '@ccr/shared';
import { fixtureGridCentre, postJson, useTestbed, type TestServer } from '@ccr/server/testing';
import { startAutoCommunity } from './auto-community.js';
import { officerAnswers, createRng } from '@ccr/shared/demo';
import { startDeviceFleet } from './devices.js';

const bed = useTestbed('ac');
const [lng, lat] = fixtureGridCentre(0, 0);

async function get<T>(s: TestServer, path: string): Promise<T> {
  const res = await bed.fetch(s, path, {}, 'community');
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}
async function until(cond: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the demo community leader and the officers\' terminals', () => {
  it('move cases to 销号 and tasks to 督导通过 through the routes and the device channel', async () => {
    const s = await bed.server({ auth: { rateLimitPerMinute: 100_000 } });
    const timeScale = 3_600;
    const fleet = startDeviceFleet({
      serverUrl: s.url, secret: s.config.auth.deviceSecret!, unitIds: ['C-1', 'C-2', 'C-3', 'C-4'], onOrder: () => [],
      onTask: officerAnswers(createRng(7).fork('tasks'), timeScale, () => ({ lng, lat })),
    });
    bed.onCleanup(() => fleet.close());
    await fleet.whenConnected(10_000);
    const leader = startAutoCommunity({ serverUrl: s.url, password: s.config.auth.demoPassword!, rng: createRng(7), timeScale, pollMs: 200 });
    bed.onCleanup(() => leader.close());

    const token = await bed.token(s, 'community');
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await postJson<{ dispute: DisputeCase }>(`${s.url}/api/disputes`, {
        commandId: `ac-open-${i}-${Date.now()}`, source: 'walk_in', category: 'neighbour', parties: [{ name: `当事人${i}` }], lng, lat,
        riskLevel: 'medium', mayEscalate: false, summary: '邻里纠纷',
      }, token);
      expect(r.status).toBe(200);
      ids.push(r.body.dispute.id);
    }
    // The cases walk every stage; at least one is followed up and closed, none is stuck at 受理.
    await until(async () => {
      const cases = await Promise.all(ids.map((id) => get<DisputeCase>(s, `/api/disputes/${id}`)));
      return cases.some((c) => c.status === 'closed' && c.followups.length > 0) && cases.every((c) => c.status !== 'accepted');
    }, 'a case followed up and closed', 30_000);
    // Orders reach the terminals; feedback comes back and is reviewed.
    await until(async () => {
      const page = await get<TaskPage>(s, `/api/tasks?from=${Date.now() - 86_400_000}&to=${Date.now() + 7 * 86_400_000}&limit=1000`);
      return page.items.some((t: CommunityTask) => t.status === 'done');
    }, 'a task reported from a terminal and accepted by the supervisor', 40_000);

    const done = (await get<TaskPage>(s, `/api/tasks?from=${Date.now() - 86_400_000}&to=${Date.now() + 7 * 86_400_000}&limit=1000`)).items.find((t) => t.status === 'done')!;
    expect(done.timeline.map((e) => e.status).slice(0, 3)).toEqual(['ordered', 'accepted', 'reported']);
    // Accepted and reported by the assignee's terminal (a device session), reviewed by the leader.
    expect(done.timeline[1]!.by).not.toBe('community');
    expect(done.feedback[0]!.by).not.toBe('community');
    expect(done.reviews.at(-1)).toMatchObject({ verdict: 'accepted', by: 'community' });
    expect(fleet.stats()).toMatchObject({ tasksReceived: expect.any(Number) });
    expect(fleet.stats().taskFeedbackSent).toBeGreaterThan(0);
    expect(leader.stats().steps).toBeGreaterThan(4);
    const board = await get<CommunityBoard>(s, '/api/community/board');
    expect(board.serverTime).toBeGreaterThan(0);
  }, 90_000);
});
