// `pnpm seed:history [--months 13]`: fills months of history for the jurisdiction (see stats-history.ts) into
// REDIS_URL under KEY_PREFIX (with REDIS_CLUSTER on the master of the deployment's hash tag, as the server connects).
// Safe to run again: it changes nothing the second time.
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../../config.js';
import { loadJurisdiction } from '../jurisdiction/index.js';
import { LiveRepository } from '../live/live-repository.js';
import { Keyspace } from '../../plugins/keyspace.js';
import { deploymentRedis } from '../../plugins/redis.js';
import { StatsRepository } from './stats-repository.js';
import { seedHistory } from './stats-history.js';
import { INCIDENTS_PER_DAY } from '@ccr/shared/demo';
import { CommunityRepository, buildCommunityContext } from '../community/index.js';
import { fingerprintKeyOf } from '../community/community-settings.js';

const HELP = `pnpm seed:history [--months N] [--per-day N] [--seed N] [--once] [--force] [--no-today]
  Fills N months (default 13, at most 13) of incidents with their lifecycles, patrol presence, dispute cases and
  community tasks (through the community commands' plans and commit) up to the start
  of the current hour (today's incidents all finished; --no-today: up to yesterday), through the live ingest path,
  into REDIS_URL (default redis://127.0.0.1:6379) under KEY_PREFIX; with REDIS_CLUSTER=1 (REDIS_URL naming any
  nodes, comma-separated) into the master of the deployment's hash tag, as the server does.
  --per-day: an ordinary day's mean before season, weekday and trend (default ${Math.round(INCIDENTS_PER_DAY)}, the live simulator's rate).
  Idempotent: deterministic ids, a second run changes nothing.
  --once: do nothing if a seeding already completed on this Redis (pnpm start uses this, so days the demo
          simulator ran live are not filled with history on a later start).
  Run it before the server starts (pnpm start does): every write is also a live event, so screens connected while
  it runs would be sent months of incidents as news. It refuses while a server holds this Redis; --force anyway.`;

const { values: opt } = parseArgs({
  options: {
    months: { type: 'string', default: '13' },
    'per-day': { type: 'string', default: String(Math.round(INCIDENTS_PER_DAY)) },
    seed: { type: 'string', default: '2026' },
    once: { type: 'boolean', default: false },
    force: { type: 'boolean', default: false },
    'no-today': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
const log = pino({ name: 'seed-history' });
if (opt.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const months = Number(opt.months);
const perDay = Number(opt['per-day']);
const seed = Number(opt.seed);
if (!Number.isInteger(months) || months < 1 || months > 13 || !(perDay > 0 && perDay <= 10_000) || !Number.isInteger(seed)) {
  process.stderr.write(`参数错误 / bad arguments\n${HELP}\n`);
  process.exit(2);
}

const config = loadConfig();
const jurisdiction = await loadJurisdiction(config.jurisdictionDir);
const timeZone = config.timeZone ?? jurisdiction.station.timeZone ?? 'Asia/Shanghai';
const keyspace = new Keyspace({ keyPrefix: config.keyPrefix, cluster: config.redisCluster });
// Every key of the deployment is in its tag's one slot, so one connection to that slot's master carries every
// script and MULTI of the seeding, as the server's own do.
const deployment = await deploymentRedis({ url: config.redisUrl, cluster: config.redisCluster ? { hashKey: keyspace.base } : undefined }, log);
const redis = await deployment.open('seed-history');
try {
  const live = new LiveRepository(redis, keyspace, config.eventStreamMaxLen);
  const stats = new StatsRepository(redis, keyspace, config.eventStreamMaxLen);
  const done = opt.once ? await stats.historySeeded() : null;
  // A running server renews its housekeeping lease every second.
  const serverRunning = (await redis.exists(keyspace.live.lock('housekeeping'))) === 1;
  if (!done && serverRunning && !opt.force) {
    process.stderr.write('有服务端正在使用此 Redis：请先停止它（其大屏会把数月历史当作实时警情收到），或加 --force。\n' +
      'A server is running on this Redis: stop it first (its screens would receive months of history as live incidents), or pass --force.\n');
    process.exitCode = 3;
  } else if (done) {
    log.info({ seeded: done }, 'history already seeded on this Redis (--once): nothing to do');
  } else {
    const community = {
      repo: new CommunityRepository(redis, live, keyspace, config.eventStreamMaxLen, timeZone, fingerprintKeyOf(config.auth.deviceSecret, config.keyPrefix)),
      ctx: buildCommunityContext(jurisdiction, config.community),
    };
    const r = await seedHistory(live, stats, { jurisdiction, timeZone, months, incidentsPerDay: perDay, seed, includeToday: !opt['no-today'], community, targets: config.responseTargets });
    await stats.markHistorySeeded(JSON.stringify({ at: new Date().toISOString(), months, perDay, seed, incidents: r.incidents }));
    const c = r.community;
    log.info(r, `history: ${r.days} days, ${r.incidents} incidents (${r.recorded} new, ${r.lifecycles} lifecycles written), ${r.presenceHours} presence hours, ` +
      `${c?.cases ?? 0} dispute cases (${c?.casesWritten ?? 0} written), ${c?.tasks ?? 0} tasks (${c?.tasksWritten ?? 0} new) in ${(r.ms / 1000).toFixed(1)} s`);
  }
} finally {
  deployment.stop();
  await redis.close();
}
