// The audit log: `app.audit.record()` for every module, and GET /api/audit for leaders and admins.
// Registered before the Redis and metrics plugins (so the auth hook that uses it covers every route), it
// reaches Redis and the metrics registry only when first used.
import fp from 'fastify-plugin';
import { Counter } from 'prom-client';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AUDIT_ROLES, AuditPageSchema, AuditQuerySchema } from '@ccr/shared';
import { AuditRepository } from './audit-repository.js';
import type { AuditEntryInput } from '../auth/auth-contract.js';
import type { Keyspace } from '../../plugins/keyspace.js';

export interface AuditModuleOptions {
  keyspace: Keyspace;
  retentionDays: number;
}

export const auditModule = fp<AuditModuleOptions>(
  async (base, opts) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();
    const retentionMs = opts.retentionDays * 86_400_000;
    let repo: AuditRepository | undefined;
    let failures: Counter | undefined;
    const repository = (): AuditRepository => (repo ??= new AuditRepository(app.redis.command, opts.keyspace));

    app.decorate('audit', {
      async record(entry: AuditEntryInput): Promise<void> {
        try {
          // While Redis is away a write would wait for it, holding up the caller's answer (often a refusal).
          if (!app.redis.command.isReady) throw new Error('redis not ready');
          await repository().append(entry, Date.now(), retentionMs);
        } catch (err) {
          failures ??= new Counter({ name: 'ccr_audit_write_failures_total', help: 'Audit entries that could not be written', registers: [app.metrics.registry] });
          failures.inc();
          app.log.error({ err: (err as Error).message, action: entry.action, target: entry.target }, 'audit write failed');
        }
      },
    });

    app.get('/api/audit', {
      config: { roles: AUDIT_ROLES },
      schema: {
        tags: ['audit'], summary: 'Audit log, newest first, filtered and paged (pass nextCursor as cursor for the next page)',
        querystring: AuditQuerySchema,
        response: { 200: AuditPageSchema },
      },
    }, async (req) => {
      const { limit = 100, cursor, ...filter } = req.query;
      return repository().query(filter, limit, cursor);
    });
  },
  { name: 'audit' },
);
