// How the HTTP API answers what it refuses and what fails: one shape, `{ error, message, params, … }`, for every
// route. `error` is a code of @ccr/shared's ERRORS and `params` the values its sentence names, which the client
// says in the user's language; `message` is English, for API users and logs. Schema refusals are 400s naming the
// field; an unexpected failure is a 500 naming only a request id (the error itself goes to the log); Redis away is
// a 503. No dependency's own message reaches a client.
import { Type } from '@sinclair/typebox';
import { ApiErrorSchema, ErrorParamsSchema, refusal, type ErrorCode, type ErrorSubject } from '@ccr/shared';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  ClientClosedError, ClientOfflineError, ConnectionTimeoutError, DisconnectsClientError, ReconnectStrategyError,
  SocketClosedUnexpectedlyError, SocketTimeoutError,
} from 'redis';

/** The body of every refusal and failure (@ccr/shared's). Routes that document a 400 use this (or extend it). */
export { ApiErrorSchema };

export const NotFoundSchema = Type.Object({ error: Type.Literal('not_found'), message: Type.String(), params: Type.Optional(ErrorParamsSchema) });

export const notFoundBody = (subject: ErrorSubject, id: string) => ({ ...refusal('not_found', { subject, id }, `no ${subject} "${id}"`), error: 'not_found' as const });

/** 404: no `subject` with this id. */
export function notFound(reply: FastifyReply, subject: ErrorSubject, id: string) {
  return reply.code(404).send(notFoundBody(subject, id));
}

/** An error to throw from a hook or handler: the app's error handler answers it with this code and params. */
export function refusalError(statusCode: number, r: { error: ErrorCode; params: object; message: string }): Error {
  return Object.assign(new Error(r.message), { statusCode, error: r.error, params: r.params });
}

const clip = (s: string, n = 200): string => (s.length > n ? `${s.slice(0, n)}…` : s);

/** A schema refusal as the client sees it: the first reason (ajv's, English), with the field it concerns. */
export function validationBody(err: FastifyError): { error: 'invalid_request'; message: string; params: { path: string; reason: string }; path: string } {
  const first = err.validation?.[0];
  const params = first?.params ?? {};
  // ajv names an unknown or missing property in params, not in the path.
  const property = params.additionalProperty ?? params.missingProperty;
  const path = clip(`/${err.validationContext ?? 'request'}${first?.instancePath ?? ''}${typeof property === 'string' ? `/${property}` : ''}`, 120);
  const reason = clip(first?.message ?? err.message);
  return { error: 'invalid_request', message: `invalid request: ${path} ${reason}`, params: { path, reason }, path };
}

/** node-redis errors that mean "Redis cannot be reached now" rather than "this command was wrong". */
export function isRedisUnavailable(err: unknown): boolean {
  return err instanceof ClientClosedError || err instanceof ClientOfflineError || err instanceof ConnectionTimeoutError ||
    err instanceof DisconnectsClientError || err instanceof ReconnectStrategyError || err instanceof SocketClosedUnexpectedlyError ||
    err instanceof SocketTimeoutError || (err instanceof Error && err.message === 'redis not ready');
}

const CLIENT_ERRORS: Record<number, [code: ErrorCode, en: string]> = {
  400: ['bad_request', 'bad request'],
  401: ['unauthorized', 'unauthorized'],
  403: ['forbidden', 'forbidden'],
  404: ['not_found', 'not found'],
  405: ['method_not_allowed', 'method not allowed'],
  406: ['not_acceptable', 'not acceptable'],
  411: ['length_required', 'length required'],
  413: ['too_large', 'request body too large'],
  415: ['unsupported_media_type', 'unsupported content type'],
  429: ['rate_limited', 'too many requests'],
};

type AnyError = FastifyError & { error?: unknown; params?: unknown };

/**
 * The app's error handler (app.setErrorHandler). Scoped handlers (statistics, dispatch, recommendations) count or
 * audit their refusals and rethrow, so the answer is always made here.
 */
export function apiErrorHandler(app: FastifyInstance) {
  const metrics = () => (app.hasDecorator('metrics') ? app.metrics : undefined);
  return function handle(err: AnyError, req: FastifyRequest, reply: FastifyReply) {
    const route = req.routeOptions.url ?? 'none';
    if (err.validation) {
      const body = validationBody(err);
      metrics()?.httpRejected.inc({ route, part: err.validationContext ?? 'request' });
      return reply.code(400).send(body);
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status < 500) {
      // Our own refusals (refusalError) carry a code, params and an English message; Fastify's and parsers' (bad
      // JSON, wrong content type, too large) carry an English message, which becomes the reason of a generic code.
      if (typeof err.error === 'string') {
        const params = typeof err.params === 'object' && err.params !== null ? err.params : {};
        return reply.code(status).send({ error: err.error, message: clip(String(err.message), 500), params });
      }
      const [code, en] = CLIENT_ERRORS[status] ?? ['http_error', 'refused'];
      const reason = clip(String(err.message));
      const params = code === 'bad_request' ? { reason }
        : code === 'not_found' ? { subject: 'route', id: clip(`${req.method} ${req.url}`) }
          : code === 'rate_limited' ? { seconds: 60 }
            : code === 'http_error' ? { status } : {};
      return reply.code(status).send({ error: code, message: `${en}: ${reason}`, params });
    }
    const redis = app.hasDecorator('redis') ? app.redis.command : undefined;
    if (isRedisUnavailable(err) || (redis && !redis.isReady)) {
      metrics()?.httpFailed.inc({ route, status: '503' });
      req.log.warn({ err, route }, 'request failed: redis unavailable');
      return reply.code(503).send({
        error: 'unavailable', message: `the data store is unavailable, retry shortly (request ${req.id})`, params: {}, requestId: req.id,
      });
    }
    metrics()?.httpFailed.inc({ route, status: '500' });
    req.log.error({ err, route }, 'request failed');
    return reply.code(500).send({
      error: 'internal', message: `internal error, logged as request ${req.id}`, params: {}, requestId: req.id,
    });
  };
}
