// Sends a simulation to Redis over the ingest contract and nothing else:
//   positions  PUBLISH <prefix>in:positions <json array>        (latest wins: dropped while Redis is away)
//   incidents  XADD    <prefix>in:incidents * data <json>        (never dropped: queued until Redis is back)
// The only other thing it touches is reading the tail of its own incidents stream at start, so that a
// restarted simulator continues today's JQ-… numbering instead of overwriting earlier incidents.
import { createClient } from 'redis';
import type { IncidentReport } from '@ccr/shared';
import { chunk, type Simulation } from './simulation.js';

export interface ProducerOptions {
  redisUrl: string;
  /** Key prefix, e.g. "ccr:". */
  prefix: string;
  /**
   * Builds the simulation once Redis is (or is given up on as) reachable, with the wall-clock time of its
   * tick 0, so position timestamps line up with the clock however long the connection took.
   */
  simulation: (startMs: number) => Simulation;
  /** Ticks per wall-clock second (the simulation's rate). */
  rateHz: number;
  /** Stop after this many wall-clock seconds; default: until the signal aborts. */
  durationS?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
  summaryEveryMs?: number;
  /** Largest position array in one message (the contract allows 10,000). */
  maxPositionsPerMessage?: number;
  /** How long to wait for Redis before starting anyway (positions are dropped until it comes). */
  connectWaitMs?: number;
  /** Called once when Redis is first reachable, before the first tick (e.g. to resume incident numbering). */
  onFirstConnect?: (redis: ProducerRedis) => Promise<void>;
  /** More to say in the periodic summary line (e.g. the unit terminals), starting with ", ". */
  summaryExtra?: () => string;
}

export interface ProducerStats {
  ticks: number;
  positionsSent: number;
  positionMessages: number;
  /** Positions not sent because Redis was unreachable (they are stale a second later anyway). */
  positionsDropped: number;
  incidentsSent: number;
  /** Incidents waiting for Redis. */
  incidentsQueued: number;
}

export type ProducerRedis = ReturnType<typeof createClient>;

/** Keys of the ingest contract. */
export const ingestKeys = (prefix: string): { positions: string; incidents: string } => ({
  positions: `${prefix}in:positions`,
  incidents: `${prefix}in:incidents`,
});

/** The URL without its password, for log lines. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/**
 * Highest JQ-YYYYMMDD-NNNN sequence per day among the stream's latest entries. Best effort: a stream that
 * is missing, trimmed or holds other producers' ids simply contributes nothing.
 */
