// Prometheus metrics with a registry per app instance (tests build several apps in one process).
import type {} from '@fastify/swagger'; // adds tags/summary to route schemas
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ccr_' }); // ccr_process_cpu_seconds_total, ccr_nodejs_heap_size_used_bytes, …
  const lagBuckets = [5, 10, 25, 50, 100, 150, 200, 250, 500, 1000, 2500, 5000];
  return {
    registry,
    ingestAccepted: new Counter({ name: 'ccr_ingest_accepted_total', help: 'Ingest messages (positions: per position) accepted', labelNames: ['path'] as const, registers: [registry] }),
    ingestRejected: new Counter({ name: 'ccr_ingest_rejected_total', help: 'Ingest input rejected, by path and reason', labelNames: ['path', 'reason'] as const, registers: [registry] }),
    positionsDropped: new Counter({ name: 'ccr_positions_dropped_total', help: 'Position messages shed unparsed because the node was behind (latest-wins data only; bytes in ccr_positions_shed_bytes_total)', registers: [registry] }),
    incidentsApplied: new Counter({ name: 'ccr_incidents_applied_total', help: 'Incident reports applied, by effect', labelNames: ['change'] as const, registers: [registry] }),
    clientsConnected: new Gauge({ name: 'ccr_socket_clients', help: 'Socket.IO clients connected to this node', registers: [registry] }),
    socketRejected: new Counter({ name: 'ccr_socket_rejected_total', help: 'Socket events refused, by event and reason', labelNames: ['event', 'reason'] as const, registers: [registry] }),
    framesSent: new Counter({ name: 'ccr_fanout_frames_total', help: 'Position frames broadcast', registers: [registry] }),
    catchUpFrames: new Counter({ name: 'ccr_fanout_catchup_frames_total', help: 'Catch-up frames sent to clients that fell behind', registers: [registry] }),
    fanoutLag: new Histogram({ name: 'ccr_fanout_lag_ms', help: 'Time from ingest (positions) or commit (events) to emit on this node', labelNames: ['kind'] as const, buckets: lagBuckets, registers: [registry] }),
    socketsRevoked: new Counter({ name: 'ccr_socket_revoked_total', help: 'Sockets disconnected because their session ended, by how this node learnt it: revocation (a logout or account change on any node, at once), sweep (the periodic re-check: expiry, or a revocation message lost), event (an event found the session gone)', labelNames: ['via'] as const, registers: [registry] }),
    revocationsUnconfirmed: new Counter({ name: 'ccr_auth_revocations_unconfirmed_total', help: 'Revocations not confirmed by every node within a second (those nodes end the sockets at their next sweep)', registers: [registry] }),
    httpRejected: new Counter({ name: 'ccr_http_rejected_total', help: 'HTTP requests refused by a schema (400), by route and part (querystring, params, body)', labelNames: ['route', 'part'] as const, registers: [registry] }),
    httpFailed: new Counter({ name: 'ccr_http_failed_total', help: 'HTTP requests that failed on the server (500) or for want of Redis (503), by route and status', labelNames: ['route', 'status'] as const, registers: [registry] }),
    redisConnectionLost: new Counter({ name: 'ccr_redis_connection_lost_total', help: 'Redis connections lost, once per outage however many reconnect attempts it takes; position-subscriber: the positions subscription was dropped (e.g. by its client-output-buffer-limit) and is resubscribed', labelNames: ['connection'] as const, registers: [registry] }),
    positionsClamped: new Counter({ name: 'ccr_positions_clamped_total', help: 'Positions stamped further ahead of the server clock than POSITION_CLOCK_SKEW_MS, kept at the server time', registers: [registry] }),
    positionsFrozen: new Counter({ name: 'ccr_positions_frozen_total', help: 'Units flagged with a frozen fix: identical coordinates for POSITION_FROZEN_AFTER_S while dispatched or en route', registers: [registry] }),
    positionsShedBytes: new Counter({ name: 'ccr_positions_shed_bytes_total', help: 'Bytes of position messages shed unparsed because the node was behind', registers: [registry] }),
    ingestStreamEntries: new Gauge({ name: 'ccr_ingest_stream_entries', help: 'Entries on the incident ingest stream at the last housekeeping (applied ones are trimmed by count, size and age)', registers: [registry] }),
    ingestStreamBytes: new Gauge({ name: 'ccr_ingest_stream_bytes', help: 'Redis memory of the incident ingest stream at the last housekeeping (MEMORY USAGE estimate)', registers: [registry] }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

export const metricsPlugin = fp(
  async (app) => {
    const metrics = createMetrics();
    app.decorate('metrics', metrics);
    // Admins, or a Prometheus scraper holding METRICS_TOKEN.
    app.get('/metrics', { config: { roles: ['admin'], scrapeToken: true }, schema: { tags: ['ops'], summary: 'Prometheus metrics (text exposition format); an admin token or METRICS_TOKEN as the bearer', produces: ['text/plain'] } }, async (_req, reply) => {
      reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  },
  { name: 'metrics' },
);
