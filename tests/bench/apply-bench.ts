// `pnpm bench --suite apply`: Redis's own cost of applying one position (issue 12: "an apply path slimmer per
// position, measured in Redis CPU µs per position before and after").
//
//   setup    a redis-server per path below; a roster of N patrol cars (`--apply-units 20000`, the fixture jurisdiction
//            the fan-out bench uses: four grids, so about half the fixes count for patrol presence) synced through
//            the real LiveRepository into the two script paths' Redis
//   ccr      LiveRepository.applyPositions, as the ingest calls it (position-ingest.ts): batches of
//            `--apply-batch 400` positions (a fan-out producer's message at 20,000 units), with the real presence
//            index, every unit reporting once a round (with a few repeated, late and unknown reports: roundPositions)
//   before   the apply script as it was before it was slimmed (bench/apply/apply-positions-before.lua, its ARGV laid
//            out as the repository did then), with the same positions and the same clock
//   floor    a bare HSET of each position's JSON into one hash, one command per position (pipelined): the least any
//            store of positions pays
// Each round every unit reports once; the batches go to the three paths in turn, the first path rotating from batch
// to batch, so a change in the machine's load falls on all three alike. After the round each Redis is asked what it
// cost: INFO commandstats (usec of EVALSHA / EVAL, or HSET, since CONFIG RESETSTAT, divided by the positions) and
// INFO cpu (the process's user + sys CPU over the round, which also counts reading arguments off the socket). A
// warm-up round (every unit's first fix, which brings it back from stale) is not counted. Medians over
// `--apply-rounds`, and the median of the per-round ratios. On a loaded machine the command time also counts the
// time Redis was not scheduled; the CPU column is the steadier one.
// Both scripts must answer the same codes and leave the same state (checked at the end, key by key), or the suite
// fails.
import { createClient } from 'redis';
import { TRACKED_KINDS } from '@ccr/shared';
import { loadJurisdiction } from '@ccr/server/jurisdiction';
import {
  Keyspace, LIVE_PRELUDE, LiveRepository, LuaScript, POSITION_ACCEPTED, POSITION_SAME, gridLocatorFor, positionJson, presenceOf, startRedisServer, writeFixtureJurisdiction,
  type NormalisedPosition, type PresenceOf,
} from '@ccr/server/testing';

export interface ApplyBenchOptions {
  units: number;
  batch: number;
  rounds: number;
}

type Redis = ReturnType<typeof createClient>;
type Path = 'ccr' | 'before' | 'floor';
interface Cost { commandUs: number; cpuUs: number; wallUs: number }

/** Batches a path applies in a row before the next path's turn. */
const TURN_BATCHES = 10;
const BEFORE = LuaScript.fromFile('applyPositionsBefore', new URL('./apply/apply-positions-before.lua', import.meta.url), LIVE_PRELUDE);

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** `INFO <section>` as field → value. */
async function info(redis: Redis, section: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const line of (await redis.info(section)).split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}

/** Microseconds spent in these commands since the last CONFIG RESETSTAT (INFO commandstats). */
async function commandUsec(redis: Redis, commands: readonly string[]): Promise<number> {
  const stats = await info(redis, 'commandstats');
  let usec = 0;
  for (const c of commands) {
    const m = /usec=(\d+)/.exec(stats.get(`cmdstat_${c}`) ?? '');
    if (m) usec += Number(m[1]);
  }
  return usec;
}

async function cpuUsec(redis: Redis): Promise<number> {
  const cpu = await info(redis, 'cpu');
  return (Number(cpu.get('used_cpu_user')) + Number(cpu.get('used_cpu_sys'))) * 1e6;
}

/** The pre-change call: ARGV now, maxlen, trustUntil, then six per position (the repository's layout then). */
function applyBefore(redis: Redis, ks: Keyspace, positions: readonly NormalisedPosition[], now: number, presence: PresenceOf): Promise<number[]> {
  const l = ks.live;
  const args: (string | number)[] = [now, 1_000, now + 300_000];
  for (const p of positions) args.push(p.unitId, p.lng, p.lat, p.ts, positionJson(p), presence(p.unitId, p.lng, p.lat, p.ts));
  const keys = [l.units, l.status, l.pos, l.posTs, l.geo, l.seen, l.stale, l.events, l.tracked, l.presence, l.presenceScore, l.unitCounts];
  return BEFORE.run(redis as never, keys, args) as Promise<number[]>;
}

