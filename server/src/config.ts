// Every setting comes from the environment, with defaults that run the demo (listed in the README).
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { DEMO_JURISDICTION_DIR } from './modules/jurisdiction/index.js';
import { loadAuthConfig, type AuthConfig } from './modules/auth/auth-config.js';
import { DEFAULT_ETA_CALIBRATION, type EtaCalibrationSettings } from './modules/recommendation/index.js';
import { loadCommunitySettings, type CommunitySettings } from './modules/community/community-settings.js';
import { loadVolunteerSettings, type VolunteerSettings } from './modules/volunteers/volunteers-settings.js';
import {
  DEFAULT_DUPLICATE_RULES, parseDispatchPolicy, parseReachOptions, parseResponseTargets, type AttentionSettings, type DispatchPolicy,
  type DuplicateRules, type ReachOptions, type TargetsByPriority,
} from '@ccr/shared';

export interface Config {
  port: number;
  host: string;
  redisUrl: string;
  /** Prefix of every Redis key and channel, ingest contract included. */
  keyPrefix: string;
  /** REDIS_CLUSTER: the deployment runs on a Redis Cluster, so its names carry the prefix as a hash tag
   *  (`{ccr}:…`, plugins/keyspace.ts). Off, every name is KEY_PREFIX followed by its path, as it always was. */
  redisCluster: boolean;
  /** REDIS_WAIT_REPLICAS: a write request (POST, PUT, PATCH, DELETE) is answered only once this many replicas hold
   *  its writes (WAIT, at most 1 s), so a failover loses no acknowledged command. 0: answered at once. */
  redisWaitReplicas: number;
  jurisdictionDir: string;
  /** A tracked unit silent for this long is shown as stale (失联). */
  staleAfterMs: number;
  /** Positions are coalesced into one frame per interval per client. */
  frameIntervalMs: number;
  /** Station time zone for "today"; defaults to the jurisdiction's, then Asia/Shanghai. */
  timeZone: string | undefined;
  /** Demo mode: documented demo defaults (e.g. the producer token) are allowed. */
  demoMode: boolean;
  /** Bearer token for the HTTP ingest twins; none outside demo mode means the twins are closed. */
  producerToken: string | undefined;
  /** Domain-event stream length kept for clients that reconnect (approximate, MAXLEN ~). */
  eventStreamMaxLen: number;
  /** Built wall display served at `/`; skipped when the folder does not exist. */
  clientDist: string | undefined;
  /** This node's name: its consumer name in the ingest group and its lease holder name. Defaults to host name and
   *  port, stable across restarts, so a restarted node finishes its own unacknowledged incidents at once. */
  nodeId: string;
  /** Ingest stream housekeeping and the refused-input sample (INGEST_* settings). */
  ingest: IngestSettings;
  logLevel: string;
  /** Allowed browser origins besides the server's own (comma-separated), for a separately hosted client. */
  corsOrigins: string[];
  /** Target share of police grids a patrol visits every hour (见警率), percent (PRESENCE_TARGET). */
  presenceTargetPercent: number;
  /** Patrol presence is sampled every this many seconds (PRESENCE_SAMPLE_SECONDS). */
  presenceSampleSeconds: number;
  /** Speeds per unit kind and road class, turnout times, walking speed and road-detour factor for ETAs and the
   *  1-3-5 rings (UNIT_SPEEDS, UNIT_TURNOUT, WALK_SPEED_MPS, DETOUR_FACTOR). */
  reach: ReachOptions;
  /** Who is offered for which incident type and in which order (DISPATCH_POLICY or DISPATCH_POLICY_FILE). */
  dispatchPolicy: DispatchPolicy;
  /** How the ranking's ETAs are calibrated from measured arrivals (ETA_CALIBRATION_DAYS, _MIN_SAMPLES, _EVERY_S). */
  etaCalibration: EtaCalibrationSettings;
  /** Field seconds per real second when a simulator drives the demo faster than real time (SIM_TIME_SCALE, demo
   *  mode only): measured travel times are scaled by it to compare with ETAs. */
  fieldTimeScale: number;
  /** Response targets per priority (RESPONSE_TARGETS as JSON in seconds; defaults from the 1-3-5 mechanism). */
  responseTargets: TargetsByPriority;
  /** A dispatched or en-route unit this close to its incident (metres) is detected on scene. */
  arrivalRadiusM: number;
  /** Roll-call (点名) of minimum emergency units: how long a unit has to answer, and how many missed in a row flag it. */
  rollCall: { answerMs: number; missesToFlag: number; closeEveryMs: number };
  /** How long a new P1 or a missed target holds the walls' map (ATTENTION_FOCUS_S) and how often an
   *  unacknowledged alarm repeats its tone (ALARM_REPEAT_S). */
  attention: AttentionSettings;
  /** A new report this close (DUPLICATE_RADIUS_M) and this soon (DUPLICATE_WINDOW_MIN) after an open incident of
   *  the same or a related type is flagged 疑似重复 (shared/src/duplicates.ts). */
  duplicates: DuplicateRules;
  /** Accounts, sessions, audit retention and rate limits (server/src/modules/auth/auth-config.ts). */
  auth: AuthConfig;
  /** Dispute stage limits, the repeat window and the task catalogue (COMMUNITY_* settings). */
  community: CommunitySettings;
  /** Public clue limits and school-gate windows (PUBLIC_CLUE* and GUARD_* settings). */
  volunteers: VolunteerSettings;
}

