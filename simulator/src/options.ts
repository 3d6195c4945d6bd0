// Command-line flags of the simulator, each with an environment-variable twin (flag wins).
import { parseArgs } from 'node:util';
import { keyBase } from '@ccr/shared';
import { DEMO_DEVICE_SECRET, DEMO_PASSWORD } from './config.js';

export interface SimulatorOptions {
  /** One Redis; on a Cluster any of its nodes, comma-separated. */
  redisUrl: string;
  prefix: string;
  /** REDIS_CLUSTER, as the server's: names carry the prefix as a hash tag, the link follows that slot's master. */
  redisCluster: boolean;
  /** Jurisdiction folder; undefined = the committed demo. */
  jurisdictionDir: string | undefined;
  seed: number;
  /** Tracked units to drive; undefined = all of the roster's. */
  units: number | undefined;
  /** Mean incidents per hour over a day; undefined = the built-in hour-of-day profile (≈3.5/h). */
  incidentsPerHour: number | undefined;
  timeScale: number;
  /** Wall-clock seconds to run; undefined = until stopped. */
  durationS: number | undefined;
  rateHz: number;
  /** Pins the simulated clock's start (for the hour-of-day profile); undefined = now. */
  simStartMs: number | undefined;
  /** Units log in as terminals on the server's device channel and obey their orders. */
  devices: boolean;
  /** Volunteers of volunteers.json who log in on /volunteer (with the terminals; 0: none). */
  volunteers: number;
  /** Server the terminals talk to (any node). */
  serverUrl: string;
  /** The deployment's device secret (environment only: a flag would show in the process list). */
  deviceSecret: string;
  /** Time at a scene in simulated minutes [min, max] for every incident type; undefined = by type. */
  serviceMinutes: [number, number] | undefined;
  /** The demo's dispatcher (auto-dispatcher.ts) over HTTP; undefined = off (people dispatch). */
  autoDispatch: AutoDispatchOptions | undefined;
}

export interface AutoDispatchOptions {
  /** Real seconds a received incident is left to people; undefined = one simulated minute (60 s ÷ time scale). */
  afterS: number | undefined;
  /** The demo dispatcher's password (environment only: CCR_DEMO_PASSWORD, default the demo's). */
  password: string;
}

