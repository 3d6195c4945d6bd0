// The scripts themselves, through their typed wrappers, against a real redis-server: for the position apply, the
// dispatch commit, the packed plan commit, the shard lease and the snapshot read, a conflict, a replay (the same
// call twice has one effect) and a flushed script cache (NOSCRIPT: the wrapper loads the script again). Every case
// runs on the names of a single Redis and on the hash-tagged names of a cluster (on one plain Redis here: the tag
// changes names, not behaviour; the cluster test bed is a later step).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import type { Unit } from '@ccr/shared';
import { startRedisServer, type RedisServerHandle } from '../testing/redis-server.js';
import type { RedisClient } from './redis.js';
import { Keyspace } from './keyspace.js';
import { PackedPlan } from './plan-commit.js';
import { LiveRepository, POSITION_ACCEPTED, POSITION_OLDER, POSITION_SAME, POSITION_UNKNOWN_UNIT } from '../modules/live/live-repository.js';
import { APPLY_POSITIONS, READ_SNAPSHOT } from '../modules/live/live-scripts.js';
import { DispatchRepository, unitFragment } from '../modules/dispatch/dispatch-repository.js';
import { IngestRepository } from '../modules/ingest/ingest-repository.js';

let server: RedisServerHandle;
let redis: RedisClient;
beforeAll(async () => {
  server = await startRedisServer();
  redis = createClient({ url: server.url }) as unknown as RedisClient;
  await redis.connect();
});
afterAll(async () => {
  await redis.close();
  await server.dispose();
});

const NOW = Date.UTC(2026, 11, 4, 8, 0);
const TODAY = '2026-12-04';
const ROSTER: Unit[] = [
  { id: 'P1', kind: 'patrol_car', name: '巡1' },
  { id: 'P2', kind: 'patrol_car', name: '巡2' },
];
const fix = (unitId: string, ts: number, lng = 116.6) => ({ unitId, lng, lat: 39.0, ts });