export interface IngestSettings {
  /** Entries read by a node that stopped answering for this long are taken over by another (INGEST_CLAIM_IDLE_MS). */
  claimIdleMs: number;
  /** Applied (acknowledged) incident entries kept on the stream: at most this many (INGEST_KEEP_ENTRIES)… */
  keepEntries: number;
  /** …about this many bytes of stream (INGEST_KEEP_MB, in MiB)… */
  keepBytes: number;
  /** …and no older than this (INGEST_KEEP_HOURS); never an entry still pending or not yet delivered. */
  keepMs: number;
  /** Refused incident entries kept for inspection, newest first, data cut to 1 KiB (INGEST_REJECT_SAMPLE). */
  rejectSample: number;
  /** A position stamped further ahead of the server's clock than this is stored at the server's time
   *  (POSITION_CLOCK_SKEW_MS); more than 5 minutes ahead is refused. */
  positionClockSkewMs: number;
  /** Identical coordinates this long while dispatched or en route flag the unit's fix as frozen (POSITION_FROZEN_AFTER_S). */
  positionFrozenAfterMs: number;
  /** A receiver's own error, metres: the plausibility filter allows this much on top of each kind's top speed
   *  (POSITION_ACCURACY_M). */
  positionAccuracyM: number;
}

export const DEMO_PRODUCER_TOKEN = 'demo-producer-token';

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`配置错误 / bad setting ${name}=${JSON.stringify(raw)}: expected an integer from ${min} to ${max}`);
  }
  return n;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new Error(`配置错误 / bad setting ${name}=${JSON.stringify(env[name])}: expected true or false`);
}

