// buildApp(config): infrastructure plugins, then one module per capability. Tests build it with a config.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { LogController, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import { DEFAULT_PLAUSIBILITY, ISO_INSTANT_FORMAT, finiteKeyword, isIsoInstant, refusal } from '@ccr/shared';
import type { Config } from './config.js';
import { apiErrorHandler, notFoundBody } from './modules/http-errors.js';
import { redisPlugin } from './plugins/redis.js';
import { Keyspace } from './plugins/keyspace.js';
import { socketIoPlugin } from './plugins/socket-io.js';
import { metricsPlugin } from './plugins/metrics.js';
import { loadJurisdiction, jurisdictionRoutes } from './modules/jurisdiction/index.js';
import { liveModule } from './modules/live/index.js';
import { ingestModule } from './modules/ingest/index.js';
import { unitsModule } from './modules/units/index.js';
import { incidentsModule } from './modules/incidents/index.js';
import { healthModule } from './modules/health/index.js';
import { dispatchModule } from './modules/dispatch/index.js';
import { statsModule } from './modules/stats/index.js';
import { securityPlugin } from './plugins/security.js';
import { auditModule } from './modules/audit/index.js';
import { authModule } from './modules/auth/index.js';
import { recommendationModule } from './modules/recommendation/index.js';
import { targetsModule } from './modules/targets/index.js';
import { communityModule } from './modules/community/index.js';
import { fingerprintKeyOf } from './modules/community/community-settings.js';
import { volunteersModule } from './modules/volunteers/index.js';
import { respondersModule } from './modules/responders/index.js';

export type { Config } from './config.js';
export { loadConfig } from './config.js';

/** Fastify's two info lines per request drown the log (400+ terminal logins at start, metric scrapes): one
 *  line per request instead, at debug when it succeeded and at info when it was refused. Errors stay errors. */
