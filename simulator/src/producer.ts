// Sends a simulation to Redis over the ingest contract and nothing else:
//   positions  PUBLISH <base>in:positions <json array>        (latest wins: dropped while Redis is away)
//   incidents  XADD    <base>in:incidents * data <json>        (never dropped: queued until Redis holds them)
// where <base> is the key prefix, or on a Redis Cluster the prefix as a hash tag (`{ccr}:`, keyBase in @ccr/shared,
// the server's rule). The only other thing it touches is reading the tail of its own incidents stream: at start, so
// that a restarted simulator continues today's JQ-… numbering instead of overwriting earlier incidents, and after a
// lost connection, to see which incidents of uncertain fate are in the stream (see flushIncidents).
import { keyBase, type IncidentReport } from '@ccr/shared';
import { chunk, type Simulation } from './simulation.js';
import { RedisLink, redactUrl, type LinkClient } from './redis-link.js';

export { redactUrl };

export interface ProducerOptions {
  /** One Redis; on a Cluster any of its nodes, comma-separated. */
  redisUrl: string;
  /** Key prefix, e.g. "ccr:". */
  prefix: string;
  /** REDIS_CLUSTER: names carry the prefix as a hash tag and the link follows that slot's master. */
  cluster?: boolean;
  /** A command not answered within this is given up and its connection replaced (default 2 s). */
  commandTimeoutMs?: number;
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
  /** Incidents in the stream whose copy on the replicas was not confirmed when the producer stopped. */
  incidentsUnconfirmed: number;
}

export type ProducerRedis = LinkClient;

/** Names of the ingest contract, under the deployment's base (the server's keyspace builds the same). */
export const ingestKeys = (prefix: string, cluster = false): { positions: string; incidents: string } => {
  const base = keyBase({ keyPrefix: prefix, cluster });
  return { positions: `${base}in:positions`, incidents: `${base}in:incidents` };
};

/**
 * Highest JQ-YYYYMMDD-NNNN sequence per day among the stream's latest entries. Best effort: a stream that
 * is missing, trimmed or holds other producers' ids simply contributes nothing.
 */