/** DISPATCH_POLICY (inline JSON) or DISPATCH_POLICY_FILE (a JSON file), not both; defaults when neither. */
function dispatchPolicy(env: NodeJS.ProcessEnv): DispatchPolicy {
  const inline = env.DISPATCH_POLICY;
  const file = env.DISPATCH_POLICY_FILE;
  if (inline && file) throw new Error('配置错误 / bad setting: DISPATCH_POLICY and DISPATCH_POLICY_FILE are both set; use one');
  if (!file) return parseDispatchPolicy(inline);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`配置错误 / bad setting DISPATCH_POLICY_FILE=${JSON.stringify(file)}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseDispatchPolicy(text, `DISPATCH_POLICY_FILE ${file}`);
}

/** SIM_TIME_SCALE as the simulator reads it (a number above 0, at most 3600); only a demo may run faster. */
function fieldTimeScale(env: NodeJS.ProcessEnv, demoMode: boolean): number {
  const raw = env.SIM_TIME_SCALE;
  if (raw === undefined || raw.trim() === '') return 1;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 3600) throw new Error(`配置错误 / bad setting SIM_TIME_SCALE=${JSON.stringify(raw)}: expected a number above 0, at most 3600`);
  if (n !== 1 && !demoMode) throw new Error('配置错误 / bad setting SIM_TIME_SCALE: a field running faster than real time is a demo (DEMO_MODE=true) only');
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const demoMode = bool(env, 'DEMO_MODE', true);
  const keyPrefix = env.KEY_PREFIX ?? 'ccr:';
  if (!/^[A-Za-z0-9_.:-]{0,32}$/.test(keyPrefix)) throw new Error(`配置错误 / bad setting KEY_PREFIX=${JSON.stringify(keyPrefix)}`);
  const redisCluster = bool(env, 'REDIS_CLUSTER', false);
  if (redisCluster && keyPrefix.replaceAll(':', '') === '') throw new Error('配置错误 / bad setting KEY_PREFIX: REDIS_CLUSTER needs a non-empty KEY_PREFIX to use as the hash tag');
  const port = int(env, 'PORT', 8080, 0, 65535);
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    keyPrefix,
    redisCluster,
    redisWaitReplicas: int(env, 'REDIS_WAIT_REPLICAS', 0, 0, 5),
    jurisdictionDir: env.JURISDICTION_DIR || DEMO_JURISDICTION_DIR,
    staleAfterMs: int(env, 'STALE_AFTER_MS', 30_000, 1_000, 86_400_000),
    frameIntervalMs: int(env, 'FRAME_INTERVAL_MS', 100, 20, 5_000),
    timeZone: env.TIME_ZONE || undefined,
    demoMode,
    producerToken: env.PRODUCER_TOKEN || (demoMode ? DEMO_PRODUCER_TOKEN : undefined),
    eventStreamMaxLen: int(env, 'EVENT_STREAM_MAXLEN', 100_000, 1_000, 10_000_000),
    clientDist: env.CLIENT_DIST || new URL('../../client/dist', import.meta.url).pathname,
    nodeId: env.NODE_ID || `${hostname()}-${port}`,
    ingest: {
      claimIdleMs: int(env, 'INGEST_CLAIM_IDLE_MS', 60_000, 1_000, 86_400_000),
      keepEntries: int(env, 'INGEST_KEEP_ENTRIES', 10_000, 100, 10_000_000),
      keepBytes: int(env, 'INGEST_KEEP_MB', 16, 1, 16_384) * 1_048_576,
      keepMs: int(env, 'INGEST_KEEP_HOURS', 24, 1, 24 * 365) * 3_600_000,
      rejectSample: int(env, 'INGEST_REJECT_SAMPLE', 1_000, 10, 1_000_000),
      positionClockSkewMs: int(env, 'POSITION_CLOCK_SKEW_MS', 5_000, 0, 300_000),
      positionFrozenAfterMs: int(env, 'POSITION_FROZEN_AFTER_S', 180, 10, 86_400) * 1000,
      positionAccuracyM: int(env, 'POSITION_ACCURACY_M', 100, 5, 10_000),
    },
    logLevel: env.LOG_LEVEL ?? 'info',
    corsOrigins: (env.CORS_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    presenceTargetPercent: int(env, 'PRESENCE_TARGET', 80, 1, 100),
    presenceSampleSeconds: int(env, 'PRESENCE_SAMPLE_SECONDS', 30, 5, 600),
    reach: parseReachOptions(env),
    dispatchPolicy: dispatchPolicy(env),
    etaCalibration: {
      windowDays: int(env, 'ETA_CALIBRATION_DAYS', DEFAULT_ETA_CALIBRATION.windowDays, 0, 90),
      minSamples: int(env, 'ETA_CALIBRATION_MIN_SAMPLES', DEFAULT_ETA_CALIBRATION.minSamples, 1, 100_000),
      recomputeEveryMs: int(env, 'ETA_CALIBRATION_EVERY_S', DEFAULT_ETA_CALIBRATION.recomputeEveryMs / 1000, 5, 86_400) * 1000,
    },
    fieldTimeScale: fieldTimeScale(env, demoMode),
    responseTargets: parseResponseTargets(env.RESPONSE_TARGETS),
    arrivalRadiusM: int(env, 'ARRIVAL_RADIUS_M', 50, 5, 5_000),
    rollCall: {
      answerMs: int(env, 'ROLL_CALL_ANSWER_S', 300, 10, 86_400) * 1000,
      missesToFlag: int(env, 'ROLL_CALL_MISSES_TO_FLAG', 3, 1, 100),
      closeEveryMs: 1_000,
    },
    attention: {
      focusMs: int(env, 'ATTENTION_FOCUS_S', 20, 5, 600) * 1000,
      repeatAfterMs: int(env, 'ALARM_REPEAT_S', 60, 10, 3_600) * 1000,
    },
    duplicates: {
      radiusMeters: int(env, 'DUPLICATE_RADIUS_M', DEFAULT_DUPLICATE_RULES.radiusMeters, 0, 5_000),
      windowMs: int(env, 'DUPLICATE_WINDOW_MIN', DEFAULT_DUPLICATE_RULES.windowMs / 60_000, 0, 24 * 60) * 60_000,
    },
    auth: loadAuthConfig(env, demoMode, int),
    community: loadCommunitySettings(env, int),
    volunteers: loadVolunteerSettings(env, int),
  };
}