/** Every unit once, in round `r`: spread as the fan-out producer spreads them, moved a little each round. Among
 *  them, as real traffic has now and then, a repeated report (every 97th), a late one (every 89th: older than the
 *  unit's report just before it) and one from a unit not in the roster (every 499th), so the two scripts are held
 *  against each other on those too. */
function roundPositions(ids: readonly string[], r: number, now: number): NormalisedPosition[] {
  const out: NormalisedPosition[] = [];
  ids.forEach((unitId, i) => {
    const p = { unitId, lng: 116.6 + (i % 100) * 0.001 + r * 1e-5, lat: 39.0 + Math.floor(i / 100) * 0.001, ts: now - 500 + (i % 400), speed: 8, heading: 90 };
    out.push(p);
    if (i % 97 === 0) out.push({ ...p });
    if (i % 89 === 0) out.push({ ...p, lng: p.lng + 0.01, ts: p.ts - 1_000 });
    if (i % 499 === 0) out.push({ ...p, unitId: `X-${i}` });
  });
  return out;
}

/** The state one apply path leaves, to hold the two scripts' against each other. */
async function state(redis: Redis, ks: Keyspace): Promise<string> {
  const l = ks.live;
  const [pos, posTs, status, stale, presenceScore, counts] = await Promise.all([
    redis.hGetAll(l.pos), redis.hGetAll(l.posTs), redis.hGetAll(l.status), redis.sMembers(l.stale), redis.hGetAll(l.presenceScore), redis.hGetAll(l.unitCounts),
  ]);
  const [geo, seen, presence] = await Promise.all([l.geo, l.seen, l.presence].map((k) => redis.zRangeWithScores(k, 0, -1)));
  const sorted = (o: Record<string, string>): [string, string][] => Object.entries(o).sort(([a], [b]) => a.localeCompare(b));
  const events = (await redis.xRange(l.events, '-', '+')).map((e) => e.message.e);
  return JSON.stringify([sorted(pos), sorted(posTs), sorted(status), stale.sort(), sorted(presenceScore), sorted(counts), geo, seen, presence, events]);
}

const us = (v: number): string => `${v.toFixed(2).padStart(7)} µs`;