class OneLineRequestLog extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(error: Error | null | undefined, req: FastifyRequest, reply: FastifyReply): void {
    const line = { method: req.method, url: req.url.split('?')[0], statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else if (reply.statusCode >= 400) reply.log.info(line, 'request refused');
    else reply.log.debug(line, 'request');
  }
}
export async function buildApp(config: Config, opts: { logger?: FastifyServerOptions['logger'] } = {}) {
  const jurisdiction = await loadJurisdiction(config.jurisdictionDir);
  const timeZone = config.timeZone ?? jurisdiction.station.timeZone ?? 'Asia/Shanghai';
  // Every key and channel of the deployment, named once (plugins/keyspace.ts).
  const keyspace = new Keyspace({ keyPrefix: config.keyPrefix, cluster: config.redisCluster });

  const app = Fastify({
    logger: opts.logger ?? { level: config.logLevel },
    // Unknown fields are refused, not silently stripped (shared/DESIGN.md conventions). The keyword and format
    // are the shared ones TypeBox checks for sockets and ingest: a finite number after query-string coercion
    // (Fastify's ajv turns "1e309" into Infinity) and a calendar-checked instant.
    ajv: { customOptions: { removeAdditional: false, keywords: [finiteKeyword], formats: { [ISO_INSTANT_FORMAT]: isIsoInstant } } },
    bodyLimit: 1_048_576,
    // Modules read Redis and build the road graph's trees as they register: seconds on a busy 2-core machine,
    // past Fastify's 10 s default when several nodes start at once (a slow start is not a hung one).
    pluginTimeout: 60_000,
    logController: new OneLineRequestLog(),
    // A 500 names its request id so its log entry can be found: unique across restarts and nodes.
    genReqId: () => randomBytes(8).toString('hex'),
    // A URL that cannot be decoded is refused in the same shape as everything else.
    frameworkErrors: (err, _req, reply: FastifyReply) => reply.code(400).send(
      refusal('bad_url', {}, `the URL cannot be decoded: ${err.message.slice(0, 200)}`),
    ),
  });
  app.setErrorHandler(apiErrorHandler(app));
  // Before any route: the OpenAPI document is collected by an onRoute hook, which sees only routes added after it
  // (registered later, the auth, accounts and audit sections of /docs were empty).
  await app.register(swagger, {
    openapi: {
      info: { title: '综合指挥室 Command-room API', version: '0.1.0', description: `Live situational picture for ${jurisdiction.station.name}` },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'A token from POST /api/auth/login or /api/auth/device; PRODUCER_TOKEN for the ingest twins; METRICS_TOKEN for /metrics' } } },
      tags: [
        { name: 'live', description: 'Units and incidents now' },
        { name: 'map', description: 'Jurisdiction: grids and roads' },
        { name: 'ingest', description: 'HTTP twins of the Redis ingest contract' },
        { name: 'ops', description: 'Health and metrics' },
        { name: 'dispatch', description: 'Commands of the shift leader: dispatch, backup, reassign, cancel, merge, call-out, resolve, close, unit status' },
        { name: 'auth', description: 'Login, device login, refresh, logout' },
        { name: 'accounts', description: 'Accounts and roles (admin)' },
        { name: 'audit', description: 'Audit log (leader, admin)' },
        { name: 'stats', description: 'Statistics for leadership: today, trends, year-on-year, response times, ETA accuracy' },
        { name: 'community', description: 'The community team\'s loops: dispute cases (受理→分流→调解→回访→销号) and tasks (下单→反馈→督导), their figures' },
        { name: 'volunteers', description: 'Volunteers (群防群治): clues (线索) from volunteers and the public, broadcast searches (协查), school-gate posts (护学岗)' },
        { name: 'responders', description: 'The people around the police on the terminal app: call-out clocks of minimum emergency units (1-3-5), roll-calls (点名) and readiness' },
      ],
    },
  });
  // First: their hooks must see and guard every route registered after them (deny by default).
  await app.register(securityPlugin, { keyspace, corsOrigins: config.corsOrigins, rateLimitPerMinute: config.auth.rateLimitPerMinute, loginRateLimitPerMinute: config.auth.loginRateLimitPerMinute });
  await app.register(authModule, { keyspace, demoMode: config.demoMode, producerToken: config.producerToken, auth: config.auth, unitIds: jurisdiction.units.map((u) => u.id), unitNames: new Map(jurisdiction.units.map((u) => [u.id, u.name])), volunteers: jurisdiction.volunteers ?? [], timeZone });
  await app.register(auditModule, { keyspace, retentionDays: config.auth.auditRetentionDays });

  await app.auth.publicRoutes(() => app.register(swaggerUi, { routePrefix: '/docs' }));
  await app.register(metricsPlugin);
  await app.register(redisPlugin, { url: config.redisUrl, cluster: config.redisCluster ? { hashKey: keyspace.base } : undefined, waitReplicas: config.redisWaitReplicas });
  await app.register(socketIoPlugin, { corsOrigins: config.corsOrigins });
  await app.register(liveModule, {
    jurisdiction, keyspace, timeZone, staleAfterMs: config.staleAfterMs, attention: config.attention,
    frameIntervalMs: config.frameIntervalMs, eventStreamMaxLen: config.eventStreamMaxLen, nodeId: config.nodeId,
  });
  await app.register(ingestModule, { jurisdiction, keyspace, nodeId: config.nodeId, ingest: config.ingest, timeScale: config.fieldTimeScale, duplicates: config.duplicates });
  await app.register(healthModule, { nodeId: config.nodeId });
  await app.register(unitsModule, { roster: jurisdiction.units });
  await app.register(incidentsModule);
  await app.register(recommendationModule, {
    jurisdiction, keyspace, nodeId: config.nodeId, timeZone, reach: config.reach, policy: config.dispatchPolicy,
    targets: config.responseTargets, calibration: config.etaCalibration, timeScale: config.fieldTimeScale, arrivalRadiusM: config.arrivalRadiusM,
    staleAfterMs: config.staleAfterMs,
  });
  await app.register(targetsModule, { targets: config.responseTargets, keyspace, nodeId: config.nodeId, eventStreamMaxLen: config.eventStreamMaxLen });
  await app.register(dispatchModule, { keyspace, eventStreamMaxLen: config.eventStreamMaxLen, nodeId: config.nodeId, arrivalRadiusM: config.arrivalRadiusM });
  await app.register(statsModule, {
    jurisdiction, keyspace, nodeId: config.nodeId, staleAfterMs: config.staleAfterMs, eventStreamMaxLen: config.eventStreamMaxLen,
    presenceTargetPercent: config.presenceTargetPercent, presenceSampleSeconds: config.presenceSampleSeconds,
  });
  await app.register(communityModule, {
    jurisdiction, keyspace, eventStreamMaxLen: config.eventStreamMaxLen, timeZone, settings: config.community,
    // Repeat detection keeps keyed fingerprints of names and phones, never the plain values.
    fingerprintKey: fingerprintKeyOf(config.auth.deviceSecret, config.keyPrefix),
  });
  await app.register(volunteersModule, { jurisdiction, keyspace, eventStreamMaxLen: config.eventStreamMaxLen, timeZone, settings: config.volunteers });
  await app.register(respondersModule, {
    jurisdiction, keyspace, nodeId: config.nodeId, clockSkewMs: config.ingest.positionClockSkewMs, rollCall: config.rollCall,
    // The ingest's own plausibility settings: a phone's fix is judged as every other fix is.
    plausibility: { ...DEFAULT_PLAUSIBILITY, accuracyM: config.ingest.positionAccuracyM, frozenAfterMs: config.ingest.positionFrozenAfterMs, timeScale: config.fieldTimeScale },
  });
  await app.register(jurisdictionRoutes, { jurisdiction });

  if (config.clientDist && existsSync(join(config.clientDist, 'index.html'))) {
    const root = config.clientDist;
    // wildcard: files are looked up per request, so a client rebuilt while the server runs is served as is.
    await app.auth.publicRoutes(() => app.register(fastifyStatic, { root, wildcard: true }));
    // Client-side routes (/dispatch, /stats …) load the same page; a missing file is a 404, not that page.
    app.setNotFoundHandler((req, reply) => {
      const path = req.url.split('?')[0] ?? '';
      const isPage = !path.startsWith('/api/') && !path.startsWith('/socket.io') && !path.startsWith('/assets/') && !/\.[a-z0-9]+$/i.test(path);
      if (req.method === 'GET' && isPage) return reply.sendFile('index.html', root);
      return reply.code(404).send(notFoundBody('route', `${req.method} ${req.url.slice(0, 200)}`));
    });
  } else {
    app.setNotFoundHandler((req, reply) => reply.code(404).send(notFoundBody('route', `${req.method} ${req.url.slice(0, 200)}`)));
    app.get('/', { config: { public: true }, schema: { hide: true } }, async (_req, reply) =>
      reply.code(503).type('text/plain; charset=utf-8').send('大屏尚未构建 / the wall display is not built: run `pnpm --filter @ccr/client build` (pnpm start does this).\n'));
  }
  return app;
}