let n = 0;
describe.each([
  { layout: 'a single Redis', cluster: false },
  { layout: 'a cluster (hash-tagged)', cluster: true },
])('scripts on the names of $layout', ({ cluster }) => {
  async function setup() {
    const ks = new Keyspace({ keyPrefix: `ls${++n}:`, cluster });
    const live = new LiveRepository(redis, ks, 1_000);
    await live.syncRoster(ROSTER, NOW);
    return { ks, live };
  }
  const eventTypes = async (ks: Keyspace): Promise<string[]> =>
    (await redis.xRange(ks.live.events, '-', '+')).map((e) => (JSON.parse(e.message.e!) as { type: string }).type);

  it('apply-positions.lua: keeps the newer fix, applies a repeated one once, survives SCRIPT FLUSH', async () => {
    const { ks, live } = await setup();
    expect(await live.applyPositions([fix('P1', NOW - 1_000, 116.61)], NOW)).toEqual([POSITION_ACCEPTED]);
    // Conflict: an older fix than the stored one is refused and changes nothing.
    expect(await live.applyPositions([fix('P1', NOW - 5_000, 116.5)], NOW)).toEqual([POSITION_OLDER]);
    expect(JSON.parse((await redis.hGet(ks.live.pos, 'P1'))!)).toMatchObject({ lng: 116.61 });
    // Replay: the same fix again is the stored report: nothing written, nothing to relay, no second effect.
    expect(await live.applyPositions([fix('P1', NOW - 1_000, 116.61)], NOW)).toEqual([POSITION_SAME]);
    expect(await eventTypes(ks)).toEqual(['units:freshness']); // P1 came back once
    // NOSCRIPT: the cache is flushed; the wrapper loads the script again and the fix lands.
    await redis.scriptFlush();
    expect(await live.applyPositions([fix('P2', NOW, 116.7)], NOW)).toEqual([POSITION_ACCEPTED]);
    expect(await redis.hGet(ks.live.posTs, 'P2')).toBe(String(NOW));
    expect(await eventTypes(ks)).toEqual(['units:freshness', 'units:freshness']);
  });

  it('apply-positions.lua: judges a unit twice in one batch as one at a time, refuses a malformed batch before writing', async () => {
    const { ks, live } = await setup();
    expect(await live.applyPositions([
      fix('P1', NOW - 1_000, 116.61), fix('P1', NOW - 2_000, 116.5), fix('P1', NOW - 1_000, 116.61), fix('X9', NOW), fix('P1', NOW, 116.62),
    ], NOW)).toEqual([POSITION_ACCEPTED, POSITION_OLDER, POSITION_SAME, POSITION_UNKNOWN_UNIT, POSITION_ACCEPTED]);
    expect(await redis.hGet(ks.live.posTs, 'P1')).toBe(String(NOW));
    expect(await eventTypes(ks)).toEqual(['units:freshness']);
    const l = ks.live;
    const keys = [l.units, l.status, l.pos, l.posTs, l.geo, l.seen, l.stale, l.events, l.presence, l.presenceScore, l.unitCounts];
    const good = `P2 ${NOW} 116.7 39 1 _ {"lng":116.7,"lat":39,"ts":${NOW}}\n`;
    for (const packed of [
      `${good}P2 ${NOW} 116.7 39 1 _\n`, // a field short
      `${good}P2 ${NOW} 116.7 39 1 _ {"lng":116.7}`, // no line end
      `P2 ${NOW} 200 39 1 _ {}\n${good}`, // longitude out of range
      `P2 nan 116.7 39 1 _ {}\n`,
      `P2 ${NOW} 116.7 39 1 x1 {}\n`, // presence neither '_', '-' nor a score
      `{"P2"} ${NOW} 116.7 39 1 _ {}\n`,
      '\u0000'.repeat(10_000),
    ]) {
      await expect(APPLY_POSITIONS.run(redis, keys, [NOW, 1_000, NOW, packed])).rejects.toThrow(/apply-positions: /);
    }
    await expect(APPLY_POSITIONS.run(redis, keys, [NOW, 1_000])).rejects.toThrow(/apply-positions: expected ARGV/);
    expect(await redis.hGet(l.posTs, 'P2')).toBeNull();
    expect(await eventTypes(ks)).toEqual(['units:freshness']);
  });

  it('dispatch-commit.lua: refuses a changed unit, answers a replayed command without writing, survives SCRIPT FLUSH', async () => {
    const { ks, live } = await setup();
    const dispatch = new DispatchRepository(redis, live, ks, 1_000);
    const busy = { id: 'P1', status: 'busy' as const, statusSince: NOW };
    const command = (id: string, expectedFragment: string) => ({
      now: NOW, today: TODAY, command: { id, bodyHash: `h-${id}` }, incidents: [], orders: [], moves: [], resultUnitIds: ['P1'],
      units: [{ id: 'P1', expectedFragment, state: busy, assignment: null }],
    });
    const available = (await redis.hGet(ks.live.status, 'P1'))!;
    // Conflict: the unit's status is not the one read.
    expect(await dispatch.commit(command('c-1', `${available}x`))).toEqual({ kind: 'unit_changed', unitId: 'P1', fragment: available });
    expect(await redis.hGet(ks.live.status, 'P1')).toBe(available);
    expect(await dispatch.commit(command('c-1', available))).toMatchObject({ kind: 'ok', result: { commandId: 'c-1', units: [{ id: 'P1', status: 'busy' }] } });
    // Replay: the same command id is answered from its record; nothing is written again.
    const events = await redis.xLen(ks.live.events);
    expect(await dispatch.commit(command('c-1', available))).toEqual({ kind: 'replay' });
    expect(await redis.xLen(ks.live.events)).toBe(events);
    expect(await dispatch.readCommand('c-1')).toMatchObject({ bodyHash: 'h-c-1' });
    // NOSCRIPT.
    await redis.scriptFlush();
    const back = { ...command('c-2', unitFragment(busy)), units: [{ id: 'P1', expectedFragment: unitFragment(busy), state: { id: 'P1', status: 'available' as const, statusSince: NOW }, assignment: null }] };
    expect(await dispatch.commit(back)).toMatchObject({ kind: 'ok' });
    expect(await redis.hGet(ks.live.status, 'P1')).toContain('"status":"available"');
  });

  it('plan-commit.lua: refuses a stale read, answers a replay, survives SCRIPT FLUSH', async () => {
    const { ks } = await setup();
    const doc = ks.community.dispute('MD-1');
    const plan = (cmd: string, expected: string, value: string): PackedPlan => {
      const p = new PackedPlan(ks.live.events, ks.community.command(cmd), { command: { id: cmd, bodyHash: `h-${cmd}` }, now: NOW, eventsMaxLen: 1_000, commandTtlMs: 60_000, result: `{"c":"${cmd}"}` });
      p.expect.push([p.at(doc), expected]);
      p.set.push([p.at(doc), value]);
      p.hincr.push([p.at(ks.community.disputeDay(TODAY)), 'd', '1']);
      p.events.push(`{"type":"dispute:changed","v":"${value}"}`);
      return p;
    };
    expect(await plan('c-1', '', 'v1').commit(redis)).toEqual({ kind: 'ok', result: '{"c":"c-1"}' });
    // Conflict: a second writer that read "nothing stored" is refused, naming the changed key.
    expect(await plan('c-2', '', 'v2').commit(redis)).toEqual({ kind: 'changed', key: doc });
    // Replay: the first command again writes nothing.
    expect(await plan('c-1', '', 'v1').commit(redis)).toEqual({ kind: 'replay' });
    expect(await redis.get(doc)).toBe('v1');
    expect(await redis.hGet(ks.community.disputeDay(TODAY), 'd')).toBe('1');
    // NOSCRIPT.
    await redis.scriptFlush();
    expect(await plan('c-3', 'v1', 'v3').commit(redis)).toMatchObject({ kind: 'ok' });
    expect(await redis.get(doc)).toBe('v3');
    expect(await redis.hGet(ks.community.disputeDay(TODAY), 'd')).toBe('2');
    expect(await redis.xLen(ks.live.events)).toBe(2);
  });

  it('shard-lease.lua: two nodes share the shards without overlap, a repeated turn changes nothing, survives SCRIPT FLUSH', async () => {
    const { ks } = await setup();
    const ingest = new IngestRepository(redis, ks);
    const turn = (token: string, release = false) => ingest.turnShardLease(4, token, NOW, 10_000, release);
    expect(await turn('a')).toEqual([0, 1, 2, 3]);
    // Conflict: b joins; a gives back above its fair share on its turn, b takes what is free, never what a holds.
    expect(await turn('b')).toEqual([]);
    expect(await turn('a')).toEqual([0, 1]);
    expect(await turn('b')).toEqual([2, 3]);
    // Replay: the same turn again holds the same shards.
    expect(await turn('b')).toEqual([2, 3]);
    expect(await redis.get(ks.ingest.shard(2))).toBe('b');
    // NOSCRIPT: a's release still runs after the flush, and b takes over on its next turn.
    await redis.scriptFlush();
    expect(await turn('a', true)).toEqual([]);
    expect(await redis.zRange(ks.ingest.nodes, 0, -1)).toEqual(['b']);
    expect(await turn('b')).toEqual([2, 3, 0, 1]);
  });

  it('read-snapshot.lua: reads every open incident by the key it is given, and says so when one opened meanwhile', async () => {
    const { ks, live } = await setup();
    const open = async (id: string, at: number) => {
      await redis.set(ks.live.incident(id), JSON.stringify({ id }));
      await redis.zAdd(ks.live.open, { score: at, value: id });
    };
    await open('JQ-1', NOW);
    await open('JQ-2', NOW + 1);
    const base = [ks.live.units, ks.live.status, ks.live.pos, ks.live.stale, ks.live.open, ks.live.events, ks.stats.day(TODAY), ks.live.frozen];
    // Conflict: JQ-2 opened after the caller read only JQ-1: its key was not given, so the script reads nothing.
    expect(await READ_SNAPSHOT.run(redis, [...base, ks.live.incident('JQ-1')], ['JQ-1'])).toEqual(['moved']);
    // The wrapper reads the ids, then the snapshot; twice the same picture (a read has no effect).
    const first = await live.readSnapshot(TODAY);
    expect(first.incidents.map((i) => i.id)).toEqual(['JQ-2', 'JQ-1']);
    expect(await live.readSnapshot(TODAY)).toEqual(first);
    await redis.scriptFlush();
    expect(await live.readSnapshot(TODAY)).toEqual(first);
  });
});
