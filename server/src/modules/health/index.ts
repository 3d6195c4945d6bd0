import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';

const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  node: Type.String(),
  uptimeS: Type.Number(),
  clients: Type.Integer(),
  redis: Type.Object({ ok: Type.Boolean(), latencyMs: Type.Optional(Type.Number()), error: Type.Optional(Type.String()) }),
});

export const healthModule: FastifyPluginAsync<{ nodeId: string }> = async (base, { nodeId }) => {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const started = Date.now();
  app.get('/api/health', {
    config: { public: true },
    schema: { tags: ['ops'], summary: 'Liveness, with Redis reachability (503 when Redis is unreachable)', response: { 200: HealthSchema, 503: HealthSchema } },
  }, async (_req, reply) => {
    const base = { node: nodeId, uptimeS: Math.round((Date.now() - started) / 1000), clients: app.io.engine.clientsCount };
    const t0 = performance.now();
    try {
      await Promise.race([
        app.redis.command.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout after 1000 ms')), 1000).unref()),
      ]);
      return { status: 'ok' as const, ...base, redis: { ok: true, latencyMs: Math.round((performance.now() - t0) * 100) / 100 } };
    } catch (err) {
      // A public route: the driver's own message (addresses, ports) is not for it; the redis plugin logs the outage.
      const error = (err as Error).message.startsWith('timeout') ? 'timeout' : 'unreachable';
      return reply.code(503).send({ status: 'degraded' as const, ...base, redis: { ok: false, error } });
    }
  });
};
