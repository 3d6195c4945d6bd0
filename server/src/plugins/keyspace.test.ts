import { describe, expect, it } from 'vitest';
import { Keyspace, keyBase } from './keyspace.js';
import { loadConfig } from '../config.js';

/** Redis Cluster's slot of a key: CRC16 (XMODEM) of its hash tag (the text between the first `{` and the next `}`,
 *  when not empty) or of the whole key, modulo 16384. */
function hashSlot(key: string): number {
  const open = key.indexOf('{');
  const close = open >= 0 ? key.indexOf('}', open + 1) : -1;
  const hashed = close > open + 1 ? key.slice(open + 1, close) : key;
  let crc = 0;
  for (const byte of Buffer.from(hashed)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

/** Every name a keyspace gives, its functions called with sample parameters. */
function allNames(ks: Keyspace): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (typeof v === 'function') out.push(String((v as (...a: unknown[]) => unknown)('x1', 7)));
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  const { base: _base, ...groups } = ks;
  walk(groups);
  return out;
}

describe('keyspace', () => {
  it('names every key exactly as before when not on a cluster, so stored data is found again', () => {
    const ks = new Keyspace({ keyPrefix: 'ccr:', cluster: false });
    // The names the repositories built from KEY_PREFIX before the keyspace (a change here orphans stored data).
    expect([
      ks.live.units, ks.live.status, ks.live.pos, ks.live.posTs, ks.live.geo, ks.live.seen, ks.live.stale, ks.live.tracked,
      ks.live.frozen, ks.live.events, ks.live.open, ks.live.byTime, ks.live.incident('JQ-1'), ks.live.lock('housekeeping'),
      ks.live.presence, ks.live.presenceScore, ks.live.unitCounts,
      ks.live.presence, ks.live.presenceScore, ks.live.unitCounts,
      ks.stats.day('2026-01-02'), ks.stats.bucket('eta:day:2026-01-02'),
      ks.stats.presenceLastVisit, ks.stats.kpiLast, ks.stats.historySeeded, ks.stats.responsesJudged,
      ks.ingest.positions, ks.ingest.frames, ks.ingest.incidents, ks.ingest.rejected, ks.ingest.node('n1'), ks.ingest.nodes, ks.ingest.shard(3),
      ks.dispatch.assignments, ks.dispatch.pendingOrders, ks.dispatch.orderChannel, ks.dispatch.command('c1'), ks.dispatch.orders('P1'),
      ks.dispatch.acknowledged('P1'), ks.dispatch.alerted('JQ-1'),
      ks.community.disputesByTime, ks.community.disputesOpen, ks.community.disputesOpenMay, ks.community.tasksByDue, ks.community.tasksOpen,
      ks.community.noticesPending, ks.community.noticeChannel, ks.community.dispute('MD-1'), ks.community.task('RW-1'),
      ks.community.unitTasks('P1'), ks.community.notices('P1'), ks.community.command('c1'), ks.community.repeat('f'),
      ks.community.seq('MD', '2026-01-02'), ks.community.disputeDay('2026-01-02'), ks.community.taskDay('2026-01-02'),
      ks.community.disputeMonth('2026-01'), ks.community.taskMonth('2026-01'),
      ks.volunteers.cluesAll, ks.volunteers.cluesOpen, ks.volunteers.clueCounts, ks.volunteers.searchesActive, ks.volunteers.here,
      ks.volunteers.clue('XS-1'), ks.volunteers.search('XC-1'), ks.volunteers.command('c1'), ks.volunteers.guard('2026-01-02'),
      ks.volunteers.seq('XS', '2026-01-02'), ks.volunteers.publicByAddress('1.2.3.4', 5), ks.volunteers.publicByPhone('h', 6),
      ks.volunteers.publicText('t'), ks.volunteers.inboxBox('V1'), ks.volunteers.inboxPending, ks.volunteers.inboxChannel,
      ks.callout.incident('JQ-1'), ks.callout.day('2026-01-02'), ks.callout.report('E1', 'r1'),
      ks.rollcall.readiness, ks.rollcall.open, ks.rollcall.misses, ks.rollcall.flagged, ks.rollcall.channel, ks.rollcall.call('RC-1'),
      ks.rollcall.command('c1'),
      ks.auth.account('admin'), ks.auth.accounts, ks.auth.session('h'), ks.auth.sessionsOf('admin'), ks.auth.unknown('x'),
      ks.auth.refusals('1.2.3.4', 9), ks.auth.revocations, ks.auth.revocationsDone,
      ks.audit.log, ks.targets.breached('JQ-1', 'on_scene'), ks.eta.calibration, ks.rateLimit.hits('k'),
    ]).toEqual([
      'ccr:units', 'ccr:unit:status', 'ccr:unit:pos', 'ccr:unit:pos-ts', 'ccr:unit:geo', 'ccr:unit:seen', 'ccr:unit:stale', 'ccr:unit:tracked',
      'ccr:unit:frozen', 'ccr:events', 'ccr:incidents:open', 'ccr:incidents:by-time', 'ccr:incident:JQ-1', 'ccr:lock:housekeeping',
      'ccr:unit:presence', 'ccr:unit:presence-score', 'ccr:unit:counts',
      'ccr:unit:presence', 'ccr:unit:presence-score', 'ccr:unit:counts',
      'ccr:stats:day:2026-01-02', 'ccr:eta:day:2026-01-02',
      'ccr:stats:presence:last-visit', 'ccr:stats:kpi:last', 'ccr:stats:history:seeded', 'ccr:stats:responses-judged',
      'ccr:in:positions', 'ccr:live:frames', 'ccr:in:incidents', 'ccr:in:incidents:rejected', 'ccr:node:n1', 'ccr:ingest:nodes', 'ccr:ingest:shard:3',
      'ccr:dispatch:assignments', 'ccr:dispatch:orders:pending', 'ccr:dispatch:orders', 'ccr:dispatch:cmd:c1', 'ccr:dispatch:orders:unit:P1',
      'ccr:dispatch:orders:acknowledged:P1', 'ccr:dispatch:alerted:JQ-1',
      'ccr:community:disputes:by-time', 'ccr:community:disputes:open', 'ccr:community:disputes:open-may', 'ccr:community:tasks:by-due',
      'ccr:community:tasks:open', 'ccr:community:notices:pending', 'ccr:community:notices', 'ccr:community:dispute:MD-1', 'ccr:community:task:RW-1',
      'ccr:community:tasks:unit:P1', 'ccr:community:notices:unit:P1', 'ccr:community:cmd:c1', 'ccr:community:repeat:f',
      'ccr:community:seq:MD:2026-01-02', 'ccr:community:disputes:day:2026-01-02', 'ccr:community:tasks:day:2026-01-02',
      'ccr:community:disputes:month:2026-01', 'ccr:community:tasks:month:2026-01',
      'ccr:vol:clues:all', 'ccr:vol:clues:open', 'ccr:vol:clues:counts', 'ccr:vol:searches:active', 'ccr:vol:here',
      'ccr:vol:clue:XS-1', 'ccr:vol:search:XC-1', 'ccr:vol:cmd:c1', 'ccr:vol:guard:2026-01-02',
      'ccr:vol:seq:XS:2026-01-02', 'ccr:vol:pub:ip:1.2.3.4:5', 'ccr:vol:pub:phone:h:6',
      'ccr:vol:pub:text:t', 'ccr:vol:inbox:box:V1', 'ccr:vol:inbox:pending', 'ccr:vol:inbox:notices',
      'ccr:callout:JQ-1', 'ccr:callout:day:2026-01-02', 'ccr:callout:cmd:E1:r1',
      'ccr:rollcall:readiness', 'ccr:rollcall:open', 'ccr:rollcall:misses', 'ccr:rollcall:flagged-misses', 'ccr:rollcall:notices', 'ccr:rollcall:RC-1',
      'ccr:rollcall:cmd:c1',
      'ccr:auth:account:admin', 'ccr:auth:accounts', 'ccr:auth:session:h', 'ccr:auth:sessions-of:admin', 'ccr:auth:unknown:x',
      'ccr:auth:refusals:1.2.3.4:9', 'ccr:auth:revocations', 'ccr:auth:revocations:done',
      'ccr:audit', 'ccr:targets:breached:JQ-1:on_scene', 'ccr:eta:calibration', 'ccr:ratelimit:k',
    ]);
    expect(allNames(ks).every((n) => n.startsWith('ccr:') && !n.includes('{'))).toBe(true);
  });

  it('puts every key of a deployment in one hash slot on a cluster, each name otherwise unchanged', () => {
    const plain = new Keyspace({ keyPrefix: 'ccr:', cluster: false });
    const tagged = new Keyspace({ keyPrefix: 'ccr:', cluster: true });
    expect(tagged.base).toBe('{ccr}:');
    expect(tagged.live.incident('JQ-1')).toBe('{ccr}:incident:JQ-1');
    expect(tagged.ingest.incidents).toBe('{ccr}:in:incidents');
    expect(hashSlot('foo')).toBe(12182); // as CLUSTER KEYSLOT answers
    const names = allNames(tagged);
    expect(names.length).toBeGreaterThan(80);
    expect(new Set(names.map(hashSlot))).toEqual(new Set([hashSlot('ccr')]));
    expect(names).toEqual(allNames(plain).map((n) => `{ccr}:${n.slice('ccr:'.length)}`));
    // Two deployments on one cluster: apart by name, and (as it happens for these two) by slot.
    expect(hashSlot(new Keyspace({ keyPrefix: 'ccr-b:', cluster: true }).live.events)).not.toBe(hashSlot(tagged.live.events));
  });

  it('tags a prefix without a colon whole, and refuses what cannot be a tag', () => {
    expect(keyBase({ keyPrefix: 'app-', cluster: true })).toBe('{app-}');
    expect(keyBase({ keyPrefix: '', cluster: false })).toBe('');
    expect(() => keyBase({ keyPrefix: '', cluster: true })).toThrow(/hash tag/);
    expect(() => keyBase({ keyPrefix: '{ccr}:', cluster: false })).toThrow(/brace/);
  });

  it('is set by REDIS_CLUSTER, off by default', () => {
    expect(loadConfig({}).redisCluster).toBe(false);
    expect(loadConfig({ REDIS_CLUSTER: '1' }).redisCluster).toBe(true);
    expect(() => loadConfig({ REDIS_CLUSTER: 'true', KEY_PREFIX: '' })).toThrow(/KEY_PREFIX/);
    expect(() => loadConfig({ KEY_PREFIX: '{ccr}:' })).toThrow(/KEY_PREFIX/);
  });
});