/** True when the slimmed apply answered and stored exactly what the pre-change script did. */
export async function runApplyBench(opts: ApplyBenchOptions): Promise<boolean> {
  const paths: Path[] = ['ccr', 'before', 'floor'];
  const servers = await Promise.all(paths.map(() => startRedisServer()));
  const clients = new Map<Path, Redis>(paths.map((p, i) => [p, createClient({ url: servers[i]!.url })]));
  await Promise.all([...clients.values()].map((c) => c.connect()));
  try {
    const dir = await writeFixtureJurisdiction({ patrolUnits: 0, loadUnits: opts.units });
    const j = await loadJurisdiction(dir);
    const ids = j.units.filter((u) => TRACKED_KINDS.includes(u.kind)).map((u) => u.id);
    const presence = presenceOf(j, gridLocatorFor(j.grids));
    const ks = new Keyspace({ keyPrefix: 'bench:', cluster: false });
    const live = new LiveRepository(clients.get('ccr')! as never, ks, 1_000, presence);
    const synced = Date.now();
    await live.syncRoster(j.units, synced);
    await new LiveRepository(clients.get('before')! as never, ks, 1_000).syncRoster(j.units, synced);
    const version = (await info(clients.get('ccr')!, 'server')).get('redis_version');
    process.stdout.write(`\napply suite: ${ids.length} units (${j.units.length} in the roster), batches of ${opts.batch}, ${opts.rounds} rounds after a warm-up; a redis-server ${version} per path, batches interleaved\n`);

    const applyBatch = (path: Path, batch: NormalisedPosition[], now: number): Promise<number[]> => {
      const c = clients.get(path)!;
      if (path === 'ccr') return live.applyPositions(batch, now);
      if (path === 'before') return applyBefore(c, ks, batch, now, presence);
      return Promise.all(batch.map((p) => c.hSet(ks.live.pos, p.unitId, positionJson(p))));
    };

    let same = true;
    const costs = new Map<Path, Cost[]>(paths.map((p) => [p, []]));
    for (let r = 0; r <= opts.rounds; r++) {
      const now = Date.now();
      const positions = roundPositions(ids, r, now);
      const codes = new Map<Path, number[]>(paths.map((p) => [p, []]));
      const wall = new Map<Path, number>(paths.map((p) => [p, 0]));
      await Promise.all([...clients.values()].map((c) => c.configResetStat()));
      const cpu0 = await Promise.all(paths.map((p) => cpuUsec(clients.get(p)!)));
      // Turn by turn (TURN_BATCHES batches each), the first path rotating: a change in the machine's load falls on
      // every path alike, while each Redis keeps its caches warm through a turn.
      const turn = opts.batch * TURN_BATCHES;
      for (let i = 0, t = 0; i < positions.length; i += turn, t++) {
        for (let k = 0; k < paths.length; k++) {
          const path = paths[(t + k) % paths.length]!;
          const t0 = performance.now();
          for (let b = i; b < Math.min(positions.length, i + turn); b += opts.batch) {
            codes.get(path)!.push(...await applyBatch(path, positions.slice(b, Math.min(i + turn, b + opts.batch)), now));
          }
          wall.set(path, wall.get(path)! + (performance.now() - t0) * 1_000);
        }
      }
      const n = positions.length;
      for (const [i, path] of paths.entries()) {
        const c = clients.get(path)!;
        const cpu = await cpuUsec(c) - cpu0[i]!;
        const usec = await commandUsec(c, path === 'floor' ? ['hset'] : ['evalsha', 'eval']);
        if (r > 0) costs.get(path)!.push({ commandUs: usec / n, cpuUs: cpu / n, wallUs: wall.get(path)! / n });
      }
      // The pre-change script answered an equal report "accepted" (1) where the apply now says "the same" (2).
      const asBefore = codes.get('ccr')!.map((c) => (c === POSITION_SAME ? POSITION_ACCEPTED : c));
      if (JSON.stringify(asBefore) !== JSON.stringify(codes.get('before'))) {
        same = false;
        process.stdout.write(`  round ${r}: the two scripts answered different codes\n`);
      }
    }
    const stateSame = (await state(clients.get('ccr')!, ks)) === (await state(clients.get('before')!, ks));
    if (!stateSame) process.stdout.write('  the two scripts left different state (pos, posTs, status, stale, presence, seen, geo, counts or events)\n');
    same &&= stateSame;

    const med = (p: Path, f: keyof Cost): number => median(costs.get(p)!.map((c) => c[f]));
    const ratio = (a: Path, b: Path, f: keyof Cost): number => median(costs.get(a)!.map((c, i) => c[f] / costs.get(b)![i]![f]));
    process.stdout.write(`  per position, median of ${opts.rounds} rounds    ${'command time'.padStart(12)}   ${'Redis CPU'.padStart(10)}   ${'round trip'.padStart(10)}\n`);
    const label: Record<Path, string> = {
      ccr: 'ccr: LiveRepository.applyPositions',
      before: 'before: apply-positions-before.lua',
      floor: 'floor: bare HSET of the position JSON',
    };
    for (const p of paths) process.stdout.write(`  ${label[p].padEnd(40)} ${us(med(p, 'commandUs'))}   ${us(med(p, 'cpuUs'))}   ${us(med(p, 'wallUs'))}\n`);
    for (const [a, b] of [['ccr', 'before'], ['ccr', 'floor'], ['before', 'floor']] as const) {
      process.stdout.write(`  ${`ratio ${a} / ${b}`.padEnd(40)} ${ratio(a, b, 'commandUs').toFixed(3).padStart(10)}   ${ratio(a, b, 'cpuUs').toFixed(3).padStart(10)}   ${ratio(a, b, 'wallUs').toFixed(3).padStart(10)}\n`);
    }
    process.stdout.write(`  same codes and state as the pre-change script: ${same ? 'yes' : 'NO'}\n\n`);
    return same;
  } finally {
    await Promise.all([...clients.values()].map((c) => c.close()));
    await Promise.all(servers.map((s) => s.dispose()));
  }
}