/** Without --seed each run draws its own seed (printed at start), so a restarted demo does not replay the
 *  same incidents; give the printed seed back to repeat a run exactly. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0xffffffff);
}

export const SIMULATOR_USAGE = `usage: pnpm sim [flags]            (simulator/: tsx src/main.ts)
Drives the roster's patrol units and sends incidents to Redis over the ingest contract.
  --redis-url URL          REDIS_URL               default redis://127.0.0.1:6379; on a Cluster any nodes, comma-separated
  --redis-cluster          REDIS_CLUSTER=1         a Redis Cluster, as the server's setting: names become {ccr}:in:…, and
                                                   the link follows the master of that tag's slot through a failover
  --prefix P               KEY_PREFIX              key prefix, default ccr:
  --jurisdiction DIR       JURISDICTION_DIR        default the demo (jurisdiction/demo)
  --seed N                 SIM_SEED                same seed, same run; default a new seed each run (printed)
  --units N                SIM_UNITS               tracked units to drive; default all in the roster
  --incidents-per-hour X   SIM_INCIDENTS_PER_HOUR  daily mean (0 = none); default the seeded history's rate for the day (~3.5/h × season × weekday × trend)
  --time-scale K           SIM_TIME_SCALE          simulated time runs K× faster; default 1
  --duration S             SIM_DURATION            stop after S seconds; default run until Ctrl-C
  --rate HZ                SIM_RATE                position reports per second; default 1
  --sim-start ISO          SIM_START               simulated clock's start (e.g. 2026-11-23T08:00:00+08:00); default now
Units obey dispatch orders as device terminals (POST /api/auth/device, Socket.IO /device):
  --server-url URL         SIM_SERVER_URL          default http://127.0.0.1:$PORT (PORT default 8080)
                           DEVICE_SECRET           provisioning secret, the server's; default the demo secret
  --service-minutes A[-B]  SIM_SERVICE_MINUTES     simulated minutes at a scene; default 4–12 by incident type
  --no-devices             SIM_DEVICES=off         positions and incidents only, no terminals
  --volunteers N           SIM_VOLUNTEERS          volunteers logged in on /volunteer (a few per team); default 40
A dispatcher for the unattended demo (logs in as the demo account dispatcher, CCR_DEMO_PASSWORD):
  --auto-dispatch          SIM_AUTO_DISPATCH=on    dispatch the best unit, call out P1 emergency units, close
                                                   resolved incidents (转矛盾纠纷 for unsettled quarrels); and,
                                                   as the demo account community, route, mediate, follow up and
                                                   close dispute cases, order tasks and review their feedback
                                                   (officers' terminals answer tasks); default off (on under pnpm start)
  --auto-dispatch-after S  SIM_AUTO_DISPATCH_AFTER real seconds a person gets first; default and at most 40 % of each priority's dispatch target ÷ time scale
Larger rosters for load tests:
  pnpm --filter @ccr/simulator generate-jurisdiction --load-units 5000 --out /tmp/ccr-load
  pnpm sim --jurisdiction /tmp/ccr-load --units 5000 --no-devices   (start the server with the same JURISDICTION_DIR;
                           --no-devices: 5,000 terminals would be a test of logins, not of the live picture)`;

export type ParsedOptions = { ok: true; help: boolean; options: SimulatorOptions } | { ok: false; error: string };

type Env = Readonly<Record<string, string | undefined>>;

export function parseSimulatorOptions(argv: readonly string[], env: Env): ParsedOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        'redis-url': { type: 'string' },
        prefix: { type: 'string' },
        jurisdiction: { type: 'string' },
        seed: { type: 'string' },
        units: { type: 'string' },
        'incidents-per-hour': { type: 'string' },
        'time-scale': { type: 'string' },
        duration: { type: 'string' },
        rate: { type: 'string' },
        'sim-start': { type: 'string' },
        'server-url': { type: 'string' },
        'service-minutes': { type: 'string' },
        'no-devices': { type: 'boolean' },
        'redis-cluster': { type: 'boolean' },
        volunteers: { type: 'string' },
        'auto-dispatch': { type: 'boolean' },
        'auto-dispatch-after': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
      strict: true,
    }));
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  const text = (flag: string, envName: string): string | undefined => {
    const v = values[flag];
    return typeof v === 'string' ? v : env[envName] || undefined;
  };
  const problems: string[] = [];
  const number = (flag: string, envName: string, check: (n: number) => boolean, rule: string): number | undefined => {
    const raw = text(flag, envName);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || !check(n)) {
      problems.push(`--${flag} (${envName}) must be ${rule}, got "${raw}"`);
      return undefined;
    }
    return n;
  };
  const seed = number('seed', 'SIM_SEED', (n) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff, 'an integer 0–4294967295');
  const units = number('units', 'SIM_UNITS', (n) => Number.isInteger(n) && n >= 1, 'a positive integer');
  const incidentsPerHour = number('incidents-per-hour', 'SIM_INCIDENTS_PER_HOUR', (n) => n >= 0 && n <= 10_000, 'a number 0–10000');
  const timeScale = number('time-scale', 'SIM_TIME_SCALE', (n) => n > 0 && n <= 3600, 'a number above 0, at most 3600');
  const durationS = number('duration', 'SIM_DURATION', (n) => n > 0, 'a positive number of seconds');
  const rateHz = number('rate', 'SIM_RATE', (n) => n > 0 && n <= 50, 'a rate above 0, at most 50 Hz');
  const simStartRaw = text('sim-start', 'SIM_START');
  let simStartMs: number | undefined;
  if (simStartRaw !== undefined) {
    simStartMs = Date.parse(simStartRaw);
    if (!Number.isFinite(simStartMs)) problems.push(`--sim-start (SIM_START) must be an ISO-8601 time, got "${simStartRaw}"`);
  }
  const prefix = text('prefix', 'KEY_PREFIX') ?? 'ccr:';
  const clusterEnv = env.REDIS_CLUSTER?.toLowerCase();
  if (clusterEnv && !['on', 'off', '1', '0', 'true', 'false', 'yes', 'no'].includes(clusterEnv)) problems.push(`REDIS_CLUSTER must be true or false, got "${env.REDIS_CLUSTER}"`);
  const redisCluster = values['redis-cluster'] === true || ['on', '1', 'true', 'yes'].includes(clusterEnv ?? '');
  try {
    keyBase({ keyPrefix: prefix, cluster: redisCluster });
  } catch (err) {
    problems.push(`--prefix (KEY_PREFIX): ${(err as Error).message}`);
  }
  const serverUrl = text('server-url', 'SIM_SERVER_URL') ?? `http://127.0.0.1:${env.PORT || 8080}`;
  if (!/^https?:\/\/[^/]+/.test(serverUrl) || !URL.canParse(serverUrl)) problems.push(`--server-url (SIM_SERVER_URL) must be an http(s) URL, got "${serverUrl}"`);
  const devicesEnv = env.SIM_DEVICES?.toLowerCase();
  if (devicesEnv && !['on', 'off', '1', '0', 'true', 'false', 'yes', 'no'].includes(devicesEnv)) problems.push(`SIM_DEVICES must be on or off, got "${env.SIM_DEVICES}"`);
  const devices = values['no-devices'] !== true && !['off', '0', 'false', 'no'].includes(devicesEnv ?? '');
  const volunteers = number('volunteers', 'SIM_VOLUNTEERS', (n) => Number.isInteger(n) && n >= 0 && n <= 100_000, 'an integer 0–100000');
  const serviceRaw = text('service-minutes', 'SIM_SERVICE_MINUTES');
  let serviceMinutes: [number, number] | undefined;
  if (serviceRaw !== undefined) {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?)\s*)?$/.exec(serviceRaw);
    const [lo, hi] = m ? [Number(m[1]), Number(m[2] ?? m[1])] : [NaN, NaN];
    if (!(lo >= 0 && hi >= lo && hi <= 600)) problems.push(`--service-minutes (SIM_SERVICE_MINUTES) must be minutes "A" or "A-B" with A ≤ B ≤ 600, got "${serviceRaw}"`);
    else serviceMinutes = [lo, hi];
  }
  const autoEnv = env.SIM_AUTO_DISPATCH?.toLowerCase();
  if (autoEnv && !['on', 'off', '1', '0', 'true', 'false', 'yes', 'no'].includes(autoEnv)) problems.push(`SIM_AUTO_DISPATCH must be on or off, got "${env.SIM_AUTO_DISPATCH}"`);
  const autoOn = values['auto-dispatch'] === true || ['on', '1', 'true', 'yes'].includes(autoEnv ?? '');
  const afterS = number('auto-dispatch-after', 'SIM_AUTO_DISPATCH_AFTER', (n) => n >= 0 && n <= 86_400, 'seconds 0–86400');
  if (typeof values['auto-dispatch-after'] === 'string' && !autoOn) problems.push('--auto-dispatch-after needs --auto-dispatch (or SIM_AUTO_DISPATCH=on)');
  if (problems.length > 0) return { ok: false, error: problems.join('; ') };
  return {
    ok: true,
    help: values.help === true,
    options: {
      redisUrl: text('redis-url', 'REDIS_URL') ?? 'redis://127.0.0.1:6379',
      prefix,
      redisCluster,
      jurisdictionDir: text('jurisdiction', 'JURISDICTION_DIR'),
      seed: seed ?? randomSeed(),
      units,
      incidentsPerHour,
      timeScale: timeScale ?? 1,
      durationS,
      rateHz: rateHz ?? 1,
      simStartMs,
      devices,
      volunteers: volunteers ?? 40,
      serverUrl: serverUrl.replace(/\/+$/, ''),
      deviceSecret: env.DEVICE_SECRET || DEMO_DEVICE_SECRET,
      serviceMinutes,
      autoDispatch: autoOn ? { afterS, password: env.CCR_DEMO_PASSWORD || DEMO_PASSWORD } : undefined,
    },
  };
}
