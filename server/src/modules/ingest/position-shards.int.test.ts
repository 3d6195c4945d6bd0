// Each position applied once per deployment (issue 12): the shard leases divide the units between the nodes, every
// screen on every node still sees every unit (relayed frames), and a node leaving or dying hands its shards on.
import { describe, expect, it } from 'vitest';
import { useTestbed, writeFixtureJurisdiction, type TestServer } from '../../testing/index.js';
import { IngestRepository } from './ingest-repository.js';
import type { FastifyBaseLogger } from 'fastify';
import { HANDOVER_GRACE_MS, LEASE_TTL_MS, POSITION_SHARDS, PositionShards, TICK_MS, shardOf } from './position-shards.js';
import { Keyspace } from '../../plugins/keyspace.js';

const bed = useTestbed('sh');

async function metric(s: TestServer, name: string): Promise<number> {
  const text = await (await bed.fetch(s, '/metrics')).text();
  return Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? 0);
}
const held = (s: TestServer): Promise<number> => metric(s, 'ccr_position_shards_held');
const accepted = (s: TestServer): Promise<number> => metric(s, 'ccr_ingest_accepted_total\\{path="positions"\\}');

async function until(what: string, ok: () => Promise<boolean>, ms = 8_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('position shards', () => {
  it('spread the units evenly', () => {
    const counts = new Array<number>(POSITION_SHARDS).fill(0);
    for (let i = 1; i <= 16_000; i++) counts[shardOf(`L-${String(i).padStart(5, '0')}`)]! += 1;
    expect(Math.min(...counts)).toBeGreaterThan(800);
    expect(Math.max(...counts)).toBeLessThan(1_200);
  });

  it('three nodes apply each position once, every screen sees every unit, and a node leaving hands its shards on', async () => {
    const dir = await writeFixtureJurisdiction({ loadUnits: 300 });
    const a = await bed.server({ nodeId: 'node-a', jurisdictionDir: dir });
    const b = await bed.server({ nodeId: 'node-b', jurisdictionDir: dir, keyPrefix: a.prefix });
    const c = await bed.server({ nodeId: 'node-c', jurisdictionDir: dir, keyPrefix: a.prefix });
    const nodes = [a, b, c];
    // Shares settle within a tick or two: together all 16, none idle.
    await until('the shards spread over three nodes', async () => {
      const h = await Promise.all(nodes.map(held));
      return h.reduce((x, y) => x + y, 0) === POSITION_SHARDS && h.every((n) => n >= 4);
    });
    // …and the nodes that gave shards back have stopped applying them (HANDOVER_GRACE_MS), so each applies its own.
    await new Promise((r) => setTimeout(r, HANDOVER_GRACE_MS));
    const mirrors = nodes.map((s) => bed.mirror(s));
    await Promise.all(mirrors.map((m) => m.ready()));

    const ids = Array.from({ length: 300 }, (_, i) => `L-${String(i + 1).padStart(5, '0')}`);
    const publishAll = async (ts: number): Promise<void> => {
      for (let i = 0; i < ids.length; i += 100) {
        await bed.producer.publish(`${a.prefix}in:positions`, JSON.stringify(ids.slice(i, i + 100).map((unitId, k) => ({ unitId, lng: 116.61 + (i + k) * 0.0001, lat: 39.01, ts }))));
      }
    };
    const ts1 = Date.now();
    await publishAll(ts1);
    for (const m of mirrors) await m.waitFor(() => ids.every((id) => m.units.get(id)?.position?.ts === ts1), 8_000, 'every unit on every screen');
    const sum = async (ss: TestServer[]): Promise<number> => (await Promise.all(ss.map(accepted))).reduce((x, y) => x + y, 0);
    expect(await sum(nodes)).toBe(300);

    // A node stopping gives its shards back at once; the other two take them on their next turn.
    const byC = await accepted(c);
    expect(byC).toBeGreaterThan(0);
    await c.close();
    await until('two nodes hold all shards', async () => (await held(a)) + (await held(b)) === POSITION_SHARDS);
    const ts2 = ts1 + 1_000;
    await publishAll(ts2);
    for (const m of mirrors.slice(0, 2)) await m.waitFor(() => ids.every((id) => m.units.get(id)?.position?.ts === ts2), 8_000, 'every unit after one node left');
    expect(await sum([a, b])).toBe(300 - byC + 300);
  }, 60_000);

  it('a node goes on applying a shard it gave back until after the taker\'s turn: a report in the handover is not lost', async () => {
    const redis = await bed.connect(bed.base('grace-test:'));
    const repo = new IngestRepository(redis, new Keyspace({ keyPrefix: 'grace-test:', cluster: bed.cluster }));
    const log = { info: () => undefined, warn: () => undefined } as unknown as FastifyBaseLogger;
    const [a, b] = [new PositionShards(repo, 'A', log), new PositionShards(repo, 'B', log)];
    const t0 = Date.now();
    await a.turn(t0);
    await b.turn(t0 + 10);
    expect([a.heldCount, b.heldCount]).toEqual([POSITION_SHARDS, 0]);
    await a.turn(t0 + 20); // A gives back what is above its fair share; B has not had its turn yet
    expect(a.heldCount).toBe(POSITION_SHARDS / 2);
    const given = Array.from({ length: 200 }, (_, i) => `U-${i}`).find((id) => a.inGrace(id, t0 + 30))!;
    expect(given).toBeDefined();
    // Between A's turn and B's, the unit's reports are A's still (before the grace, they were nobody's).
    expect([a.owns(given, t0 + 30), b.owns(given, t0 + 30)]).toEqual([true, false]);
    await b.turn(t0 + 30 + TICK_MS);
    expect([a.owns(given, t0 + 40 + TICK_MS), b.owns(given, t0 + 40 + TICK_MS)]).toEqual([true, true]);
    // The overlap ends with the grace; B alone applies them from then on.
    const after = t0 + 20 + HANDOVER_GRACE_MS;
    expect([a.owns(given, after), b.owns(given, after), a.inGrace(given, after)]).toEqual([false, true, false]);
  });

  it('the lease script: fair and disjoint shares, given back on stop, taken over after a dead node\'s TTL, after SCRIPT FLUSH too', async () => {
    const redis = await bed.connect(bed.base('lease-test:'));
    try {
      const repo = new IngestRepository(redis, new Keyspace({ keyPrefix: 'lease-test:', cluster: bed.cluster }));
      const turn = (token: string, release = false): Promise<number[]> => repo.turnShardLease(POSITION_SHARDS, token, Date.now(), LEASE_TTL_MS, release);
      expect(await turn('A')).toHaveLength(16);
      await turn('B');
      await turn('C');
      // A gives back what is above its share on its turn; B and C take what is free on theirs.
      for (let i = 0; i < 2; i++) for (const t of ['A', 'B', 'C']) await turn(t);
      const shares = await Promise.all(['A', 'B', 'C'].map((t) => turn(t)));
      expect(shares.map((s) => s.length).sort()).toEqual([4, 6, 6]);
      expect(new Set(shares.flat()).size).toBe(16);

      // C stops: its shards are free at once.
      expect(await turn('C', true)).toEqual([]);
      await redis.sendCommand(['SCRIPT', 'FLUSH']);
      for (const t of ['A', 'B', 'A', 'B']) await turn(t);
      const two = await Promise.all(['A', 'B'].map((t) => turn(t)));
      expect(two.map((s) => s.length)).toEqual([8, 8]);
      expect(new Set(two.flat()).size).toBe(16);

      // B dies (stops taking turns): A holds its share until B's leases lapse, then all of them.
      await new Promise((r) => setTimeout(r, LEASE_TTL_MS + 200));
      expect(await turn('A')).toHaveLength(16);
    } finally {
      await redis.close();
    }
  }, 20_000);
});
