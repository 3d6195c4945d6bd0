import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';

export const NotFoundSchema = Type.Object({ error: Type.Literal('not_found'), message: Type.String() });

export function notFound(reply: FastifyReply, message: string) {
  return reply.code(404).send({ error: 'not_found' as const, message });
}