export async function lastIncidentSequences(redis: ProducerRedis, streamKey: string, count = 500): Promise<Map<string, number>> {
  const last = new Map<string, number>();
  const entries = await redis.xRevRange(streamKey, '+', '-', { COUNT: count });
  for (const entry of entries) {
    const data = entry.message.data;
    if (typeof data !== 'string') continue;
    let id: unknown;
    try {
      id = (JSON.parse(data) as { id?: unknown }).id;
    } catch {
      continue;
    }
    const m = typeof id === 'string' ? /^JQ-(\d{8})-(\d+)$/.exec(id) : null;
    if (!m) continue;
    last.set(m[1]!, Math.max(last.get(m[1]!) ?? 0, Number(m[2])));
  }
  return last;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

export async function runProducer(options: ProducerOptions): Promise<ProducerStats> {
  const { signal } = options;
  const log = options.log ?? (() => {});
  const keys = ingestKeys(options.prefix);
  const periodMs = 1000 / options.rateHz;
  const maxPerMessage = options.maxPositionsPerMessage ?? 5000;
  const summaryEveryMs = options.summaryEveryMs ?? 30_000;
  const where = redactUrl(options.redisUrl);
  const stats: ProducerStats = { ticks: 0, positionsSent: 0, positionMessages: 0, positionsDropped: 0, incidentsSent: 0, incidentsQueued: 0 };
  const queue: IncidentReport[] = [];

  // Reconnect for ever with a capped back-off; fail fast while disconnected instead of buffering
  // commands, because a stale position is worthless and incidents have their own queue here.
  const redis: ProducerRedis = createClient({
    url: options.redisUrl,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: (retries: number) => Math.min(250 * 2 ** Math.min(retries, 5), 5000), connectTimeout: 5000 },
  });
  let link: 'connecting' | 'up' | 'down' = 'connecting';
  let downSince = 0;
  let warnedConnecting = false;
  redis.on('error', (err: Error) => {
    const reason = err.message || err.name;
    if (link === 'up') {
      link = 'down';
      downSince = Date.now();
      log(`redis: connection lost (${reason}); reconnecting`);
    } else if (link === 'connecting' && !warnedConnecting) {
      warnedConnecting = true;
      log(`redis: cannot reach ${where} (${reason}); retrying`);
    }
  });
  redis.on('ready', () => {
    if (link === 'down') log(`redis: reconnected after ${((Date.now() - downSince) / 1000).toFixed(1)} s`);
    else log(`redis: connected to ${where}`);
    link = 'up';
  });
  const connecting = redis.connect().catch(() => undefined);

  // Wait briefly for Redis so the first tick usually goes out, then start regardless.
  const waitMs = options.connectWaitMs ?? 3000;
  await Promise.race([connecting, sleep(waitMs, signal)]);
  if (redis.isReady && options.onFirstConnect) {
    try {
      await options.onFirstConnect(redis);
    } catch (err) {
      log(`redis: start-up read failed (${(err as Error).message}); continuing`);
    }
  }

  async function flushIncidents(): Promise<void> {
    while (queue.length > 0 && redis.isReady) {
      const next = queue[0]!;
      try {
        await redis.xAdd(keys.incidents, '*', { data: JSON.stringify(next) });
      } catch (err) {
        if (redis.isReady) log(`incident ${next.id}: XADD failed (${(err as Error).message}); will retry`);
        return;
      }
      queue.shift();
      stats.incidentsSent++;
    }
  }

  async function sendPositions(positions: readonly unknown[]): Promise<void> {
    if (positions.length === 0) return;
    if (!redis.isReady) {
      stats.positionsDropped += positions.length;
      return;
    }
    const messages = chunk(positions, maxPerMessage);
    const results = await Promise.allSettled(messages.map((m) => redis.publish(keys.positions, JSON.stringify(m))));
    results.forEach((r, i) => {
      const n = messages[i]!.length;
      if (r.status === 'fulfilled') {
        stats.positionsSent += n;
        stats.positionMessages++;
      } else {
        stats.positionsDropped += n;
      }
    });
  }

  const simulation = options.simulation(Date.now());
  const started = performance.now();
  // The first window also holds tick 0, sent at its very start.
  let lastSummary = started - periodMs;
  let sentAtLastSummary = 0;
  const maxTicks = options.durationS === undefined ? Infinity : Math.max(1, Math.round(options.durationS * options.rateHz));
  const unitCount = simulation.units.length;

  function summary(now: number): void {
    const seconds = (now - lastSummary) / 1000;
    const rate = seconds > 0 ? (stats.positionsSent - sentAtLastSummary) / seconds : 0;
    const behindS = (now - started) / 1000 - stats.ticks / options.rateHz;
    log(
      `sim: ${unitCount} units, ${rate.toFixed(1)} positions/s, incidents ${stats.incidentsSent} sent` +
        (queue.length > 0 ? `, ${queue.length} queued` : '') +
        (stats.positionsDropped > 0 ? `, ${stats.positionsDropped} positions dropped` : '') +
        (behindS > 5 ? `, running ${behindS.toFixed(1)} s behind` : '') +
        `, redis ${link}` +
        (options.summaryExtra?.() ?? ''),
    );
    lastSummary = now;
    sentAtLastSummary = stats.positionsSent;
  }

  try {
    while (!signal?.aborted && stats.ticks < maxTicks) {
      // Ticks are scheduled from the start, not from the previous tick, so the rate does not drift.
      await sleep(started + stats.ticks * periodMs - performance.now(), signal);
      if (signal?.aborted) break;
      const tick = simulation.tick();
      stats.ticks++;
      queue.push(...tick.incidents);
      for (const r of tick.incidents) log(`incident ${r.id} P${r.priority} ${r.type} ${r.address ?? ''} ${r.summary ?? ''}`.trimEnd());
      await Promise.all([sendPositions(tick.positions), flushIncidents()]);
      const now = performance.now();
      if (now - lastSummary >= summaryEveryMs) summary(now);
    }
    // Give queued incidents a last chance: they must not be lost silently.
    const deadline = performance.now() + 2000;
    while (queue.length > 0 && performance.now() < deadline) {
      await flushIncidents();
      if (queue.length > 0) await sleep(100);
    }
    if (queue.length > 0) log(`stopping with ${queue.length} incidents unsent (redis ${link})`);
  } finally {
    stats.incidentsQueued = queue.length;
    try {
      if (redis.isReady) await redis.close();
      else redis.destroy();
    } catch {
      // already closed
    }
  }
  summary(performance.now());
  return stats;
}