export async function lastIncidentSequences(redis: ProducerRedis, streamKey: string, count = 500): Promise<Map<string, number>> {
  const last = new Map<string, number>();
  const entries = await redis.xRevRange(streamKey, '+', '-', { COUNT: count });
  for (const entry of entries) {
    const id = reportIdOf(entry.message.data);
    const m = id === undefined ? null : /^JQ-(\d{8})-(\d+)$/.exec(id);
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

/** An incident that may be in the stream but is not known to be on the replicas too (see flushIncidents). */
interface Unsure {
  report: IncidentReport;
  /** The entry's data as sent: a corrected re-send of a report has its id and other content, so this is what is
   *  looked for in the stream. */
  data: string;
  /** Date.now() when its XADD was sent (stream ids are the master's clock in ms). */
  sentAt: number;
  /** The link's generation it was sent under: a later one may be talking to a master that never saw it. */
  generation: number;
  /** The XADD was answered (counted in incidentsSent). */
  written: boolean;
}

/** How long WAIT gives the replicas to hold an incident (it blocks the link's positions meanwhile). */
const WAIT_REPLICAS_MS = 500;
/** Stream ids are the master's clock: look this far back beyond our own send time for an incident of uncertain fate. */
const CLOCK_MARGIN_MS = 60_000;

export async function runProducer(options: ProducerOptions): Promise<ProducerStats> {
  const { signal } = options;
  const log = options.log ?? (() => {});
  const keys = ingestKeys(options.prefix, options.cluster);
  const periodMs = 1000 / options.rateHz;
  const maxPerMessage = options.maxPositionsPerMessage ?? 5000;
  const summaryEveryMs = options.summaryEveryMs ?? 30_000;
  const stats: ProducerStats = {
    ticks: 0, positionsSent: 0, positionMessages: 0, positionsDropped: 0, incidentsSent: 0, incidentsQueued: 0, incidentsUnconfirmed: 0,
  };
  const queue: IncidentReport[] = [];
  const unsure: Unsure[] = [];

  // Reconnects for ever with a capped back-off and, on a Cluster, follows the tag's master through a failover.
  const link = new RedisLink({
    url: options.redisUrl,
    ...(options.cluster ? { clusterHashKey: keys.incidents } : {}),
    ...(options.commandTimeoutMs !== undefined ? { commandTimeoutMs: options.commandTimeoutMs } : {}),
    log,
  });
  link.start();

  // Wait briefly for Redis so the first tick usually goes out, then start regardless.
  const waitMs = options.connectWaitMs ?? 3000;
  await Promise.race([link.firstReady, sleep(waitMs, signal)]);
  if (link.isReady && options.onFirstConnect) {
    try {
      await link.call((c) => options.onFirstConnect!(c));
    } catch (err) {
      log(`redis: start-up read failed (${(err as Error).message}); continuing`);
    }
  }

  // Replicas of the master behind each generation of the link (ROLE), so WAIT asks for all of them: any one may be
  // the one promoted when the master dies.
  let replicasOf: { generation: number; count: number } | undefined;
  async function replicaCount(): Promise<number> {
    const generation = link.generation;
    if (replicasOf?.generation !== generation) {
      const role = (await link.call((c) => c.sendCommand(['ROLE']))) as unknown[];
      replicasOf = { generation, count: role[0] === 'master' && Array.isArray(role[2]) ? role[2].length : 0 };
    }
    return replicasOf.count;
  }

  /** Drops from `unsure` what this connection wrote once its replicas hold it (WAIT covers every earlier write). */
  async function confirm(): Promise<void> {
    const generation = link.generation;
    if (!unsure.some((u) => u.generation === generation && u.written)) return;
    const replicas = await replicaCount();
    // No replica: the master's copy is the only one there is.
    if (replicas > 0 && (await link.call((c) => c.wait(replicas, WAIT_REPLICAS_MS))) < replicas) return;
    for (let i = unsure.length - 1; i >= 0; i--) if (unsure[i]!.generation === generation && unsure[i]!.written) unsure.splice(i, 1);
  }

  /**
   * After the link came back (a restart, a failover, a command that got no answer), the incidents of uncertain fate
   * (XADD unanswered, or answered but not yet on the replicas of a master that may since have died) are looked for in
   * the stream (by their whole data: a correction re-sends an id): found, they count as sent; missing, they go back
   * to the head of the queue. So every report ends up in the stream once, neither lost nor doubled.
   */
  async function reconcile(): Promise<void> {
    const generation = link.generation;
    if (!unsure.some((u) => u.generation !== generation)) return;
    const from = Math.max(0, Math.min(...unsure.map((u) => u.sentAt)) - CLOCK_MARGIN_MS);
    const entries = await link.call((c) => c.xRange(keys.incidents, `${from}-0`, '+'));
    const present = new Set(entries.map((e) => e.message.data));
    const missing: IncidentReport[] = [];
    const looked = unsure.splice(0);
    for (const u of looked) {
      if (present.has(u.data)) {
        if (!u.written) stats.incidentsSent++;
        unsure.push({ ...u, generation, written: true }); // in the stream of this master: confirmed by the next WAIT
      } else {
        if (u.written) stats.incidentsSent--;
        missing.push(u.report);
      }
    }
    queue.unshift(...missing);
    log(`incidents: ${looked.length} of uncertain fate looked for in the stream: ${looked.length - missing.length} there, ${missing.length} to send again`);
  }

  async function flushIncidents(): Promise<void> {
    if (!link.isReady || (queue.length === 0 && unsure.length === 0)) return;
    try {
      await reconcile();
      while (queue.length > 0 && link.isReady) {
        const next = queue.shift()!;
        // From here it may be in the stream whatever the answer: only a read of the stream can tell (reconcile).
        const entry: Unsure = { report: next, data: JSON.stringify(next), sentAt: Date.now(), generation: link.generation, written: false };
        unsure.push(entry);
        await link.call((c) => c.xAdd(keys.incidents, '*', { data: entry.data }));
        entry.written = true;
        stats.incidentsSent++;
      }
      await confirm();
    } catch (err) {
      if (link.isReady) log(`incidents: ${(err as Error).message}; will retry`);
      // Sent under a generation that will not be current once the link is back, so reconcile looks for them.
      for (const u of unsure) u.generation = -1;
    }
  }

  async function sendPositions(positions: readonly unknown[]): Promise<void> {
    if (positions.length === 0) return;
    if (!link.isReady) {
      stats.positionsDropped += positions.length;
      return;
    }
    const messages = chunk(positions, maxPerMessage);
    const results = await Promise.allSettled(messages.map((m) => link.call((c) => c.publish(keys.positions, JSON.stringify(m)))));
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
  const waiting = (): number => queue.length + unsure.filter((u) => !u.written).length;

  function summary(now: number): void {
    const seconds = (now - lastSummary) / 1000;
    const rate = seconds > 0 ? (stats.positionsSent - sentAtLastSummary) / seconds : 0;
    const behindS = (now - started) / 1000 - stats.ticks / options.rateHz;
    log(
      `sim: ${unitCount} units, ${rate.toFixed(1)} positions/s, incidents ${stats.incidentsSent} sent` +
        (waiting() > 0 ? `, ${waiting()} queued` : '') +
        (stats.positionsDropped > 0 ? `, ${stats.positionsDropped} positions dropped` : '') +
        (behindS > 5 ? `, running ${behindS.toFixed(1)} s behind` : '') +
        `, redis ${link.state}` +
        (options.summaryExtra?.() ?? ''),
    );
    lastSummary = now;
    sentAtLastSummary = stats.positionsSent;
  }

  // One incident flush at a time, beside the positions rather than before them: a slow one (WAIT, a reconcile read)
  // must neither race the next tick's nor hold its positions.
  let flushing: Promise<void> | undefined;
  const flush = (): Promise<void> => (flushing ??= flushIncidents().finally(() => { flushing = undefined; }));

  try {
    while (!signal?.aborted && stats.ticks < maxTicks) {
      // Ticks are scheduled from the start, not from the previous tick, so the rate does not drift.
      await sleep(started + stats.ticks * periodMs - performance.now(), signal);
      if (signal?.aborted) break;
      const tick = simulation.tick();
      stats.ticks++;
      queue.push(...tick.incidents);
      for (const r of tick.incidents) log(`incident ${r.id} P${r.priority} ${r.type} ${r.address ?? ''} ${r.summary ?? ''}`.trimEnd());
      void flush();
      await sendPositions(tick.positions);
      const now = performance.now();
      if (now - lastSummary >= summaryEveryMs) summary(now);
    }
    // Give queued incidents a last chance: they must not be lost silently.
    const deadline = performance.now() + 2000;
    for (;;) {
      await flush();
      if (queue.length === 0 && unsure.length === 0) break;
      if (performance.now() >= deadline) break;
      await sleep(100);
    }
    if (waiting() > 0) log(`stopping with ${waiting()} incidents unsent (redis ${link.state})`);
    else if (unsure.length > 0) log(`stopping with ${unsure.length} incidents in the stream not yet confirmed on its replicas`);
  } finally {
    stats.incidentsQueued = waiting();
    stats.incidentsUnconfirmed = unsure.filter((u) => u.written).length;
    await link.close();
  }
  summary(performance.now());
  return stats;
}

/** The report id in a stream entry's data, if it is a JSON object with one. */
function reportIdOf(data: unknown): string | undefined {
  if (typeof data !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return undefined;
  }
  return parsed !== null && typeof parsed === 'object' && 'id' in parsed && typeof parsed.id === 'string' ? parsed.id : undefined;
}
