// Redis connections: one shared command connection, plus dedicated ones for subscribe and blocking reads
// (a blocking XREAD would otherwise stall every other command on its connection).
import fp from 'fastify-plugin';
import { createClient } from 'redis';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Metrics } from './metrics.js';
import { TagRoute } from './redis-cluster-route.js';

export type RedisClient = ReturnType<typeof createClient>;

export interface RedisConnections {
  command: RedisClient;
  /** A new dedicated connection (for SUBSCRIBE or blocking reads); closed with the app. */
  dedicated(name: string): Promise<RedisClient>;
  /** Resolves once REDIS_WAIT_REPLICAS replicas hold what the command connection wrote up to now (at once when the
   *  setting is 0): called before a write is acknowledged, over HTTP or a socket (see waitForReplicas). */
  replicated(log: FastifyBaseLogger): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    redis: RedisConnections;
  }
}

/** A connection that stays up this long after coming back ends its episode of trouble. */
const QUIET_MS = 30_000;

/**
 * Logs an episode of trouble once, however many reconnect attempts or drops it takes: one line when it starts,
 * one when the connection is back, and, if it was lost again meanwhile (a subscriber dropped again and again
 * under a flood), one line with the count once it has stayed up for QUIET_MS. Every loss of a ready connection
 * is counted in `ccr_redis_connection_lost_total{connection}`. node-redis reconnects by itself (the first
 * attempt at once) and subscribes again to what the connection was subscribed to, so a subscriber that Redis
 * dropped (past its client-output-buffer-limit) recovers without help.
 */
function connect(url: string, name: string, log: FastifyBaseLogger, metrics?: Metrics): RedisClient {
  const client = createClient({
    url,
    name: `ccr-${name}`,
    // Reconnect forever with capped backoff: the server must ride out a Redis restart unattended.
    socket: { reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 5_000), connectTimeout: 5_000 },
  });
  let down = false;
  let wasReady = false;
  let episode: { since: number; losses: number; reported: number; restored: boolean } | undefined;
  let quiet: NodeJS.Timeout | undefined;
  client.on('error', (err: Error) => {
    if (down) return; // another failed attempt of the same outage
    down = true;
    clearTimeout(quiet);
    const lost = wasReady ? 1 : 0;
    if (lost) metrics?.redisConnectionLost.inc({ connection: name });
    if (episode) {
      episode.losses += lost;
      return;
    }
    episode = { since: Date.now(), losses: lost, reported: lost, restored: false };
    log.error({ err: err.message, connection: name }, lost ? 'redis connection lost' : 'redis connection error');
  });
  client.on('ready', () => {
    wasReady = true;
    if (!down) return;
    down = false;
    const e = episode;
    if (e && !e.restored) {
      e.restored = true;
      log.info({ connection: name, downMs: Date.now() - e.since }, 'redis connection restored');
    }
    quiet = setTimeout(() => {
      if (e && e.losses > e.reported) {
        log.warn({ connection: name, losses: e.losses, seconds: Math.round((Date.now() - e.since) / 1_000) }, 'redis connection was lost again and again (a subscriber past its output buffer limit?); stable again');
      }
      episode = undefined;
    }, QUIET_MS);
    quiet.unref();
  });
  return client;
}

export interface RedisPluginOptions {
  /** REDIS_URL: one node's URL; on a Cluster any number of nodes, comma-separated (any one that answers will do). */
  url: string;
  /** REDIS_CLUSTER: a key in the deployment's one hash slot (keyspace.base): every connection goes to that slot's
   *  master and follows it on failover (redis-cluster-route.ts). */
  cluster?: { hashKey: string };
  /** REDIS_WAIT_REPLICAS: see waitForReplicas. */
  waitReplicas?: number;
}

/** How long a write request waits for its replicas before it is answered anyway (with a warning). */
const WAIT_MS = 1_000;

/**
 * Waits until `replicas` replicas hold what the shared command connection wrote up to now (Redis WAIT covers the
 * calling connection's writes, and every command commits on that connection), so a master that dies after the
 * answer cannot take the command with it. WAIT blocks that connection for one replica round trip; a replica that
 * does not answer within WAIT_MS delays the answer by that much and is logged, and the command is answered
 * (availability first).
 */
function replicaWait(command: RedisClient, replicas: number): (log: FastifyBaseLogger) => Promise<void> {
  if (replicas <= 0) return async () => undefined;
  return async (log) => {
    const held = await command.wait(replicas, WAIT_MS).catch(() => -1);
    if (held < replicas) log.warn({ replicas, held }, 'redis: a write was answered before enough replicas held it (REDIS_WAIT_REPLICAS)');
  };
}

/** Answers a write request (POST, PUT, PATCH, DELETE, status < 300) only once the replicas hold it. Socket events
 *  wait in their own preambles (delivery/device-event.ts, volunteers-socket.ts). */
function waitForReplicas(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS' || reply.statusCode >= 300) return payload;
    await app.redis.replicated(request.log);
    return payload;
  });
}

/** Where a deployment's connections go: its one Redis, or on a Cluster the master of its tag, followed on failover. */
export interface DeploymentRedis {
  /** A new connection by name (CLIENT SETNAME ccr-<name>), connected. */
  open(name: string): Promise<RedisClient>;
  /** Stops following the tag's master (the connections themselves are closed by their holders). */
  stop(): void;
}

/**
 * Opens connections the way the server does, for the server and for its command-line tools (seed-history.ts): to
 * REDIS_URL, or with REDIS_CLUSTER to the master of the deployment's slot (found among the nodes REDIS_URL names and
 * followed when it moves, redis-cluster-route.ts). `metrics`: the server counts lost connections; a tool has none.
 */
export async function deploymentRedis(opts: Pick<RedisPluginOptions, 'url' | 'cluster'>, log: FastifyBaseLogger, metrics?: Metrics): Promise<DeploymentRedis> {
  const route = opts.cluster ? new TagRoute(opts.url.split(','), opts.cluster.hashKey, (url, name) => connect(url, name, log, metrics), log) : null;
  await route?.start();
  return {
    async open(name) {
      if (route) return route.connection(name);
      const c = connect(opts.url, name, log, metrics);
      await c.connect();
      return c;
    },
    stop: () => route?.stop(),
  };
}

export const redisPlugin = fp<RedisPluginOptions>(
  async (app, opts) => {
    // One connection by name: to the one node, or to the master of the deployment's slot (followed on failover).
    const deployment = await deploymentRedis(opts, app.log, app.metrics);
    const all: RedisClient[] = [await deployment.open('command')];
    app.decorate('redis', {
      command: all[0]!,
      async dedicated(name: string) {
        const c = await deployment.open(name);
        all.push(c);
        return c;
      },
      replicated: replicaWait(all[0]!, opts.waitReplicas ?? 0),
    } satisfies RedisConnections);
    app.addHook('onClose', async () => {
      deployment.stop();
      await Promise.allSettled(all.map((c) => (c.isOpen ? c.close() : undefined)));
    });
    if (opts.waitReplicas) waitForReplicas(app);
  },
  { name: 'redis', dependencies: ['metrics'] },
);
