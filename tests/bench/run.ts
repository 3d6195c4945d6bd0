// `pnpm bench`: the budgets of shared/DESIGN.md, each measured against its baseline in the same run. Suites:
//   fanout  (bench/fanout/run-fanout.ts) producer → server → Socket.IO receipt, the real server (1..K nodes)
//           against a bare broadcast; producer, clients and servers each in processes of their own
//   wall    (bench/wall-bench.ts) the wall display in Chromium applying N positions a second, against bare ECharts
//   stats   (bench/stats-bench.ts) statistics over 13 seeded months at 1× and 10× history, against brute force from raw records and PING
//   apply   (bench/apply-bench.ts) Redis's µs per position applied, against the pre-change script and a bare HSET (not in
//           the default run: ask for it)
// The exit code is 1 when any suite misses its budget or fails to run.
//
// Usage: pnpm bench [--suite fanout,wall,stats,apply]
//                   [--units 5000,20000] [--nodes 1] [--clients 50] [--client-processes 2] [--seconds 15] [--warmup 3] [--frame-ms N]
//                   [--cluster]  (the fan-out rows on a 3-master Redis Cluster: the servers on REDIS_CLUSTER)
//                   [--wall-units 5000] [--wall-seconds 20] [--wall-warmup 5] [--wall-baseline-symbol diamond]
//                   [--wall-screens 1920x1080,3840x1080,5760x1080]  (one wall + baseline per screen shape)
//                   [--apply-units 20000] [--apply-batch 400] [--apply-rounds 7]
//                   [--stats-iterations 200] [--stats-warmup 20] [--stats-months 13] [--stats-per-day 85,850]
// Larger rows of issue 12: --units 5000,20000,50000, and --units 20000,100000 --nodes 1,2,3; the capacity of 3 nodes on
// a cluster: --cluster --nodes 3 --seconds 60 --units N (each row says whether it keeps up).
import { parseArgs } from 'node:util';
import { runFanout } from './fanout/run-fanout.js';
import { parseScreens, runWallBench } from './wall-bench.js';
import { DEFAULT_STATS_PER_DAY, runStatsBench } from './stats-bench.js';
import { runApplyBench } from './apply-bench.js';

const { values: opt } = parseArgs({
  options: {
    units: { type: 'string', default: '5000,20000' },
    nodes: { type: 'string', default: '1' },
    clients: { type: 'string', default: '50' },
    'client-processes': { type: 'string', default: '2' },
    seconds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
    'frame-ms': { type: 'string' },
    cluster: { type: 'boolean', default: false },
    suite: { type: 'string', default: 'fanout,wall,stats' },
    'wall-units': { type: 'string', default: '5000' },
    'wall-seconds': { type: 'string', default: '20' },
    'wall-warmup': { type: 'string', default: '5' },
    'wall-baseline-symbol': { type: 'string' },
    'wall-screens': { type: 'string', default: '1920x1080,3840x1080,5760x1080' },
    'stats-iterations': { type: 'string', default: '200' },
    'stats-warmup': { type: 'string', default: '20' },
    'stats-months': { type: 'string', default: '13' },
    'stats-per-day': { type: 'string', default: DEFAULT_STATS_PER_DAY.join(',') },
    'apply-units': { type: 'string', default: '20000' },
    'apply-batch': { type: 'string', default: '400' },
    'apply-rounds': { type: 'string', default: '7' },
  },
});
const SUITES = ['fanout', 'wall', 'stats', 'apply'] as const;
const suites = opt.suite.split(',').map((s) => s.trim()).filter(Boolean);
for (const s of suites) if (!(SUITES as readonly string[]).includes(s)) throw new Error(`unknown suite ${JSON.stringify(s)}: expected ${SUITES.join(', ')}`);

async function main(): Promise<void> {
  let ok = true;
  for (const suite of suites) {
    try {
      if (suite === 'fanout') {
        ok = (await runFanout({
          units: opt.units.split(',').map(Number), clients: Number(opt.clients), clientProcesses: Number(opt['client-processes']),
          nodes: opt.nodes.split(',').map(Number), seconds: Number(opt.seconds), warmup: Number(opt.warmup),
          frameMs: opt['frame-ms'] ? Number(opt['frame-ms']) : undefined, cluster: opt.cluster,
        })) && ok;
      }
      else if (suite === 'stats') {
        ok = (await runStatsBench({
          iterations: Number(opt['stats-iterations']), warmup: Number(opt['stats-warmup']), months: Number(opt['stats-months']),
          perDay: opt['stats-per-day'].split(',').map(Number),
        })) && ok;
      }
      else if (suite === 'apply') {
        ok = (await runApplyBench({ units: Number(opt['apply-units']), batch: Number(opt['apply-batch']), rounds: Number(opt['apply-rounds']) })) && ok;
      }
      // The wall suite sets process.exitCode = 1 itself when it misses its budget.
      else {
        await runWallBench({
          units: Number(opt['wall-units']), seconds: Number(opt['wall-seconds']), warmup: Number(opt['wall-warmup']),
          baselineSymbol: opt['wall-baseline-symbol'], screens: parseScreens(opt['wall-screens']!),
        });
      }
    } catch (err) {
      ok = false;
      process.stderr.write(`\n${suite} suite failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    }
  }
  if (!ok) process.exitCode = 1;
}

await main();
